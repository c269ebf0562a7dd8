// The Microsoft Graph client of the worker: the official SDK (@microsoft/microsoft-graph-client 3)
// driven through one middleware of ours that does what Graph asks of a well-behaved app.
// Contract of createGraphClient(options) → GraphClient:
// - app-only auth: a client-credentials token, cached until shortly before expiry and fetched
//   again after a 401 InvalidAuthenticationToken (the request is then replayed once);
// - `Prefer: IdType="ImmutableId"` on every request, $batch sub-requests included, so ids
//   survive moves;
// - at most 4 requests in flight per mailbox (a $batch counts for the sub-requests it may run at
//   once, up to 4: a batch of dependsOn lanes for its lanes);
// - 429/503/504 with Retry-After: no request to that mailbox starts before the deadline, then
//   the request is replayed (bounded); time comes from the injected clock;
// - failures surface as ExchangeError (./errors.ts); secrets never reach logs or errors;
// - the token is only ever sent to the configured Graph host; a custom CA (the emulator's)
//   is trusted through an undici dispatcher instead of a process-wide NODE_EXTRA_CA_CERTS.
import { Client, type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import { createSecureContext, rootCertificates } from 'node:tls';
import { Agent, fetch as undiciFetch } from 'undici';
import { ExchangeError, mapGraphFailure, parseRetryAfter, redact, toExchangeError } from './errors.ts';
import { createMailboxLimiter, systemClock, type Clock, type MailboxLimiter } from './limiter.ts';

export const IMMUTABLE_ID_PREFER = 'IdType="ImmutableId"';
const DEFAULT_SCOPE = 'https://graph.microsoft.com/.default';
const THROTTLE_STATUSES = new Set([429, 503, 504]);

export interface GraphClientOptions {
  /** Graph root, e.g. https://graph.microsoft.com or https://localhost:PORT/v1.0 (a trailing version is taken as `version`). */
  baseUrl: string;
  tokenUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** PEM of an extra CA to trust (the emulator's); the system CAs stay trusted too. */
  caCert?: string | Buffer;
  version?: string;
  scope?: string;
  clock?: Clock;
  maxInFlightPerMailbox?: number;
  /** How many times one request is replayed after throttling before its failure surfaces. */
  maxThrottleRetries?: number;
  /** Longest single wait we accept from Retry-After; longer ones surface as rate-limited. */
  maxRetryAfterMs?: number;
  /** A request (incl. reading its body) taking longer fails as temporary; default 60 s. */
  requestTimeoutMs?: number;
  /** Structured events (never carrying secrets): request, throttled, token. */
  log?: (event: string, data: Record<string, unknown>) => void;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Read the response body as bytes (a Buffer), e.g. an attachment's $value. */
  binary?: boolean;
}

export interface GraphCounters {
  requests: number;
  throttled: number;
  tokenFetches: number;
  authRetries: number;
}

export interface GraphClient {
  /** The SDK client, already wired through our middleware. */
  readonly sdk: Client;
  readonly limiter: MailboxLimiter;
  readonly clock: Clock;
  /** Absolute URL of a Graph path (`/users/…`) or the URL itself if already absolute. */
  url(pathOrUrl: string): string;
  /** Sends one request; never throws for an HTTP status (network failures throw ExchangeError). */
  raw(method: string, pathOrUrl: string, options?: RequestOptions): Promise<RawResponse>;
  /** Sends one request; a non-2xx status throws the mapped ExchangeError. */
  request<T = unknown>(method: string, pathOrUrl: string, options?: RequestOptions): Promise<T>;
  get<T = unknown>(pathOrUrl: string, headers?: Record<string, string>): Promise<T>;
  counters(): GraphCounters;
  close(): Promise<void>;
}

/** The mailbox a Graph URL or path addresses (`/users/{id}/…`), lower-cased; '' if none. */
export function mailboxOf(pathOrUrl: string): string {
  const match = /\/users\/([^/?#]+)/i.exec(pathOrUrl);
  if (!match?.[1]) return '';
  let id = match[1];
  try {
    id = decodeURIComponent(id);
  } catch {
    // keep the raw segment: it still identifies the mailbox consistently
  }
  return id.replace(/^'|'$/g, '').toLowerCase();
}

interface BatchBody {
  requests?: Array<{ id?: string; url?: string; headers?: Record<string, string>; dependsOn?: string[] }>;
}

export function createGraphClient(options: GraphClientOptions): GraphClient {
  const clock = options.clock ?? systemClock;
  // Accept the root with or without the version segment (the emulator hands out …/v1.0).
  const trimmed = options.baseUrl.replace(/\/+$/, '');
  const versioned = /^(.*)\/(v1\.0|beta)$/.exec(trimmed);
  const version = options.version ?? versioned?.[2] ?? 'v1.0';
  const base = versioned ? versioned[1]! : trimmed;
  const baseHost = new URL(base).host;
  const baseProtocol = new URL(base).protocol;
  const limiter = createMailboxLimiter({ maxInFlight: options.maxInFlightPerMailbox ?? 4, clock });
  const maxThrottleRetries = options.maxThrottleRetries ?? 6;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 5 * 60_000;
  const log = options.log ?? (() => {});
  const requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
  // One secure context for every connection: with `ca` alone each new TLS connection parsed the
  // whole root store again (the largest CPU cost of a busy worker in the latency bench).
  const dispatcher = new Agent(options.caCert ? { connect: { secureContext: createSecureContext({ ca: withSystemCas(options.caCert) }) } } : {});
  const counters: GraphCounters = { requests: 0, throttled: 0, tokenFetches: 0, authRetries: 0 };

  let cached: { value: string; refreshAt: number } | undefined;
  let pendingToken: Promise<string> | undefined;

  async function fetchToken(): Promise<string> {
    counters.tokenFetches++;
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: options.clientId,
      client_secret: options.clientSecret,
      scope: options.scope ?? DEFAULT_SCOPE,
    });
    let res;
    try {
      res = await undiciFetch(options.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        dispatcher,
      });
    } catch (error) {
      throw toExchangeError(error);
    }
    const body = await readBody(res);
    if (!res.ok) {
      const failure = mapGraphFailure({ status: res.status, body, retryAfter: res.headers.get('retry-after'), now: clock.now() });
      // A refused client-credentials grant is an auth problem whatever status the endpoint picked.
      throw failure.kind === 'permanent' ? new ExchangeError('auth', failure.status, failure.code, failure.message) : failure;
    }
    const token = body as { access_token?: unknown; expires_in?: unknown };
    if (typeof token.access_token !== 'string' || token.access_token === '') {
      throw new ExchangeError('auth', res.status, 'NoAccessToken', 'The token endpoint answered without an access_token');
    }
    const lifetimeMs = Math.max(0, Number(token.expires_in ?? 3600) * 1000);
    // Refresh 5 minutes early (or at half-life for short tokens) so no request races expiry.
    const margin = Math.min(5 * 60_000, lifetimeMs / 2);
    cached = { value: token.access_token, refreshAt: clock.now() + lifetimeMs - margin };
    log('token', { expiresInSec: Math.round(lifetimeMs / 1000) });
    return token.access_token;
  }

  function accessToken(): Promise<string> {
    if (cached && clock.now() < cached.refreshAt) return Promise.resolve(cached.value);
    pendingToken ??= fetchToken().finally(() => {
      pendingToken = undefined;
    });
    return pendingToken;
  }

  async function send(method: string, url: string, headers: Headers, body: string | BatchBody | undefined, binary = false): Promise<RawResponse> {
    const target = new URL(url);
    if (target.host !== baseHost || target.protocol !== baseProtocol) {
      // Never hand the bearer token to a host other than the configured Graph root.
      throw new ExchangeError('permanent', 0, 'ForeignHost', `Refusing to send a Graph request to ${target.host}`);
    }
    const mailbox = mailboxOf(url);
    const isBatch = target.pathname.endsWith('/$batch');
    // a $batch given as an object (raw/request) is prepared as is, not serialised and parsed again
    const batch = isBatch && body !== undefined ? prepareBatch(body) : undefined;
    if (typeof body === 'object' && !batch) body = JSON.stringify(body);
    const payload = batch ? batch.body : (body as string | undefined);
    const key = batch ? batch.mailbox : mailbox;
    const weight = batch ? batch.size : 1;
    let authRetried = false;
    for (let attempt = 0; ; attempt++) {
      const token = await accessToken();
      const h = new Headers(headers);
      h.set('authorization', `Bearer ${token}`);
      h.set('prefer', withImmutableId(h.get('prefer')));
      if (payload !== undefined && !h.has('content-type')) h.set('content-type', 'application/json');
      const started = clock.now();
      const res = await limiter.run(
        key,
        async () => {
          counters.requests++;
          try {
            const r = await undiciFetch(url, { method, headers: h, body: payload, dispatcher, signal: AbortSignal.timeout(requestTimeoutMs) });
            const ok = r.status >= 200 && r.status < 300;
            return { status: r.status, headers: r.headers as unknown as Headers, body: binary && ok ? Buffer.from(await r.arrayBuffer()) : await readBody(r) };
          } catch (error) {
            if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
              throw new ExchangeError('temporary', 0, 'Timeout', `Graph did not answer within ${requestTimeoutMs} ms`);
            }
            throw toExchangeError(error);
          }
        },
        weight,
      );
      log('request', { method, path: redact(target.pathname + target.search), status: res.status, ms: clock.now() - started, mailbox: key });
      if (res.status === 401 && !authRetried && isExpiredToken(res.body)) {
        authRetried = true;
        counters.authRetries++;
        cached = undefined;
        continue;
      }
      if (THROTTLE_STATUSES.has(res.status) && attempt < maxThrottleRetries) {
        const hinted = parseRetryAfter(res.headers.get('retry-after'), clock.now());
        // Without Retry-After Graph advises exponential backoff; 503/504 may also be plain outages.
        const waitMs = hinted ?? Math.min(1000 * 2 ** attempt, 32_000);
        if (waitMs <= maxRetryAfterMs) {
          counters.throttled++;
          log('throttled', { status: res.status, mailbox: key, waitMs });
          if (hinted !== undefined) limiter.blockUntil(key, clock.now() + waitMs);
          else await clock.sleep(waitMs);
          continue;
        }
      }
      return res;
    }
  }

  // The SDK's chain ends in our middleware: it owns auth, throttling and the mailbox gate.
  const terminal: Middleware = {
    async execute(context: Context) {
      const request = context.request as unknown;
      const url = typeof request === 'string' ? request : (request as { url: string }).url;
      const init = context.options ?? {};
      const headers = new Headers(init.headers as Record<string, string> | undefined);
      const body = typeof init.body === 'string' ? init.body : init.body === undefined || init.body === null ? undefined : String(init.body);
      const res = await send(String(init.method ?? 'GET'), url, headers, body);
      const nullBody = res.body === undefined || res.status === 204 || res.status === 205 || res.status === 304;
      context.response = new Response(nullBody ? null : typeof res.body === 'string' ? res.body : JSON.stringify(res.body), {
        status: res.status,
        headers: res.headers,
      });
    },
  };

  const sdk = Client.initWithMiddleware({
    baseUrl: base,
    defaultVersion: version,
    middleware: terminal,
    customHosts: new Set([new URL(base).hostname]),
  });

  function url(pathOrUrl: string): string {
    if (/^https?:\/\//i.test(pathOrUrl)) return pathOrUrl;
    return `${base}/${version}${pathOrUrl.startsWith('/') ? '' : '/'}${pathOrUrl}`;
  }

  async function raw(method: string, pathOrUrl: string, opts: RequestOptions = {}): Promise<RawResponse> {
    const headers = new Headers(opts.headers);
    const target = url(pathOrUrl);
    const asObject = opts.body !== null && typeof opts.body === 'object' && !Array.isArray(opts.body) && /\/\$batch(?:\?|$)/.test(target);
    const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : asObject ? (opts.body as BatchBody) : JSON.stringify(opts.body);
    return send(method.toUpperCase(), target, headers, body, opts.binary === true);
  }

  async function request<T>(method: string, pathOrUrl: string, opts: RequestOptions = {}): Promise<T> {
    const res = await raw(method, pathOrUrl, opts);
    if (res.status >= 200 && res.status < 300) return res.body as T;
    throw mapGraphFailure({ status: res.status, body: res.body, retryAfter: res.headers.get('retry-after'), now: clock.now() });
  }

  return {
    sdk,
    limiter,
    clock,
    url,
    raw,
    request,
    get: (pathOrUrl, headers) => request('GET', pathOrUrl, { headers }),
    counters: () => ({ ...counters }),
    async close() {
      await dispatcher.close();
    },
  };
}

/** Adds IdType="ImmutableId" to whatever the caller already prefers (e.g. odata.maxpagesize). */
export function withImmutableId(prefer: string | null | undefined): string {
  if (!prefer) return IMMUTABLE_ID_PREFER;
  if (/IdType\s*=/i.test(prefer)) return prefer;
  return `${prefer}, ${IMMUTABLE_ID_PREFER}`;
}

// Each $batch sub-request is its own Graph request: it needs its own Prefer header, and it
// counts against the mailbox's concurrency on its own.
function prepareBatch(body: string | BatchBody): { body: string; mailbox: string; size: number } | undefined {
  let parsed: BatchBody;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body) as BatchBody;
    } catch {
      return undefined;
    }
  } else {
    // the caller's object is left as it was: the sub-requests are copied with their Prefer
    parsed = { ...body, ...(Array.isArray(body.requests) ? { requests: body.requests.map((r) => ({ ...r })) } : {}) };
  }
  const requests = Array.isArray(parsed.requests) ? parsed.requests : [];
  for (const r of requests) r.headers = { ...r.headers, Prefer: withImmutableId(r.headers?.Prefer ?? r.headers?.prefer) };
  const mailboxes = new Set(requests.map((r) => mailboxOf(r.url ?? '')));
  const mailbox = mailboxes.size === 1 ? [...mailboxes][0]! : '';
  return { body: JSON.stringify(parsed), mailbox, size: batchWidth(requests) };
}

