// Scenarios for tokens, contact folders, contacts, delta, extended properties and ETags, run
// with the real @microsoft/microsoft-graph-client against the emulator over HTTPS.
import { PageIterator, type PageCollection } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGraphEmulator, type GraphEmulator } from './index.ts';
import { fetchToken, graphClient, type TestClient } from './test-client.ts';

const SFID = 'String {8ECCC264-6880-4EBE-992F-8888D2EEAA1D} Name SalesforceId';
const MB = 'alice@contoso.example';
let emu: GraphEmulator;
let tc: TestClient;
const now = Date.parse('2026-03-02T10:00:00Z');

beforeAll(async () => {
  emu = await startGraphEmulator({ clock: () => now, tokenTtlMs: 3_600_000 });
  emu.admin.addMailbox({ address: MB, displayName: 'Alice', timeZone: 'Pacific Standard Time' });
  tc = graphClient(emu);
});
afterAll(async () => {
  await tc.close();
  await emu.close();
});

async function ensureFolder(name: string): Promise<string> {
  // the provisioning idiom: create, and on 409 ErrorFolderExists find the existing one
  try {
    return (await tc.client.api(`/users/${MB}/contactFolders`).post({ displayName: name })).id;
  } catch (e) {
    expect((e as { statusCode: number }).statusCode).toBe(409);
    expect((e as { code: string }).code).toBe('ErrorFolderExists');
    const found = await tc.client.api(`/users/${MB}/contactFolders`).filter(`displayName eq '${name}'`).get();
    return found.value[0].id;
  }
}

describe('token endpoint', () => {
  it('rejects a wrong secret with the Microsoft identity error JSON', async () => {
    const res = await fetchToken(emu, tc.dispatcher, 'wrong');
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: string; error_codes: number[]; error_description: string };
    expect(body.error).toBe('invalid_client');
    expect(body.error_codes).toEqual([7000215]);
    expect(body.error_description).not.toContain('wrong');
  });
  it('answers 401 InvalidAuthenticationToken once a token has expired', async () => {
    const token = await tc.token();
    const call = () => fetch(`${emu.baseUrl}/users/${MB}`, { headers: { Authorization: `Bearer ${token}` }, dispatcher: tc.dispatcher } as RequestInit);
    expect((await call()).status).toBe(200);
    emu.admin.advanceClock(3_600_001);
    const res = await call();
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('InvalidAuthenticationToken');
    emu.admin.advanceClock(-3_600_001);
  });
});

