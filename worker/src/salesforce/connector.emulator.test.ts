// The connector against the Salesforce emulator on port 0 with the real jsforce: auth, scoped
// reads over several pages, composite writes with per-record results, idempotent upserts,
// the CDC feed (echo flag, resume, too-old replay id, auth loss), session expiry, status writes.
import { generateKeyPairSync } from 'node:crypto';
import { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../../emulators/salesforce/index.ts';
import { connectSalesforce, type SalesforceConnection } from './connection.ts';
import { startFeed, memoryReplayCursor, type FeedChange } from './feed.ts';
import { contactsSoql, createRecords, type SalesforceRecords } from './records.ts';
import { countOpenIssues, readMailboxSyncs, syncIssues, writeMailboxStatus } from './status.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

let emu: SalesforceEmulator;
let sf: SalesforceConnection;
let records: SalesforceRecords;

beforeAll(async () => {
  emu = await startSalesforceEmulator({
    port: 0,
    streamingTimeoutSec: 1,
    jwtCertificate: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  });
  sf = await connectSalesforce({ loginUrl: emu.loginUrl, auth: { kind: 'password', ...emu.credentials } });
  records = createRecords(sf);
});

afterAll(async () => {
  await sf?.close();
  await emu?.close();
});

/** Poll a condition until it holds or the deadline passes (no fixed sleeps). */
async function until<T>(probe: () => T | undefined | false, what: string, deadlineMs = 15_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Create contacts one at a time until one of them shows up in `seen` (bounded by a deadline). */
async function writeUntilSeen(seen: FeedChange[], lastName: string, deadlineMs = 15_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    const [o] = await records.create('Contact', [{ LastName: lastName }]);
    const id = o?.ok ? o.id : '';
    const stepEnd = Date.now() + 300;
    while (Date.now() < stepEnd) {
      if (seen.some((c) => c.recordIds.includes(id))) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error(`no ${lastName} event before the deadline`);
}

/** A second client without our call options: its writes are "someone else's". */
async function otherClient(): Promise<Connection> {
  const conn = new Connection({
    loginUrl: emu.loginUrl,
    version: '60.0',
    oauth2: { loginUrl: emu.loginUrl, clientId: emu.credentials.clientId, clientSecret: emu.credentials.clientSecret },
  });
  await conn.login(emu.credentials.username, emu.credentials.password);
  return conn;
}

describe('auth', () => {
  it('password grant knows the user and org', () => {
    expect(sf.userId).toBe(emu.adminUserId);
    expect(sf.orgId).toBe(emu.orgId);
    expect(sf.instanceUrl).toBe(emu.instanceUrl);
  });

  it('client credentials grant', async () => {
    const cc = await connectSalesforce({
      loginUrl: emu.loginUrl,
      auth: { kind: 'client-credentials', clientId: emu.credentials.clientId, clientSecret: emu.credentials.clientSecret },
    });
    expect(cc.userId).toMatch(/^005/);
    const page = await createRecords(cc).pages('SELECT Id FROM User').next();
    expect(page.value?.length).toBeGreaterThan(0);
  });

  it('JWT bearer grant', async () => {
    const jwt = await connectSalesforce({
      loginUrl: emu.loginUrl,
      auth: {
        kind: 'jwt',
        username: emu.credentials.username,
        clientId: emu.credentials.clientId,
        privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      },
    });
    expect(jwt.userId).toBe(emu.adminUserId);
  });

  it('a wrong password is an auth error without the password in it', async () => {
    const err = await connectSalesforce({
      loginUrl: emu.loginUrl,
      auth: { kind: 'password', ...emu.credentials, password: 'WRONG-secret-pw' },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'auth' });
    expect(String((err as Error).message)).not.toContain('WRONG-secret-pw');
  });

  it('an expired session mid-run is renewed and the call retried', async () => {
    const before = sf.apiCalls();
    const oldToken = sf.accessToken();
    expect(emu.admin.expireSessions()).toBeGreaterThan(0);
    const page = await records.pages('SELECT Id FROM User').next();
    expect(page.value?.length).toBeGreaterThan(0);
    expect(sf.accessToken()).not.toBe(oldToken);
    // the 401, the token request, the retried query
    expect(sf.apiCalls() - before).toBe(3);
  });
});

describe('auth lost for good', () => {
  it('an expired session whose renewal is refused is an auth error', async () => {
    const own = await connectSalesforce({ loginUrl: emu.loginUrl, auth: { kind: 'password', ...emu.credentials } });
    emu.admin.expireSessions();
    emu.admin.fault({ kind: 'login', status: 400, errorCode: 'INVALID_GRANT', message: 'authentication failure' });
    const err = await createRecords(own).pages('SELECT Id FROM User').next().catch((e: unknown) => e);
    emu.admin.clearFaults();
    expect(err).toMatchObject({ kind: 'auth' });
    // the shared connection renews on its next call
    expect((await records.pages('SELECT Id FROM User').next()).value?.length).toBeGreaterThan(0);
  });
});

describe('records', () => {
  it('reads My Contacts over several pages (> 2,000 records), page by page', async () => {
    const owner = emu.users[1]!.id;
    const rows = Array.from({ length: 2_150 }, (_, i) => ({ LastName: `Paged${i}`, OwnerId: owner }));
    const created = await records.create('Contact', rows);
    expect(created.filter((o) => o.ok)).toHaveLength(2_150);
    // someone else's contacts stay out of My Contacts
    await records.create('Contact', [{ LastName: 'NotMine', OwnerId: emu.users[2]!.id }]);
    const sizes: number[] = [];
    const seen = new Set<string>();
    for await (const page of records.pages(contactsSoql({ fields: ['LastName'], scope: 'My Contacts', ownerId: owner }))) {
      sizes.push(page.length);
      for (const r of page) seen.add(r.Id);
    }
    expect(sizes.length).toBeGreaterThanOrEqual(2);
    expect(seen.size).toBe(2_150);
  });

  it('a bad record fails alone and is mapped to permanent', async () => {
    const out = await records.create('Contact', [
      { LastName: 'Good1' },
      { LastName: 'Bad', Email: 'not-an-email' },
      { LastName: 'Good2' },
    ]);
    expect(out.map((o) => o.ok)).toEqual([true, false, true]);
    const bad = out[1]!;
    expect(bad.ok === false && bad.error.kind).toBe('permanent');
    expect(bad.ok === false && bad.error.code).toBe('INVALID_EMAIL_ADDRESS');
  });

  it('update and delete of a deleted record are not-found', async () => {
    const [c] = await records.create('Contact', [{ LastName: 'Doomed' }]);
    const id = c!.ok ? c!.id : '';
    expect((await records.destroy([id]))[0]!.ok).toBe(true);
    const [u] = await records.update('Contact', [{ Id: id, LastName: 'Late' }]);
    expect(u!.ok === false && u!.error.kind).toBe('not-found');
  });

  it('upsert by SCC_Exchange_Key__c twice makes one record', async () => {
    const key = 'contact:ann@example.com:AAMkImmutable1';
    const first = await records.upsert('Contact', [{ LastName: 'Upsert', SCC_Exchange_Key__c: key }]);
    const second = await records.upsert('Contact', [{ LastName: 'Upsert2', SCC_Exchange_Key__c: key }]);
    expect(first[0]).toMatchObject({ ok: true, created: true });
    expect(second[0]).toMatchObject({ ok: true, created: false });
    const rows = emu.admin.query(`SELECT Id, LastName FROM Contact WHERE SCC_Exchange_Key__c = '${key}'`);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.LastName).toBe('Upsert2');
  });

  it('writes carry Sforce-Call-Options client=SmartCloudConnect (seen as changeOrigin)', async () => {
    // checked through CDC below; here the text fit: over-long values are cut to describe length
    const { record, truncated } = await records.fitToLimits('Contact', { LastName: 'x'.repeat(200) });
    expect(truncated).toEqual(['LastName']);
    expect(String(record.LastName)).toHaveLength(80);
  });
});

describe('CDC feed', () => {
  it('delivers create/update/delete, our writes flagged ours, and stores replay ids', async () => {
    const cursor = memoryReplayCursor();
    const seen: FeedChange[] = [];
    const feed = await startFeed({
      sf,
      records,
      entities: ['Contact'],
      cursor,
      onChange: (c) => {
        seen.push(c);
      },
      onCursorExpired: () => {
        throw new Error('unexpected');
      },
    });
    await feed.ready;
    const [mine] = await records.create('Contact', [{ LastName: 'Echo' }]);
    const id = mine!.ok ? mine!.id : '';
    const other = await otherClient();
    await other.sobject('Contact').update({ Id: id, LastName: 'EditedByUser' });
    emu.admin.delete('Contact', id);
    await until(() => seen.filter((c) => c.recordIds.includes(id)).length >= 3, 'three changes');
    const mineChanges = seen.filter((c) => c.recordIds.includes(id));
    expect(mineChanges.map((c) => [c.changeType, c.ours])).toEqual([
      ['CREATE', true],
      ['UPDATE', false],
      ['DELETE', false],
    ]);
    expect(mineChanges.every((c) => c.ownerIds?.[0] === sf.userId)).toBe(true);
    await until(() => cursor.values.get('/data/ContactChangeEvent') === mineChanges[2]!.replayId, 'stored replay id');
    await feed.close();
  });

  it('a restart resumes from the stored replay id and receives exactly what was missed', async () => {
    const cursor = memoryReplayCursor();
    const first: FeedChange[] = [];
    const feed1 = await startFeed({ sf, records, entities: ['Contact'], cursor, onChange: (c) => void first.push(c), onCursorExpired: () => {} });
    await feed1.ready;
    const [a] = await records.create('Contact', [{ LastName: 'BeforeStop' }]);
    await until(() => first.some((c) => a!.ok && c.recordIds.includes(a!.id)), 'first event');
    await until(() => cursor.values.has('/data/ContactChangeEvent'), 'cursor');
    await feed1.close();

    const missed = await records.create('Contact', [{ LastName: 'Missed1' }, { LastName: 'Missed2' }, { LastName: 'Missed3' }]);
    const missedIds = missed.map((o) => (o.ok ? o.id : ''));

    const second: FeedChange[] = [];
    const feed2 = await startFeed({ sf, records, entities: ['Contact'], cursor, onChange: (c) => void second.push(c), onCursorExpired: () => {} });
    await feed2.ready;
    await until(() => second.length >= 3, 'missed events');
    expect(second.flatMap((c) => c.recordIds).sort()).toEqual([...missedIds].sort());
    expect(second.every((c) => c.changeType === 'CREATE' && c.ours)).toBe(true);
    await feed2.close();
  });

  it('a too-old replay id reports cursor-expired, then follows new events', async () => {
    await records.create('Contact', [{ LastName: 'Old' }]);
    const oldReplay = emu.admin.lastReplayId();
    emu.admin.advanceClock(73 * 3_600_000);
    await records.create('Contact', [{ LastName: 'AfterRetention' }]);
    const cursor = memoryReplayCursor({ '/data/ContactChangeEvent': oldReplay - 1 });
    const expired: string[] = [];
    const seen: FeedChange[] = [];
    const feed = await startFeed({
      sf,
      records,
      entities: ['Contact'],
      cursor,
      onChange: (c) => void seen.push(c),
      onCursorExpired: (entity) => void expired.push(entity),
    });
    await until(() => expired.length === 1, 'cursor-expired');
    expect(expired).toEqual(['Contact']);
    await until(() => cursor.values.get('/data/ContactChangeEvent') === -1, 'cursor reset');
    // the channel now follows new events only: write until one arrives through the new subscription
    await writeUntilSeen(seen, 'Fresh');
    await feed.close();
  });

  it('GAP events carry ids, GAP_OVERFLOW carries none', async () => {
    const seen: FeedChange[] = [];
    const feed = await startFeed({ sf, entities: ['Contact'], cursor: memoryReplayCursor(), onChange: (c) => void seen.push(c), onCursorExpired: () => {} });
    await feed.ready;
    const [c] = await records.create('Contact', [{ LastName: 'Gappy' }]);
    const id = c!.ok ? c!.id : '';
    emu.admin.emitGap({ sobject: 'Contact', changeType: 'GAP_UPDATE', recordIds: [id] });
    emu.admin.emitGap({ sobject: 'Contact', changeType: 'GAP_OVERFLOW' });
    await until(() => seen.some((x) => x.changeType === 'GAP_OVERFLOW'), 'overflow');
    expect(seen.find((x) => x.changeType === 'GAP_UPDATE')?.recordIds).toEqual([id]);
    expect(seen.find((x) => x.changeType === 'GAP_OVERFLOW')?.recordIds).toEqual([]);
    await feed.close();
  });

  it('after the session expires the feed reconnects and still delivers', async () => {
    const seen: FeedChange[] = [];
    const errors: string[] = [];
    const feed = await startFeed({
      sf,
      entities: ['Contact'],
      cursor: memoryReplayCursor(),
      onChange: (c) => void seen.push(c),
      onCursorExpired: () => {},
      onError: (e) => void errors.push(`${e.kind}:${e.code}`),
      reconnectDelayMs: 10,
    });
    await feed.ready;
    await writeUntilSeen(seen, 'BeforeExpiry');
    emu.admin.expireSessions();
    emu.admin.dropStreamingClients();
    // written while the feed is re-authenticating: replay from the stored id still delivers it
    const [after] = await records.create('Contact', [{ LastName: 'AfterExpiry' }]);
    await until(() => seen.some((c) => after!.ok && c.recordIds.includes(after!.id)), 'delivery after expiry');
    expect(errors).toEqual([]);
    await feed.close();
  });
});

describe('PushTopic mode', () => {
  it('creates the topics idempotently and delivers changes with owners', async () => {
    const seen: FeedChange[] = [];
    const start = () =>
      startFeed({ sf, records, mode: 'pushtopic', entities: ['Contact', 'Task'], cursor: memoryReplayCursor(), onChange: (c) => void seen.push(c), onCursorExpired: () => {} });
    const first = await start();
    await first.close();
    const feed = await start();
    await feed.ready;
    const topics = emu.admin.query("SELECT Id, Name FROM PushTopic WHERE Name IN ('SCC_Contacts', 'SCC_Tasks')");
    expect(topics).toHaveLength(2);
    const id = emu.admin.insert('Contact', { LastName: 'Pushed', OwnerId: emu.users[1]!.id });
    await until(() => seen.find((c) => c.recordIds.includes(id)), 'PushTopic event');
    expect(seen.find((c) => c.recordIds.includes(id))).toMatchObject({
      channel: '/topic/SCC_Contacts',
      changeType: 'CREATE',
      ownerIds: [emu.users[1]!.id],
    });
    await feed.close();
  });
});

describe('limits', () => {
  it('REQUEST_LIMIT_EXCEEDED is rate-limited with a backoff hint', async () => {
    emu.admin.setApiLimit({ max: 10, used: 10 });
    const err = await records.pages('SELECT Id FROM User').next().catch((e: unknown) => e);
    emu.admin.setApiLimit({ max: 100_000, used: 0 });
    expect(err).toMatchObject({ kind: 'rate-limited', code: 'REQUEST_LIMIT_EXCEEDED' });
    expect((err as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
  });

  it('a 503 on a composite chunk is temporary for each record of the chunk', async () => {
    emu.admin.fault({ kind: 'compositeCreate', status: 503, errorCode: 'SERVER_UNAVAILABLE', message: 'down' });
    const out = await records.create('Contact', [{ LastName: 'T1' }, { LastName: 'T2' }]);
    expect(out.map((o) => !o.ok && o.error.kind)).toEqual(['temporary', 'temporary']);
  });
});

describe('status back to Salesforce', () => {
  it('writes Mailbox_Sync__c status and one Sync_Issue__c per issue, resolving later', async () => {
    const [mb] = await records.create('Mailbox_Sync__c', [
      { User__c: sf.userId, Mailbox_Address__c: 'admin@contoso.example', Enabled__c: true, Plan__c: 'Real-time' },
    ]);
    const mailboxId = mb!.ok ? mb!.id : '';
    const [config] = await readMailboxSyncs(records, [mailboxId]);
    expect(config).toMatchObject({ userId: sf.userId, mailboxAddress: 'admin@contoso.example', enabled: true, plan: 'Real-time' });

    const issue = {
      mailboxSyncId: mailboxId,
      objectType: 'Contact' as const,
      kind: 'Conflict' as const,
      salesforceId: '0035g0000000001AAA',
      exchangeId: 'AAMkConflict',
      message: 'Phone changed in both; Salesforce value kept, Outlook value was 555-0100',
      occurredAt: new Date('2026-11-27T22:00:00Z'),
    };
    const first = await syncIssues(records, [issue, { ...issue, exchangeId: 'AAMkOther', kind: 'Skipped', message: 'No last name' }]);
    expect(first.every((o) => o.ok)).toBe(true);
    // the same conflict again updates the open issue instead of duplicating it
    const again = await syncIssues(records, [{ ...issue, message: 'updated text' }]);
    expect(again[0]).toMatchObject({ ok: true, id: first[0]!.ok ? first[0]!.id : 'x' });
    expect(await countOpenIssues(records, mailboxId)).toBe(2);
    await syncIssues(records, [{ ...issue, resolved: true }]);
    const open = await countOpenIssues(records, mailboxId);
    expect(open).toBe(1);

    await writeMailboxStatus(records, mailboxId, {
      status: 'Active',
      lastSync: new Date('2026-11-27T22:05:00Z'),
      lastError: null,
      itemsSynced: 42,
      openIssues: open,
    });
    const row = emu.admin.get(mailboxId)!;
    expect(row).toMatchObject({ Status__c: 'Active', Items_Synced__c: 42, Open_Issues__c: 1, Last_Error__c: null });
    expect(String(row.Last_Sync__c)).toMatch(/^2026-11-27T22:05:00/);
  });
});
