// The RecordSide adapter against the emulator: scoped initial read, incremental read with
// edits, scope loss and deletes, idempotent create, version-guarded update and delete.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../../emulators/salesforce/index.ts';
import type { SalesforceSide } from '../core/ports.ts';
import type { Change, SideRecord } from '../core/types.ts';
import { connectSalesforce, type SalesforceConnection } from './connection.ts';
import { createRecords, soqlString, type SalesforceRecords } from './records.ts';
import { createSalesforceSide, type SalesforceKindMap } from './side.ts';

// A small contact map for the test; the runtime passes the core's field maps.
const contactMap: SalesforceKindMap = {
  sobject: 'Contact',
  fields: ['FirstName', 'LastName', 'Email'],
  toFields: (r) => ({
    firstName: (r.FirstName as string | null) ?? null,
    lastName: (r.LastName as string | null) ?? null,
    email: (r.Email as string | null) ?? null,
  }),
  toRecord: (f) => {
    const out: Record<string, string | null> = {};
    if ('firstName' in f) out.FirstName = f.firstName as string | null;
    if ('lastName' in f) out.LastName = f.lastName as string | null;
    if ('email' in f) out.Email = f.email as string | null;
    return out;
  },
  naturalKeyWhere: (others) => {
    const emails = others.map((o) => o.fields.email).filter((e): e is string => typeof e === 'string');
    return emails.length ? [`Email IN (${emails.map(soqlString).join(', ')})`] : [];
  },
};

let emu: SalesforceEmulator;
let sf: SalesforceConnection;
let records: SalesforceRecords;
let side: SalesforceSide;
let owner: string;

beforeAll(async () => {
  // The org's clock moves only when a test advances it: the bulk-save tests place records in
  // given seconds, which a wall clock would split wherever a second happened to end.
  const frozen = Date.parse('2026-11-27T12:00:00Z');
  emu = await startSalesforceEmulator({ port: 0, clock: () => frozen });
  sf = await connectSalesforce({ loginUrl: emu.loginUrl, auth: { kind: 'password', ...emu.credentials } });
  records = createRecords(sf);
  owner = emu.users[1]!.id;
  side = createSalesforceSide({
    records,
    maps: { contact: contactMap },
    ownerId: owner,
    contactScope: 'My Contacts',
    now: () => new Date(emu.admin.now()),
  });
});

afterAll(async () => {
  await sf?.close();
  await emu?.close();
});

const ids = (changes: readonly Change[], type: Change['type']) =>
  changes.filter((c) => c.type === type).map((c) => (c.type === 'upsert' ? c.record.id : c.id));

