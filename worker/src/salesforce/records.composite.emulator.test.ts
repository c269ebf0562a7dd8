// Reads of one tick share one API call (a composite request) against the Salesforce emulator:
// two reads = one call, a lone read is a plain call, a failed subrequest fails only its caller
// with the error a plain call gives, more than 5 queries split over calls, and paging still
// streams one page per read.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../../emulators/salesforce/index.ts';
import { connectSalesforce, type SalesforceConnection } from './connection.ts';
import { SalesforceError } from './errors.ts';
import { createRecords, withPrefetched, type SalesforceRecords, type SfRecord } from './records.ts';

let emu: SalesforceEmulator;
let sf: SalesforceConnection;
let records: SalesforceRecords;

beforeAll(async () => {
  emu = await startSalesforceEmulator({ port: 0 });
  sf = await connectSalesforce({ loginUrl: emu.loginUrl, auth: { kind: 'password', ...emu.credentials } });
});

afterAll(async () => {
  await sf?.close();
  await emu?.close();
});

beforeEach(() => {
  emu.admin.reset();
  // a fresh describe cache each time
  records = createRecords(sf);
  emu.admin.resetCounters();
});

async function all(soql: string): Promise<SfRecord[]> {
  const out: SfRecord[] = [];
  for await (const page of records.pages(soql)) out.push(...page);
  return out;
}

describe('reads of one tick', () => {
  it('two reads in one tick are one API call; each caller gets its own answer', async () => {
    emu.admin.insert('Account', { Name: 'Acme' });
    emu.admin.insert('Lead', { LastName: 'Lee', Company: 'Acme' });
    const [accounts, leads, limits] = await Promise.all([all('SELECT Name FROM Account'), all('SELECT LastName FROM Lead'), records.fieldLimits('Contact')]);
    expect(accounts.map((r) => r.Name)).toEqual(['Acme']);
    expect(leads.map((r) => r.LastName)).toEqual(['Lee']);
    expect(limits.get('LastName')?.length).toBeGreaterThan(0);
    const counters = emu.admin.counters();
    expect(counters.apiCalls).toBe(1);
    expect(counters.byKind).toMatchObject({ compositeRequest: 1, 'sub:query': 2, 'sub:describe': 1 });
  });

  it('a read alone in its tick is a plain call', async () => {
    await all('SELECT Name FROM Account');
    await records.fieldLimits('Contact');
    expect(emu.admin.counters().apiCalls).toBe(2);
    expect(emu.admin.counters().byKind).toMatchObject({ query: 1, describe: 1 });
    expect(emu.admin.counters().byKind.compositeRequest).toBeUndefined();
  });

  it('a failed subrequest fails only its caller, with the error a plain call gives', async () => {
    const plain = await all('SELECT Nope__c FROM Account').catch((e: unknown) => e);
    emu.admin.resetCounters();
    const [bad, good, missing] = await Promise.allSettled([
      all('SELECT Nope__c FROM Account'),
      all('SELECT Name FROM Account'),
      records.fieldLimits('No_Such_Object__c'),
    ]);
    expect(emu.admin.counters().apiCalls).toBe(1);
    expect(good).toEqual({ status: 'fulfilled', value: [] });
    expect(bad.status).toBe('rejected');
    const err = (bad as PromiseRejectedResult).reason as SalesforceError;
    expect(err).toBeInstanceOf(SalesforceError);
    expect(plain).toBeInstanceOf(SalesforceError);
    expect({ kind: err.kind, code: err.code }).toEqual({ kind: (plain as SalesforceError).kind, code: (plain as SalesforceError).code });
    expect((missing as PromiseRejectedResult).reason).toMatchObject({ kind: 'not-found', code: 'NOT_FOUND' });
  });

  it('a temporary failure of one subrequest fails that caller alone, as temporary', async () => {
    emu.admin.fault({ kind: 'query', count: 1, status: 503, errorCode: 'SERVER_UNAVAILABLE', message: 'Injected unavailability.' });
    const [first, second, limits] = await Promise.allSettled([all('SELECT Name FROM Account'), all('SELECT LastName FROM Lead'), records.fieldLimits('Task')]);
    expect(emu.admin.counters().apiCalls).toBe(1);
    expect(first).toMatchObject({ status: 'rejected', reason: { kind: 'temporary', code: 'SERVER_UNAVAILABLE' } });
    expect(second).toEqual({ status: 'fulfilled', value: [] });
    expect(limits.status).toBe('fulfilled');
  });

  it('an expired session: the composite call renews the token and is sent again; each caller gets its answer', async () => {
    emu.admin.insert('Account', { Name: 'Acme' });
    emu.admin.expireSessions();
    const [accounts, limits] = await Promise.all([all('SELECT Name FROM Account'), records.fieldLimits('Lead')]);
    expect(accounts.map((r) => r.Name)).toEqual(['Acme']);
    expect(limits.has('LastName')).toBe(true);
    expect(emu.admin.counters().byKind).toMatchObject({ compositeRequest: 1, 'sub:query': 1, 'sub:describe': 1 });
  });

  it('more than 5 queries in one tick go out as several composite requests (5 queries each at most)', async () => {
    const soql = Array.from({ length: 7 }, (_, i) => `SELECT Id FROM Account WHERE Name = 'n${i}'`);
    const results = await Promise.all([...soql.map(all), records.fieldLimits('Contact'), records.fieldLimits('Task')]);
    expect(results.slice(0, 7).every((r) => Array.isArray(r) && r.length === 0)).toBe(true);
    const counters = emu.admin.counters();
    expect(counters.apiCalls).toBe(2);
    expect(counters.byKind).toMatchObject({ compositeRequest: 2, 'sub:query': 7, 'sub:describe': 2 });
  });

  it('paging still reads one page per call: the next page is asked for only when the caller wants it', async () => {
    for (let n = 0; n < 2500; n++) emu.admin.insert('Lead', { LastName: `L${n}`, Company: 'X' });
    emu.admin.resetCounters();
    const pages = records.pages('SELECT Id FROM Lead');
    const first = await pages.next();
    expect((first.value as SfRecord[]).length).toBe(2000);
    expect(emu.admin.counters().apiCalls).toBe(1);
    const second = await pages.next();
    expect((second.value as SfRecord[]).length).toBe(500);
    expect(emu.admin.counters().byKind).toMatchObject({ query: 1, queryMore: 1 });
    expect((await pages.next()).done).toBe(true);
  });
});

