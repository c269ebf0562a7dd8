// Scope guards explained end to end on the local stack: an inactive Salesforce user pauses the
// mailbox with one issue (Needs Attention, pushed as Sync_Issue__c) until reactivated; a renamed
// contact folder is one Skipped issue, resolved when renamed back, and never a second folder;
// a run refused by Microsoft 365 is one run-failed issue until a clean run; a deleted contact
// folder is one missing-folder issue.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack, type StackMailbox } from '../../../scripts/lib/stack.ts';
import { DEFAULT_NAMES } from '../graph/provision.ts';
import { storedSettings } from './mailbox-config.ts';
import { createRuntime, type Runtime } from './runtime.ts';

type Json = Record<string, unknown>;

let stack: LocalStack;
let runtime: Runtime;
let m: StackMailbox;

beforeAll(async () => {
  stack = await startLocalStack({ seed: { mailboxes: 1 }, start: false });
  runtime = createRuntime({ store: stack.store, sf: stack.sf, graph: stack.client, log: stack.log, owner: 'scope-test' });
  m = stack.mailboxes[0]!;
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
  await stack?.close();
});

const query = (soql: string): Json[] => stack.salesforce.admin.query(soql) as Json[];
const open = async (prefix: string) => (await stack.store.listIssues(m.mailboxSyncId, { open: true })).filter((i) => i.issueKey?.startsWith(prefix));
const status = (): Json => query(`SELECT Status__c, Last_Error__c FROM Mailbox_Sync__c WHERE Id = '${m.mailboxSyncId}'`)[0]!;