/**
 * How many sub-requests of a $batch may run at once (at least 1): the requests, less each link of
 * a plain chain (a request depending on one other that no other request depends on) — a batch
 * laid out as dependsOn lanes counts for its lanes. An upper bound for any dependsOn graph.
 */
export function batchWidth(requests: ReadonlyArray<{ id?: unknown; dependsOn?: unknown }>): number {
  const dependents = new Map<string, number>();
  for (const r of requests) {
    for (const d of Array.isArray(r.dependsOn) ? (r.dependsOn as unknown[]) : []) dependents.set(String(d), (dependents.get(String(d)) ?? 0) + 1);
  }
  let links = 0;
  for (const r of requests) {
    const deps = Array.isArray(r.dependsOn) ? (r.dependsOn as unknown[]) : [];
    if (deps.length === 1 && dependents.get(String(deps[0])) === 1) links += 1;
  }
  return Math.max(1, requests.length - links);
}

function isExpiredToken(body: unknown): boolean {
  const code = (body as { error?: { code?: unknown } } | undefined)?.error?.code;
  return typeof code !== 'string' || /InvalidAuthenticationToken|TokenExpired|Unauthorized/i.test(code);
}

async function readBody(res: { status: number; headers: { get(name: string): string | null }; text(): Promise<string> }): Promise<unknown> {
  const text = await res.text();
  if (text === '') return undefined;
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json') || /^[[{]/.test(text.trim())) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

// undici's `ca` replaces the default trust store; keep the public roots so a real tenant
// still works when an extra CA is configured.
function withSystemCas(ca: string | Buffer): string[] {
  return [...rootCertificates, ca.toString()];
}
