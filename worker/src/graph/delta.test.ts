import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from './emulator-fixture.ts';
import { collectDelta, readCategorizedContacts, readCategorizedTasks, readDelta, type DeltaEntry } from './delta.ts';
import { ExchangeError } from './errors.ts';
import { provisionMailbox, type ProvisionedIds } from './provision.ts';
import { writeItems } from './writes.ts';

const upserts = (entries: readonly DeltaEntry[]) => entries.filter((e) => e.type === 'upsert');
async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
const removed = (entries: readonly DeltaEntry[]) => entries.filter((e) => e.type === 'removed').map((e) => e.id);

describe('delta readers (real client, Graph emulator)', () => {
  let f: Fixture;
  let ids: ProvisionedIds;
  beforeAll(async () => {
    f = await startFixture();
    ids = await provisionMailbox(f.client, f.mailbox);
  });
  afterAll(async () => {
    await f?.close();
  });

  it('contacts: initial read pages through nextLinks, then edits and @removed arrive from the deltaLink', async () => {
    const made = [1, 2, 3, 4, 5].map((n) =>
      f.emu.admin.userCreateContact(f.mailbox, ids.contactFolderId, { givenName: `Ada${n}`, surname: 'Lovelace', emailAddresses: [{ address: `ada${n}@example.com` }] }),
    );
    const pages = [];
    for await (const page of readDelta(f.client, { mailbox: f.mailbox, resource: 'contacts', containerId: ids.contactFolderId }, { pageSize: 2 })) pages.push(page);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(pages.slice(0, -1).every((p) => p.nextLink && !p.deltaLink)).toBe(true);
    const last = pages.at(-1)!;
    expect(last.deltaLink).toBeTruthy();
    const seen = new Set(pages.flatMap((p) => upserts(p.entries).map((e) => e.id)));
    expect(seen.size).toBe(5);
    const first = upserts(pages[0]!.entries)[0]!;
    expect(first.version).not.toBe('');
    expect(first.item.givenName).toMatch(/^Ada/);

    f.emu.admin.userUpdateContact(f.mailbox, made[0]!, { jobTitle: 'Analyst' });
    f.emu.admin.userDeleteContact(f.mailbox, made[1]!);
    const next = await collectDelta(f.client, { mailbox: f.mailbox, resource: 'contacts', containerId: ids.contactFolderId }, { cursor: last.deltaLink });
    const changed = upserts(next.entries);
    expect(changed.map((e) => e.item.jobTitle)).toContain('Analyst');
    expect(removed(next.entries)).toHaveLength(1);
    expect(next.deltaLink).toBeTruthy();

    // Nothing new: an empty round that still hands back a cursor.
    const quiet = await collectDelta(f.client, { mailbox: f.mailbox, resource: 'contacts', containerId: ids.contactFolderId }, { cursor: next.deltaLink });
    expect(quiet.entries).toEqual([]);
  });

  it('contacts moved out of the folder come back as @removed; the stamp is read with the item', async () => {
    const [written] = await writeItems(f.client, f.mailbox, [
      { op: 'create', resource: 'contacts', containerId: ids.contactFolderId, salesforceId: '003000000000001AAA', fields: { givenName: 'Grace', surname: 'Hopper' } },
    ]);
    expect(written?.ok).toBe(true);
    const start = await collectDelta(f.client, { mailbox: f.mailbox, resource: 'contacts', containerId: ids.contactFolderId });
    const grace = upserts(start.entries).find((e) => e.item.givenName === 'Grace');
    expect(grace?.salesforceId).toBe('003000000000001AAA');

    const inbox = await f.client.get<{ value: Array<{ id: string }> }>(`/users/${f.mailbox}/contactFolders`);
    const elsewhere = inbox.value.find((x) => x.id !== ids.contactFolderId);
    const target = elsewhere?.id ?? (await f.client.request<{ id: string }>('POST', `/users/${f.mailbox}/contactFolders`, { body: { displayName: 'Elsewhere' } })).id;
    f.emu.admin.userMoveContact(f.mailbox, grace!.id, target);
    const after = await collectDelta(f.client, { mailbox: f.mailbox, resource: 'contacts', containerId: ids.contactFolderId }, { cursor: start.deltaLink });
    expect(removed(after.entries)).toContain(grace!.id);
  });

  it('To Do tasks: round trip with an edit and a delete', async () => {
    const t1 = f.emu.admin.userCreateTask(f.mailbox, ids.todoListId, { title: 'Call Ada' });
    const t2 = f.emu.admin.userCreateTask(f.mailbox, ids.todoListId, { title: 'Send quote' });
    const first = await collectDelta(f.client, { mailbox: f.mailbox, resource: 'tasks', containerId: ids.todoListId });
    expect(upserts(first.entries).map((e) => e.item.title).sort()).toEqual(['Call Ada', 'Send quote']);
    expect(upserts(first.entries).every((e) => e.version.startsWith('W/'))).toBe(true);
    f.emu.admin.userUpdateTask(f.mailbox, t1, { status: 'completed' });
    f.emu.admin.userDeleteTask(f.mailbox, t2);
    const next = await collectDelta(f.client, { mailbox: f.mailbox, resource: 'tasks', containerId: ids.todoListId }, { cursor: first.deltaLink });
    expect(upserts(next.entries).map((e) => e.item.status)).toEqual(['completed']);
    expect(removed(next.entries)).toEqual([expect.any(String)]);
  });

  it('a token Graph forgot (410 SyncStateNotFound) is a cursor-expired error', async () => {
    const start = await collectDelta(f.client, { mailbox: f.mailbox, resource: 'contacts', containerId: ids.contactFolderId });
    f.emu.admin.resetDeltaTokens(f.mailbox);
    const failure = await collectDelta(f.client, { mailbox: f.mailbox, resource: 'contacts', containerId: ids.contactFolderId }, { cursor: start.deltaLink }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ExchangeError);
    expect((failure as ExchangeError).kind).toBe('cursor-expired');
    expect((failure as ExchangeError).message).not.toMatch(/deltatoken=[^[]/i);
    // The runtime's answer: a fresh full read works.
    const fresh = await collectDelta(f.client, { mailbox: f.mailbox, resource: 'contacts', containerId: ids.contactFolderId });
    expect(fresh.deltaLink).toBeTruthy();
  });

  it('backstop: contacts and tasks carrying the category outside the synced containers', async () => {
    const loose = f.emu.admin.userCreateContact(f.mailbox, null, { givenName: 'Katherine', surname: 'Johnson', categories: ['Salesforce'] });
    f.emu.admin.userCreateContact(f.mailbox, null, { givenName: 'Not', surname: 'Tagged' });
    const found: DeltaEntry[] = [];
    for await (const page of readCategorizedContacts(f.client, f.mailbox, 'Salesforce')) found.push(...page);
    expect(upserts(found).map((e) => e.id)).toEqual([loose]);

    const other = await f.client.request<{ id: string }>('POST', `/users/${f.mailbox}/todo/lists`, { body: { displayName: 'Errands' } });
    const task = f.emu.admin.userCreateTask(f.mailbox, other.id, { title: 'Tagged errand', categories: ['Salesforce'] });
    f.emu.admin.userCreateTask(f.mailbox, other.id, { title: 'Untagged errand' });
    const tasks: DeltaEntry[] = [];
    for await (const page of readCategorizedTasks(f.client, f.mailbox, 'Salesforce')) tasks.push(...page);
    const hit = upserts(tasks).find((e) => e.id === task);
    expect(hit?.item.todoListId).toBe(other.id);
    expect(upserts(tasks).map((e) => e.item.title)).not.toContain('Untagged errand');
  });

  it('a delta that refuses $expand is read without it (stamps then come from per-item reads)', async () => {
    f.emu.admin.fault({ match: { method: 'GET', pathIncludes: '/contacts/delta' }, count: 1, status: 400, code: 'BadRequest', message: "Query option 'Expand' is not allowed." });
    const pages = [];
    for await (const page of readDelta(f.client, { mailbox: f.mailbox, resource: 'contacts', containerId: ids.contactFolderId })) pages.push(page);
    expect(pages.at(-1)?.deltaLink).toBeTruthy();
    expect(upserts(pages.flatMap((p) => p.entries)).length).toBeGreaterThan(0);
    // its items lack the stamps, and say so: callers must not take a missing stamp for none
    expect(pages.every((p) => !p.expanded)).toBe(true);
  });

  it('pages say whether their items carry the expanded stamp: fresh reads know, cursor reads look', async () => {
    const target = { mailbox: f.mailbox, resource: 'contacts' as const, containerId: ids.contactFolderId };
    const fresh = [];
    for await (const page of readDelta(f.client, target)) fresh.push(page);
    expect(fresh.every((p) => p.expanded)).toBe(true);
    const cursor = fresh.at(-1)!.deltaLink!;
    const unstamped = f.emu.admin.userCreateContact(f.mailbox, ids.contactFolderId, { givenName: 'No', surname: 'Stamp' });
    const [later] = await collect(readDelta(f.client, target, { cursor }));
    expect(later?.entries.map((e) => e.id)).toEqual([unstamped]);
    // nothing on the page shows the expansion: unknown, so not claimed
    expect(later?.expanded).toBe(false);
    const events = await collect(
      readDelta(f.client, { mailbox: f.mailbox, resource: 'events', window: { start: '2026-01-01T00:00:00Z', end: '2026-02-01T00:00:00Z' } }),
    );
    expect(events.every((p) => !p.expanded)).toBe(true);
  });

  it('the backstop can leave out the synced container (its delta feed covers it)', async () => {
    f.emu.admin.userCreateContact(f.mailbox, ids.contactFolderId, { givenName: 'Tagged', surname: 'In Folder', categories: ['Salesforce'] });
    const all = (await collect(readCategorizedContacts(f.client, f.mailbox, 'Salesforce'))).flat();
    const rest = (await collect(readCategorizedContacts(f.client, f.mailbox, 'Salesforce', 100, ids.contactFolderId))).flat();
    expect(upserts(all).map((e) => e.item.surname)).toContain('In Folder');
    expect(upserts(rest).map((e) => e.item.surname)).not.toContain('In Folder');
    expect(upserts(rest).length).toBe(upserts(all).length - 1);
  });

  it('every request carried Prefer: IdType="ImmutableId" (ids are stable across a move)', async () => {
    const c = await writeItems(f.client, f.mailbox, [
      { op: 'create', resource: 'contacts', containerId: ids.contactFolderId, salesforceId: '003000000000002AAA', fields: { givenName: 'Mary' } },
    ]);
    const id = c[0]!.ok ? c[0]!.id : '';
    const res = await f.client.raw('GET', `/users/${f.mailbox}/contacts/${id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('preference-applied') ?? '').toContain('IdType="ImmutableId"');
  });
});
