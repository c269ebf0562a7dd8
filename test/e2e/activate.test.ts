// Setup's Activate: Apex calls the worker's resume BEFORE it sets Enabled__c = true (no callout
// after DML). The run that resume starts still reads Enabled__c = false; the explicit resume must
// win over that older value, and only a later change of Enabled__c in Salesforce decides again.
// Runs are driven by hand (runtime.runMailbox), no scheduler loop, no sleeps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack, type StackMailbox } from '../../scripts/lib/stack.ts';
import { graphContacts, sfQuery, stampOf, waitFor } from './helpers.ts';

let stack: LocalStack;
let m: StackMailbox;

async function api(path: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${stack.worker.url}/api/v1/mailboxes/${m.mailboxSyncId}/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.worker.apiToken}`, 'content-type': 'application/json' },
    body: '{}',
  });
  expect(res.status).toBeLessThan(300);
  return (await res.json()) as Record<string, unknown>;
}

const state = async (): Promise<string | undefined> => (await stack.store.getMailbox(m.mailboxSyncId))?.state;
const sfStatus = (): unknown => sfQuery(stack, `SELECT Status__c FROM Mailbox_Sync__c WHERE Id = '${m.mailboxSyncId}'`)[0]?.Status__c;

beforeAll(async () => {
  stack = await startLocalStack({ seed: { mailboxSync: { Enabled__c: false } }, start: false });
  m = stack.mailboxes[0]!;
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

it('resume while Enabled__c is still false, then Enabled__c = true → Active and syncing', async () => {
  expect(await state()).toBe('paused');
  await api('provision');
  expect(await state()).toBe('paused');

  // SetupController.activate: the callout first…
  const resumed = await api('resume');
  expect(resumed.state).toBe('active');
  // …and the run it starts reads the stale Enabled__c = false: the resume still wins.
  const c1 = stack.salesforce.admin.insert('Contact', { FirstName: 'Ada', LastName: 'Active', Email: 'ada@example.test', OwnerId: m.salesforceUserId });
  await stack.runtime.runMailbox(m.mailboxSyncId, 'schedule');
  expect(await state()).toBe('active');
  expect(graphContacts(stack, m).some((c) => stampOf(c) === c1)).toBe(true);
  expect(sfStatus()).toBe('Active');

  // …then Apex's DML: Enabled__c = true. Still active, still syncing.
  stack.salesforce.admin.update('Mailbox_Sync__c', m.mailboxSyncId, { Enabled__c: true });
  const c2 = stack.salesforce.admin.insert('Contact', { FirstName: 'Bea', LastName: 'Active', Email: 'bea@example.test', OwnerId: m.salesforceUserId });
  await stack.runtime.runMailbox(m.mailboxSyncId, 'schedule');
  expect(await state()).toBe('active');
  expect(graphContacts(stack, m).some((c) => stampOf(c) === c2)).toBe(true);
  expect(sfStatus()).toBe('Active');
  const status = await fetch(`${stack.worker.url}/api/v1/mailboxes/${m.mailboxSyncId}/status`, { headers: { authorization: `Bearer ${stack.worker.apiToken}` } });
  expect(((await status.json()) as { state: string }).state).toBe('active');
}, 60_000);

it('a later Enabled__c = false in Salesforce is the admin’s word: the mailbox pauses', async () => {
  stack.salesforce.admin.update('Mailbox_Sync__c', m.mailboxSyncId, { Enabled__c: false });
  const c3 = stack.salesforce.admin.insert('Contact', { FirstName: 'Cy', LastName: 'Paused', Email: 'cy@example.test', OwnerId: m.salesforceUserId });
  await stack.runtime.runMailbox(m.mailboxSyncId, 'schedule');
  expect(await state()).toBe('paused');
  expect(graphContacts(stack, m).some((c) => stampOf(c) === c3)).toBe(false);
}, 60_000);

it('a resume from the Status page wins over Enabled__c = false until Enabled__c changes; a pause ends it', async () => {
  await api('resume');
  await stack.runtime.runMailbox(m.mailboxSyncId, 'schedule');
  expect(await state()).toBe('active');
  await api('pause');
  await stack.runtime.runMailbox(m.mailboxSyncId, 'schedule');
  expect(await state()).toBe('paused');
}, 60_000);

describe('with the Salesforce feed running', () => {
  let live: LocalStack;
  let mb: StackMailbox;
  beforeAll(async () => {
    live = await startLocalStack({ seed: { mailboxSync: { Enabled__c: false } }, start: false });
    mb = live.mailboxes[0]!;
    // The change feeds only: runs are still driven by hand.
    await live.runtime.startFeeds();
    await live.runtime.feedReady();
  }, 60_000);
  afterAll(async () => {
    await live?.close();
  });

  it('an admin ticking Enabled__c on the record (no worker call) provisions and activates the mailbox', async () => {
    expect((await live.store.getMailbox(mb.mailboxSyncId))?.state).toBe('paused');
    live.salesforce.admin.update('Mailbox_Sync__c', mb.mailboxSyncId, { Enabled__c: true });
    await waitFor('Mailbox_Sync__ChangeEvent to activate the mailbox', async () => (await live.store.getMailbox(mb.mailboxSyncId))?.state === 'active');
    const c = live.salesforce.admin.insert('Contact', { FirstName: 'Di', LastName: 'Feed', Email: 'di@example.test', OwnerId: mb.salesforceUserId });
    await live.runtime.runMailbox(mb.mailboxSyncId, 'schedule');
    expect(graphContacts(live, mb).some((x) => stampOf(x) === c)).toBe(true);

    // …and unticking it pauses the mailbox without waiting for a run.
    live.salesforce.admin.update('Mailbox_Sync__c', mb.mailboxSyncId, { Enabled__c: false });
    await waitFor('Mailbox_Sync__ChangeEvent to pause the mailbox', async () => (await live.store.getMailbox(mb.mailboxSyncId))?.state === 'paused');
  }, 60_000);
});
