// The error table: every provider failure we know lands in exactly one kind.
import { describe, expect, it } from 'vitest';
import {
  RATE_LIMIT_BACKOFF_MS,
  SalesforceError,
  fromBayeuxError,
  fromRecordErrors,
  kindOfCode,
  redact,
  toSalesforceError,
} from './errors.ts';

class HttpApiError extends Error {
  errorCode: string;
  constructor(message: string, errorCode: string) {
    super(message);
    this.name = errorCode;
    this.errorCode = errorCode;
  }
}

function oauthError(error: string, description: string): Error {
  const e = new Error(description);
  e.name = error;
  return e;
}

function networkError(code: string): Error {
  return Object.assign(new Error(`request failed, reason: ${code}`), { name: 'FetchError', code });
}

describe('thrown errors → kind', () => {
  const table: [string, unknown, string][] = [
    ['lock contention', new HttpApiError('unable to obtain exclusive access', 'UNABLE_TO_LOCK_ROW'), 'temporary'],
    ['server unavailable', new HttpApiError('down for maintenance', 'SERVER_UNAVAILABLE'), 'temporary'],
    ['plain 503', new HttpApiError('<html>', 'ERROR_HTTP_503'), 'temporary'],
    ['plain 500', new HttpApiError('oops', 'ERROR_HTTP_500'), 'temporary'],
    ['connection refused', networkError('ECONNREFUSED'), 'temporary'],
    ['connection reset', networkError('ECONNRESET'), 'temporary'],
    ['timeout', networkError('ETIMEDOUT'), 'temporary'],
    ['fetch TypeError with cause', Object.assign(new TypeError('fetch failed'), { cause: { code: 'UND_ERR_SOCKET' } }), 'temporary'],
    ['abort', Object.assign(new Error('The operation was aborted. Request was aborted due to timeout'), { name: 'AbortError' }), 'temporary'],
    ['session expired after refresh failed', new HttpApiError('Session expired or invalid', 'INVALID_SESSION_ID'), 'auth'],
    ['bad grant', oauthError('invalid_grant', 'authentication failure'), 'auth'],
    ['bad client', oauthError('invalid_client_id', 'client identifier invalid'), 'auth'],
    ['bad client secret', oauthError('invalid_client', 'invalid client credentials'), 'auth'],
    ['record gone', new HttpApiError('The requested resource does not exist', 'NOT_FOUND'), 'not-found'],
    ['deleted', new HttpApiError('entity is deleted', 'ENTITY_IS_DELETED'), 'not-found'],
    ['deleted reference', new HttpApiError('invalid cross reference id', 'INVALID_CROSS_REFERENCE_KEY'), 'not-found'],
    ['daily limit', new HttpApiError('TotalRequests Limit exceeded.', 'REQUEST_LIMIT_EXCEEDED'), 'rate-limited'],
    ['too long', new HttpApiError('data value too large', 'STRING_TOO_LONG'), 'permanent'],
    ['required', new HttpApiError('Required fields are missing: [LastName]', 'REQUIRED_FIELD_MISSING'), 'permanent'],
    ['email', new HttpApiError('Email: invalid email address: x', 'INVALID_EMAIL_ADDRESS'), 'permanent'],
    ['duplicate', new HttpApiError('duplicate value found', 'DUPLICATE_VALUE'), 'permanent'],
    ['bad field', new HttpApiError("No such column 'Foo__c'", 'INVALID_FIELD'), 'permanent'],
    ['bad id', new HttpApiError('malformed id 003', 'MALFORMED_ID'), 'permanent'],
    ['validation rule', new HttpApiError('Phone is required', 'FIELD_CUSTOM_VALIDATION_EXCEPTION'), 'permanent'],
    ['bad soql', new HttpApiError('unexpected token', 'MALFORMED_QUERY'), 'permanent'],
    ['expired query locator', new HttpApiError('invalid query locator', 'INVALID_QUERY_LOCATOR'), 'cursor-expired'],
    ['not an object', 'boom', 'permanent'],
    ['refresh failed on bad grant', new Error('Unable to refresh session due to: authentication failure'), 'auth'],
    ['refresh failed on network', new Error('Unable to refresh session due to: request failed, reason: connect ECONNREFUSED'), 'temporary'],
  ];
  it.each(table)('%s', (_name, thrown, kind) => {
    const mapped = toSalesforceError(thrown);
    expect(mapped).toBeInstanceOf(SalesforceError);
    expect(mapped.kind).toBe(kind);
  });

  it('rate-limited carries a backoff hint', () => {
    expect(toSalesforceError(new HttpApiError('limit', 'REQUEST_LIMIT_EXCEEDED')).retryAfterMs).toBe(RATE_LIMIT_BACKOFF_MS);
  });

  it('unknown code with 5xx status is temporary, with 401 is auth', () => {
    expect(kindOfCode('WHATEVER', 502)).toBe('temporary');
    expect(kindOfCode('WHATEVER', 401)).toBe('auth');
    expect(kindOfCode('WHATEVER', 429)).toBe('rate-limited');
    expect(kindOfCode('WHATEVER')).toBe('permanent');
  });

  it('an already mapped error passes through', () => {
    const e = new SalesforceError('auth', 'INVALID_GRANT', 'x');
    expect(toSalesforceError(e)).toBe(e);
  });
});

