// sObject collections and composite/batch through jsforce: per-record results, one bad record
// failing alone, allOrNone rollback, upsert collections, deletes and retrieves.
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SalesforceEmulator } from './index.ts';
import { connect, startTestOrg } from './test-org.ts';

let emu: SalesforceEmulator;
let conn: Connection;
beforeAll(async () => {
  emu = await startTestOrg();
  conn = await connect(emu);
});
afterAll(async () => emu.close());
beforeEach(() => emu.admin.reset());

const raw = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
  const res = await fetch(`${emu.instanceUrl}/services/data/v60.0${path}`, {
    method, headers: { Authorization: `Bearer ${conn.accessToken}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: res.status === 204 ? undefined : await res.json() };
};

describe('composite/sobjects', () => {
  it('creates a collection where one bad record fails alone', async () => {
    emu.admin.resetCounters();
    const results = await conn.sobject('Contact').create([
      { LastName: 'Good 1', Email: 'g1@example.com' },
      { LastName: 'Bad', Email: 'nope' },
      { LastName: 'Good 2' },
    ]);
    expect(results.map((r) => r.success)).toEqual([true, false, true]);
    expect(results[1]).toMatchObject({ success: false, errors: [expect.objectContaining({ statusCode: 'INVALID_EMAIL_ADDRESS', fields: ['Email'] })] });
    expect(emu.admin.query('SELECT LastName FROM Contact ORDER BY LastName').map((r) => r.LastName)).toEqual(['Good 1', 'Good 2']);
    expect(emu.admin.counters().byKind).toMatchObject({ compositeCreate: 1, composite: 1 });
    expect(emu.admin.counters().records.created).toBe(2);
  });

  it('allOrNone rolls back every record and explains why', async () => {
    const { status, json } = await raw('POST', '/composite/sobjects', {
      allOrNone: true,
      records: [{ attributes: { type: 'Contact' }, LastName: 'Fine' }, { attributes: { type: 'Contact' }, FirstName: 'NoLast' }],
    });
    expect(status).toBe(200);
    expect(json).toEqual([
      { id: null, success: false, errors: [expect.objectContaining({ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK' })] },
      { id: null, success: false, errors: [expect.objectContaining({ statusCode: 'REQUIRED_FIELD_MISSING', fields: ['LastName'] })] },
    ]);
    expect(emu.admin.query('SELECT Id FROM Contact')).toHaveLength(0);
  });

  it('rejects more than 200 records', async () => {
    const records = Array.from({ length: 201 }, () => ({ attributes: { type: 'Lead' }, LastName: 'x', Company: 'y' }));
    const { status, json } = await raw('POST', '/composite/sobjects', { records });
    expect(status).toBe(400);
    expect((json as Array<{ errorCode: string }>)[0]!.errorCode).toBe('EXCEEDED_ID_LIMIT');
  });

  it('updates, retrieves and deletes collections', async () => {
    const ids = (await conn.sobject('Lead').create([{ LastName: 'A', Company: 'X' }, { LastName: 'B', Company: 'X' }])).map((r) => r.id!);
    const upd = await conn.sobject('Lead').update([{ Id: ids[0]!, Title: 'CTO' }, { Id: '00Q000000000000AAA', Title: 'ghost' }]);
    expect(upd.map((r) => r.success)).toEqual([true, false]);
    const got = await conn.sobject('Lead').retrieve(ids, { fields: ['Title', 'LastName'] });
    expect(got.map((r) => r.Title)).toEqual(['CTO', null]);
    const del = await conn.sobject('Lead').destroy([ids[0]!, ids[1]!]);
    expect(del.every((r) => r.success)).toBe(true);
    expect(emu.admin.query('SELECT Id FROM Lead')).toHaveLength(0);
  });

  it('upserts a collection by external id: created and updated per record', async () => {
    await conn.sobject('Task').upsert([{ SCC_Exchange_Key__c: 'task:m:1', Subject: 'One' }], 'SCC_Exchange_Key__c');
    const res = await conn.sobject('Task').upsert([
      { SCC_Exchange_Key__c: 'task:m:1', Subject: 'One again' },
      { SCC_Exchange_Key__c: 'task:m:2', Subject: 'Two' },
    ], 'SCC_Exchange_Key__c');
    expect(res.map((r) => (r as { created: boolean }).created)).toEqual([false, true]);
    expect(emu.admin.query('SELECT Subject FROM Task ORDER BY Subject').map((r) => r.Subject)).toEqual(['One again', 'Two']);
  });
});

describe('composite/batch', () => {
  it('runs up to 25 subrequests and reports each status', async () => {
    const { status, json } = await raw('POST', '/composite/batch', {
      batchRequests: [
        { method: 'POST', url: 'v60.0/sobjects/Account', richInput: { Name: 'Batch Co' } },
        { method: 'GET', url: 'v60.0/query?q=SELECT+Name+FROM+Account' },
        { method: 'GET', url: 'v60.0/sobjects/Account/001000000000000AAA' },
      ],
    });
    expect(status).toBe(200);
    const body = json as { hasErrors: boolean; results: Array<{ statusCode: number; result: unknown }> };
    expect(body.hasErrors).toBe(true);
    expect(body.results.map((r) => r.statusCode)).toEqual([201, 200, 404]);
    expect((body.results[1]!.result as { totalSize: number }).totalSize).toBe(1);
  });
});
