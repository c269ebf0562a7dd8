// The HTTPS front door: token endpoint, bearer-token checks, fault injection, per-mailbox
// throttling, latency, counters, routing to resource handlers, $batch, upload URLs and the
// /__emulator admin API. Every Graph request — top-level or $batch sub-request — goes through
// `dispatch`, so each one is counted and throttled on its own.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphError, badRequest, errorBody } from './errors.ts';
import { opaque } from './ids.ts';
import { createRouter, splitPath } from './router.ts';
import { preferences, type Core, type Ctx, type Handler, type Req, type Res } from './context.ts';
import type { Faults } from './faults.ts';
import type { Throttle } from './throttle.ts';
import type { Mailbox } from './state.ts';
import { uploadChunk } from './routes.ts';

export interface App {
  clientId: string;
  clientSecret: string;
  tokenTtlMs: number;
  latencyMs: number;
}

export interface ServerDeps {
  core: Core;
  app: App;
  faults: Faults;
  throttle: Throttle;
  admin: Record<string, unknown>;
  routes: (r: ReturnType<typeof createRouter<Handler>>) => void;
}

const MAX_BODY = 200 * 1024 * 1024;

export function createHandler(deps: ServerDeps) {
  const { core, app, faults, throttle } = deps;
  const router = createRouter<Handler>();
  deps.routes(router);
  const tokens = new Map<string, number>(); // access token → expiry (emulator clock)

  const count = (rec: Record<string, number>, key: string) => {
    rec[key] = (rec[key] ?? 0) + 1;
  };

  function issueToken(form: URLSearchParams, tenant: string): Res {
    count(core.counters.kinds, 'token');
    const aad = (status: number, error: string, code: number, description: string): Res => ({
      status,
      body: {
        error, error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${randomUUID()}\r\nCorrelation ID: ${randomUUID()}\r\nTimestamp: ${new Date(core.now()).toISOString()}`,
        error_codes: [code], timestamp: new Date(core.now()).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
        trace_id: randomUUID(), correlation_id: randomUUID(), error_uri: 'https://login.microsoftonline.com/error?code=' + code,
      },
    });
    if (tenant !== core.tenantId && tenant !== 'emulator.onmicrosoft.com') {
      return aad(400, 'invalid_request', 90002, `Tenant '${tenant}' not found.`);
    }
    if (form.get('grant_type') !== 'client_credentials') {
      return aad(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    }
    if (form.get('client_id') !== app.clientId) {
      return aad(400, 'unauthorized_client', 700016, `Application with identifier '${form.get('client_id') ?? ''}' was not found in the directory.`);
    }
    if (form.get('client_secret') !== app.clientSecret) {
      return aad(401, 'invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.');
    }
    const scope = form.get('scope') ?? '';
    if (!scope.endsWith('/.default')) {
      return aad(400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.`);
    }
    const iat = Math.floor(core.now() / 1000);
    const exp = iat + Math.floor(app.tokenTtlMs / 1000);
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const token = `${b64({ typ: 'JWT', alg: 'RS256' })}.${b64({ aud: 'https://graph.microsoft.com', iss: `https://sts.windows.net/${core.tenantId}/`, iat, nbf: iat, exp, appid: app.clientId, tid: core.tenantId, roles: ['Contacts.ReadWrite', 'Calendars.ReadWrite', 'Mail.ReadWrite', 'Tasks.ReadWrite.All', 'MailboxSettings.ReadWrite', 'User.Read.All'] })}.${opaque(64)}`;
    if (tokens.size > 10_000) {
      // bounded: expired tokens are forgotten (they would answer 401 either way)
      const t = core.now();
      for (const [k, exp] of tokens) if (exp <= t) tokens.delete(k);
    }
    tokens.set(token, iat * 1000 + app.tokenTtlMs);
    const ttl = Math.floor(app.tokenTtlMs / 1000);
    return { status: 200, body: { token_type: 'Bearer', expires_in: ttl, ext_expires_in: ttl, access_token: token } };
  }

  function checkToken(headers: Record<string, string>): void {
    const auth = headers['authorization'];
    const unauth = (message: string) => new GraphError(401, 'InvalidAuthenticationToken', message, { 'WWW-Authenticate': 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"' });
    if (!auth) throw unauth('Access token is empty.');
    const m = /^Bearer\s+(.+)$/i.exec(auth);
    if (!m) throw unauth('Access token validation failure. Invalid audience.');
    const exp = tokens.get(m[1]!.trim());
    if (exp === undefined) throw unauth('IDX14100: JWT is not well formed, there are no dots (.).');
    if (exp <= core.now()) throw unauth('Lifetime validation failed, the token is expired.');
  }

  function kindOf(method: string, template: string): string {
    if (template.endsWith('/delta')) return 'delta';
    if (template.includes('subscriptions')) return 'subscription';
    if (template.includes('calendarView')) return 'read';
    return method === 'GET' ? 'read' : 'write';
  }

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /** One Graph request (top-level or $batch sub-request) → response. Never throws. */
  async function dispatch(req: Req, requestId: string): Promise<Res> {
    try {
      checkToken(req.headers);
      if (req.method === 'POST' && /^\/?\$batch$/.test(req.path)) return await batch(req);
      const matched = router.match(req.method, req.path);
      if (!('handler' in matched)) {
        count(core.counters.endpoints, `${req.method} (unknown)`);
        if (!matched.allowed) throw new GraphError(405, 'Request_BadRequest', `The HTTP method '${req.method}' is not allowed for this resource.`);
        const last = splitPath(req.path).at(-1) ?? '';
        throw badRequest(`Resource not found for the segment '${last}'.`, 'BadRequest');
      }
      count(core.counters.endpoints, `${req.method} ${matched.template}`);
      count(core.counters.kinds, kindOf(req.method, matched.template));
      let mb: Mailbox | undefined;
      if (matched.params.u !== undefined) {
        mb = core.tenant.find(matched.params.u);
        if (!mb) {
          if (matched.template === 'users/:u') throw new GraphError(404, 'Request_ResourceNotFound', `Resource '${matched.params.u}' does not exist or one of its queried reference-property objects are not present.`);
          throw new GraphError(404, 'ErrorInvalidUser', `The requested user '${matched.params.u}' is invalid.`);
        }
        count(core.counters.mailboxes, mb.address);
      }
      const fault = faults.take(req.method, req.path, mb);
      if (fault) throw fault;
      const release = mb ? throttle.admit(mb.id) : () => {};
      try {
        if (app.latencyMs > 0) await sleep(app.latencyMs);
        const immutable = /IdType\s*=\s*"?ImmutableId"?/i.test(req.headers['prefer'] ?? '');
        const ctx: Ctx = { core, req, params: matched.params, mb: mb as Mailbox, view: { immutable, mailbox: mb as Mailbox } };
        const res = await matched.handler(ctx);
        // an applied write whose answer is held (faults.hold): the caller's timeout fires first
        const holdMs = faults.takeHold(req.method, req.path, mb);
        if (holdMs > 0) await sleep(holdMs);
        const prefs = preferences(req.headers);
        const applied: string[] = [];
        if (immutable) applied.push('IdType="ImmutableId"');
        if (prefs.has('odata.maxpagesize')) applied.push(`odata.maxpagesize=${prefs.get('odata.maxpagesize')}`);
        if (prefs.has('outlook.timezone')) applied.push(`outlook.timezone="${prefs.get('outlook.timezone')}"`);
        if (applied.length) res.headers = { ...res.headers, 'Preference-Applied': applied.join(', ') };
        return res;
      } finally {
        release();
      }
    } catch (err) {
      if (err instanceof GraphError) {
        if (err.status === 429) core.counters.throttled++;
        return { status: err.status, headers: err.headers, body: errorBody(err.code, err.message, requestId, req.headers['client-request-id'], core.now()) };
      }
      const message = err instanceof Error ? err.message : String(err);
      return { status: 500, body: errorBody('InternalServerError', message, requestId, req.headers['client-request-id'], core.now()) };
    }
  }

  async function batch(req: Req): Promise<Res> {
    count(core.counters.kinds, 'batch');
    count(core.counters.endpoints, 'POST $batch');
    const body = req.body as { requests?: unknown } | null;
    if (!body || !Array.isArray(body.requests)) throw badRequest('Invalid batch payload: "requests" array is required.', 'BadRequest');
    const reqs = body.requests as { id?: unknown; method?: unknown; url?: unknown; headers?: Record<string, string>; body?: unknown; dependsOn?: unknown }[];
    if (reqs.length === 0) throw badRequest('Invalid batch payload format.', 'BadRequest');
    if (reqs.length > 20) throw badRequest('Invalid batch payload: Number of batch request steps exceeds the maximum of 20.', 'BadRequest');
    const ids = new Set<string>();
    for (const r of reqs) {
      if (typeof r.id !== 'string' || !r.id || typeof r.method !== 'string' || typeof r.url !== 'string') {
        throw badRequest('Invalid batch payload: each request needs id, method and url.', 'BadRequest');
      }
      if (ids.has(r.id)) throw badRequest(`Invalid batch payload: duplicate request id '${r.id}'.`, 'BadRequest');
      ids.add(r.id);
    }
    for (const r of reqs) {
      for (const d of (r.dependsOn as string[] | undefined) ?? []) {
        if (!ids.has(d)) throw badRequest(`Invalid batch payload: dependsOn '${d}' does not exist.`, 'BadRequest');
      }
    }
    const results = new Map<string, Promise<Res>>();
    const run = (r: (typeof reqs)[number]): Promise<Res> => {
      const id = r.id as string;
      let p = results.get(id);
      if (p) return p;
      p = (async () => {
        const deps = (r.dependsOn as string[] | undefined) ?? [];
        for (const d of deps) {
          const dep = await run(reqs.find((x) => x.id === d)!);
          if (dep.status >= 400) {
            return { status: 424, body: errorBody('FailedDependency', 'Failed Dependency', randomUUID(), undefined, core.now()) };
          }
        }
        const url = new URL((r.url as string).replace(/^\/?/, '/'), 'https://x');
        const headers: Record<string, string> = { authorization: req.headers['authorization'] ?? '' };
        for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = String(v);
        // sub-requests inherit the batch's Prefer unless they set their own
        if (!headers['prefer'] && req.headers['prefer']) headers['prefer'] = req.headers['prefer'];
        return dispatch({
          method: (r.method as string).toUpperCase(), path: url.pathname.replace(/^\/v1\.0/, ''), query: url.searchParams,
          headers, body: r.body ?? null, raw: Buffer.alloc(0),
        }, randomUUID());
      })();
      results.set(id, p);
      return p;
    };
    // independent sub-requests run concurrently, as Graph runs them; each is admitted on its own
    const responses = await Promise.all(reqs.map(run));
    return {
      status: 200,
      body: {
        responses: reqs.map((r, i) => {
          const res = responses[i]!;
          const out: Record<string, unknown> = { id: r.id, status: res.status, headers: { 'Content-Type': 'application/json', ...(res.headers ?? {}) } };
          if (res.body !== undefined) out.body = Buffer.isBuffer(res.body) ? res.body.toString('base64') : res.body;
          return out;
        }),
      },
    };
  }

  async function readBody(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > MAX_BODY) throw new GraphError(413, 'RequestEntityTooLarge', 'The request body is too large.');
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks);
  }

  function send(res: ServerResponse, out: Res, requestId: string, clientRequestId: string | undefined) {
    const headers: Record<string, string> = { 'request-id': requestId, 'client-request-id': clientRequestId ?? requestId, ...(out.headers ?? {}) };
    let payload: Buffer | string | undefined;
    if (out.body === undefined) payload = undefined;
    else if (Buffer.isBuffer(out.body)) payload = out.body;
    else if (typeof out.body === 'string') {
      payload = out.body;
      headers['Content-Type'] ??= 'text/plain';
    } else {
      payload = JSON.stringify(out.body);
      headers['Content-Type'] = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
    }
    res.writeHead(out.status, headers);
    res.end(payload);
  }

  async function admin(path: string, method: string, body: unknown): Promise<Res> {
    const name = path.replace(/^\/__emulator\/?/, '');
    const a = deps.admin as Record<string, (...args: unknown[]) => unknown>;
    if (method === 'GET' && name === 'counters') return { status: 200, body: a.counters!() };
    if (method === 'GET' && name === 'mailboxes') return { status: 200, body: a.mailboxes!() };
    const fn = a[name];
    if (method !== 'POST' || typeof fn !== 'function') {
      return { status: 404, body: { error: { code: 'NotFound', message: `Unknown admin operation '${name}'. POST /__emulator/<operation> with a JSON array of arguments; the answer is {"result": …}.` } } };
    }
    const args = Array.isArray(body) ? body : body === null || body === undefined ? [] : [body];
    try {
      const result = await fn(...args);
      return { status: 200, body: result === undefined ? { ok: true } : { result } };
    } catch (err) {
      return { status: 400, body: { error: { code: 'BadRequest', message: err instanceof Error ? err.message : String(err) } } };
    }
  }

  /** The Graph pipeline without a socket: same auth, throttling, counters and handlers. */
  async function inject(method: string, pathAndQuery: string, headers: Record<string, string> = {}, body: unknown = null): Promise<Res> {
    const url = new URL(pathAndQuery, core.url);
    const lower: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v;
    const path = url.pathname.replace(/^\/v1\.0/, '') || '/';
    return dispatch({ method, path, query: url.searchParams, headers: lower, body, raw: Buffer.alloc(0) }, randomUUID());
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const requestId = randomUUID();
    const clientRequestId = req.headers['client-request-id'] as string | undefined;
    try {
      const url = new URL(req.url ?? '/', core.url);
      const raw = await readBody(req);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const ctype = headers['content-type'] ?? '';
      const tokenPath = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
      if (tokenPath && req.method === 'POST') {
        return send(res, issueToken(new URLSearchParams(raw.toString('utf8')), decodeURIComponent(tokenPath[1]!)), requestId, clientRequestId);
      }
      let body: unknown = null;
      if (raw.length && /json/i.test(ctype)) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          return send(res, { status: 400, body: errorBody('BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.', requestId, clientRequestId, core.now()) }, requestId, clientRequestId);
        }
      }
      if (url.pathname.startsWith('/__emulator')) return send(res, await admin(url.pathname, req.method ?? 'GET', body), requestId, clientRequestId);
      const up = /^\/__upload\/([^/]+)$/.exec(url.pathname);
      if (up && req.method === 'PUT') {
        try {
          const session = core.pages.get('u:' + up[1]) as { mailbox?: Mailbox } | undefined;
          if (session?.mailbox) throttle.chargeUpload(session.mailbox.id, raw.length);
          count(core.counters.kinds, 'upload');
          return send(res, uploadChunk(core, up[1]!, headers, raw), requestId, clientRequestId);
        } catch (err) {
          if (err instanceof GraphError) return send(res, { status: err.status, headers: err.headers, body: errorBody(err.code, err.message, requestId, clientRequestId, core.now()) }, requestId, clientRequestId);
          throw err;
        }
      }
      if (!url.pathname.startsWith('/v1.0')) {
        return send(res, { status: 404, body: errorBody('BadRequest', 'Only /v1.0 is emulated.', requestId, clientRequestId, core.now()) }, requestId, clientRequestId);
      }
      // Client.init wants the host as baseUrl; given emu.baseUrl (…/v1.0) it doubles the version
      // segment, which is accepted so either configuration works
      const path = url.pathname.slice('/v1.0'.length).replace(/^\/v1\.0(?=\/|$)/, '') || '/';
      const out = await dispatch({ method: req.method ?? 'GET', path, query: url.searchParams, headers, body, raw }, requestId);
      send(res, out, requestId, clientRequestId);
    } catch (err) {
      const e = err instanceof GraphError ? err : new GraphError(500, 'InternalServerError', err instanceof Error ? err.message : String(err));
      if (!res.headersSent) send(res, { status: e.status, body: errorBody(e.code, e.message, requestId, clientRequestId, core.now()) }, requestId, clientRequestId);
      else res.destroy();
    }
  }

  return { handle, inject, issueToken: (form: URLSearchParams) => issueToken(form, core.tenantId) };
}
