// JWT bearer assertion: RS256 over header.claims, verifiable with the public key.
import { generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { connectSalesforce, jwtAssertion, jwtAudience } from './connection.ts';

describe('jwtAssertion', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  it('signs iss/sub/aud/exp with RS256', () => {
    const jwt = jwtAssertion({ username: 'a@b.c', clientId: 'CK', privateKey: pem }, 'https://login.salesforce.com', 1_000_000);
    const [h, c, s] = jwt.split('.');
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toEqual({ alg: 'RS256' });
    expect(JSON.parse(Buffer.from(c!, 'base64url').toString())).toEqual({
      iss: 'CK',
      sub: 'a@b.c',
      aud: 'https://login.salesforce.com',
      exp: 1180,
    });
    expect(verify('RSA-SHA256', Buffer.from(`${h}.${c}`), publicKey, Buffer.from(s!, 'base64url'))).toBe(true);
  });

  it('accepts a PEM with literal \\n (as env vars carry it)', () => {
    const flat = pem.replace(/\n/g, '\\n');
    expect(() => jwtAssertion({ username: 'u', clientId: 'c', privateKey: flat }, 'aud', 0)).not.toThrow();
  });

  it('a bad key is an auth error that does not echo the key', async () => {
    const err = await connectSalesforce({
      loginUrl: 'http://127.0.0.1:9',
      auth: { kind: 'jwt', username: 'u', clientId: 'c', privateKey: 'not-a-key-SECRET' },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'auth', code: 'INVALID_PRIVATE_KEY' });
    expect(String((err as Error).message)).not.toContain('SECRET');
  });
});

describe('jwtAudience', () => {
  it.each([
    ['https://login.salesforce.com', 'https://login.salesforce.com'],
    ['https://acme.my.salesforce.com', 'https://login.salesforce.com'],
    ['https://test.salesforce.com', 'https://test.salesforce.com'],
    ['https://acme--uat.sandbox.my.salesforce.com', 'https://test.salesforce.com'],
    ['http://127.0.0.1:4000', 'http://127.0.0.1:4000'],
  ])('%s → %s', (loginUrl, audience) => {
    expect(jwtAudience(loginUrl)).toBe(audience);
  });
});
