// Writes issued together share collection calls (issue 6): creates, guarded updates and deletes
// of one tick go out as ≤200-record calls, with the version guard kept and each caller
// getting its own result. API calls are counted by the emulator.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../../emulators/salesforce/index.ts';
import type { SalesforceSide, WriteResult } from '../core/ports.ts';
import type { SideRecord } from '../core/types.ts';
import { connectSalesforce, type SalesforceConnection } from './connection.ts';
import { createRecords } from './records.ts';
import { createSalesforceSide, type SalesforceKindMap } from './side.ts';

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

describe('SalesforceSide coalesced writes', () => {
  it('50 creates of one tick: one upsert and one read of the new versions', async () => {
    const made = await createMany('c', 50);
    expect(calls()).toBe(2);
    expect(new Set(made.map((r) => r.id)).size).toBe(50);
    made.forEach((r, i) => expect(r).toMatchObject({ stamp: `contact:c:${i}`, fields: { lastName: `c${i}` } }));
  });

  it('450 creates go out in collections of 200 (3 upserts + 3 reads)', async () => {
    const made = await createMany('big', 450);
    expect(made).toHaveLength(450);
    expect(calls()).toBe(6);
  });

  it('guarded updates: one read before, one update, one read after; a changed record is stale', async () => {
    const made = await createMany('u', 30);
    emu.admin.advanceClock(2_000);
    emu.admin.update('Contact', made[7]!.id, { LastName: 'edited by a user' });
    emu.admin.resetCounters();
    const results = await Promise.all(made.map((r, i) => side.update('contact', r.id, r.version, { lastName: `u${i}-patched` })));
    expect(calls()).toBe(3);
    results.forEach((r, i) => {
      if (i === 7) expect(r).toMatchObject({ ok: false, reason: 'stale' });
      else {
        expect(r).toMatchObject({ ok: true, record: { id: made[i]!.id, fields: { lastName: `u${i}-patched` } } });
        expect(recordOf(r).version).not.toBe(made[i]!.version);
      }
    });
    expect(emu.admin.query(`SELECT LastName FROM Contact WHERE Id = '${made[7]!.id}'`)).toMatchObject([{ LastName: 'edited by a user' }]);
  });

  it('guarded deletes: one read, one delete; stale and already-gone handled per record', async () => {
    const made = await createMany('d', 20);
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

  it('mixed creates, updates and deletes of one tick share the two reads', async () => {
    const [a, b] = await createMany('m', 2);
    emu.admin.resetCounters();
    const [created, updated, deleted] = await Promise.all([
      side.create('contact', 'contact:m:new', { lastName: 'mNew' }),
      side.update('contact', a!.id, a!.version, { lastName: 'mA' }),
      side.delete('contact', b!.id, b!.version),
    ]);
    expect(created).toMatchObject({ ok: true, record: { stamp: 'contact:m:new' } });
    expect(updated).toMatchObject({ ok: true, record: { fields: { lastName: 'mA' } } });
    expect(deleted).toEqual({ ok: true });
    // read before, upsert, update, delete, read after
    expect(calls()).toBe(5);
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
