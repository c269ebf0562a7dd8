// Writes issued together share collection calls (issues 6 and 11): creates, guarded updates and
// deletes of one tick go out as ≤200-record calls, with the version guard kept and each caller
// getting its own result; nothing is read back after a write (the next watermark read brings the
// new versions). API calls are counted by the emulator.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../../emulators/salesforce/index.ts';
import type { SalesforceSide, WriteResult } from '../core/ports.ts';
import type { SideRecord } from '../core/types.ts';
import { connectSalesforce, type SalesforceConnection } from './connection.ts';
import { createRecords } from './records.ts';
import { UNSEEN_VERSION, createSalesforceSide, type SalesforceKindMap } from './side.ts';

const contactMap: SalesforceKindMap = {
  sobject: 'Contact',
  fields: ['LastName', 'Email'],
  toFields: (r) => ({ lastName: (r.LastName as string | null) ?? null, email: (r.Email as string | null) ?? null }),
  toRecord: (f) => {
    const out: Record<string, string | null> = {};
    if ('lastName' in f) out.LastName = f.lastName as string | null;
    if ('email' in f) out.Email = f.email as string | null;
    return out;
  },
};

let emu: SalesforceEmulator;
let sf: SalesforceConnection;
let side: SalesforceSide;

beforeAll(async () => {
  emu = await startSalesforceEmulator({ port: 0 });
  sf = await connectSalesforce({ loginUrl: emu.loginUrl, auth: { kind: 'password', ...emu.credentials } });
  side = createSalesforceSide({
    records: createRecords(sf),
    maps: { contact: contactMap },
    ownerId: emu.users[1]!.id,
    contactScope: 'My Contacts',
    now: () => new Date(emu.admin.now()),
  });
  // describe is read once per object and cached: keep it out of the counts below
  await side.create('contact', 'contact:warm-up', { lastName: 'WarmUp' });
});

afterAll(async () => {
  await sf?.close();
  await emu?.close();
});

beforeEach(() => emu.admin.resetCounters());

const calls = () => emu.admin.counters().apiCalls;
const recordOf = (r: WriteResult): SideRecord => {
  if (!r.ok) throw new Error(`write failed: ${r.reason} ${r.message}`);
  return r.record;
};

async function createMany(prefix: string, n: number): Promise<SideRecord[]> {
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) => side.create('contact', `contact:${prefix}:${i}`, { lastName: `${prefix}${i}` })),
  );
  return results.map(recordOf);
}

/** The records as Salesforce holds them now, with their versions (what the next run reads). */
async function readBack(made: readonly SideRecord[]): Promise<SideRecord[]> {
  const now = await Promise.all(made.map((r) => side.get('contact', r.id)));
  return now.map((r) => {
    if (typeof r !== 'object' || 'deleted' in r) throw new Error('record gone');
    return r;
  });
}

