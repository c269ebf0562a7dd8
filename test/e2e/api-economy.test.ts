// Salesforce API calls per run on the local stack (issue 11): reads issued together share one
// composite request, so a small sync costs a fixed, known number of calls. Counts are
// deterministic (which reads go out in one tick does not depend on timing).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack, type StackMailbox } from '../../scripts/lib/stack.ts';

let stack: LocalStack;
let m: StackMailbox;

beforeAll(async () => {
  stack = await startLocalStack({ seed: { salesforce: 'none', mailboxes: 1, mailboxSync: { Sync_Events__c: true, Events_Direction__c: 'Both' } }, start: false });
  m = stack.mailboxes[0]!;
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

const DAY = 86_400_000;

async function runCounted(): Promise<{ calls: number; byKind: Record<string, number>; written: number }> {
  stack.salesforce.admin.resetCounters();
  const result = await stack.runtime.runMailbox(m.mailboxSyncId, 'sync-now');
  expect(result.ok).toBe(true);
  const counters = stack.salesforce.admin.counters();
  return { calls: counters.apiCalls, byKind: counters.byKind, written: result.itemsSynced ?? 0 };
}

describe('Salesforce API calls per run', () => {
  it('a first sync of 5 contacts, 2 tasks and 2 events into Outlook costs 4 calls', async () => {
    const owner = m.salesforceUserId;
    const day = Math.floor(Date.now() / DAY) * DAY + 2 * DAY + 9 * 3_600_000;
    for (let n = 0; n < 5; n++) stack.salesforce.admin.insert('Contact', { FirstName: 'Eco', LastName: `Contact${n}`, OwnerId: owner }, { asUserId: owner });
    for (let n = 0; n < 2; n++) stack.salesforce.admin.insert('Task', { Subject: `Eco task ${n}`, Status: 'Not Started', OwnerId: owner }, { asUserId: owner });
    for (let n = 0; n < 2; n++) {
      const start = new Date(day + n * DAY).toISOString();
      stack.salesforce.admin.insert('Event', { Subject: `Eco meeting ${n}`, StartDateTime: start, EndDateTime: new Date(day + n * DAY + 1_800_000).toISOString(), OwnerId: owner }, { asUserId: owner });
    }
    const first = await runCounted();
    expect(first.written).toBe(9);
    // 1. composite: Mailbox_Sync__c, the user, Email_No_Match__c, the 3 describes and the events
    //    the user is invited to (the opening reads)
    // 2. composite: each kind's first page, read ahead together (contacts, tasks, events)
    // 3. the events' invitees (EventRelation of the events read)
    // 4. the status write-back (Mailbox_Sync__c)
    expect(first.calls).toBe(4);
    expect(first.byKind).toEqual({ compositeRequest: 2, composite: 3, 'sub:describe': 3, 'sub:query': 7, query: 1, compositeUpdate: 1 });
  });

  it('a quiescent run costs 5 calls, none of them a describe', async () => {
    const again = await runCounted();
    expect(again.written).toBe(0);
    // 1. composite: Mailbox_Sync__c, the user, Email_No_Match__c, the invitations (describes are cached per process)
    // 2. composite: contacts and tasks changed since the watermark with their deletes, the events' deletes
    // 3. events changed since the watermark (our own writes' echoes): the sixth query of the tick
    // 4. the events' invitees
    // 5. the status write-back
    expect(again.calls).toBe(5);
    expect(again.byKind).toEqual({ compositeRequest: 2, composite: 3, 'sub:query': 6, 'sub:queryAll': 3, query: 2, compositeUpdate: 1 });
  });
});
