// Microsoft Graph failures mapped to the closed error vocabulary of the project.
// Contract: every failure the Graph connector sees (an HTTP status with Graph's
// {"error":{"code","message"}} body, a $batch sub-response, a token endpoint refusal, a
// network error) becomes one ExchangeError whose `kind` tells the runtime what to do:
// retry later, wait for retryAfterMs, resync from scratch, re-authenticate, forget the
// item, treat as an edit conflict, or give up on this item. Messages are redacted.
import { NETWORK_ERROR_CODES } from '../network-errors.ts';

export type ExchangeErrorKind =
  | 'temporary'
  | 'rate-limited'
  | 'cursor-expired'
  | 'auth'
  | 'not-found'
  | 'conflict'
  | 'permanent';

export class ExchangeError extends Error {
  readonly kind: ExchangeErrorKind;
  readonly status: number;
  readonly code: string;
  readonly retryAfterMs: number | undefined;

  constructor(kind: ExchangeErrorKind, status: number, code: string, message: string, retryAfterMs?: number) {
    super(redact(message));
    this.name = 'ExchangeError';
    this.kind = kind;
    this.status = status;
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }
}

// Graph sends Retry-After on most throttling responses but not all; without one the
// documented advice is an exponential backoff, so callers get a sane first step.
export const DEFAULT_RETRY_AFTER_MS = 10_000;

// Codes whose meaning beats the status: a delta token Graph no longer knows is reported
// with several statuses (410, 400, 404) depending on the workload.
const CURSOR_EXPIRED = new Set(['syncstatenotfound', 'syncstateinvalid', 'resyncrequired', 'invaliddeltatoken']);
const AUTH = new Set([
  'invalidauthenticationtoken',
  'authenticationerror',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'erroraccessdenied',
  'accessdenied',
  'authorization_requestdenied',
  'mailboxnotenabledforrestapi',
]);
const CONFLICT = new Set(['errorirresolvableconflict', 'preconditionfailed', 'errorfolderexists', 'nameAlreadyExists'.toLowerCase()]);
const NOT_FOUND = new Set(['erroritemnotfound', 'itemnotfound', 'resourcenotfound', 'errorinvalidid', 'erroruserrequired']);
const TEMPORARY_NET = new Set(NETWORK_ERROR_CODES);

/** Reads Retry-After (delta-seconds or an HTTP date) as milliseconds from `now`. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

export interface GraphFailureInput {
  status: number;
  /** Parsed JSON body, a raw text body, or nothing. */
  body?: unknown;
  /** The Retry-After header value, if any. */
  retryAfter?: string | null;
  now?: number;
}

/** Maps one HTTP failure from Graph (or a $batch sub-response) to an ExchangeError. */
export function mapGraphFailure(input: GraphFailureInput): ExchangeError {
  const { status } = input;
  const { code, message } = readErrorBody(input.body);
  const lower = code.toLowerCase();
  const retryAfterMs = parseRetryAfter(input.retryAfter, input.now ?? Date.now());
  const text = message || `Graph answered HTTP ${status}${code ? ` ${code}` : ''}`;

  if (CURSOR_EXPIRED.has(lower) || status === 410) return new ExchangeError('cursor-expired', status, code || 'Gone', text);
  if (status === 429) return new ExchangeError('rate-limited', status, code || 'TooManyRequests', text, retryAfterMs ?? DEFAULT_RETRY_AFTER_MS);
  if (status === 503 || status === 504) {
    // Graph's 503/504 carry Retry-After when they are throttling in disguise; honour it.
    return retryAfterMs !== undefined
      ? new ExchangeError('rate-limited', status, code || 'ServiceUnavailable', text, retryAfterMs)
      : new ExchangeError('temporary', status, code || 'ServiceUnavailable', text);
  }
  if (status === 401 || AUTH.has(lower)) return new ExchangeError('auth', status, code || 'Unauthorized', text);
  if (status === 403) return new ExchangeError('auth', status, code || 'Forbidden', text);
  if (status === 412 || status === 409 || CONFLICT.has(lower)) return new ExchangeError('conflict', status, code || 'Conflict', text);
  if (status === 404 || NOT_FOUND.has(lower)) return new ExchangeError('not-found', status, code || 'NotFound', text);
  if (status === 408 || status >= 500 || status === 0) return new ExchangeError('temporary', status, code || `HTTP${status}`, text);
  return new ExchangeError('permanent', status, code || `HTTP${status}`, text);
}

/** Maps anything thrown while talking to Graph (network errors included). */
export function toExchangeError(error: unknown): ExchangeError {
  if (error instanceof ExchangeError) return error;
  const e = error as { code?: unknown; cause?: { code?: unknown }; message?: unknown; statusCode?: unknown; body?: unknown };
  const netCode = typeof e?.cause?.code === 'string' ? e.cause.code : typeof e?.code === 'string' ? e.code : '';
  if (TEMPORARY_NET.has(netCode)) return new ExchangeError('temporary', 0, netCode, String(e?.message ?? netCode));
  // The SDK's GraphError: statusCode + code + body (the inner error as JSON text).
  if (typeof e?.statusCode === 'number' && e.statusCode > 0) {
    let body: unknown = undefined;
    if (typeof e.body === 'string') {
      try {
        body = { error: JSON.parse(e.body) };
      } catch {
        body = e.body;
      }
    }
    const headers = (e as { headers?: { get?: (n: string) => string | null } }).headers;
    return mapGraphFailure({ status: e.statusCode, body: body ?? { error: { code: netCode, message: e.message } }, retryAfter: headers?.get?.('retry-after') });
  }
  const msg = error instanceof Error ? error.message : String(error);
  if (error instanceof TypeError && /fetch failed/i.test(msg)) return new ExchangeError('temporary', 0, 'FETCH_ERROR', msg);
  return new ExchangeError('permanent', 0, netCode || 'UNKNOWN', msg);
}

function readErrorBody(body: unknown): { code: string; message: string } {
  if (body && typeof body === 'object') {
    const b = body as { error?: unknown; error_description?: unknown; code?: unknown; message?: unknown };
    // OAuth token endpoint errors: {"error":"invalid_client","error_description":"…"}
    if (typeof b.error === 'string') return { code: b.error, message: typeof b.error_description === 'string' ? b.error_description : b.error };
    const inner = (b.error && typeof b.error === 'object' ? b.error : b) as { code?: unknown; message?: unknown };
    return { code: typeof inner.code === 'string' ? inner.code : '', message: typeof inner.message === 'string' ? inner.message : '' };
  }
  if (typeof body === 'string') return { code: '', message: body.slice(0, 500) };
  return { code: '', message: '' };
}

// Tokens, client secrets and deltatoken/skiptoken values must never reach logs.
export function redact(text: string): string {
  return text
    .replace(/(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi, '$1[redacted]')
    .replace(/(client_secret=)[^&\s]+/gi, '$1[redacted]')
    .replace(/(access_token"?\s*[:=]\s*"?)[^"&\s]+/gi, '$1[redacted]')
    .replace(/(\$(?:delta|skip)token=)[^&\s"]+/gi, '$1[redacted]')
    .replace(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '[redacted-jwt]');
}