describe('SalesforceSide coalesced writes', () => {
  it('50 creates of one tick: one upsert, nothing read back', async () => {
    const made = await createMany('c', 50);
    expect(calls()).toBe(1);
    expect(new Set(made.map((r) => r.id)).size).toBe(50);
    made.forEach((r, i) => expect(r).toMatchObject({ stamp: `contact:c:${i}`, version: UNSEEN_VERSION, fields: { lastName: `c${i}`, email: null } }));
    // what the write returned is what Salesforce holds (the next run sees an echo)
    expect((await readBack(made)).map((r) => r.fields)).toEqual(made.map((r) => r.fields));
  });

  it('450 creates go out in collections of 200 (3 upserts)', async () => {
    const made = await createMany('big', 450);
    expect(made).toHaveLength(450);
    expect(calls()).toBe(3);
  });

  it('a retried create (the key already in Salesforce) is read back: its other fields are unknown', async () => {
    const first = recordOf(await side.create('contact', 'contact:retry:1', { lastName: 'Retry', email: 'retry@example.com' }));
    emu.admin.resetCounters();
    const again = recordOf(await side.create('contact', 'contact:retry:1', { lastName: 'Retry' }));
    expect(again.id).toBe(first.id);
    expect(again.version).not.toBe(UNSEEN_VERSION);
    expect(again.fields).toMatchObject({ lastName: 'Retry', email: 'retry@example.com' });
    expect(calls()).toBe(2);
  });

  it('a write expecting an unseen version is stale: the record may have changed since our write', async () => {
    const [made] = await createMany('unseen', 1);
    emu.admin.resetCounters();
    expect(await side.update('contact', made!.id, made!.version, { lastName: 'blind' })).toMatchObject({ ok: false, reason: 'stale' });
    expect(calls()).toBe(1);
  });

  it('guarded updates: one read before, one update; a changed record is stale', async () => {
    const made = await readBack(await createMany('u', 30));
    emu.admin.advanceClock(2_000);
    emu.admin.update('Contact', made[7]!.id, { LastName: 'edited by a user' });
    emu.admin.resetCounters();
    const results = await Promise.all(made.map((r, i) => side.update('contact', r.id, r.version, { lastName: `u${i}-patched` })));
    expect(calls()).toBe(2);
    results.forEach((r, i) => {
      if (i === 7) expect(r).toMatchObject({ ok: false, reason: 'stale' });
      else {
        expect(r).toMatchObject({ ok: true, record: { id: made[i]!.id, version: UNSEEN_VERSION, fields: { lastName: `u${i}-patched` } } });
      }
    });
    const written = results.flatMap((r) => (r.ok ? [r.record] : []));
    expect((await readBack(written)).map((r) => r.fields)).toEqual(written.map((r) => r.fields));
    expect(emu.admin.query(`SELECT LastName FROM Contact WHERE Id = '${made[7]!.id}'`)).toMatchObject([{ LastName: 'edited by a user' }]);
  });

  it('guarded deletes: one read, one delete; stale and already-gone handled per record', async () => {
    const made = await readBack(await createMany('d', 20));
    emu.admin.advanceClock(2_000);
    emu.admin.update('Contact', made[3]!.id, { LastName: 'kept' });
    emu.admin.delete('Contact', made[4]!.id);
    emu.admin.resetCounters();
    const results = await Promise.all(made.map((r) => side.delete('contact', r.id, r.version)));
    expect(calls()).toBe(2);
    results.forEach((r, i) => expect(r).toEqual(i === 3 ? expect.objectContaining({ ok: false, reason: 'stale' }) : { ok: true }));
    expect(emu.admin.query(`SELECT Id FROM Contact WHERE LastName LIKE 'd%'`)).toHaveLength(0);
    expect(emu.admin.query(`SELECT Id FROM Contact WHERE Id = '${made[3]!.id}'`)).toHaveLength(1);
  });

  it('mixed creates, updates and deletes of one tick share the one read', async () => {
    const [a, b] = await readBack(await createMany('m', 2));
    emu.admin.resetCounters();
    const [created, updated, deleted] = await Promise.all([
      side.create('contact', 'contact:m:new', { lastName: 'mNew' }),
      side.update('contact', a!.id, a!.version, { lastName: 'mA' }),
      side.delete('contact', b!.id, b!.version),
    ]);
    expect(created).toMatchObject({ ok: true, record: { stamp: 'contact:m:new' } });
    expect(updated).toMatchObject({ ok: true, record: { fields: { lastName: 'mA' } } });
    expect(deleted).toEqual({ ok: true });
    // read before, upsert, update, delete
    expect(calls()).toBe(4);
  });

  it('a rejected record fails alone; two creates of one key in one tick make one record', async () => {
    const results = await Promise.all([
      side.create('contact', 'contact:r:ok', { lastName: 'fine' }),
      side.create('contact', 'contact:r:bad', { lastName: 'bad', email: 'not-an-email' }),
      side.create('contact', 'contact:r:twice', { lastName: 'twice' }),
      side.create('contact', 'contact:r:twice', { lastName: 'twice' }),
    ]);
    expect(results[0]).toMatchObject({ ok: true });
    expect(results[1]).toMatchObject({ ok: false, reason: 'rejected', message: expect.stringMatching(/INVALID_EMAIL_ADDRESS/) });
    expect(recordOf(results[2]!).id).toBe(recordOf(results[3]!).id);
    expect(emu.admin.query(`SELECT Id FROM Contact WHERE SCC_Exchange_Key__c = 'contact:r:twice'`)).toHaveLength(1);
  });
});
