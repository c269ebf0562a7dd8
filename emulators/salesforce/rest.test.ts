// REST through the real jsforce: CRUD, platform errors, ids, recycle bin, upsert, describe,
// limits, fault injection, and SOQL paging over 5,000 records.
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { normalizeId, to18 } from './ids.ts';
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

const errorOf = async (p: PromiseLike<unknown>): Promise<{ errorCode: string; message: string; fields?: string[] }> => {
  try {
    await p;
  } catch (e) {
    const err = e as { errorCode: string; message: string; data?: { fields?: string[] } };
    return { errorCode: err.errorCode, message: err.message, fields: err.data?.fields };
  }
  throw new Error('expected a failure');
};

describe('ids', () => {
  it('18-char ids carry the Salesforce checksum of their 15-char form', () => {
    expect(to18('001A0000006Vm9r')).toBe('001A0000006Vm9rIAC');
    expect(normalizeId('001A0000006Vm9r')).toBe('001A0000006Vm9rIAC');
    expect(normalizeId('001A0000006Vm9rAAA')).toBeUndefined();
  });
});

describe('sobject CRUD', () => {
  it('creates, reads (15 or 18 char id), updates and deletes a contact', async () => {
    const created = await conn.sobject('Contact').create({ FirstName: 'Ada', LastName: 'Lovelace', Email: 'ada@example.com', Title: 'Countess' });
    expect(created.success).toBe(true);
    const id = created.id!;
    expect(id).toMatch(/^003[a-zA-Z0-9]{15}$/);
    const rec = await conn.sobject('Contact').retrieve(id.slice(0, 15));
    expect(rec).toMatchObject({ Id: id, Name: 'Ada Lovelace', Email: 'ada@example.com', OwnerId: emu.adminUserId, IsDeleted: false });
    expect(rec.CreatedDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
    await conn.sobject('Contact').update({ Id: id, Title: null, Phone: '+1 555 0100' });
    const after = await conn.sobject('Contact').retrieve(id);
    expect(after.Title).toBeNull();
    expect(after.Phone).toBe('+1 555 0100');
    expect(after.SystemModstamp >= rec.SystemModstamp).toBe(true);
    await conn.sobject('Contact').destroy(id);
    const gone = await errorOf(conn.sobject('Contact').retrieve(id));
    expect(gone.errorCode).toBe('ENTITY_IS_DELETED');
  });

  it('answers bad input with the platform error codes, naming the field', async () => {
    const c = conn.sobject('Contact');
    const tooLong = await errorOf(c.create({ LastName: 'x'.repeat(81) }));
    expect(tooLong).toMatchObject({ errorCode: 'STRING_TOO_LONG', fields: ['LastName'] });
    expect(tooLong.message).toMatch(/max length=80/);
    expect(await errorOf(c.create({ FirstName: 'NoLast' }))).toMatchObject({ errorCode: 'REQUIRED_FIELD_MISSING', fields: ['LastName'] });
    expect(await errorOf(c.create({ LastName: 'X', Email: 'not-an-email' }))).toMatchObject({ errorCode: 'INVALID_EMAIL_ADDRESS', fields: ['Email'] });
    expect((await errorOf(c.create({ LastName: 'X', Shoe_Size__c: 9 }))).errorCode).toBe('INVALID_FIELD');
    expect((await errorOf(c.create({ LastName: 'X', AccountId: 'garbage' }))).errorCode).toBe('MALFORMED_ID');
    expect((await errorOf(c.retrieve('003000000000000AAA'))).errorCode).toBe('NOT_FOUND');
    expect((await errorOf(conn.sobject('Nope__c').create({ Name: 'x' }))).errorCode).toBe('NOT_FOUND');
    expect((await errorOf(conn.query('SELECT Id FROM Nope__c'))).errorCode).toBe('INVALID_TYPE');
    expect((await errorOf(conn.query('SELECT Id FROM Contact WHERE'))).errorCode).toBe('MALFORMED_QUERY');
    expect((await errorOf(conn.query('SELECT Bogus FROM Contact'))).errorCode).toBe('INVALID_FIELD');
    expect(emu.admin.query('SELECT Id FROM Contact')).toHaveLength(0);
  });

  it('enforces the unique, case-sensitive Exchange key', async () => {
    const c = conn.sobject('Contact');
    await c.create({ LastName: 'A', SCC_Exchange_Key__c: 'contact:m@x.com:AAA' });
    expect((await c.create({ LastName: 'B', SCC_Exchange_Key__c: 'contact:m@x.com:aaa' })).success).toBe(true);
    expect((await errorOf(c.create({ LastName: 'C', SCC_Exchange_Key__c: 'contact:m@x.com:AAA' }))).errorCode).toBe('DUPLICATE_VALUE');
  });

  it('keeps deleted records in the recycle bin: queryAll sees them, undelete restores them', async () => {
    const { id } = await conn.sobject('Lead').create({ LastName: 'Binned', Company: 'Acme' });
    await conn.sobject('Lead').destroy(id!);
    expect((await conn.query('SELECT Id FROM Lead')).totalSize).toBe(0);
    const all = await conn.query('SELECT Id, IsDeleted FROM Lead', { scanAll: true });
    expect(all.records).toEqual([expect.objectContaining({ Id: id, IsDeleted: true })]);
    emu.admin.undelete('Lead', id!);
    expect((await conn.query('SELECT Id FROM Lead')).totalSize).toBe(1);
  });

  it('derives event times and task closure like the platform', async () => {
    const { id: eventId } = await conn.sobject('Event').create({ Subject: 'Review', StartDateTime: '2026-03-02T10:00:00Z', EndDateTime: '2026-03-02T11:30:00Z' });
    const ev = await conn.sobject('Event').retrieve(eventId!);
    expect(ev).toMatchObject({ DurationInMinutes: 90, ActivityDate: '2026-03-02', ActivityDateTime: '2026-03-02T10:00:00.000+0000', ShowAs: 'Busy' });
    const { id: taskId } = await conn.sobject('Task').create({ Subject: 'Call', Status: 'Completed' });
    const task = await conn.sobject('Task').retrieve(taskId!);
    expect(task).toMatchObject({ IsClosed: true, Priority: 'Normal' });
    const e = await errorOf(conn.sobject('Event').create({ Subject: 'No time' }));
    expect(e.errorCode).toBe('REQUIRED_FIELD_MISSING');
  });

  it('stores ContentVersion bodies and links them to FirstPublishLocationId', async () => {
    const { id: taskId } = await conn.sobject('Task').create({ Subject: 'Filed email', Status: 'Completed', TaskSubtype: 'Email' });
    const { id } = await conn.sobject('ContentVersion').create({ Title: 'report', PathOnClient: 'report.pdf', VersionData: Buffer.from('%PDF-1.4').toString('base64'), FirstPublishLocationId: taskId });
    const [cv] = (await conn.query(`SELECT ContentDocumentId, FileExtension, ContentSize FROM ContentVersion WHERE Id = '${id}'`)).records as Array<{ ContentDocumentId: string; FileExtension: string; ContentSize: number }>;
    expect(cv).toMatchObject({ FileExtension: 'pdf', ContentSize: 8 });
    const links = await conn.query(`SELECT LinkedEntityId FROM ContentDocumentLink WHERE ContentDocumentId = '${cv!.ContentDocumentId}'`);
    expect(links.records[0]).toMatchObject({ LinkedEntityId: taskId });
    const res = await fetch(`${emu.instanceUrl}/services/data/v60.0/sobjects/ContentVersion/${id}/VersionData`, { headers: { Authorization: `Bearer ${conn.accessToken}` } });
    expect(Buffer.from(await res.arrayBuffer()).toString()).toBe('%PDF-1.4');
  });
});

describe('upsert by external id', () => {
  it('creates (201), updates (200) and reports multiple matches (300)', async () => {
    const key = 'contact:m@x.com:Q1';
    const first = await conn.sobject('Contact').upsert({ SCC_Exchange_Key__c: key, LastName: 'Upserted' }, 'SCC_Exchange_Key__c');
    expect(first).toMatchObject({ success: true, created: true });
    const second = await conn.sobject('Contact').upsert({ SCC_Exchange_Key__c: key, LastName: 'Again' }, 'SCC_Exchange_Key__c');
    expect(second).toMatchObject({ success: true, created: false, id: first.id });
    expect(emu.admin.query('SELECT Id FROM Contact')).toHaveLength(1);
    emu.admin.insert('Lead', { LastName: 'One', Company: 'A', Legacy_Key__c: 'L-1' });
    emu.admin.insert('Lead', { LastName: 'Two', Company: 'B', Legacy_Key__c: 'L-1' });
    const res = await fetch(`${emu.instanceUrl}/services/data/v60.0/sobjects/Lead/Legacy_Key__c/L-1`, {
      method: 'PATCH', headers: { Authorization: `Bearer ${conn.accessToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ Title: 'x' }),
    });
    expect(res.status).toBe(300);
    expect(((await res.json()) as string[])).toHaveLength(2);
    const notExt = await errorOf(conn.sobject('Contact').upsert({ LastName: 'X', Email: 'a@b.co' }, 'Email'));
    expect(notExt.errorCode).toBe('NOT_FOUND');
  });
});

describe('describe', () => {
  it('reports lengths, types and flags, including the package fields', async () => {
    const d = await conn.sobject('Contact').describe();
    const field = (n: string): Record<string, unknown> => d.fields.find((f) => f.name === n) as unknown as Record<string, unknown>;
    expect(d.keyPrefix).toBe('003');
    expect(field('LastName')).toMatchObject({ length: 80, nillable: false, type: 'string' });
    expect(field('FirstName')).toMatchObject({ length: 40 });
    expect(field('Email')).toMatchObject({ length: 80, type: 'email' });
    expect(field('Title')).toMatchObject({ length: 128 });
    expect(field('Description')).toMatchObject({ length: 32000, type: 'textarea' });
    expect(field('SCC_Exchange_Key__c')).toMatchObject({ length: 255, externalId: true, unique: true, caseSensitive: true, custom: true });
    const task = await conn.sobject('Task').describe();
    expect(task.fields.find((f) => f.name === 'SCC_Exchange_Key__c')).toBeDefined();
    const global = await conn.describeGlobal();
    const names = global.sobjects.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['Contact', 'Event', 'Task', 'Mailbox_Sync__c', 'Sync_Issue__c']));
    const ms = await conn.sobject('Mailbox_Sync__c').describe();
    const status = ms.fields.find((f) => f.name === 'Status__c')!;
    expect(status.picklistValues?.map((p) => p.value)).toEqual(expect.arrayContaining(['New', 'Active', 'Paused', 'Needs Attention', 'Error']));
  });
});

describe('limits and faults', () => {
  it('sends Sforce-Limit-Info on every REST response and refuses past the daily budget', async () => {
    emu.admin.setApiLimit({ max: 5, used: 3 });
    const res = await fetch(`${emu.instanceUrl}/services/data/v60.0/limits`, { headers: { Authorization: `Bearer ${conn.accessToken}` } });
    expect(res.headers.get('sforce-limit-info')).toBe('api-usage=4/5');
    expect(((await res.json()) as { DailyApiRequests: { Remaining: number } }).DailyApiRequests.Remaining).toBe(1);
    await conn.query('SELECT Id FROM User');
    const e = await errorOf(conn.query('SELECT Id FROM User'));
    expect(e.errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
    emu.admin.setApiLimit({ max: 100_000, used: 0 });
  });

  it('fails the next N matching requests with the injected error', async () => {
    emu.admin.fault({ kind: 'create', count: 1, status: 400, errorCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access to this record' });
    expect((await errorOf(conn.sobject('Lead').create({ LastName: 'L', Company: 'C' }))).errorCode).toBe('UNABLE_TO_LOCK_ROW');
    expect((await conn.sobject('Lead').create({ LastName: 'L', Company: 'C' })).success).toBe(true);
  });

  it('a 503 fault is retried by jsforce and the retries show in the counters', async () => {
    emu.admin.resetCounters();
    emu.admin.fault({ kind: 'query', count: 2, status: 503 });
    expect((await conn.query('SELECT Id FROM User')).totalSize).toBe(3);
    expect(emu.admin.counters().byKind.query).toBe(3);
  });
});

describe('SOQL', () => {
  it('pages 5,000 records with nextRecordsUrl to the end', async () => {
    const records = Array.from({ length: 5_000 }, (_, i) => ({ attributes: { type: 'Contact' }, LastName: `P${String(i).padStart(4, '0')}` }));
    for (let i = 0; i < records.length; i += 200) {
      const res = await fetch(`${emu.instanceUrl}/services/data/v60.0/composite/sobjects`, {
        method: 'POST', headers: { Authorization: `Bearer ${conn.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ allOrNone: true, records: records.slice(i, i + 200) }),
      });
      expect(res.status).toBe(200);
    }
    emu.admin.resetCounters();
    const first = await conn.query('SELECT Id, LastName FROM Contact ORDER BY LastName');
    expect(first).toMatchObject({ totalSize: 5_000, done: false });
    expect(first.records).toHaveLength(2_000);
    expect(first.nextRecordsUrl).toMatch(/\/services\/data\/v60\.0\/query\/01g[0-9a-f]+-2000$/);
    const seen = [...first.records];
    let page = first;
    while (!page.done) {
      page = await conn.queryMore(page.nextRecordsUrl!);
      seen.push(...page.records);
    }
    expect(seen).toHaveLength(5_000);
    expect(seen[4_999]).toMatchObject({ LastName: 'P4999' });
    expect(emu.admin.counters().byKind).toMatchObject({ query: 1, queryMore: 2 });
    const all = await conn.query('SELECT Id FROM Contact').run({ autoFetch: true, maxFetch: 10_000 });
    expect(all.records).toHaveLength(5_000);
  });

  it('filters with AND/OR/NOT, IN, LIKE, null, dates and relationship fields', async () => {
    const acme = emu.admin.insert('Account', { Name: 'Acme' });
    emu.admin.insert('Contact', { FirstName: 'Ann', LastName: 'Ames', Email: 'ann@acme.test', AccountId: acme, Birthdate: '1990-05-01' });
    emu.admin.insert('Contact', { FirstName: 'Bob', LastName: 'Boyd', Email: 'bob@other.test' });
    emu.admin.insert('Contact', { LastName: 'Cole' });
    const q = async (soql: string): Promise<string[]> => ((await conn.query(soql)).records as Array<{ LastName: string }>).map((r) => r.LastName).sort();
    expect(await q("SELECT LastName FROM Contact WHERE Email LIKE '%@ACME.test'")).toEqual(['Ames']);
    expect(await q('SELECT LastName FROM Contact WHERE Email = null')).toEqual(['Cole']);
    expect(await q("SELECT LastName FROM Contact WHERE NOT (LastName IN ('Ames','Boyd'))")).toEqual(['Cole']);
    expect(await q("SELECT LastName FROM Contact WHERE Account.Name = 'Acme' OR FirstName = 'Bob'")).toEqual(['Ames', 'Boyd']);
    expect(await q('SELECT LastName FROM Contact WHERE Birthdate < 2000-01-01')).toEqual(['Ames']);
    expect(await q('SELECT LastName FROM Contact WHERE CreatedDate = LAST_N_DAYS:1 AND LastName != \'Cole\'')).toEqual(['Ames', 'Boyd']);
    expect(await q(`SELECT LastName FROM Contact WHERE SystemModstamp > ${new Date(Date.now() + 60_000).toISOString()}`)).toEqual([]);
    const rows = (await conn.query('SELECT LastName, Account.Name, Owner.Email FROM Contact ORDER BY LastName DESC LIMIT 2 OFFSET 1')).records as Array<Record<string, unknown>>;
    expect(rows.map((r) => r.LastName)).toEqual(['Boyd', 'Ames']);
    expect(rows[1]).toMatchObject({ Account: { Name: 'Acme' }, Owner: { Email: emu.users[0]!.email } });
    expect(rows[0]!.Account).toBeNull();
    expect((await conn.query('SELECT COUNT() FROM Contact WHERE FirstName != null')).totalSize).toBe(2);
    const t = emu.admin.insert('Task', { Subject: 'Ping', WhoId: rows[1]!.Id as string ?? undefined });
    void t;
  });

  it('honours Sforce-Query-Options batchSize', async () => {
    for (let i = 0; i < 450; i++) emu.admin.insert('Lead', { LastName: `L${i}`, Company: 'C' });
    const res = await fetch(`${emu.instanceUrl}/services/data/v60.0/query?q=${encodeURIComponent('SELECT Id FROM Lead')}`, {
      headers: { Authorization: `Bearer ${conn.accessToken}`, 'Sforce-Query-Options': 'batchSize=200' },
    });
    const body = (await res.json()) as { records: unknown[]; nextRecordsUrl: string };
    expect(body.records).toHaveLength(200);
    expect(body.nextRecordsUrl).toMatch(/-200$/);
  });
});

describe('recurring events', () => {
  it('expands a series into occurrences that point at the master', async () => {
    const { id } = await conn.sobject('Event').create({
      Subject: 'Standup', StartDateTime: '2026-03-02T09:00:00Z', DurationInMinutes: 15, IsRecurrence: true,
      RecurrenceStartDateTime: '2026-03-02T09:00:00Z', RecurrenceEndDateOnly: '2026-03-13', RecurrenceType: 'RecursEveryWeekday',
    });
    const rows = (await conn.query(`SELECT StartDateTime, IsRecurrence FROM Event WHERE RecurrenceActivityId = '${id}' AND Id != '${id}' ORDER BY StartDateTime`)).records;
    expect(rows).toHaveLength(10);
    expect(rows[0]).toMatchObject({ StartDateTime: '2026-03-02T09:00:00.000+0000', IsRecurrence: false });
    expect(rows[5]).toMatchObject({ StartDateTime: '2026-03-09T09:00:00.000+0000' });
    const bad = await errorOf(conn.sobject('Event').create({ Subject: 'x', StartDateTime: '2026-03-02T09:00:00Z', DurationInMinutes: 15, IsRecurrence: true }));
    expect(bad.errorCode).toBe('REQUIRED_FIELD_MISSING');
  });
});
