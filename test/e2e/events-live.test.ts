// Events on the live path of the local stack (scheduler running, CDC feed, Graph webhooks): an
// Outlook event given the category reaches Salesforce through a Graph notification → hint → run,
// and a Salesforce event reaches Outlook through CDC → hint → run. Deadlines, never sleeps.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalStack, type LocalStack, type StackMailbox } from '../../scripts/lib/stack.ts';
import { sfQuery, stampOf, waitFor, type Json } from './helpers.ts';

let stack: LocalStack;
let m: StackMailbox;

beforeAll(async () => {
  stack = await startLocalStack({
    seed: { salesforce: 'none', mailboxes: 1, mailboxSync: { Sync_Events__c: true, Events_Direction__c: 'Both', Sync_Contacts__c: false, Sync_Tasks__c: false } },
    runtime: { pollIntervalMs: 200, hintDelayMs: 20 },
  });
  m = stack.mailboxes[0]!;
  await stack.runtime.runMailbox(m.mailboxSyncId, 'sync-now');
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

it('the mailbox has a Graph subscription on its calendar', () => {
  expect(stack.graph.admin.subscriptions().some((s) => String(s.resource).endsWith('/events'))).toBe(true);
});

it('an Outlook event with the category reaches Salesforce without a manual run', async () => {
  const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
  stack.graph.admin.userCreateEvent(m.address, null, {
    subject: 'Live from Outlook',
    start: { dateTime: `${day}T09:00:00`, timeZone: 'UTC' },
    end: { dateTime: `${day}T09:30:00`, timeZone: 'UTC' },
    categories: ['Salesforce'],
  });
  const row = await waitFor('the Salesforce event', () => sfQuery(stack, `SELECT Id, StartDateTime FROM Event WHERE Subject = 'Live from Outlook'`)[0]);
  expect(row.Id).toBeDefined();
});

it('a Salesforce event reaches Outlook without a manual run', async () => {
  const start = new Date(Date.now() + 4 * 86_400_000).toISOString();
  const id = stack.salesforce.admin.insert('Event', { Subject: 'Live from Salesforce', StartDateTime: start, ActivityDateTime: start, DurationInMinutes: 30, OwnerId: m.salesforceUserId });
  const item = await waitFor('the Outlook event', () => (stack.graph.admin.items(m.address, 'event') as Json[]).find((e) => stampOf(e) === id));
  expect(item.subject).toBe('Live from Salesforce');
  expect(stack.graph.admin.counters().sentInvitations).toBe(0);
});

it("a Salesforce event someone else owns reaches an invitee's Outlook without a manual run", async () => {
  const start = new Date(Date.now() + 5 * 86_400_000).toISOString();
  const owner = stack.salesforce.users[0]!.id;
  const id = stack.salesforce.admin.insert('Event', { Subject: 'Invited live', StartDateTime: start, ActivityDateTime: start, DurationInMinutes: 30, OwnerId: owner });
  stack.salesforce.admin.insert('EventRelation', { EventId: id, RelationId: m.salesforceUserId, IsInvitee: true });
  const item = await waitFor('the Outlook event', () => (stack.graph.admin.items(m.address, 'event') as Json[]).find((e) => stampOf(e) === id));
  expect(item.subject).toBe('Invited live');
});