describe('scope guards explained', () => {
  it('an inactive Salesforce user pauses sync with one issue until reactivated', async () => {
    stack.salesforce.admin.insert('Contact', { LastName: 'ScopeOne', Email: 'scope1@example.test', OwnerId: m.salesforceUserId });
    await runtime.runMailbox(m.mailboxSyncId, 'sync-now');
    stack.salesforce.admin.update('User', m.salesforceUserId, { IsActive: false });
    stack.salesforce.admin.insert('Contact', { LastName: 'ScopeTwo', Email: 'scope2@example.test', OwnerId: m.salesforceUserId });
    for (let i = 0; i < 2; i++) await runtime.runMailbox(m.mailboxSyncId, 'sync-now');

    const issues = await open('user-inactive:');
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toMatch(/inactive.*paused.*nothing was deleted/);
    expect(status().Status__c).toBe('Needs Attention');
    const sfIssues = query(`SELECT Id, Kind__c, Resolved__c FROM Sync_Issue__c WHERE Mailbox_Sync__c = '${m.mailboxSyncId}'`);
    expect(sfIssues.filter((r) => r.Kind__c === 'Error' && r.Resolved__c !== true)).toHaveLength(1);
    const names = (stack.graph.admin.items(m.address, 'contact') as Json[]).map((c) => c.surname);
    expect(names).toContain('ScopeOne');
    expect(names).not.toContain('ScopeTwo');

    stack.salesforce.admin.update('User', m.salesforceUserId, { IsActive: true });
    await runtime.runMailbox(m.mailboxSyncId, 'sync-now');
    expect(await open('user-inactive:')).toHaveLength(0);
    expect(status().Status__c).toBe('Active');
    const after = query(`SELECT Id, Resolved__c FROM Sync_Issue__c WHERE Mailbox_Sync__c = '${m.mailboxSyncId}'`);
    expect(after.filter((r) => r.Resolved__c !== true)).toHaveLength(0);
    expect((stack.graph.admin.items(m.address, 'contact') as Json[]).map((c) => c.surname)).toContain('ScopeTwo');
  }, 60_000);

  it('a renamed contact folder is one Skipped issue, resolved when renamed back, never a second folder', async () => {
    const row = await stack.store.getMailbox(m.mailboxSyncId);
    const folderId = storedSettings(row!)!.provisioned!.contactFolderId;
    const path = `/users/${encodeURIComponent(m.address)}/contactFolders`;
    await stack.client.request('PATCH', `${path}/${folderId}`, { body: { displayName: 'My CRM people' } });
    for (let i = 0; i < 2; i++) await runtime.runMailbox(m.mailboxSyncId, 'sync-now');

    const issues = await open('renamed:');
    expect(issues).toHaveLength(1);
    expect(issues[0]!.kind).toBe('Skipped');
    expect(issues[0]!.message).toBe(`The Outlook folder '${DEFAULT_NAMES.contactFolder}' was renamed to 'My CRM people'; SmartCloud Connect keeps syncing it.`);
    const folders = ((await stack.client.get(path)) as { value: Json[] }).value;
    expect(folders.filter((f) => f.displayName === DEFAULT_NAMES.contactFolder)).toHaveLength(0);

    await stack.client.request('PATCH', `${path}/${folderId}`, { body: { displayName: DEFAULT_NAMES.contactFolder } });
    await runtime.runMailbox(m.mailboxSyncId, 'sync-now');
    expect(await open('renamed:')).toHaveLength(0);
  }, 60_000);

  it('contacts leaving the scope (owner changed) are kept on both sides and explained in one issue', async () => {
    const ids = [1, 2].map((i) => stack.salesforce.admin.insert('Contact', { LastName: `Leaving${i}`, Email: `leaving${i}@example.test`, OwnerId: m.salesforceUserId }));
    await runtime.runMailbox(m.mailboxSyncId, 'sync-now');
    for (const id of ids) stack.salesforce.admin.update('Contact', id, { OwnerId: stack.salesforce.users[0]!.id });
    await runtime.runMailbox(m.mailboxSyncId, 'sync-now');
    const issues = await open('scope-left:');
    expect(issues).toHaveLength(1);
    expect(issues[0]!.kind).toBe('Skipped');
    expect(issues[0]!.message).toMatch(/^2 contacts left this mailbox's sync scope .*nothing was deleted/);
    const names = (stack.graph.admin.items(m.address, 'contact') as Json[]).map((c) => c.surname);
    expect(names).toEqual(expect.arrayContaining(['Leaving1', 'Leaving2']));
  }, 60_000);

  it('a run refused by Microsoft 365 is one issue (also in Salesforce), resolved by the next clean run', async () => {
    stack.graph.admin.fault({ match: { mailbox: m.address, method: 'GET' }, count: 200, status: 403, code: 'ErrorAccessDenied', message: 'Access is denied.' });
    for (let i = 0; i < 2; i++) await runtime.runMailbox(m.mailboxSyncId, 'sync-now').catch(() => undefined);
    const issues = await open('run-failed:');
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toMatch(/^Syncing this mailbox stopped: Microsoft 365 refused .*Access is denied/);
    expect(status().Status__c).toBe('Error');
    const sfIssues = query(`SELECT Message__c FROM Sync_Issue__c WHERE Mailbox_Sync__c = '${m.mailboxSyncId}' AND Resolved__c = false`);
    expect(sfIssues.map((r) => r.Message__c)).toContain(issues[0]!.message);

    stack.graph.admin.clearFaults();
    await runtime.runMailbox(m.mailboxSyncId, 'sync-now');
    expect(await open('run-failed:')).toHaveLength(0);
  }, 60_000);

  it('a deleted contact folder is one issue that names it; nothing is deleted in Salesforce', async () => {
    const row = await stack.store.getMailbox(m.mailboxSyncId);
    const folderId = storedSettings(row!)!.provisioned!.contactFolderId;
    const before = query(`SELECT Id FROM Contact WHERE OwnerId = '${m.salesforceUserId}'`).length;
    await stack.client.request('DELETE', `/users/${encodeURIComponent(m.address)}/contactFolders/${folderId}`);
    for (let i = 0; i < 2; i++) await runtime.runMailbox(m.mailboxSyncId, 'sync-now').catch(() => undefined);
    const issues = await open('missing:');
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toContain(`The Outlook folder '${DEFAULT_NAMES.contactFolder}' was deleted or can no longer be found`);
    expect(query(`SELECT Id FROM Contact WHERE OwnerId = '${m.salesforceUserId}'`)).toHaveLength(before);
  }, 60_000);
});
