import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from './emulator-fixture.ts';
import { provisionMailbox } from './provision.ts';

// Distinct ids of master categories with this name. The emulator (routes.ts, POST
// masterCategories) keeps a new category under two map keys and so lists it twice with one
// id; distinct ids are what a duplicate would change.
async function categoryIds(f: Fixture, mailbox: string, name: string): Promise<string[]> {
  const cats = await f.client.get<{ value: Array<{ id: string; displayName: string }> }>(`/users/${mailbox}/outlook/masterCategories`);
  return [...new Set(cats.value.filter((x) => x.displayName.toLowerCase() === name.toLowerCase()).map((x) => x.id))];
}

describe('provisioning a mailbox (real client, Graph emulator)', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture();
  });
  afterAll(async () => {
    await f?.close();
  });

  it('provisioning twice creates each container once and returns the same ids', async () => {
    const first = await provisionMailbox(f.client, f.mailbox);
    expect(first.created.sort()).toEqual(['category', 'contactFolder', 'mailFolder', 'todoList']);
    const second = await provisionMailbox(f.client, f.mailbox);
    expect(second.created).toEqual([]);
    expect(second).toMatchObject({
      contactFolderId: first.contactFolderId,
      todoListId: first.todoListId,
      mailFolderId: first.mailFolderId,
      categoryId: first.categoryId,
    });
    const folders = await f.client.get<{ value: Array<{ displayName: string }> }>(`/users/${f.mailbox}/contactFolders`);
    expect(folders.value.filter((x) => x.displayName === 'Salesforce Contacts')).toHaveLength(1);
    const lists = await f.client.get<{ value: Array<{ displayName: string }> }>(`/users/${f.mailbox}/todo/lists`);
    expect(lists.value.filter((x) => x.displayName === 'Salesforce Tasks')).toHaveLength(1);
    const mail = await f.client.get<{ value: Array<{ displayName: string }> }>(`/users/${f.mailbox}/mailFolders`);
    expect(mail.value.filter((x) => x.displayName === 'Salesforce Emails')).toHaveLength(1);
    expect(await categoryIds(f, f.mailbox, 'Salesforce')).toEqual([first.categoryId]);
  });

  it('an existing category (any case) is reused, never duplicated, and a custom name is honoured', async () => {
    const other = 'megan.bowen@contoso.test';
    f.emu.admin.addMailbox({ address: other });
    await f.client.request('POST', `/users/${other}/outlook/masterCategories`, { body: { displayName: 'CRM', color: 'preset3' } });
    const ids = await provisionMailbox(f.client, other, { category: 'crm' });
    expect(ids.created).not.toContain('category');
    expect(await categoryIds(f, other, 'crm')).toEqual([ids.categoryId]);
  });

  it('two workers provisioning at once still leave exactly one of each', async () => {
    const racer = 'lee.gu@contoso.test';
    f.emu.admin.addMailbox({ address: racer });
    const [a, b] = await Promise.all([provisionMailbox(f.client, racer), provisionMailbox(f.client, racer)]);
    expect(a.contactFolderId).toBe(b.contactFolderId);
    expect(a.todoListId).toBe(b.todoListId);
    expect(a.mailFolderId).toBe(b.mailFolderId);
    const folders = await f.client.get<{ value: Array<{ displayName: string }> }>(`/users/${racer}/contactFolders`);
    expect(folders.value.filter((x) => x.displayName === 'Salesforce Contacts')).toHaveLength(1);
    const lists = await f.client.get<{ value: Array<{ displayName: string }> }>(`/users/${racer}/todo/lists`);
    expect(lists.value.filter((x) => x.displayName === 'Salesforce Tasks')).toHaveLength(1);
    expect(await categoryIds(f, racer, 'Salesforce')).toEqual([a.categoryId]);
  });
});
