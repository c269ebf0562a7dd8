// sObject collections and composite/batch through jsforce: per-record results, one bad record
// failing alone, allOrNone rollback, upsert collections, deletes and retrieves; composite
// (compositeRequest): one API call, references, allOrNone, the 25/5 limits.
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

const raw = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> => {
  const res = await fetch(`${emu.instanceUrl}/services/data/v60.0${path}`, {
    method, headers: { Authorization: `Bearer ${conn.accessToken}`, 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body),
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

  it('counts each subrequest against the API limits', async () => {
    emu.admin.resetCounters();
    await raw('POST', '/composite/batch', {
      batchRequests: [
        { method: 'GET', url: 'v60.0/limits' },
        { method: 'GET', url: 'v60.0/query?q=SELECT+Name+FROM+Account' },
        { method: 'GET', url: 'v60.0/sobjects/Account/describe' },
      ],
    });
    expect(emu.admin.counters().apiCalls).toBe(3);
  });
});

type CompositeAnswer = { compositeResponse: Array<{ body: unknown; httpStatusCode: number; referenceId: string; httpHeaders: Record<string, string> }> };
const V = '/services/data/v60.0';

describe('composite (compositeRequest)', () => {
  it('runs several reads as one API call, each answer under its referenceId', async () => {
    const id = emu.admin.insert('Account', { Name: 'Acme' });
    emu.admin.resetCounters();
    const { status, json } = await raw('POST', '/composite', {
      compositeRequest: [
        { method: 'GET', url: `${V}/query?q=${encodeURIComponent('SELECT Name FROM Account')}`, referenceId: 'q' },
        { method: 'GET', url: `${V}/sobjects/Account/describe`, referenceId: 'd' },
        { method: 'GET', url: `${V}/sobjects/Account/${id}?fields=Name`, referenceId: 'r' },
        { method: 'GET', url: `${V}/sobjects/Account/001000000000000AAA`, referenceId: 'missing' },
      ],
    });
    expect(status).toBe(200);
    const out = (json as CompositeAnswer).compositeResponse;
    expect(out.map((x) => [x.referenceId, x.httpStatusCode])).toEqual([['q', 200], ['d', 200], ['r', 200], ['missing', 404]]);
    expect(out[0]!.body).toMatchObject({ totalSize: 1, done: true, records: [expect.objectContaining({ Name: 'Acme' })] });
    expect(out[2]!.body).toMatchObject({ Name: 'Acme' });
    expect(out[3]!.body).toEqual([expect.objectContaining({ errorCode: 'NOT_FOUND' })]);
    const counters = emu.admin.counters();
    expect(counters.apiCalls).toBe(1);
    expect(counters.byKind).toMatchObject({ compositeRequest: 1, 'sub:query': 1, 'sub:describe': 1, 'sub:retrieve': 2 });
  });

  it('substitutes @{ref.field} in urls and bodies: a created id, the next page of a query', async () => {
    for (let n = 0; n < 250; n++) emu.admin.insert('Lead', { LastName: `L${String(n).padStart(3, '0')}`, Company: 'X' });
    const { json } = await raw('POST', '/composite', {
      compositeRequest: [
        { method: 'POST', url: `${V}/sobjects/Account`, referenceId: 'acc', body: { Name: 'Parent' } },
        { method: 'POST', url: `${V}/sobjects/Contact`, referenceId: 'con', body: { LastName: 'Child', AccountId: '@{acc.id}' } },
        { method: 'GET', url: `${V}/sobjects/Contact/@{con.id}?fields=AccountId`, referenceId: 'back' },
        { method: 'GET', url: `${V}/query?q=${encodeURIComponent('SELECT LastName FROM Lead ORDER BY LastName')}`, referenceId: 'p1' },
        { method: 'GET', url: '@{p1.nextRecordsUrl}', referenceId: 'p2' },
      ],
    }, { 'Sforce-Query-Options': 'batchSize=200' });
    const out = (json as CompositeAnswer).compositeResponse;
    expect(out.map((x) => x.httpStatusCode)).toEqual([201, 201, 200, 200, 200]);
    const accId = (out[0]!.body as { id: string }).id;
    expect(out[2]!.body).toMatchObject({ AccountId: accId });
    expect(out[3]!.body).toMatchObject({ done: false, records: expect.any(Array) });
    expect((out[4]!.body as { records: Array<{ LastName: string }>; done: boolean }).records[0]!.LastName).toBe('L200');
    expect((out[4]!.body as { done: boolean }).done).toBe(true);
  });

  it('allOrNone: one failure rolls back every write; the others answer PROCESSING_HALTED', async () => {
    const { status, json } = await raw('POST', '/composite', {
      allOrNone: true,
      compositeRequest: [
        { method: 'POST', url: `${V}/sobjects/Account`, referenceId: 'ok', body: { Name: 'Kept?' } },
        { method: 'POST', url: `${V}/sobjects/Contact`, referenceId: 'bad', body: { FirstName: 'NoLast' } },
        { method: 'GET', url: `${V}/limits`, referenceId: 'later' },
      ],
    });
    expect(status).toBe(200);
    const out = (json as CompositeAnswer).compositeResponse;
    expect(out.map((x) => x.httpStatusCode)).toEqual([400, 400, 400]);
    expect(out[0]!.body).toEqual([expect.objectContaining({ errorCode: 'PROCESSING_HALTED' })]);
    expect(out[1]!.body).toEqual([expect.objectContaining({ errorCode: 'REQUIRED_FIELD_MISSING' })]);
    expect(out[2]!.body).toEqual([expect.objectContaining({ errorCode: 'PROCESSING_HALTED' })]);
    expect(emu.admin.query('SELECT Id FROM Account')).toHaveLength(0);
  });

  it('without allOrNone a failure stays alone; a subrequest naming it is halted', async () => {
    const { json } = await raw('POST', '/composite', {
      compositeRequest: [
        { method: 'POST', url: `${V}/sobjects/Contact`, referenceId: 'bad', body: { FirstName: 'NoLast' } },
        { method: 'POST', url: `${V}/sobjects/Account`, referenceId: 'ok', body: { Name: 'Kept' } },
        { method: 'GET', url: `${V}/sobjects/Contact/@{bad.id}`, referenceId: 'dependent' },
      ],
    });
    const out = (json as CompositeAnswer).compositeResponse;
    expect(out.map((x) => x.httpStatusCode)).toEqual([400, 201, 400]);
    expect(out[2]!.body).toEqual([expect.objectContaining({ errorCode: 'PROCESSING_HALTED' })]);
    expect(emu.admin.query('SELECT Name FROM Account').map((r) => r.Name)).toEqual(['Kept']);
  });

  it('a fault rule naming a kind fails that subrequest alone; the composite call answers 200', async () => {
    emu.admin.fault({ kind: 'query', count: 1, status: 503, errorCode: 'SERVER_UNAVAILABLE', message: 'Injected.' });
    const { status, json } = await raw('POST', '/composite', {
      compositeRequest: [
        { method: 'GET', url: `${V}/sobjects/Account/describe`, referenceId: 'd' },
        { method: 'GET', url: `${V}/query?q=SELECT+Id+FROM+Account`, referenceId: 'q1' },
        { method: 'GET', url: `${V}/query?q=SELECT+Id+FROM+Lead`, referenceId: 'q2' },
      ],
    });
    expect(status).toBe(200);
    const out = (json as CompositeAnswer).compositeResponse;
    expect(out.map((x) => x.httpStatusCode)).toEqual([200, 503, 200]);
    expect(out[1]!.body).toEqual([expect.objectContaining({ errorCode: 'SERVER_UNAVAILABLE' })]);
  });

  it('refuses more than 25 subrequests, or more than 5 queries and collections, before running any', async () => {
    const limits = (n: number) => Array.from({ length: n }, (_, i) => ({ method: 'GET', url: `${V}/limits`, referenceId: `l${i}` }));
    const many = await raw('POST', '/composite', { compositeRequest: limits(26) });
    expect(many.status).toBe(400);
    expect(many.json).toEqual([expect.objectContaining({ errorCode: 'LIMIT_EXCEEDED' })]);
    const queries = Array.from({ length: 6 }, (_, i) => ({ method: 'GET', url: `${V}/query?q=SELECT+Id+FROM+Account`, referenceId: `q${i}` }));
    const six = await raw('POST', '/composite', { compositeRequest: [...queries, { method: 'POST', url: `${V}/sobjects/Account`, referenceId: 'w', body: { Name: 'Not made' } }] });
    expect(six.status).toBe(400);
    expect(six.json).toEqual([expect.objectContaining({ errorCode: 'LIMIT_EXCEEDED' })]);
    expect(emu.admin.query('SELECT Id FROM Account')).toHaveLength(0);
    const five = await raw('POST', '/composite', { compositeRequest: [...queries.slice(0, 5), ...limits(20)] });
    expect(five.status).toBe(200);
  });
});
