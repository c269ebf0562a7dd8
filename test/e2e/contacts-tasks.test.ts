// End to end on the local stack (both emulators, real jsforce and Graph clients, SQLite store):
// contacts and tasks flow both ways. Runs are driven with runtime.runMailbox so each step is
// deterministic; the last scenario uses the live path (Graph webhook → hint → scheduler run).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack, type StackMailbox } from '../../scripts/lib/stack.ts';
import { containers, graphContacts, graphTasks, sfQuery, stampOf, waitFor, type Json } from './helpers.ts';

let stack: LocalStack;
let m: StackMailbox;
const run = async () => {
  const result = await stack.runtime.runMailbox(m.mailboxSyncId, 'sync-now');
  expect(result.ok).toBe(true);
  return result;
};

beforeAll(async () => {
  stack = await startLocalStack({ seed: 'none', start: false });
  m = stack.mailboxes[0]!;
  await run();
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

describe('contacts', () => {
  let sfId: string;
  let exId: string;

  it('a Salesforce contact appears in the Salesforce Contacts folder with its Salesforce Id stamped', async () => {
    sfId = stack.salesforce.admin.insert('Contact', { FirstName: 'Ada', LastName: 'Lovelace', Email: 'ada@example.test', Title: 'Analyst', OwnerId: m.salesforceUserId });
    await run();
    const { contactFolderId } = await containers(stack, m);
    const item = graphContacts(stack, m).find((c) => stampOf(c) === sfId);
    expect(item).toBeDefined();
    expect(item!.givenName).toBe('Ada');
    expect(item!.jobTitle).toBe('Analyst');
    expect([contactFolderId, undefined]).toContain(item!.parentFolderId ?? undefined);
    exId = item!.id as string;
  });

  it('edits flow both ways', async () => {
    stack.salesforce.admin.update('Contact', sfId, { Title: 'Chief Analyst' });
    await run();
    expect(graphContacts(stack, m).find((c) => c.id === exId)!.jobTitle).toBe('Chief Analyst');
    stack.graph.admin.userUpdateContact(m.address, exId, { department: 'Engines' });
    await run();
    expect(sfQuery(stack, `SELECT Id, Department FROM Contact WHERE Id = '${sfId}'`)[0]!.Department).toBe('Engines');
    // quiescent: a further run writes nothing
    const again = await run();
    expect(again.itemsSynced).toBe(0);
  });

  it('a conflict lands as a Sync_Issue__c', async () => {
    stack.salesforce.admin.update('Contact', sfId, { Title: 'Title from Salesforce' });
    stack.graph.admin.userUpdateContact(m.address, exId, { jobTitle: 'Title from Outlook' });
    await run();
    const issues = sfQuery(stack, `SELECT Id, Kind__c, Object_Type__c, Salesforce_Id__c, Message__c FROM Sync_Issue__c WHERE Mailbox_Sync__c = '${m.mailboxSyncId}'`);
    expect(issues.some((i) => i.Kind__c === 'Conflict' && i.Object_Type__c === 'Contact' && i.Salesforce_Id__c === sfId)).toBe(true);
    // Salesforce wins by default, on both sides
    expect(graphContacts(stack, m).find((c) => c.id === exId)!.jobTitle).toBe('Title from Salesforce');
    const status = sfQuery(stack, `SELECT Status__c, Open_Issues__c FROM Mailbox_Sync__c WHERE Id = '${m.mailboxSyncId}'`)[0]!;
    expect(status.Status__c).toBe('Active');
    expect(Number(status.Open_Issues__c)).toBeGreaterThan(0);
  });

  it('with Conflict Winner set to Exchange, the Outlook value stays and the Salesforce one is recorded', async () => {
    stack.salesforce.admin.update('Mailbox_Sync__c', m.mailboxSyncId, { Conflict_Winner__c: 'Exchange' });
    try {
      stack.salesforce.admin.update('Contact', sfId, { Title: 'Second title from Salesforce' });
      stack.graph.admin.userUpdateContact(m.address, exId, { jobTitle: 'Second title from Outlook' });
      await run();
      expect(graphContacts(stack, m).find((c) => c.id === exId)!.jobTitle).toBe('Second title from Outlook');
      expect(sfQuery(stack, `SELECT Title FROM Contact WHERE Id = '${sfId}'`)[0]!.Title).toBe('Second title from Outlook');
      const issues = sfQuery(stack, `SELECT Kind__c, Message__c FROM Sync_Issue__c WHERE Mailbox_Sync__c = '${m.mailboxSyncId}' AND Kind__c = 'Conflict'`);
      expect(issues.some((i) => String(i.Message__c).includes('Second title from Salesforce'))).toBe(true);
    } finally {
      stack.salesforce.admin.update('Mailbox_Sync__c', m.mailboxSyncId, { Conflict_Winner__c: 'Salesforce' });
    }
  });

  it('a deleted Salesforce contact leaves the folder', async () => {
    stack.salesforce.admin.delete('Contact', sfId);
    await run();
    expect(graphContacts(stack, m).find((c) => c.id === exId)).toBeUndefined();
  });

  it('an Outlook contact moved into the folder is created in Salesforce once', async () => {
    const { contactFolderId } = await containers(stack, m);
    const id = stack.graph.admin.userCreateContact(m.address, contactFolderId, { givenName: 'Grace', surname: 'Hopper', emailAddresses: [{ address: 'grace@example.test', name: 'Grace Hopper' }] });
    await run();
    await run();
    const rows = sfQuery(stack, `SELECT Id, LastName, SCC_Exchange_Key__c FROM Contact WHERE Email = 'grace@example.test'`);
    expect(rows).toHaveLength(1);
    // Exchange-born: created by upsert on the Exchange key, so a retry never duplicates
    expect(rows[0]!.SCC_Exchange_Key__c).toBe(`contact:${m.mailboxSyncId}:${id}`);
    expect(await stack.store.getLinkByExchangeId(m.mailboxSyncId, 'contact', id)).toMatchObject({ salesforceId: rows[0]!.Id });
  });

  it('an Outlook contact given the category gets the new Salesforce Id stamped, and a further run writes nothing', async () => {
    const id = stack.graph.admin.userCreateContact(m.address, null, { givenName: 'Mary', surname: 'Jackson', emailAddresses: [{ address: 'mj@example.test', name: 'Mary Jackson' }] });
    stack.graph.admin.userSetCategories(m.address, id, ['Salesforce']);
    await run();
    const rows = sfQuery(stack, `SELECT Id FROM Contact WHERE Email = 'mj@example.test'`);
    expect(rows).toHaveLength(1);
    expect(stampOf(graphContacts(stack, m).find((c) => c.id === id)!)).toBe(rows[0]!.Id);
    const again = await run();
    expect(again.itemsSynced).toBe(0);
    const third = await run();
    expect(third.itemsSynced).toBe(0);
  });

  it('a 100-character last name from Outlook is cut to 80 in Salesforce and reported', async () => {
    const { contactFolderId } = await containers(stack, m);
    const long = 'Q'.repeat(100);
    stack.graph.admin.userCreateContact(m.address, contactFolderId, { givenName: 'Long', surname: long, emailAddresses: [{ address: 'long@example.test', name: 'Long Name' }] });
    await run();
    const rows = sfQuery(stack, `SELECT Id, LastName FROM Contact WHERE Email = 'long@example.test'`);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.LastName).toBe(long.slice(0, 80));
    const issues = sfQuery(stack, `SELECT Kind__c, Object_Type__c, Salesforce_Id__c, Message__c FROM Sync_Issue__c WHERE Mailbox_Sync__c = '${m.mailboxSyncId}'`);
    const issue = issues.find((i) => i.Salesforce_Id__c === rows[0]!.Id);
    expect(issue).toMatchObject({ Kind__c: 'Skipped', Object_Type__c: 'Contact' });
    expect(String(issue!.Message__c)).toMatch(/LastName was longer than Salesforce allows and was shortened/);
    // the shortened name is not seen as an edit: nothing flows back
    expect((await run()).itemsSynced).toBe(0);
  });

  it('an Outlook edit beats a Salesforce delete: the survivor is re-stamped, so the undeleted record comes back as a new contact, not over the survivor', async () => {
    const oldId = stack.salesforce.admin.insert('Contact', { FirstName: 'Annie', LastName: 'Easley', Email: 'ae@example.test', OwnerId: m.salesforceUserId });
    await run();
    const survivor = graphContacts(stack, m).find((c) => stampOf(c) === oldId)!;
    stack.salesforce.admin.delete('Contact', oldId);
    stack.graph.admin.userUpdateContact(m.address, survivor.id as string, { jobTitle: 'Mathematician' });
    await run();
    const remade = sfQuery(stack, `SELECT Id FROM Contact WHERE Email = 'ae@example.test'`);
    expect(remade).toHaveLength(1);
    const newId = remade[0]!.Id as string;
    expect(newId).not.toBe(oldId);
    // the survivor names its new partner, and the stamp write is an echo the next run ignores
    expect(stampOf(graphContacts(stack, m).find((c) => c.id === survivor.id)!)).toBe(newId);
    expect((await run()).itemsSynced).toBe(0);

    stack.salesforce.admin.undelete('Contact', oldId);
    await run();
    const contacts = graphContacts(stack, m);
    expect(stampOf(contacts.find((c) => c.id === survivor.id)!)).toBe(newId);
    expect(contacts.find((c) => c.id === survivor.id)!.jobTitle).toBe('Mathematician');
    const restored = contacts.filter((c) => stampOf(c) === oldId);
    expect(restored).toHaveLength(1);
    expect(restored[0]!.id).not.toBe(survivor.id);
    expect(await stack.store.getLinkByExchangeId(m.mailboxSyncId, 'contact', survivor.id as string)).toMatchObject({ salesforceId: newId });
    expect(await stack.store.getLinkByExchangeId(m.mailboxSyncId, 'contact', restored[0]!.id as string)).toMatchObject({ salesforceId: oldId });
    expect((await run()).itemsSynced).toBe(0);
  });

  it('a Salesforce edit beats an Outlook delete: the Salesforce record is re-stamped with the new Outlook contact\'s key', async () => {
    const { contactFolderId } = await containers(stack, m);
    const oldItem = stack.graph.admin.userCreateContact(m.address, contactFolderId, { givenName: 'Dorothy', surname: 'Vaughan', emailAddresses: [{ address: 'dv@example.test', name: 'Dorothy Vaughan' }] });
    await run();
    const [row] = sfQuery(stack, `SELECT Id, SCC_Exchange_Key__c FROM Contact WHERE Email = 'dv@example.test'`);
    expect(row!.SCC_Exchange_Key__c).toBe(`contact:${m.mailboxSyncId}:${oldItem}`);
    const sfId = row!.Id as string;
    stack.graph.admin.userDeleteContact(m.address, oldItem);
    stack.salesforce.admin.update('Contact', sfId, { Title: 'Supervisor' });
    await run();
    const remade = graphContacts(stack, m).filter((c) => stampOf(c) === sfId);
    expect(remade).toHaveLength(1);
    expect(remade[0]!.id).not.toBe(oldItem);
    const [after] = sfQuery(stack, `SELECT SCC_Exchange_Key__c, Title FROM Contact WHERE Id = '${sfId}'`);
    expect(after).toMatchObject({ SCC_Exchange_Key__c: `contact:${m.mailboxSyncId}:${remade[0]!.id as string}`, Title: 'Supervisor' });
    expect((await run()).itemsSynced).toBe(0);
  });
});

describe('tasks ↔ To Do', () => {
  let sfId: string;
  let exId: string;

  it('a Salesforce task appears in the Salesforce Tasks list, and edits flow both ways', async () => {
    sfId = stack.salesforce.admin.insert('Task', { Subject: 'Call Ada', Status: 'Not Started', Priority: 'High', ActivityDate: '2026-12-01', OwnerId: m.salesforceUserId });
    await run();
    const item = graphTasks(stack, m).find((t) => stampOf(t) === sfId);
    expect(item).toBeDefined();
    expect(item!.title).toBe('Call Ada');
    expect(item!.importance).toBe('high');
    exId = item!.id as string;
    stack.graph.admin.userUpdateTask(m.address, exId, { status: 'completed' });
    await run();
    expect(sfQuery(stack, `SELECT Status FROM Task WHERE Id = '${sfId}'`)[0]!.Status).toBe('Completed');
    stack.salesforce.admin.update('Task', sfId, { Subject: 'Call Ada back' });
    await run();
    expect(graphTasks(stack, m).find((t) => t.id === exId)!.title).toBe('Call Ada back');
  });

  it('a To Do task added to the list is created in Salesforce once', async () => {
    const { todoListId } = await containers(stack, m);
    stack.graph.admin.userCreateTask(m.address, todoListId, { title: 'Send the proposal', importance: 'normal' });
    await run();
    await run();
    const rows = sfQuery(stack, `SELECT Id, OwnerId FROM Task WHERE Subject = 'Send the proposal'`);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.OwnerId).toBe(m.salesforceUserId);
    // the To Do task now carries its Salesforce Id
    expect(stampOf(graphTasks(stack, m).find((t) => t.title === 'Send the proposal')!)).toBe(rows[0]!.Id);
  });

  it('a deleted Salesforce task leaves the list', async () => {
    stack.salesforce.admin.delete('Task', sfId);
    await run();
    expect(graphTasks(stack, m).find((t) => t.id === exId)).toBeUndefined();
  });
});

