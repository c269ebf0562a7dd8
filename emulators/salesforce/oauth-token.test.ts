// OauthToken: a standard object the platform writes when a user authorises a connected app.
// Like the real one it supports describe and query only; tests seed it with emu.admin.insert.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SalesforceEmulator } from './index.ts';
import { connect, startTestOrg } from './test-org.ts';

let emu: SalesforceEmulator;
beforeAll(async () => {
  emu = await startTestOrg({ clock: () => Date.parse('2026-03-02T09:00:00Z') });
});
afterAll(async () => emu.close());
beforeEach(() => emu.admin.reset());

describe('OauthToken', () => {
  it('is queryable with its user relationship once seeded', async () => {
    const user = emu.users[1]!;
    const id = emu.admin.insert('OauthToken', { AppName: 'Salesforce for Outlook', UserId: user.id, LastUsedDate: '2026-03-01T08:30:00Z', UseCount: 7 });
    emu.admin.insert('OauthToken', { AppName: 'Workbench', UserId: emu.users[2]!.id });
    expect(id.slice(0, 3)).toBe('0CJ');
    const conn = await connect(emu);
    const res = await conn.query<Record<string, unknown>>(
      "SELECT Id, AppName, UserId, User.Name, LastUsedDate, UseCount, CreatedDate FROM OauthToken WHERE AppName IN ('Salesforce for Outlook', 'Lightning Sync') ORDER BY AppName",
    );
    expect(res.totalSize).toBe(1);
    expect(res.records[0]).toMatchObject({
      Id: id,
      AppName: 'Salesforce for Outlook',
      UserId: user.id,
      User: { Name: user.name },
      LastUsedDate: '2026-03-01T08:30:00.000+0000',
      UseCount: 7,
      CreatedDate: '2026-03-02T09:00:00.000+0000',
    });
  });

  it('an org without tokens answers an empty result, not an error', async () => {
    const conn = await connect(emu);
    expect((await conn.query("SELECT Id FROM OauthToken WHERE AppName = 'Salesforce Inbox'")).totalSize).toBe(0);
  });

  it('is read-only over REST and described as such', async () => {
    const conn = await connect(emu);
    const describe = await conn.sobject('OauthToken').describe();
    expect(describe).toMatchObject({ keyPrefix: '0CJ', createable: false, updateable: false, deletable: false, queryable: true });
    expect(describe.fields.map((f) => f.name)).toEqual(expect.arrayContaining(['AppName', 'UserId', 'LastUsedDate', 'UseCount', 'CreatedDate', 'AppMenuItemId']));
    await expect(conn.sobject('OauthToken').create({ AppName: 'Salesforce for Outlook' })).rejects.toMatchObject({ errorCode: 'INVALID_TYPE' });
    const id = emu.admin.insert('OauthToken', { AppName: 'Lightning Sync', UserId: emu.users[1]!.id });
    await expect(conn.sobject('OauthToken').update({ Id: id, AppName: 'Other' })).rejects.toBeTruthy();
    await expect(conn.sobject('OauthToken').destroy(id)).rejects.toMatchObject({ errorCode: 'INVALID_TYPE' });
  });

  it('a seed with an unknown field or a bad date is refused with a clear error', () => {
    expect(() => emu.admin.insert('OauthToken', { AppName: 'X', Nope__c: 1 })).toThrow(/No such column 'Nope__c'/);
    expect(() => emu.admin.insert('OauthToken', { AppName: 'X', LastUsedDate: 'yesterday' })).toThrow(/LastUsedDate/);
  });
});