describe('SalesforceSide', () => {
  let cursor: string;
  let mine: string[];

  it('initial read returns the contacts in scope only', async () => {
    mine = [
      emu.admin.insert('Contact', { LastName: 'Mine1', Email: 'm1@example.com', OwnerId: owner }),
      emu.admin.insert('Contact', { LastName: 'Mine2', Email: 'm2@example.com', OwnerId: owner }),
      emu.admin.insert('Contact', { LastName: 'Mine3', OwnerId: owner }),
    ];
    emu.admin.insert('Contact', { LastName: 'NotMine', OwnerId: emu.users[2]!.id });
    const page = await side.changesSince('contact', null);
    expect(ids(page.changes, 'upsert').sort()).toEqual([...mine].sort());
    const first = page.changes[0]!;
    expect(first.type === 'upsert' && first.record.fields).toMatchObject({ lastName: expect.stringMatching(/^Mine/) });
    // the driver's get() right after the read costs no API call
    const before = sf.apiCalls();
    expect(await side.get('contact', mine[0]!)).toMatchObject({ id: mine[0] });
    expect(sf.apiCalls()).toBe(before);
    // nor do candidates: every contact in scope was just read, the planner holds them all
    expect(await side.candidates('contact', [{ id: 'x', version: 'v', fields: { email: 'm1@example.com' } }])).toEqual([]);
    expect(sf.apiCalls()).toBe(before);
    cursor = page.cursor;
  });

  it('next read sees an edit, a scope loss and a delete', async () => {
    emu.admin.advanceClock(2_000);
    emu.admin.update('Contact', mine[0]!, { LastName: 'Mine1-edited' });
    emu.admin.update('Contact', mine[1]!, { OwnerId: emu.users[2]!.id });
    emu.admin.delete('Contact', mine[2]!);
    const page = await side.changesSince('contact', cursor);
    expect(ids(page.changes, 'upsert')).toContain(mine[0]);
    // (the watermark's own second is read again, so someone else's contact may show up as out of scope too)
    expect(ids(page.changes, 'out-of-scope')).toContain(mine[1]);
    expect(ids(page.changes, 'upsert')).not.toContain(mine[1]);
    expect(ids(page.changes, 'delete')).toEqual([mine[2]]);
    expect(await side.get('contact', mine[2]!)).toBe('deleted');
    cursor = page.cursor;
  });

  it('create is idempotent on the Exchange key and stamps it', async () => {
    const key = 'contact:sam@contoso.example:AAMkNew1';
    const a = await side.create('contact', key, { lastName: 'FromOutlook', email: 'new@example.com' });
    const b = await side.create('contact', key, { lastName: 'FromOutlook', email: 'new@example.com' });
    expect(a.ok && b.ok).toBe(true);
    const ra = (a as { record: SideRecord }).record;
    expect((b as { record: SideRecord }).record.id).toBe(ra.id);
    expect(ra.stamp).toBe(key);
    expect(emu.admin.query(`SELECT Id, OwnerId FROM Contact WHERE SCC_Exchange_Key__c = '${key}'`)).toMatchObject([{ OwnerId: owner }]);
    // found again as a candidate by natural key
    const found = await side.candidates('contact', [{ id: 'x', version: 'v', fields: { email: 'new@example.com' } }]);
    expect(found.map((r) => r.id)).toEqual([ra.id]);
  });

  it('candidates find a record by the Exchange key of a fresh item whose natural key no longer matches, one query per chunk of keys', async () => {
    const keyed = createSalesforceSide({ records, maps: { contact: contactMap }, ownerId: owner, contactScope: 'My Contacts', now: () => new Date(emu.admin.now()), mailbox: 'mbx-keyed' });
    const made = await keyed.create('contact', 'contact:mbx-keyed:AAMkKeyed', { lastName: 'Keyed', email: 'keyed@example.com' });
    const id = (made as { record: SideRecord }).record.id;
    // the item came back edited: its email no longer finds the record, its key does
    const restored: SideRecord = { id: 'AAMkKeyed', version: 'v', fields: { email: 'changed@example.com' } };
    expect(await side.candidates('contact', [restored])).toEqual([]);
    const crowd = Array.from({ length: 450 }, (_, i): SideRecord => ({ id: `AAMkOther${i}`, version: 'v', fields: {} }));
    const before = sf.apiCalls();
    const found = await keyed.candidates('contact', [...crowd, restored]);
    expect(found.map((r) => ({ id: r.id, stamp: r.stamp }))).toEqual([{ id, stamp: 'contact:mbx-keyed:AAMkKeyed' }]);
    // 451 keys: three queries of at most 200, and one for the natural key (the email): four
    // queries asked together, one composite call
    expect(sf.apiCalls() - before).toBe(1);
  });

  it('update and delete are guarded by SystemModstamp', async () => {
    const created = await side.create('contact', 'contact:k:guard', { lastName: 'Guard' });
    // a write's new version is not known until Salesforce is read again (the next run's read)
    const rec = (await side.get('contact', (created as { record: SideRecord }).record.id)) as SideRecord;
    emu.admin.advanceClock(1_000);
    const ok = await side.update('contact', rec.id, rec.version, { firstName: 'Gus' });
    expect(ok).toMatchObject({ ok: true, record: { fields: { firstName: 'Gus', lastName: 'Guard' } } });
    const stale = await side.update('contact', rec.id, rec.version, { firstName: 'Old' });
    expect(stale).toMatchObject({ ok: false, reason: 'stale' });
    const newVersion = ((await side.get('contact', rec.id)) as SideRecord).version;
    expect(await side.delete('contact', rec.id, rec.version)).toMatchObject({ ok: false, reason: 'stale' });
    expect(await side.delete('contact', rec.id, newVersion)).toEqual({ ok: true });
    expect(await side.delete('contact', rec.id, newVersion)).toEqual({ ok: true });
    expect(await side.get('contact', rec.id)).toEqual({ deleted: true, stamp: 'contact:k:guard' });
  });

  it('a rejected value is reported, not thrown', async () => {
    const bad = await side.create('contact', 'contact:k:bad', { lastName: 'Bad', email: 'not-an-email' });
    expect(bad).toMatchObject({ ok: false, reason: 'rejected' });
    expect((bad as { message: string }).message).toMatch(/INVALID_EMAIL_ADDRESS/);
  });

  it('tasks: owned and open, or due or modified in the last 14 days', async () => {
    const taskMap: SalesforceKindMap = {
      sobject: 'Task',
      fields: ['Subject', 'Status', 'ActivityDate'],
      toFields: (r) => ({ subject: (r.Subject as string | null) ?? null }),
      toRecord: (f): Record<string, string | null> => ('subject' in f ? { Subject: f.subject as string | null } : {}),
    };
    const tasks = createSalesforceSide({
      records,
      maps: { task: taskMap },
      ownerId: owner,
      contactScope: 'My Contacts',
      now: () => new Date(emu.admin.now()),
    });
    const day = 86_400_000;
    const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const oldClosed = emu.admin.insert('Task', { Subject: 'old closed', Status: 'Completed', ActivityDate: date(emu.admin.now() - 40 * day), OwnerId: owner });
    emu.admin.advanceClock(20 * day);
    const now = emu.admin.now();
    const open = emu.admin.insert('Task', { Subject: 'open', Status: 'Not Started', OwnerId: owner });
    const recentDue = emu.admin.insert('Task', { Subject: 'due lately', Status: 'Completed', ActivityDate: date(now - 3 * day), OwnerId: owner });
    emu.admin.insert('Task', { Subject: 'not mine', Status: 'Not Started', OwnerId: emu.users[2]!.id });
    const page = await tasks.changesSince('task', null);
    const got = ids(page.changes, 'upsert');
    expect(got).toEqual(expect.arrayContaining([open, recentDue]));
    expect(got).not.toContain(oldClosed);
    expect(got).toHaveLength(2);
    expect(await tasks.get('task', oldClosed)).toBe('out-of-scope');
  });

  it('a long read stops at the end of a query page past the cap: no fetched record wasted, none missed', async () => {
    const bulkOwner = emu.admin.createUser({ firstName: 'Bulk', lastName: 'Owner', email: 'bulk.owner@example.com' }).id;
    const bulk = createSalesforceSide({ records, maps: { contact: contactMap }, ownerId: bulkOwner, contactScope: 'My Contacts', now: () => new Date(emu.admin.now()), maxChangesPerPage: 1_500 });
    emu.admin.advanceClock(5_000);
    const made = new Set<string>();
    // 1,000 saves in each of three seconds: the first query page (2,000) ends with the second second
    for (let second = 0; second < 3; second++) {
      for (let n = 0; n < 1_000; n++) made.add(emu.admin.insert('Contact', { LastName: `Bulk${second}-${n}`, OwnerId: bulkOwner }));
      emu.admin.advanceClock(1_000);
    }
    const before = sf.apiCalls();
    const first = await bulk.changesSince('contact', null);
    // the whole first page is used (the old cut at a second boundary fetched a second page for one more record)
    expect(sf.apiCalls() - before).toBe(1);
    expect(first.changes).toHaveLength(2_000);
    expect(first.more).toBe(true);
    // reading on from that cursor in the same run takes the open query's next page: the last
    // 1,000 records in one query-more, nothing read twice, deletes left to the next fresh read
    const second = await bulk.changesSince('contact', first.cursor);
    expect(sf.apiCalls() - before).toBe(2);
    expect(second.changes).toHaveLength(1_000);
    expect(second.more).toBeUndefined();
    const seen = new Set([...ids(first.changes, 'upsert'), ...ids(second.changes, 'upsert')]);
    expect([...made].filter((id) => !seen.has(id))).toEqual([]);
    // a later run (a new side) reads from the stored cursor: from the last record's second,
    // 2,000 records in one page, and the deletes query with it (one composite call)
    const later = createSalesforceSide({ records, maps: { contact: contactMap }, ownerId: bulkOwner, contactScope: 'My Contacts', now: () => new Date(emu.admin.now()), maxChangesPerPage: 1_500 });
    const again = await later.changesSince('contact', first.cursor);
    expect(sf.apiCalls() - before).toBe(3);
    expect(ids(again.changes, 'upsert')).toHaveLength(2_000);
  });

  it('a read on with the open query cuts inside a second too: records saved in bulk in one second come in pages', async () => {
    const denseOwner = emu.admin.createUser({ firstName: 'Dense', lastName: 'Owner', email: 'dense.owner@example.com' }).id;
    const dense = createSalesforceSide({ records, maps: { contact: contactMap }, ownerId: denseOwner, contactScope: 'My Contacts', now: () => new Date(emu.admin.now()), maxChangesPerPage: 1_500 });
    emu.admin.advanceClock(5_000);
    const made = new Set<string>();
    for (let n = 0; n < 5_000; n++) made.add(emu.admin.insert('Contact', { LastName: `Dense-${n}`, OwnerId: denseOwner }));
    const sizes: number[] = [];
    const seen = new Set<string>();
    let cursor: string | null = null;
    for (let read = 0; read < 10; read++) {
      const page = await dense.changesSince('contact', cursor);
      sizes.push(page.changes.length);
      for (const id of ids(page.changes, 'upsert')) seen.add(id);
      cursor = page.cursor;
      if (!page.more) break;
    }
    // one query page (2,000) a read: never the rest of the second at once
    expect(sizes).toEqual([2_000, 2_000, 1_000]);
    expect([...made].filter((id) => !seen.has(id))).toEqual([]);
  });
});