describe('errors', () => {
  it('an expired delta token resets the cursor and resyncs without duplicates', async () => {
    const before = graphContacts(stack, m).length;
    const sfBefore = sfQuery(stack, 'SELECT Id FROM Contact').length;
    stack.graph.admin.resetDeltaTokens(m.address);
    const result = await run();
    expect(result.itemsSynced).toBe(0);
    expect(graphContacts(stack, m)).toHaveLength(before);
    expect(sfQuery(stack, 'SELECT Id FROM Contact')).toHaveLength(sfBefore);
  });
});

describe('live (webhooks and CDC)', () => {
  beforeAll(async () => {
    await stack.runtime.startFeeds();
    stack.runtime.scheduler.start();
  });

  it('an Outlook contact given the category is created in Salesforce exactly once, even when its notification arrives twice', async () => {
    stack.graph.admin.duplicateNextNotifications(5);
    const id = stack.graph.admin.userCreateContact(m.address, null, { givenName: 'Katherine', surname: 'Johnson', emailAddresses: [{ address: 'kj@example.test', name: 'Katherine Johnson' }] });
    stack.graph.admin.userSetCategories(m.address, id, ['Salesforce']);
    const rows = await waitFor('the categorised contact in Salesforce', () => {
      const r = sfQuery(stack, `SELECT Id FROM Contact WHERE Email = 'kj@example.test'`);
      return r.length > 0 && r;
    });
    await stack.graph.admin.notificationsIdle();
    await stack.runtime.scheduler.tick();
    expect(sfQuery(stack, `SELECT Id FROM Contact WHERE Email = 'kj@example.test'`)).toHaveLength(rows.length);
    expect(rows).toHaveLength(1);
  });

  it('a Salesforce edit reaches Outlook through CDC without a manual run', async () => {
    const sfId = stack.salesforce.admin.insert('Contact', { FirstName: 'Alan', LastName: 'Turing', Email: 'alan@example.test', OwnerId: m.salesforceUserId });
    const item = await waitFor('the CDC-driven contact in Outlook', () => graphContacts(stack, m).find((c) => stampOf(c) === sfId));
    expect(item.surname).toBe('Turing');
  });

  it('an Outlook edit in the folder reaches Salesforce through the webhook', async () => {
    const { contactFolderId } = await containers(stack, m);
    const id = stack.graph.admin.userCreateContact(m.address, contactFolderId, { givenName: 'Edsger', surname: 'Dijkstra', emailAddresses: [{ address: 'ewd@example.test', name: 'Edsger Dijkstra' }] });
    const row = await waitFor('the webhook-driven contact in Salesforce', () => sfQuery(stack, `SELECT Id FROM Contact WHERE Email = 'ewd@example.test'`)[0]);
    stack.graph.admin.userUpdateContact(m.address, id, { jobTitle: 'Professor' });
    await waitFor('the edit in Salesforce', () => sfQuery(stack, `SELECT Title FROM Contact WHERE Id = '${row.Id as string}'`)[0]?.Title === 'Professor');
    const status = (await stack.runtime.ports.status(m.mailboxSyncId)) as { counts: Record<string, Json> };
    expect(Number(status.counts.contact!.toExchange)).toBeGreaterThan(0);
    expect(Number(status.counts.contact!.toSalesforce)).toBeGreaterThan(0);
  });
});