describe('contact folders and contacts', () => {
  it('creates a folder idempotently (409 ErrorFolderExists, then found by name)', async () => {
    const a = await ensureFolder('Salesforce Contacts');
    const b = await ensureFolder('Salesforce Contacts');
    expect(a).toBe(b);
    const kids = await tc.client.api(`/users/${MB}/contactFolders/${a}/childFolders`).post({ displayName: 'Sub' });
    expect(kids.parentFolderId).toBe(a);
  });

  it('pages with @odata.nextLink through PageIterator', async () => {
    const folder = await ensureFolder('Paging');
    for (let i = 0; i < 23; i++) emu.admin.userCreateContact(MB, folder, { givenName: `P${i}`, surname: 'Page' });
    const first: PageCollection = await tc.client.api(`/users/${MB}/contactFolders/${folder}/contacts`).top(5).get();
    expect(first['@odata.nextLink']).toMatch(/^https:\/\/localhost:\d+\/v1\.0\//);
    const seen: string[] = [];
    const it = new PageIterator(tc.client, first, (c: { givenName: string }) => { seen.push(c.givenName); return true; });
    await it.iterate();
    expect(seen).toHaveLength(23);
    expect(new Set(seen).size).toBe(23);
  });

  it('round-trips contacts delta: created, updated, deleted as @removed', async () => {
    const folder = await ensureFolder('Delta');
    const a = await tc.client.api(`/users/${MB}/contactFolders/${folder}/contacts`).post({ givenName: 'Ann', surname: 'Lee', emailAddresses: [{ address: 'ann@fabrikam.example' }] });
    const b = emu.admin.userCreateContact(MB, folder, { givenName: 'Bob', surname: 'Ray' });
    let res = await tc.client.api(`/users/${MB}/contactFolders/${folder}/contacts/delta`).select('givenName,surname').get();
    const all = [...res.value];
    while (res['@odata.nextLink']) { res = await tc.client.api(res['@odata.nextLink']).get(); all.push(...res.value); }
    expect(all.map((c: { givenName: string }) => c.givenName).sort()).toEqual(['Ann', 'Bob']);
    expect(all[0].emailAddresses).toBeUndefined(); // $select honoured
    const link = res['@odata.deltaLink'];
    expect(link).toContain('$deltatoken=');

    await tc.client.api(`/users/${MB}/contacts/${a.id}`).patch({ jobTitle: 'CFO' });
    emu.admin.userDeleteContact(MB, b);
    emu.admin.userCreateContact(MB, folder, { givenName: 'Cy' });
    const next = await tc.client.api(link).get();
    const byName = Object.fromEntries(next.value.filter((v: { givenName?: string }) => v.givenName).map((v: { givenName: string }) => [v.givenName, v]));
    expect(Object.keys(byName).sort()).toEqual(['Ann', 'Cy']);
    const removed = next.value.filter((v: { '@removed'?: unknown }) => v['@removed']);
    expect(removed).toEqual([{ '@odata.type': '#microsoft.graph.contact', id: b, '@removed': { reason: 'deleted' } }]);

    // nothing new: an empty page and a fresh deltaLink
    const idle = await tc.client.api(next['@odata.deltaLink']).get();
    expect(idle.value).toEqual([]);

    // a reset on demand: old tokens answer 410 and a fresh round starts over
    emu.admin.resetDeltaTokens(MB);
    await expect(tc.client.api(idle['@odata.deltaLink']).get()).rejects.toMatchObject({ statusCode: 410, code: 'SyncStateNotFound' });
  });

  it('stamps and finds extended properties ($expand with filter, $filter any)', async () => {
    const folder = await ensureFolder('Stamped');
    const c = await tc.client.api(`/users/${MB}/contactFolders/${folder}/contacts`).post({
      givenName: 'Dee', singleValueExtendedProperties: [{ id: SFID, value: '003000000000001AAA' }],
    });
    const got = await tc.client.api(`/users/${MB}/contacts/${c.id}`).expand(`singleValueExtendedProperties($filter=id eq '${SFID}')`).get();
    expect(got.singleValueExtendedProperties).toEqual([{ id: 'String {8eccc264-6880-4ebe-992f-8888d2eeaa1d} Name SalesforceId', value: '003000000000001AAA' }]);
    const plain = await tc.client.api(`/users/${MB}/contacts/${c.id}`).get();
    expect(plain.singleValueExtendedProperties).toBeUndefined();
    const found = await tc.client.api(`/users/${MB}/contactFolders/${folder}/contacts`)
      .filter(`singleValueExtendedProperties/any(ep: ep/id eq '${SFID}' and ep/value eq '003000000000001AAA')`).get();
    expect(found.value.map((v: { id: string }) => v.id)).toEqual([c.id]);
    const none = await tc.client.api(`/users/${MB}/contactFolders/${folder}/contacts`)
      .filter(`singleValueExtendedProperties/any(ep: ep/id eq '${SFID}' and ep/value eq 'nope')`).get();
    expect(none.value).toEqual([]);
  });

  it('finds by stamp through the property index: re-stamped, moved, deleted, other folders', async () => {
    const folder = await ensureFolder('Indexed');
    const other = await ensureFolder('Indexed elsewhere');
    const byStamp = (f: string, value: string) =>
      tc.client.api(`/users/${MB}/contactFolders/${f}/contacts`)
        .filter(`singleValueExtendedProperties/any(ep: ep/id eq '${SFID}' and ep/value eq '${value}') and givenName eq 'Fay'`).get()
        .then((r: { value: Array<{ id: string }> }) => r.value.map((v) => v.id));
    const c = await tc.client.api(`/users/${MB}/contactFolders/${folder}/contacts`).post({
      givenName: 'Fay', singleValueExtendedProperties: [{ id: SFID, value: '003000000000009AAA' }],
    });
    await tc.client.api(`/users/${MB}/contactFolders/${other}/contacts`).post({
      givenName: 'Fay', singleValueExtendedProperties: [{ id: SFID, value: '003000000000009AAA' }],
    });
    // the value compares case-insensitively, as every Exchange string comparison does
    expect(await byStamp(folder, '003000000000009aaa')).toEqual([c.id]);
    await tc.client.api(`/users/${MB}/contacts/${c.id}`).patch({ singleValueExtendedProperties: [{ id: SFID, value: '003000000000010AAA' }] });
    expect(await byStamp(folder, '003000000000009AAA')).toEqual([]);
    expect(await byStamp(folder, '003000000000010AAA')).toEqual([c.id]);
    await tc.client.api(`/users/${MB}/contacts/${c.id}`).patch({ givenName: 'Fay 2' });
    expect(await byStamp(folder, '003000000000010AAA')).toEqual([]);
    await tc.client.api(`/users/${MB}/contacts/${c.id}`).patch({ givenName: 'Fay' });
    await tc.client.api(`/users/${MB}/contacts/${c.id}`).delete();
    expect(await byStamp(folder, '003000000000010AAA')).toEqual([]);
  });

  it('answers 412 on a stale If-Match and accepts the current one', async () => {
    const c = await tc.client.api(`/users/${MB}/contacts`).post({ givenName: 'Eve' });
    const stale = c['@odata.etag'];
    await tc.client.api(`/users/${MB}/contacts/${c.id}`).header('If-Match', stale).patch({ surname: 'One' });
    await expect(tc.client.api(`/users/${MB}/contacts/${c.id}`).header('If-Match', stale).patch({ surname: 'Two' }))
      .rejects.toMatchObject({ statusCode: 412, code: 'ErrorIrresolvableConflict' });
    const cur = await tc.client.api(`/users/${MB}/contacts/${c.id}`).get();
    expect(cur.surname).toBe('One');
    expect(cur.changeKey).toBe(cur['@odata.etag'].slice(3, -1));
  });

  it('returns Graph errors: 404 ErrorItemNotFound, unknown user, bad filter', async () => {
    await expect(tc.client.api(`/users/${MB}/contacts/AAMkAnope=`).get()).rejects.toMatchObject({ statusCode: 404, code: 'ErrorItemNotFound' });
    await expect(tc.client.api(`/users/nobody@contoso.example/contacts`).get()).rejects.toMatchObject({ statusCode: 404, code: 'ErrorInvalidUser' });
    await expect(tc.client.api(`/users/${MB}/contacts`).filter(`givenName eq 'x`).get()).rejects.toMatchObject({ statusCode: 400 });
  });
});

describe('master categories', () => {
  it('creates, lists and rejects a duplicate', async () => {
    const cat = await tc.client.api(`/users/${MB}/outlook/masterCategories`).post({ displayName: 'Salesforce', color: 'preset9' });
    expect(cat).toMatchObject({ displayName: 'Salesforce', color: 'preset9' });
    expect(cat.id).toMatch(/^[0-9a-f-]{36}$/);
    await expect(tc.client.api(`/users/${MB}/outlook/masterCategories`).post({ displayName: 'salesforce', color: 'preset1' })).rejects.toMatchObject({ statusCode: 409 });
    const all = await tc.client.api(`/users/${MB}/outlook/masterCategories`).get();
    expect(all.value.map((c: { displayName: string }) => c.displayName)).toContain('Salesforce');
  });
});
