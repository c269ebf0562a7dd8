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
  if (process.env.ECON_PRINT) console.log(JSON.stringify(counters.byKind), counters.apiCalls);
  return { calls: counters.apiCalls, byKind: counters.byKind, written: result.itemsSynced ?? 0 };
}

describe('Salesforce API calls per run', () => {
  it('a first sync of 5 contacts, 2 tasks and 2 events into Outlook costs 3 calls', async () => {
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
    // 1. composite: Mailbox_Sync__c with Email_No_Match__c and the user (sObject Rows, no
    //    queries), the 3 describes, the events the user is invited to, and each kind's first page
    //    (contacts, tasks, events) asked from the stored configuration before the fresh one is in
    // 2. the events' invitees (EventRelation of the events read)
    // 3. the status write-back (Mailbox_Sync__c)
    expect(first.calls).toBe(3);
    expect(first.byKind).toEqual({ compositeRequest: 1, composite: 2, 'sub:retrieve': 2, 'sub:describe': 3, 'sub:query': 4, query: 1, compositeUpdate: 1 });
  });

  it('a quiescent run costs 4 calls, none of them a describe', async () => {
    const again = await runCounted();
    expect(again.written).toBe(0);
    // 1. composite: Mailbox_Sync__c, the user, the invitations, contacts and tasks changed since
    //    their watermarks (describes are cached per process)
    // 2. composite: their deletes, and the events' changes and deletes (5 queries a composite)
    // 3. the events' invitees (our own writes' echoes)
    // 4. the status write-back
    expect(again.calls).toBe(4);
    expect(again.byKind).toEqual({ compositeRequest: 2, composite: 3, 'sub:retrieve': 2, 'sub:query': 4, 'sub:queryAll': 3, query: 1, compositeUpdate: 1 });
  });

  it('a Mailbox_Sync__c changed since the last run discards the first pages asked from the stored one and reads again', async () => {
    // a full resync (no cursors: each kind's first read is its whole scope), and the admin widens
    // the contact scope: the contacts page asked as My Contacts must not be used
    for (const c of await stack.store.listCursors(m.mailboxSyncId)) await stack.store.deleteCursor(m.mailboxSyncId, c.side, c.channel);
    const other = stack.salesforce.users[0]!.id;
    stack.salesforce.admin.insert('Contact', { FirstName: 'Someone', LastName: 'Else', Email: 'else@example.com', OwnerId: other }, { asUserId: other });
    stack.salesforce.admin.update('Mailbox_Sync__c', m.mailboxSyncId, { Contact_Scope__c: 'All Contacts' });
    const changed = await runCounted();
    // the other user's contact is in scope now: read by the All Contacts query, written to Outlook
    expect(changed.written).toBe(1);
    const outlook = stack.graph.admin.items(m.address, 'contact').map((c) => String(c.surname ?? ''));
    expect(outlook).toContain('Else');
    // 1. composite as above (the contacts page asked as My Contacts is left unused)
    // 2. composite: the contacts in scope as All Contacts, the events' invitees
    // 3. the status write-back
    expect(changed.calls).toBe(3);
    // 6 queries: the 4 of the opening call (the My Contacts page among them), All Contacts, invitees
    expect(changed.byKind).toEqual({ compositeRequest: 2, composite: 3, 'sub:retrieve': 2, 'sub:query': 6, compositeUpdate: 1 });
  });

  it('250 meetings made in Outlook: their owner lookups go out together, not one call per 200 upserts', async () => {
    const day = new Date(Math.floor(Date.now() / DAY) * DAY + 3 * DAY).toISOString().slice(0, 10);
    for (let n = 0; n < 250; n++) {
      const hour = String(8 + (n % 10)).padStart(2, '0');
      stack.graph.admin.userCreateEvent(m.address, null, {
        subject: `Outlook meeting ${n}`,
        start: { dateTime: `${day}T${hour}:00:00`, timeZone: 'UTC' },
        end: { dateTime: `${day}T${hour}:30:00`, timeZone: 'UTC' },
        categories: ['Salesforce'],
      });
    }
    const made = await runCounted();
    expect(made.written).toBe(250);
    const events = stack.salesforce.admin.query("SELECT Id, OwnerId FROM Event WHERE Subject LIKE 'Outlook meeting%'");
    expect(events).toHaveLength(250);
    expect(events.every((e) => e.OwnerId === m.salesforceUserId)).toBe(true);
    // 1-2. composites: the opening reads with the kinds' changes and deletes (7 queries)
    // 3. the invitees of the 2 events read (echoes)
    // 4. composite: the owner lookups of the 250 new meetings, asked as the Outlook page is read
    //    (3 queries of 100 keys; one call per 200 upserts before)
    // 5. composite: the planner's candidates, 3 queries by key (the invitations as the read had them)
    // 6-7. the 2 upserts (200 + 50), which take the lookups' answers
    // 8. the status write-back
    expect(made.calls).toBe(8);
    expect(made.byKind).toEqual({ compositeRequest: 4, composite: 7, 'sub:retrieve': 2, 'sub:query': 10, 'sub:queryAll': 3, query: 1, compositeUpsert: 2, compositeUpdate: 1 });
  });
});

