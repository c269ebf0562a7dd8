// Logins the way jsforce does them: OAuth password / client_credentials / refresh / JWT bearer,
// SOAP login, and an expired session refreshed by jsforce with the call retried.
import jsforce from 'jsforce';
import { createSign, generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SalesforceEmulator } from './index.ts';
import { connect, startTestOrg } from './test-org.ts';

let emu: SalesforceEmulator;
let now = Date.parse('2026-03-02T09:00:00Z');
beforeAll(async () => {
  emu = await startTestOrg({ clock: () => now, sessionTtlMs: 60_000 });
});
afterAll(async () => emu.close());
beforeEach(() => emu.admin.reset());

const form = (body: Record<string, string>): RequestInit => ({
  method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body).toString(),
});

describe('OAuth', () => {
  it('password flow returns a token, instance url and identity url jsforce parses', async () => {
    const conn = await connect(emu);
    expect(conn.instanceUrl).toBe(emu.instanceUrl);
    expect(conn.userInfo?.id).toBe(emu.adminUserId);
    expect(conn.userInfo?.organizationId).toBe(emu.orgId);
    const identity = await conn.identity();
    expect(identity.username).toBe(emu.credentials.username);
  });

  it('rejects a wrong password with invalid_grant', async () => {
    const c = emu.credentials;
    const conn = new jsforce.Connection({ loginUrl: emu.loginUrl, oauth2: { clientId: c.clientId, clientSecret: c.clientSecret, loginUrl: emu.loginUrl }, version: '60.0' });
    await expect(conn.login(c.username, 'wrong')).rejects.toThrow(/authentication failure/);
  });

  it('client_credentials runs as the integration (admin) user', async () => {
    const c = emu.credentials;
    const res = await fetch(`${emu.loginUrl}/services/oauth2/token`, form({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; instance_url: string; id: string };
    expect(body.id).toBe(`${emu.loginUrl}/id/${emu.orgId}/${emu.adminUserId}`);
    const conn = new jsforce.Connection({ instanceUrl: body.instance_url, accessToken: body.access_token, version: '60.0' });
    expect((await conn.query('SELECT Id FROM User')).totalSize).toBe(3);
  });

  it('rejects an unknown client id', async () => {
    const res = await fetch(`${emu.loginUrl}/services/oauth2/token`, form({ grant_type: 'client_credentials', client_id: 'nope', client_secret: 'x' }));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_client_id', error_description: 'client identifier invalid' });
  });

  it('JWT bearer: checks the RS256 signature against the configured certificate', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    emu.admin.setJwtCertificate(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const jwt = (key: typeof privateKey, claims: Record<string, unknown>): string => {
      const head = Buffer.from(JSON.stringify({ alg: 'RS256' })).toString('base64url');
      const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
      const sig = createSign('RSA-SHA256').update(`${head}.${body}`).sign(key).toString('base64url');
      return `${head}.${body}.${sig}`;
    };
    const claims = { iss: emu.credentials.clientId, sub: emu.users[1]!.username, aud: emu.loginUrl, exp: Math.floor(now / 1000) + 180 };
    const ok = await fetch(`${emu.loginUrl}/services/oauth2/token`, form({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwt(privateKey, claims) }));
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { id: string }).id).toMatch(new RegExp(`/${emu.users[1]!.id}$`));
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const bad = await fetch(`${emu.loginUrl}/services/oauth2/token`, form({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwt(other, claims) }));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe('invalid_grant');
    const expired = await fetch(`${emu.loginUrl}/services/oauth2/token`, form({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwt(privateKey, { ...claims, exp: Math.floor(now / 1000) - 1 }) }));
    expect(expired.status).toBe(400);
  });
});

describe('SOAP login', () => {
  it('is what conn.login uses without OAuth settings', async () => {
    const conn = new jsforce.Connection({ loginUrl: emu.loginUrl, version: '60.0' });
    const info = await conn.login(emu.credentials.username, emu.credentials.password);
    expect(info.id).toBe(emu.adminUserId);
    expect(info.organizationId).toBe(emu.orgId);
    expect(conn.instanceUrl).toBe(emu.instanceUrl);
    expect((await conn.query('SELECT Id FROM Organization')).records[0]?.Id).toBe(emu.orgId);
  });

  it('answers a bad password with the INVALID_LOGIN fault', async () => {
    const conn = new jsforce.Connection({ loginUrl: emu.loginUrl, version: '60.0' });
    await expect(conn.login(emu.credentials.username, 'nope')).rejects.toThrow(/INVALID_LOGIN/);
  });
});

describe('sessions', () => {
  it('an expired session gets 401 INVALID_SESSION_ID; jsforce logs in again and retries', async () => {
    const conn = await connect(emu);
    const before = conn.accessToken;
    now += 61_000; // idle past the session timeout
    emu.admin.resetCounters();
    const res = await conn.query('SELECT Id FROM User');
    expect(res.totalSize).toBe(3);
    expect(conn.accessToken).not.toBe(before);
    const counters = emu.admin.counters();
    expect(counters.byKind.login).toBe(1);
    expect(counters.byKind.query).toBe(1);
    const raw = await fetch(`${emu.instanceUrl}/services/data/v60.0/limits`, { headers: { Authorization: `Bearer ${before}` } });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
  });

  it('admin expireSessions forces the refresh path too', async () => {
    const conn = await connect(emu);
    emu.admin.expireSessions();
    expect((await conn.sobject('User').find({}, ['Id'])).length).toBe(3);
  });
});
