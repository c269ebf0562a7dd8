import { describe, expect, it } from 'vitest';
import { ExchangeError, mapGraphFailure, parseRetryAfter, redact, toExchangeError } from './errors.ts';

const err = (code: string, message = 'm') => ({ error: { code, message, innerError: { date: '2026-01-01T00:00:00', 'request-id': 'r' } } });

describe('Graph failures → error vocabulary', () => {
  const table: Array<[string, Parameters<typeof mapGraphFailure>[0], string, number | undefined]> = [
    ['429 throttled with Retry-After', { status: 429, body: err('ApplicationThrottled', 'over its MailboxConcurrency limit'), retryAfter: '3' }, 'rate-limited', 3000],
    ['429 without Retry-After gets a default wait', { status: 429, body: err('TooManyRequests') }, 'rate-limited', 10_000],
    ['503 with Retry-After is throttling', { status: 503, body: err('ServiceUnavailable'), retryAfter: '2' }, 'rate-limited', 2000],
    ['503 without Retry-After', { status: 503, body: err('ServiceUnavailable') }, 'temporary', undefined],
    ['504 gateway timeout', { status: 504, body: 'upstream timeout' }, 'temporary', undefined],
    ['500 internal', { status: 500, body: err('generalException') }, 'temporary', undefined],
    ['410 Gone delta reset', { status: 410, body: err('SyncStateNotFound') }, 'cursor-expired', undefined],
    ['400 syncStateNotFound', { status: 400, body: err('syncStateNotFound') }, 'cursor-expired', undefined],
    ['400 resyncRequired', { status: 400, body: err('resyncRequired') }, 'cursor-expired', undefined],
    ['401 expired token', { status: 401, body: err('InvalidAuthenticationToken', 'Access token has expired.') }, 'auth', undefined],
    ['403 access denied', { status: 403, body: err('ErrorAccessDenied') }, 'auth', undefined],
    ['400 invalid_client from the token endpoint', { status: 400, body: { error: 'invalid_client', error_description: 'AADSTS7000215' } }, 'auth', undefined],
    ['404 item gone', { status: 404, body: err('ErrorItemNotFound') }, 'not-found', undefined],
    ['400 ErrorInvalidId', { status: 400, body: err('ErrorInvalidId') }, 'not-found', undefined],
    ['412 stale changeKey', { status: 412, body: err('ErrorIrresolvableConflict') }, 'conflict', undefined],
    ['409 folder exists', { status: 409, body: err('ErrorFolderExists') }, 'conflict', undefined],
    ['400 bad request', { status: 400, body: err('ErrorInvalidRequest') }, 'permanent', undefined],
    ['413 too large', { status: 413, body: err('ErrorRequestEntityTooLarge') }, 'permanent', undefined],
  ];
  for (const [situation, input, kind, retryAfterMs] of table) {
    it(situation, () => {
      const e = mapGraphFailure({ ...input, now: 0 });
      expect(e).toBeInstanceOf(ExchangeError);
      expect(e.kind).toBe(kind);
      expect(e.retryAfterMs).toBe(retryAfterMs);
      expect(e.status).toBe(input.status);
    });
  }

  it('Retry-After as an HTTP date counts from now', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('garbage', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('network errors are temporary', () => {
    const e = toExchangeError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }));
    expect(e.kind).toBe('temporary');
    expect(e.code).toBe('ECONNREFUSED');
  });

  it('the SDK GraphError shape is understood', () => {
    const sdk = Object.assign(new Error('Resource not found'), { statusCode: 404, code: 'ErrorItemNotFound', body: JSON.stringify({ code: 'ErrorItemNotFound', message: 'gone' }) });
    expect(toExchangeError(sdk).kind).toBe('not-found');
  });

  it('secrets never survive in messages', () => {
    const text = redact('Authorization: Bearer abc.def-ghi client_secret=s3cr3t&x=1 $deltatoken=XYZ eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig');
    expect(text).not.toMatch(/abc\.def|s3cr3t|XYZ|eyJhbGci/);
    expect(mapGraphFailure({ status: 400, body: err('x', 'bad client_secret=hunter2') }).message).not.toContain('hunter2');
  });
});
