import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fields, Kind } from '../core/types.ts';
import { startFixture, type Fixture } from './emulator-fixture.ts';
import { createExchangeSide, type ExchangeMaps } from './exchange-side.ts';
import type { ExchangeItem } from './delta.ts';
import { provisionMailbox, type ProvisionedIds } from './provision.ts';

// A deliberately small map: the real field maps live in core/maps.
const map: ExchangeMaps = {
  toFields(kind: Kind, item: ExchangeItem): Fields {
    if (kind === 'task') return { subject: (item.title as string) ?? null, status: (item.status as string) ?? null };
    return { firstName: (item.givenName as string) ?? null, lastName: (item.surname as string) ?? null };
  },
  toGraph(kind: Kind, fields: Fields): Record<string, unknown> {
    if (kind === 'task') return { ...(fields.subject !== undefined ? { title: fields.subject } : {}), ...(fields.status !== undefined ? { status: fields.status } : {}) };
    return { ...(fields.firstName !== undefined ? { givenName: fields.firstName } : {}), ...(fields.lastName !== undefined ? { surname: fields.lastName } : {}) };
  },
};

describe('ExchangeSide port over Graph (emulator)', () => {
  let f: Fixture;
  let ids: ProvisionedIds;
  beforeAll(async () => {
    f = await startFixture();
    ids = await provisionMailbox(f.client, f.mailbox);
  });
  afterAll(async () => {
    await f?.close();
  });

  it('first read lists the folder and the category backstop; later reads bring changes', async () => {
    const side = createExchangeSide({ client: f.client, mailbox: f.mailbox, containers: ids, map });
    const empty = await side.changesSince('contact', null);
    expect(empty.listing).toBe('empty');
    const inFolder = f.emu.admin.userCreateContact(f.mailbox, ids.contactFolderId, { givenName: 'In', surname: 'Folder' });
    const tagged = f.emu.admin.userCreateContact(f.mailbox, null, { givenName: 'Tagged', surname: 'Elsewhere', categories: ['Salesforce'] });
    const first = await side.changesSince('contact', null);
    expect(first.listing).toBe('ok');
    const upserted = first.changes.flatMap((c) => (c.type === 'upsert' ? [c.record.id] : []));
    expect(upserted.sort()).toEqual([inFolder, tagged].sort());
    f.emu.admin.userUpdateContact(f.mailbox, inFolder, { surname: 'Edited' });
    const second = await side.changesSince('contact', first.cursor);
    expect(second.changes).toEqual([expect.objectContaining({ type: 'upsert', record: expect.objectContaining({ id: inFolder, fields: { firstName: 'In', lastName: 'Edited' } }) })]);
    expect(await side.get('contact', tagged)).toMatchObject({ id: tagged });
  });

  it('creates are idempotent on the key, stamped, coalesced into one $batch; guarded updates and deletes', async () => {
    const side = createExchangeSide({ client: f.client, mailbox: f.mailbox, containers: ids, map });
    f.emu.admin.resetCounters();
    const made = await Promise.all([1, 2, 3, 4, 5].map((n) => side.create('contact', `003P0000000000${n}AAA`, { firstName: `P${n}`, lastName: 'Port' })));
    expect(made.every((r) => r.ok)).toBe(true);
    expect(f.emu.admin.counters().endpoints['POST $batch']).toBe(2);
    const r = made[0]!;
    if (!r.ok) throw new Error('create failed');
    expect(r.record.stamp).toBe('003P00000000001AAA');
    const again = await side.create('contact', '003P00000000001AAA', { firstName: 'P1', lastName: 'Port' });
    expect(again.ok && again.record.id).toBe(r.record.id);

    f.emu.admin.userUpdateContact(f.mailbox, r.record.id, { givenName: 'Changed in Outlook' });
    const stale = await side.update('contact', r.record.id, r.record.version, { lastName: 'From SF' });
    expect(stale).toMatchObject({ ok: false, reason: 'stale' });
    const now = await side.get('contact', r.record.id);
    if (typeof now !== 'object' || !('version' in now)) throw new Error('expected a record');
    const fresh = await side.update('contact', r.record.id, now.version, { lastName: 'From SF' });
    expect(fresh.ok && fresh.record.fields).toEqual({ firstName: 'Changed in Outlook', lastName: 'From SF' });

    const other = await f.client.request<{ id: string }>('POST', `/users/${f.mailbox}/contactFolders`, { body: { displayName: 'Personal' } });
    f.emu.admin.userMoveContact(f.mailbox, r.record.id, other.id);
    expect(await side.get('contact', r.record.id)).toBe('out-of-scope');
    const del = await side.delete('contact', made[1]!.ok ? made[1]!.record.id : '', '');
    expect(del.ok).toBe(true);
    expect(await side.get('contact', made[1]!.ok ? made[1]!.record.id : '')).toBe('deleted');
  });

  it('tasks: create in the list, read back through the delta feed with the stamp', async () => {
    const side = createExchangeSide({ client: f.client, mailbox: f.mailbox, containers: ids, map });
    const made = await side.create('task', '00T000000000009AAA', { subject: 'Prepare contract', status: 'notStarted' });
    expect(made.ok).toBe(true);
    const page = await side.changesSince('task', null);
    const hit = page.changes.find((c) => c.type === 'upsert' && c.record.stamp === '00T000000000009AAA');
    expect(hit).toBeTruthy();
  });

  describe('economy after a full read of the container', () => {
    const lookups = (): number => f.emu.admin.counters().endpoints['GET users/:u/contactFolders/:f/contacts'] ?? 0;
    const itemGets = (): number => f.emu.admin.counters().endpoints['GET users/:u/contacts/:id'] ?? 0;

    it('answers get() from the feed, lists candidates from it, and creates without the stamp lookup', async () => {
      const own = await f.client.request<{ id: string }>('POST', `/users/${f.mailbox}/contactFolders`, { body: { displayName: 'Economy' } });
      const folder = { ...ids, contactFolderId: own.id };
      const outlook = f.emu.admin.userCreateContact(f.mailbox, own.id, { givenName: 'Born', surname: 'In Outlook' });
      const side = createExchangeSide({ client: f.client, mailbox: f.mailbox, containers: folder, map, notedCreates: async () => new Set() });
      await side.changesSince('contact', null);
      f.emu.admin.resetCounters();
      expect(await side.get('contact', outlook)).toMatchObject({ id: outlook, fields: { firstName: 'Born', lastName: 'In Outlook' } });
      const candidates = await side.candidates('contact', [{ id: '003E00000000001AAA', version: '1', fields: {} }]);
      expect(candidates.map((c) => c.id)).toEqual([outlook]);
      const made = await Promise.all([1, 2, 3].map((n) => side.create('contact', `003E0000000000${n}AAA`, { firstName: `E${n}`, lastName: 'Economy' })));
      expect(made.every((r) => r.ok)).toBe(true);
      expect(f.emu.admin.counters().kinds).toEqual({ batch: 1, write: 3 });
      // a second create of a key this run already wrote looks it up, and finds it
      const again = await side.create('contact', '003E00000000001AAA', { firstName: 'E1', lastName: 'Economy' });
      expect(again.ok && made[0]!.ok && again.record.id).toBe(made[0]!.ok ? made[0]!.record.id : '');
      expect(lookups()).toBe(1);
      expect(itemGets()).toBe(0);
    });

    it('a later run (feed read from a cursor) keeps the candidates listing as its proof: creates skip the lookup, a listed stamp keeps it', async () => {
      const own = await f.client.request<{ id: string }>('POST', `/users/${f.mailbox}/contactFolders`, { body: { displayName: 'Later run' } });
      const folder = { ...ids, contactFolderId: own.id };
      const first = createExchangeSide({ client: f.client, mailbox: f.mailbox, containers: folder, map, notedCreates: async () => new Set() });
      const cursor = (await first.changesSince('contact', null)).cursor;
      const earlier = await first.create('contact', '003L00000000001AAA', { firstName: 'L1', lastName: 'Later' });
      expect(earlier.ok).toBe(true);
      const side = createExchangeSide({ client: f.client, mailbox: f.mailbox, containers: folder, map, notedCreates: async () => new Set() });
      await side.changesSince('contact', cursor);
      await side.candidates('contact', [{ id: '003L00000000002AAA', version: '1', fields: {} }]);
      f.emu.admin.resetCounters();
      expect((await side.create('contact', '003L00000000002AAA', { firstName: 'L2', lastName: 'Later' })).ok).toBe(true);
      expect(lookups()).toBe(0);
      // the listing showed this key's item: looked up, found, not made twice
      const again = await side.create('contact', '003L00000000001AAA', { firstName: 'L1', lastName: 'Later' });
      expect(again.ok && earlier.ok && again.record.id).toBe(earlier.ok ? earlier.record.id : '');
      expect(lookups()).toBe(1);
    });

    it('keeps the lookup for a key the listing shows, a noted create, or without notes; no duplicate after a crash', async () => {
      const own = await f.client.request<{ id: string }>('POST', `/users/${f.mailbox}/contactFolders`, { body: { displayName: 'Crashed' } });
      const folder = { ...ids, contactFolderId: own.id };
      // a run that crashed after its create reached Graph, before the link was committed
      const before = createExchangeSide({ client: f.client, mailbox: f.mailbox, containers: folder, map });
      const first = await before.create('contact', '003C00000000001AAA', { firstName: 'C1', lastName: 'Crash' });
      const noted = new Set(['003C00000000002AAA']);
      const side = createExchangeSide({ client: f.client, mailbox: f.mailbox, containers: folder, map, notedCreates: async () => noted });
      await side.changesSince('contact', null);
      f.emu.admin.resetCounters();
      const again = await side.create('contact', '003C00000000001AAA', { firstName: 'C1', lastName: 'Crash' });
      expect(again.ok && first.ok && again.record.id === first.record.id).toBe(true);
      await side.create('contact', '003C00000000002AAA', { firstName: 'C2', lastName: 'Crash' });
      expect(lookups()).toBe(2);
      const unproven = createExchangeSide({ client: f.client, mailbox: f.mailbox, containers: folder, map });
      await unproven.changesSince('contact', null);
      f.emu.admin.resetCounters();
      await unproven.create('contact', '003C00000000003AAA', { firstName: 'C3', lastName: 'Crash' });
      expect(lookups()).toBe(1);
      const listed = await f.client.get<{ value: unknown[] }>(`/users/${f.mailbox}/contactFolders/${own.id}/contacts?$top=50`);
      expect(listed.value).toHaveLength(3);
    });

    it('reads ids the feed did not return whole in one $batch; a gone item reads as deleted', async () => {
      const side = createExchangeSide({ client: f.client, mailbox: f.mailbox, containers: ids, map });
      const idsMade = [1, 2, 3].map((n) => f.emu.admin.userCreateContact(f.mailbox, ids.contactFolderId, { givenName: `R${n}`, surname: 'Read' }));
      f.emu.admin.userDeleteContact(f.mailbox, idsMade[2]!);
      f.emu.admin.resetCounters();
      const got = await Promise.all(idsMade.map((id) => side.get('contact', id)));
      expect(got.slice(0, 2)).toMatchObject([{ id: idsMade[0] }, { id: idsMade[1] }]);
      expect(got[2]).toBe('deleted');
      expect(f.emu.admin.counters().endpoints['POST $batch']).toBe(1);
    });

    it('a fresh events read takes the stamps from one calendarView listing, not a GET per event', async () => {
      const at = (time: string) => ({ dateTime: `2026-06-01T${time}`, timeZone: 'UTC' });
      const eventMap: ExchangeMaps = {
        toFields: (_k, item) => ({ subject: (item.subject as string) ?? null }),
        toGraph: (_k, fields) => ({ subject: fields.subject, start: at('10:00:00'), end: at('11:00:00') }),
      };
      const window = { start: '2026-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' };
      const side = createExchangeSide({ client: f.client, mailbox: f.mailbox, containers: ids, map: eventMap, eventWindow: () => window });
      const made = await Promise.all([1, 2].map((n) => side.create('event', `00U00000000000${n}AAA`, { subject: `Review ${n}` })));
      const eventIds = made.map((r) => (r.ok ? r.record.id : ''));
      const fresh = createExchangeSide({ client: f.client, mailbox: f.mailbox, containers: ids, map: eventMap, eventWindow: () => window });
      await fresh.changesSince('event', null);
      f.emu.admin.resetCounters();
      const got = await Promise.all(eventIds.map((id) => fresh.get('event', id)));
      expect(got).toMatchObject([{ id: eventIds[0], stamp: '00U000000000001AAA' }, { id: eventIds[1], stamp: '00U000000000002AAA' }]);
      expect(f.emu.admin.counters().kinds).toEqual({});
    });
  });

  it('a later read past maxChangesPerPage stops at a nextLink with more, and reads on from it to the deltaLink', async () => {
    const side = createExchangeSide({ client: f.client, mailbox: f.mailbox, containers: ids, map, pageSize: 2, maxChangesPerPage: 3 });
    let cursor = (await side.changesSince('contact', null)).cursor;
    const made = [1, 2, 3, 4, 5, 6, 7].map((n) => f.emu.admin.userCreateContact(f.mailbox, ids.contactFolderId, { givenName: `C${n}`, surname: 'Capped' }));
    const seen: string[] = [];
    const sizes: number[] = [];
    for (let read = 0; read < 10; read++) {
      const page = await side.changesSince('contact', cursor);
      sizes.push(page.changes.length);
      seen.push(...page.changes.flatMap((c) => (c.type === 'upsert' ? [c.record.id] : [])));
      cursor = page.cursor;
      if (!page.more) break;
    }
    // pages of 2 entries: each read stops at the first page boundary at or past 3
    expect(sizes).toEqual([4, 3]);
    expect([...new Set(seen)].sort()).toEqual([...made].sort());
    expect((await side.changesSince('contact', cursor)).changes).toEqual([]);
  });

  it('candidates() streams the container and keeps only what the driver keeps', async () => {
    const side = createExchangeSide({ client: f.client, mailbox: f.mailbox, containers: ids, map });
    const wanted = f.emu.admin.userCreateContact(f.mailbox, ids.contactFolderId, { givenName: 'Keep', surname: 'Me' });
    const kept = await side.candidates('contact', [{ id: '003000000000001AAA', version: '', fields: {} }], (r) => r.fields.firstName === 'Keep');
    expect(kept.map((r) => r.id)).toEqual([wanted]);
  });
});
