// Salesforce failures mapped to the closed error vocabulary of the project.
// Contract: every failure the connector sees (a thrown jsforce/HTTP/OAuth/network error, a
// per-record composite error, a CometD subscribe error) becomes one SalesforceError whose
// `kind` tells the runtime what to do: retry later, resync, re-authenticate, forget the
// record, back off, or give up on this record. Messages are redacted of tokens.
import { NETWORK_ERROR_CODES, REQUEST_TIMEOUT_CODE } from '../network-errors.ts';

export type SalesforceErrorKind =
  | 'temporary'
  | 'cursor-expired'
  | 'auth'
  | 'not-found'
  | 'rate-limited'
  | 'permanent';

export class SalesforceError extends Error {
  readonly kind: SalesforceErrorKind;
  readonly code: string;
  readonly fields: string[];
  readonly retryAfterMs: number | undefined;

  constructor(
    kind: SalesforceErrorKind,
    code: string,
    message: string,
    extra: { fields?: string[]; retryAfterMs?: number } = {},
  ) {
    super(redact(message));
    this.name = 'SalesforceError';
    this.kind = kind;
    this.code = code;
    this.fields = extra.fields ?? [];
    this.retryAfterMs = extra.retryAfterMs;
  }
}

// Salesforce gives no Retry-After on REQUEST_LIMIT_EXCEEDED: the 24 h API allowance refills
// gradually, so a few minutes is the smallest wait that is likely to help.
export const RATE_LIMIT_BACKOFF_MS = 5 * 60_000;

const TEMPORARY = new Set([
  'UNABLE_TO_LOCK_ROW',
  'SERVER_UNAVAILABLE',
  'SERVICE_UNAVAILABLE',
  'REQUEST_RUNNING_TOO_LONG',
  'QUERY_TIMEOUT',
  'UNKNOWN_EXCEPTION',
  'TXN_SECURITY_METERING_ERROR',
  'API_CURRENTLY_DISABLED',
  'ERROR_HTTP_500',
  'ERROR_HTTP_502',
  'ERROR_HTTP_503',
  'ERROR_HTTP_504',
  ...NETWORK_ERROR_CODES,
  'FETCH_ERROR',
  REQUEST_TIMEOUT_CODE,
]);

const AUTH = new Set([
  'INVALID_SESSION_ID',
  'INVALID_AUTH_HEADER',
  'INVALID_GRANT',
  'INVALID_CLIENT',
  'INVALID_CLIENT_ID',
  'INVALID_CLIENT_CREDENTIALS',
  'UNAUTHORIZED_CLIENT',
  'INVALID_LOGIN',
  'LOGIN_MUST_USE_SECURITY_TOKEN',
  'INVALID_OPERATION_WITH_EXPIRED_PASSWORD',
  'API_DISABLED_FOR_ORG',
  'ERROR_HTTP_401',
]);

const NOT_FOUND = new Set([
  'NOT_FOUND',
  'ENTITY_IS_DELETED',
  'INVALID_CROSS_REFERENCE_KEY',
  'ENTITY_IS_ARCHIVED_AND_NOT_UPDATEABLE',
  'ERROR_HTTP_404',
]);

const RATE_LIMITED = new Set(['REQUEST_LIMIT_EXCEEDED', 'TOO_MANY_REQUESTS', 'ERROR_HTTP_429']);

const CURSOR_EXPIRED = new Set(['INVALID_REPLAY_ID', 'INVALID_QUERY_LOCATOR', 'REPLAY_ID_EXPIRED']);

/** Kind for a Salesforce errorCode / OAuth error / network code. Unknown codes are permanent:
 *  retrying an error we do not understand would only burn API calls. */
export function kindOfCode(code: string, httpStatus?: number): SalesforceErrorKind {
  const c = code.toUpperCase();
  if (RATE_LIMITED.has(c)) return 'rate-limited';
  if (CURSOR_EXPIRED.has(c)) return 'cursor-expired';
  if (AUTH.has(c)) return 'auth';
  if (NOT_FOUND.has(c)) return 'not-found';
  if (TEMPORARY.has(c)) return 'temporary';
  if (httpStatus !== undefined) {
    if (httpStatus === 429) return 'rate-limited';
    if (httpStatus === 401) return 'auth';
    if (httpStatus >= 500) return 'temporary';
  }
  return 'permanent';
}

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  errorCode?: unknown;
  code?: unknown;
  statusCode?: unknown;
  status?: unknown;
  fields?: unknown;
  data?: unknown;
  cause?: unknown;
}

/** Map anything thrown by jsforce, node-fetch, undici or faye to a SalesforceError. */
export function toSalesforceError(err: unknown): SalesforceError {
  if (err instanceof SalesforceError) return err;
  if (typeof err !== 'object' || err === null) {
    return new SalesforceError('permanent', 'UNKNOWN', String(err));
  }
  const e = err as ErrorLike;
  const message = typeof e.message === 'string' ? e.message : String(err);
  const status = numberOr(e.statusCode) ?? numberOr(e.status);
  // jsforce wraps a failed session refresh in a plain Error that loses the OAuth code.
  if (/^Unable to refresh session/.test(message)) {
    const network = /ECONN|ETIMEDOUT|fetch failed|socket|timed? ?out|ERROR_HTTP_5/i.test(message);
    return new SalesforceError(network ? 'temporary' : 'auth', 'REFRESH_FAILED', message);
  }
  const code = errorCodeOf(e, message);
  const fields = Array.isArray(e.fields) ? e.fields.map(String) : fieldsOfData(e.data);
  const kind = kindOfCode(code, status);
  return new SalesforceError(kind, code, message, {
    fields,
    retryAfterMs: kind === 'rate-limited' ? RATE_LIMIT_BACKOFF_MS : undefined,
  });
}