describe('composite per-record errors → kind', () => {
  const table: [string, string, string][] = [
    ['STRING_TOO_LONG', 'LastName: data value too large', 'permanent'],
    ['REQUIRED_FIELD_MISSING', 'Required fields are missing: [LastName]', 'permanent'],
    ['INVALID_EMAIL_ADDRESS', 'Email: invalid email address: nope', 'permanent'],
    ['DUPLICATE_VALUE', 'duplicate value found: SCC_Exchange_Key__c', 'permanent'],
    ['ENTITY_IS_DELETED', 'entity is deleted', 'not-found'],
    ['UNABLE_TO_LOCK_ROW', 'unable to obtain exclusive access to this record', 'temporary'],
    ['FIELD_CUSTOM_VALIDATION_EXCEPTION', 'Must have a phone', 'permanent'],
  ];
  it.each(table)('%s', (statusCode, message, kind) => {
    const mapped = fromRecordErrors([{ statusCode, message, fields: ['LastName'] }]);
    expect(mapped.kind).toBe(kind);
    expect(mapped.code).toBe(statusCode);
    expect(mapped.fields).toEqual(['LastName']);
  });
  it('an empty error list is still an error', () => {
    expect(fromRecordErrors([]).kind).toBe('permanent');
  });
});

describe('CometD errors → kind', () => {
  const table: [string, string][] = [
    ['400::The replayId {12} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.', 'cursor-expired'],
    ['401::Authentication invalid', 'auth'],
    ['403::Unknown client', 'temporary'],
    ['403::Organization concurrent user limit exceeded', 'rate-limited'],
    ['503::Server unavailable', 'temporary'],
    ['400::Unknown channel', 'permanent'],
  ];
  it.each(table)('%s', (text, kind) => {
    expect(fromBayeuxError(text).kind).toBe(kind);
  });
});

describe('redaction', () => {
  it('removes tokens and secrets', () => {
    const text = redact(
      'Authorization: Bearer 00Dxx0000001gPL!AR8AQJXg5oj8jXSgxJfA0lBog.39AsX.LVpxezPwuX5VAIrrbbHMuol7GQxnMeYMN7cj8EoWr78nt1u44zU31IbYNNJguseu; password=hunter2 client_secret=abc',
    );
    expect(text).not.toMatch(/AR8AQJ|hunter2|abc$/);
    const e = toSalesforceError(new Error('token 00Dxx0000001gPL!AQ4AQFwxyz.abc refused'));
    expect(e.message).not.toContain('AQ4AQFwxyz');
  });
});
