import { afterEach, describe, expect, it } from 'vitest';
import { batchWidth, mailboxOf, withImmutableId } from './client.ts';
import { startFixture, type Fixture } from './emulator-fixture.ts';
import { ExchangeError } from './errors.ts';

describe('pure helpers', () => {
  it('finds the mailbox of a path, a full URL or an encoded address', () => {
    expect(mailboxOf('/users/Adele@Contoso.test/contacts')).toBe('adele@contoso.test');
    expect(mailboxOf('https://localhost:1/v1.0/users/adele%40contoso.test/todo/lists?$top=1')).toBe('adele@contoso.test');
    expect(mailboxOf('/subscriptions')).toBe('');
  });
  it('a $batch counts for the sub-requests it may run at once: its dependsOn lanes', () => {
    const chain = (ids: string[]) => ids.map((id, i) => ({ id, ...(i > 0 ? { dependsOn: [ids[i - 1]!] } : {}) }));
    expect(batchWidth(chain(['1', '2', '3', '4', '5']))).toBe(1);
    expect(batchWidth([...chain(['1', '2', '3']), ...chain(['4', '5']), { id: '6' }])).toBe(3);
    expect(batchWidth(Array.from({ length: 20 }, (_, i) => ({ id: String(i) })))).toBe(20);
    // a fork is not a chain: both children may run together
    expect(batchWidth([{ id: 'a' }, { id: 'b', dependsOn: ['a'] }, { id: 'c', dependsOn: ['a'] }])).toBe(3);
    expect(batchWidth([])).toBe(1);
  });

  it('adds the ImmutableId preference to what the caller prefers, once', () => {
    expect(withImmutableId(undefined)).toBe('IdType="ImmutableId"');
    expect(withImmutableId('odata.maxpagesize=50')).toBe('odata.maxpagesize=50, IdType="ImmutableId"');
    expect(withImmutableId('IdType="ImmutableId"')).toBe('IdType="ImmutableId"');
  });
});

describe('Graph client against the emulator', () => {
  let f: Fixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  it('a forced 429 is honoured: no request to that mailbox before Retry-After, then success', async () => {
    f = await startFixture();
    const fx = f;
    fx.emu.admin.resetCounters();
    fx.emu.admin.throttleNow(fx.mailbox, 2);
    const started = Date.now();
    const body = await fx.client.get<{ value: unknown[] }>(`/users/${fx.mailbox}/contactFolders`);
    expect(Array.isArray(body.value)).toBe(true);
    // Retry-After is counted in whole seconds from the emulator's clock (≈2 s).
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    // Any request sent before the deadline would have been answered 429 and counted.
    expect(fx.emu.admin.counters().throttled).toBe(1);
    expect(fx.client.counters().throttled).toBe(1);
  });

  it('never more than 4 requests in flight per mailbox, while another mailbox is not held up', async () => {
    f = await startFixture({ latencyMs: 25 });
    const fx = f;
    fx.emu.admin.addMailbox({ address: 'other@contoso.test' });
    fx.emu.admin.resetCounters();
    await Promise.all([
      ...Array.from({ length: 16 }, () => fx.client.get(`/users/${fx.mailbox}/contactFolders`)),
      ...Array.from({ length: 4 }, () => fx.client.get('/users/other@contoso.test/contactFolders')),
    ]);
    expect(fx.emu.admin.counters().throttled).toBe(0);
    expect(fx.client.limiter.stats(fx.mailbox).peak).toBe(4);
    expect(fx.client.limiter.stats('other@contoso.test').peak).toBe(4);
  });

  it('an expired token (401 InvalidAuthenticationToken) is refreshed once and the request replayed', async () => {
    f = await startFixture();
    await f.client.get(`/users/${f.mailbox}`);
    f.emu.admin.advanceClock(2 * 3600_000);
    await f.client.get(`/users/${f.mailbox}`);
    expect(f.client.counters()).toMatchObject({ tokenFetches: 2, authRetries: 1 });
  });

  it('the token is cached between requests', async () => {
    f = await startFixture();
    for (let i = 0; i < 5; i++) await f.client.get(`/users/${f.mailbox}`);
    expect(f.client.counters().tokenFetches).toBe(1);
  });

  it('a wrong client secret is an auth error that does not carry the secret; logs never carry secrets', async () => {
    f = await startFixture({}, { clientSecret: 'wrong-secret-value-123' });
    const failure = await f.client.get(`/users/${f.mailbox}`).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ExchangeError);
    expect((failure as ExchangeError).kind).toBe('auth');
    expect(JSON.stringify(failure) + String((failure as Error).message)).not.toContain('wrong-secret-value-123');
    await f.close();
    f = await startFixture();
    await f.client.get(`/users/${f.mailbox}`);
    const text = f.log.join('\n');
    expect(text).not.toContain(f.emu.clientSecret);
    expect(text).not.toMatch(/Bearer|access_token/i);
  });

  it('the Graph SDK client goes through the same middleware (token, ImmutableId, gate)', async () => {
    f = await startFixture();
    const folders = await f.client.sdk.api(`/users/${f.mailbox}/contactFolders`).get();
    expect(Array.isArray(folders.value)).toBe(true);
    const missing = await f.client.sdk.api(`/users/${f.mailbox}/contacts/nope`).get().catch((e: unknown) => e);
    expect((missing as { statusCode?: number }).statusCode).toBe(404);
  });

  it('a request Graph does not answer in time fails as temporary and frees its slot', async () => {
    f = await startFixture({}, { requestTimeoutMs: 300 });
    await f.client.get(`/users/${f.mailbox}`);
    f.emu.admin.setLatency(2000);
    const failure = await f.client.get(`/users/${f.mailbox}/contactFolders`).catch((e: unknown) => e);
    expect((failure as ExchangeError).kind).toBe('temporary');
    expect(f.client.limiter.stats(f.mailbox).inFlight).toBe(0);
    f.emu.admin.setLatency(0);
  });

  it('refuses to send the token to a host other than the configured Graph root', async () => {
    f = await startFixture();
    const failure = await f.client.get('https://example.com/v1.0/users').catch((e: unknown) => e);
    expect((failure as ExchangeError).code).toBe('ForeignHost');
  });
});
