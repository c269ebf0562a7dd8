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
});
