import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from './emulator-fixture.ts';
import { SALESFORCE_ID_PROPERTY } from './delta.ts';
import { provisionMailbox, type ProvisionedIds } from './provision.ts';
import { writeItems, type WriteOp } from './writes.ts';

const sfId = (n: number) => `003${String(n).padStart(12, '0')}AAA`;

describe('$batch writes (real client, Graph emulator)', () => {
  let f: Fixture;
  let ids: ProvisionedIds;
  beforeAll(async () => {
    f = await startFixture();
    ids = await provisionMailbox(f.client, f.mailbox);
  });
  beforeEach(() => {
    f.emu.admin.setLatency(0);
    f.emu.admin.clearFaults();
  });
  afterAll(async () => {
    await f?.close();
  });

  it('45 contacts go in 3 write batches, ≤4 in flight, and one bad item fails alone', async () => {
    f.emu.admin.setLatency(15);
    f.emu.admin.resetCounters();
    const ops: WriteOp[] = Array.from({ length: 45 }, (_, n) => ({
      op: 'create' as const,
      resource: 'contacts' as const,
      containerId: ids.contactFolderId,
      salesforceId: sfId(n),
      fields: n === 7 ? { givenName: 'Broken', emailAddresses: 'not-an-array' } : { givenName: `Contact${n}`, emailAddresses: [{ address: `c${n}@example.com` }] },
    }));
    const sizes: number[] = [];
    const outcomes = await writeItems(f.client, f.mailbox, ops, { onBatch: (size) => sizes.push(size) });
    const failed = outcomes.flatMap((o, i) => (o.ok ? [] : [{ i, kind: o.error.kind, status: o.error.status }]));
    expect(failed).toEqual([{ i: 7, kind: 'permanent', status: 400 }]);
    // 3 batches of stamp lookups, then 3 batches of writes (the bad item's lane successors re-sent alone).
    expect(sizes).toHaveLength(6);
    expect(sizes.slice(0, 3)).toEqual([20, 20, 5]);
    expect(sizes.slice(3).reduce((a, b) => a + b, 0)).toBe(45 + 3);
    expect(sizes.every((s) => s <= 20)).toBe(true);
    const counters = f.emu.admin.counters();
    // The emulator answers 429 to a 5th concurrent request on a mailbox: none happened.
    expect(counters.throttled).toBe(0);
    expect(f.client.limiter.stats(f.mailbox).peak).toBeLessThanOrEqual(4);
    const stored = f.emu.admin.items(f.mailbox, 'contact');
    expect(stored.filter((c) => String(c.givenName).startsWith('Contact'))).toHaveLength(44);
    const ok = outcomes[0]!;
    expect(ok.ok && ok.id && ok.version).toBeTruthy();
  });

  it('one-lane $batches (a dependsOn chain of 20 each) run four side by side, never more than 4 requests at once', async () => {
    f.emu.admin.setLatency(5);
    f.emu.admin.resetCounters();
    const group = (g: number): WriteOp[] =>
      Array.from({ length: 20 }, (_, n) => ({
        op: 'create' as const,
        resource: 'contacts' as const,
        containerId: ids.contactFolderId,
        salesforceId: sfId(1000 + g * 20 + n),
        fields: { givenName: `Lane${g}-${n}` },
      }));
    const results = await Promise.all([0, 1, 2, 3].map((g) => writeItems(f.client, f.mailbox, group(g), { skipLookup: true, lanes: 1 })));
    expect(results.flat().every((o) => o.ok)).toBe(true);
    // each batch counts for its one lane: the four went together, and the emulator (429 past 4) never throttled
    expect(f.emu.admin.counters().throttled).toBe(0);
    expect(f.client.limiter.stats(f.mailbox).peak).toBeLessThanOrEqual(4);
    expect(f.emu.admin.items(f.mailbox, 'contact').filter((c) => String(c.givenName).startsWith('Lane'))).toHaveLength(80);
  });

  it('a create retried after a crash finds the stamped item and patches it instead of duplicating', async () => {
    const op: WriteOp = { op: 'create', resource: 'contacts', containerId: ids.contactFolderId, salesforceId: sfId(900), fields: { givenName: 'Once', surname: 'Only' } };
    const [a] = await writeItems(f.client, f.mailbox, [op]);
    const [b] = await writeItems(f.client, f.mailbox, [{ ...op, fields: { givenName: 'Once', surname: 'Again' } }]);
    expect(a?.ok && b?.ok).toBe(true);
    if (!a?.ok || !b?.ok) return;
    expect(b.reused).toBe(true);
    expect(b.id).toBe(a.id);
    const filter = encodeURIComponent(`singleValueExtendedProperties/any(ep: ep/id eq '${SALESFORCE_ID_PROPERTY}' and ep/value eq '${sfId(900)}')`);
    const found = await f.client.get<{ value: Array<{ id: string; surname: string }> }>(`/users/${f.mailbox}/contactFolders/${ids.contactFolderId}/contacts?$filter=${filter}`);
    expect(found.value).toEqual([expect.objectContaining({ id: a.id, surname: 'Again' })]);
  });

  it('guarded updates: a stale version is a conflict, the current one succeeds; deletes likewise', async () => {
    const [created] = await writeItems(f.client, f.mailbox, [
      { op: 'create', resource: 'contacts', containerId: ids.contactFolderId, salesforceId: sfId(901), fields: { givenName: 'Guarded' } },
    ]);
    if (!created?.ok) throw new Error('create failed');
    f.emu.admin.userUpdateContact(f.mailbox, created.id, { jobTitle: 'Edited in Outlook' });
    const [stale] = await writeItems(f.client, f.mailbox, [{ op: 'update', resource: 'contacts', id: created.id, ifMatch: created.version, fields: { jobTitle: 'From Salesforce' } }]);
    expect(stale?.ok).toBe(false);
    if (stale && !stale.ok) expect([stale.error.kind, stale.error.status]).toEqual(['conflict', 412]);
    const current = await f.client.get<{ changeKey: string }>(`/users/${f.mailbox}/contacts/${created.id}`);
    const [fresh] = await writeItems(f.client, f.mailbox, [
      { op: 'update', resource: 'contacts', id: created.id, ifMatch: current.changeKey, fields: { jobTitle: 'From Salesforce' }, salesforceId: sfId(901) },
    ]);
    expect(fresh?.ok && fresh.version !== current.changeKey).toBe(true);
    const [staleDelete] = await writeItems(f.client, f.mailbox, [{ op: 'delete', resource: 'contacts', id: created.id, ifMatch: current.changeKey }]);
    expect(staleDelete?.ok === false && staleDelete.error.kind).toBe('conflict');
    const [del] = await writeItems(f.client, f.mailbox, [{ op: 'delete', resource: 'contacts', id: created.id, ...(fresh?.ok ? { ifMatch: fresh.version } : {}) }]);
    expect(del?.ok).toBe(true);
    const [gone] = await writeItems(f.client, f.mailbox, [{ op: 'delete', resource: 'contacts', id: created.id }]);
    expect(gone?.ok === false && gone.error.kind).toBe('not-found');
  });

  it('a throttled sub-request is retried alone after its Retry-After', async () => {
    f.emu.admin.fault({ match: { method: 'POST', pathIncludes: '/contactFolders/' }, count: 1, status: 429, code: 'ApplicationThrottled', retryAfterSeconds: 1 });
    const started = Date.now();
    const sizes: number[] = [];
    const ops: WriteOp[] = [0, 1, 2].map((n) => ({ op: 'create', resource: 'contacts', containerId: ids.contactFolderId, salesforceId: sfId(950 + n), fields: { givenName: `T${n}` } }));
    const outcomes = await writeItems(f.client, f.mailbox, ops, { onBatch: (s) => sizes.push(s) });
    expect(outcomes.every((o) => o.ok)).toBe(true);
    // lookups (3), first write batch (3: one throttled, or its lane successors 424), then the re-sent ones
    expect(sizes[0]).toBe(3);
    expect(sizes[1]).toBe(3);
    expect(sizes[2]!).toBeGreaterThanOrEqual(1);
    expect(sizes[2]!).toBeLessThan(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('To Do tasks: create with stamp, lookup on retry, guarded update by etag', async () => {
    const op: WriteOp = { op: 'create', resource: 'tasks', containerId: ids.todoListId, salesforceId: '00T000000000001AAA', fields: { title: 'Follow up' } };
    const [a] = await writeItems(f.client, f.mailbox, [op]);
    const [b] = await writeItems(f.client, f.mailbox, [op]);
    if (!a?.ok || !b?.ok) throw new Error('task create failed');
    expect(b.id).toBe(a.id);
    expect(b.reused).toBe(true);
    const [upd] = await writeItems(f.client, f.mailbox, [
      { op: 'update', resource: 'tasks', containerId: ids.todoListId, id: a.id, ifMatch: b.version, fields: { status: 'completed' } },
    ]);
    expect(upd?.ok).toBe(true);
    const [stale] = await writeItems(f.client, f.mailbox, [
      { op: 'update', resource: 'tasks', containerId: ids.todoListId, id: a.id, ifMatch: a.version, fields: { title: 'x' } },
    ]);
    expect(stale?.ok === false && stale.error.kind).toBe('conflict');
    const [bad] = await writeItems(f.client, f.mailbox, [{ op: 'update', resource: 'tasks', id: a.id, fields: {} }]);
    expect(bad?.ok === false && bad.error.code).toBe('BadOp');
  });
});
