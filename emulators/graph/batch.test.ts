// $batch and throttling with the real Graph client: dependsOn and 424, the 20-request cap,
// per-mailbox concurrency (the 5th in flight → 429 ApplicationThrottled), the 10-minute budget,
// a forced 429 honoured by the client's RetryHandler, and fault injection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGraphEmulator, type GraphEmulator } from './index.ts';
import { graphClient, type TestClient } from './test-client.ts';

const MB = 'dave@contoso.example';
let emu: GraphEmulator;
let tc: TestClient;
let now = Date.parse('2026-05-01T08:00:00Z');

beforeAll(async () => {
  emu = await startGraphEmulator({ clock: () => now, requestBudgetPer10Min: 50, tokenTtlMs: 24 * 3_600_000 });
  emu.admin.addMailbox({ address: MB });
  emu.admin.addMailbox({ address: 'erin@contoso.example' });
  tc = graphClient(emu);
});
afterAll(async () => {
  await tc.close();
  await emu.close();
});

describe('$batch', () => {
  it('runs dependsOn in order and fails dependants of a failed step with 424', async () => {
    now += 11 * 60_000; // a fresh budget window
    const res = await tc.client.api('/$batch').post({
      requests: [
        { id: '1', method: 'POST', url: `/users/${MB}/contactFolders`, headers: { 'Content-Type': 'application/json' }, body: { displayName: 'Batch' } },
        { id: '2', method: 'GET', url: `/users/${MB}/contactFolders?$filter=displayName eq 'Batch'`, dependsOn: ['1'] },
        { id: '3', method: 'GET', url: `/users/${MB}/contacts/AAMkAmissing=` },
        { id: '4', method: 'GET', url: `/users/${MB}/contacts`, dependsOn: ['3'] },
        { id: '5', method: 'GET', url: `/users/erin@contoso.example/todo/lists` },
      ],
    });
    const by = Object.fromEntries(res.responses.map((r: { id: string }) => [r.id, r]));
    expect(by['1'].status).toBe(201);
    expect(by['2'].status).toBe(200);
    expect(by['2'].body.value[0].displayName).toBe('Batch');
    expect(by['3'].status).toBe(404);
    expect(by['3'].body.error.code).toBe('ErrorItemNotFound');
    expect(by['4'].status).toBe(424);
    expect(by['5'].status).toBe(200);
    const c = emu.admin.counters();
    expect(c.kinds.batch).toBeGreaterThanOrEqual(1);
    expect(c.endpoints['POST users/:u/contactFolders']).toBe(1);
  });

  it('rejects more than 20 requests', async () => {
    const requests = Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: `/users/${MB}` }));
    await expect(tc.client.api('/$batch').post({ requests })).rejects.toMatchObject({ statusCode: 400 });
  });
});

describe('throttling', () => {
  it('answers 429 ApplicationThrottled to the 5th concurrent request for one mailbox', async () => {
    now += 11 * 60_000;
    emu.admin.setLatency(1500); // long enough for all six to overlap even on a loaded machine
    try {
      const token = await tc.token();
      const call = (mb: string) => fetch(`${emu.baseUrl}/users/${mb}/contacts`, { headers: { Authorization: `Bearer ${token}` }, dispatcher: tc.dispatcher } as RequestInit);
      const results = await Promise.all([...Array.from({ length: 5 }, () => call(MB)), call('erin@contoso.example')]);
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 429)).toHaveLength(1);
      expect(statuses[5]).toBe(200); // another mailbox has its own limit
      const limited = results.find((r) => r.status === 429)!;
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(((await limited.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'ApplicationThrottled', message: expect.stringContaining('MailboxConcurrency') });
    } finally {
      emu.admin.setLatency(0);
    }
  });

  it('counts each $batch sub-request against the mailbox concurrency', async () => {
    now += 11 * 60_000;
    emu.admin.setLatency(1000);
    try {
      const requests = Array.from({ length: 6 }, (_, i) => ({ id: String(i), method: 'GET', url: `/users/${MB}/contacts` }));
      const res = await tc.client.api('/$batch').post({ requests });
      const statuses = res.responses.map((r: { status: number }) => r.status);
      expect(statuses.filter((s: number) => s === 429)).toHaveLength(2);
      expect(res.responses.find((r: { status: number }) => r.status === 429).headers['Retry-After']).toBeDefined();
    } finally {
      emu.admin.setLatency(0);
    }
  });

  it('enforces the request budget per 10 minutes per mailbox', async () => {
    now += 11 * 60_000;
    const token = await tc.token();
    const call = () => fetch(`${emu.baseUrl}/users/${MB}`, { headers: { Authorization: `Bearer ${token}` }, dispatcher: tc.dispatcher } as RequestInit);
    for (let i = 0; i < 50; i++) expect((await call()).status).toBe(200);
    const over = await call();
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(500);
    now += 10 * 60_000 + 1;
    expect((await call()).status).toBe(200);
  });

  it('lets the RetryHandler honour Retry-After on a forced 429 (no request before it)', async () => {
    now += 11 * 60_000;
    emu.admin.fault({ match: { method: 'GET', pathIncludes: '/todo/lists', mailbox: MB }, count: 1, status: 429, code: 'ApplicationThrottled', retryAfterSeconds: 1 });
    const before = emu.admin.counters().endpoints['GET users/:u/todo/lists'] ?? 0;
    const t0 = performance.now();
    const lists = await tc.client.api(`/users/${MB}/todo/lists`).get();
    const elapsed = performance.now() - t0;
    expect(lists.value.length).toBeGreaterThan(0);
    expect(emu.admin.counters().endpoints['GET users/:u/todo/lists']! - before).toBe(2);
    expect(elapsed).toBeGreaterThanOrEqual(990);
  });

  it('throttles a mailbox on demand and injects other faults', async () => {
    now += 11 * 60_000;
    emu.admin.throttleNow(MB, 30);
    const token = await tc.token();
    const res = await fetch(`${emu.baseUrl}/users/${MB}/contacts`, { headers: { Authorization: `Bearer ${token}` }, dispatcher: tc.dispatcher } as RequestInit);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('30');
    now += 31_000;
    emu.admin.fault({ match: { pathIncludes: '/contacts' }, count: 1, status: 503, code: 'ServiceUnavailable', retryAfterSeconds: 0 });
    const r2 = await fetch(`${emu.baseUrl}/users/${MB}/contacts`, { headers: { Authorization: `Bearer ${token}` }, dispatcher: tc.dispatcher } as RequestInit);
    expect(r2.status).toBe(503);
    expect(((await r2.json()) as { error: { code: string } }).error.code).toBe('ServiceUnavailable');
  });
});