/** The request got no (complete) answer within `ms`: temporary, and its outcome is unknown (a
 *  write may have been applied). Names the method and path only: a query string carries SOQL. */
export function requestTimedOut(method: string | undefined, url: string, ms: number): SalesforceError {
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url.split('?')[0] ?? '';
  }
  return new SalesforceError(
    'temporary',
    REQUEST_TIMEOUT_CODE,
    `Salesforce did not answer ${(method ?? 'GET').toUpperCase()} ${path} within ${ms} ms (request timed out; it may have been applied)`,
  );
}

/** Map one per-record error of a composite/sobjects result. */
export function fromRecordErrors(
  errors: readonly { statusCode?: string; errorCode?: string; message?: string; fields?: string[] }[],
): SalesforceError {
  const first = errors[0];
  if (!first) return new SalesforceError('permanent', 'UNKNOWN', 'Salesforce rejected the record without a reason');
  const code = first.statusCode ?? first.errorCode ?? 'UNKNOWN';
  const message = errors.map((x) => x.message ?? x.statusCode ?? '').join('; ');
  const kind = kindOfCode(code);
  return new SalesforceError(kind, code, message, {
    fields: first.fields ?? [],
    retryAfterMs: kind === 'rate-limited' ? RATE_LIMIT_BACKOFF_MS : undefined,
  });
}

/** Map a CometD (Bayeux) error string such as "400::The replayId {5} you provided was invalid…"
 *  or "403::Unknown client" / "401::Authentication invalid". */
export function fromBayeuxError(error: string): SalesforceError {
  const m = /^(\d{3})::(.*)$/s.exec(error);
  const status = m ? Number(m[1]) : undefined;
  const text = m ? (m[2] ?? '') : error;
  if (/replay\s?id/i.test(text) && /invalid|not valid|expired|too old/i.test(text)) {
    return new SalesforceError('cursor-expired', 'INVALID_REPLAY_ID', text);
  }
  if (status === 401 || /authentication invalid|session/i.test(text)) {
    return new SalesforceError('auth', 'INVALID_SESSION_ID', text);
  }
  if (status === 403 && /unknown client/i.test(text)) {
    return new SalesforceError('temporary', 'UNKNOWN_CLIENT', text);
  }
  if (status === 429 || /limit/i.test(text)) {
    return new SalesforceError('rate-limited', 'REQUEST_LIMIT_EXCEEDED', text, {
      retryAfterMs: RATE_LIMIT_BACKOFF_MS,
    });
  }
  if (status !== undefined && status >= 500) return new SalesforceError('temporary', `BAYEUX_${status}`, text);
  return new SalesforceError('permanent', status ? `BAYEUX_${status}` : 'BAYEUX', text);
}

function errorCodeOf(e: ErrorLike, message: string): string {
  if (typeof e.errorCode === 'string' && e.errorCode) return e.errorCode;
  const causeCode = causeCodeOf(e.cause);
  if (typeof e.code === 'string' && e.code) return e.code;
  if (causeCode) return causeCode;
  // jsforce names OAuth failures after the OAuth error (invalid_grant, invalid_client…).
  if (typeof e.name === 'string' && /^[a-z_]+$/.test(e.name)) return e.name.toUpperCase();
  if (typeof e.name === 'string' && /^[A-Z][A-Z0-9_]+$/.test(e.name)) return e.name;
  if (e.name === 'AbortError' || /timed? ?out/i.test(message)) return REQUEST_TIMEOUT_CODE;
  if (e.name === 'FetchError' || /fetch failed|socket hang up|network/i.test(message)) return 'FETCH_ERROR';
  return 'UNKNOWN';
}

function causeCodeOf(cause: unknown): string | undefined {
  if (typeof cause === 'object' && cause !== null) {
    const c = (cause as { code?: unknown }).code;
    if (typeof c === 'string') return c;
  }
  return undefined;
}

function fieldsOfData(data: unknown): string[] {
  if (typeof data === 'object' && data !== null && Array.isArray((data as { fields?: unknown }).fields)) {
    return ((data as { fields: unknown[] }).fields).map(String);
  }
  return [];
}

function numberOr(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Strip access tokens, session ids and credentials from text that may reach logs. */
export function redact(text: string): string {
  return text
    .replace(/\b(Bearer|OAuth)\s+[A-Za-z0-9._~+/=!-]+/g, '$1 [redacted]')
    .replace(/\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._-]+/g, '[redacted-session]')
    .replace(/((?:access_token|refresh_token|client_secret|password|assertion)["'=:\s]+)[^\s"'&,}]+/gi, '$1[redacted]');
}