describe('sObject Rows and prefetched first pages', () => {
  it('row() reads one record by id as an sObject subrequest (not a query), and a missing one as undefined', async () => {
    const id = emu.admin.insert('Account', { Name: 'Acme' });
    const gone = emu.admin.insert('Account', { Name: 'Gone' });
    emu.admin.delete('Account', gone);
    emu.admin.resetCounters();
    const q = (n: number) => all(`SELECT Name FROM Account WHERE Name = 'q${n}'`);
    // 5 queries and two rows: one call (rows do not count toward the 5 queries)
    const [row, missing] = await Promise.all([records.row('Account', id, ['Name']), records.row('Account', gone, ['Name']), q(1), q(2), q(3), q(4), q(5)]);
    expect(row?.Name).toBe('Acme');
    expect(row).not.toHaveProperty('attributes');
    expect(missing).toBeUndefined();
    expect(emu.admin.counters().apiCalls).toBe(1);
    expect(emu.admin.counters().byKind).toMatchObject({ compositeRequest: 1, 'sub:retrieve': 2, 'sub:query': 5 });
  });

  it('a prefetched first page is taken once by pages() of the same SOQL; other SOQL reads again', async () => {
    for (let n = 0; n < 3; n++) emu.admin.insert('Account', { Name: `A${n}` });
    const soql = 'SELECT Name FROM Account ORDER BY Name';
    emu.admin.resetCounters();
    const ahead = records.prefetch(soql);
    // the page is read once asked (one call), whether or not anyone takes it
    await ahead.pages().next();
    expect(emu.admin.counters().apiCalls).toBe(1);
    // saved after the page was asked: the prefetched page does not hold it
    emu.admin.insert('Account', { Name: 'A3' });
    const taken: string[] = [];
    const run = withPrefetched(records, [ahead], (p) => taken.push(p.soql));
    emu.admin.resetCounters();
    const names = async (reader: SalesforceRecords, q: string): Promise<unknown[]> => {
      const out: unknown[] = [];
      for await (const page of reader.pages(q)) out.push(...page.map((r) => r.Name));
      return out;
    };
    expect(await names(run, soql)).toEqual(['A0', 'A1', 'A2']);
    expect(emu.admin.counters().apiCalls).toBe(0);
    expect(taken).toEqual([soql]);
    // once: the same SOQL again, or another one, is a read of its own
    expect(await names(run, soql)).toEqual(['A0', 'A1', 'A2', 'A3']);
    expect(await names(run, 'SELECT Name FROM Account WHERE Name = \'A3\'')).toEqual(['A3']);
    expect(emu.admin.counters().apiCalls).toBe(2);
  });
});