describe('subscriptions', () => {
  it('a renewal is saved: the next maintenance pass does not renew again', async () => {
    const subs = await stack.store.listSubscriptions(m.mailboxSyncId);
    expect(subs.length).toBeGreaterThan(0);
    // bring every subscription into its renewal window
    const soon = Date.now() + 60_000;
    for (const s of subs) expect(await stack.store.updateSubscriptionExpiry(s.id, soon)).toBe(true);
    const renewals = () => Object.entries(stack.graph.admin.counters().endpoints).filter(([k]) => k.startsWith('PATCH subscriptions')).reduce((n, [, v]) => n + v, 0);
    const before = renewals();
    await stack.runtime.maintain();
    expect(renewals() - before).toBe(subs.length);
    const after = await stack.store.listSubscriptions(m.mailboxSyncId);
    expect(after.map((s) => s.id).sort()).toEqual(subs.map((s) => s.id).sort());
    for (const s of after) expect(s.expiresAt).toBeGreaterThan(soon + 3_600_000);
    await stack.runtime.maintain();
    expect(renewals() - before).toBe(subs.length);
  });
});

describe('throttling', () => {
  it('a long Retry-After fails the run with a backoff hint and shows Needs Attention', async () => {
    await stack.runtime.scheduler.stop();
    stack.graph.admin.throttleNow(m.address, 3600);
    const error = await stack.runtime.runMailbox(m.mailboxSyncId, 'sync-now').then(
      () => undefined,
      (e: unknown) => e as { retryAfterMs?: number; message: string },
    );
    expect(error).toBeDefined();
    expect(error!.retryAfterMs).toBeGreaterThan(60_000);
    const status = sfQuery(stack, `SELECT Status__c, Last_Error__c FROM Mailbox_Sync__c WHERE Id = '${m.mailboxSyncId}'`)[0]!;
    expect(status.Status__c).toBe('Needs Attention');
    expect(String(status.Last_Error__c)).toMatch(/throttl/i);
  });
});
