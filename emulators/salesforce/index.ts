// The emulated Salesforce org: a real HTTP server on loopback that jsforce 3 talks to unchanged
// (OAuth, SOAP login, REST, CometD streaming), plus an admin API under /__emulator/ and the same
// admin operations in process. `startSalesforceEmulator(options)` → handle with `close()`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAdmin, type Admin } from './admin.ts';
import { createCounters, endpointKey } from './counters.ts';
import { SfError } from './errors.ts';
import { to18 } from './ids.ts';
import { readMetadata } from './metadata.ts';
import { oauthToken, publicKeyFrom, soapLogin, type UserDirectory } from './oauth.ts';
import { Org, type WriteContext } from './org.ts';
import { createRest, type Reply } from './rest.ts';
import { addField, findObject, makeSchema } from './schema.ts';
import { bearer, Sessions } from './sessions.ts';
import { standardObjects } from './standard-objects.ts';
import { createStreaming } from './streaming.ts';
import { parseBlobRequest } from './multipart.ts';

export type { Admin } from './admin.ts';
export type { CounterSnapshot } from './counters.ts';

export interface SalesforceEmulatorOptions {
  port?: number;
  host?: string;
  clock?: () => number;
  /** Idle time after which a session is invalid (default 2 h). */
  sessionTtlMs?: number;
  /** Delay added to every REST/OAuth call. */
  latencyMs?: number;
  seed?: 'none' | 'small' | 'large';
  /** Where the package's objects live; several dirs are merged (default force-app/main/default/objects). */
  schemaDir?: string | string[];
  /** Daily API request allowance (default 100,000). */
  dailyApiRequests?: number;
  /** PEM certificate or public key of the connected app, for the JWT bearer flow. */
  jwtCertificate?: string;
  /** CometD long-poll hold in seconds (default 110 like Salesforce; tests may lower it). */
  streamingTimeoutSec?: number;
  username?: string;
  password?: string;
  clientId?: string;
  clientSecret?: string;
}

export interface EmulatorUser {
  id: string;
  username: string;
  password: string;
  email: string;
  name: string;
}

export interface SalesforceEmulator {
  url: string;
  loginUrl: string;
  instanceUrl: string;
  port: number;
  apiVersion: '60.0';
  credentials: { username: string; password: string; clientId: string; clientSecret: string };
  orgId: string;
  adminUserId: string;
  users: EmulatorUser[];
  admin: Admin;
  close(): Promise<void>;
}

const API_VERSION = '60.0';
const HERE = fileURLToPath(new URL('.', import.meta.url));
export const DEFAULT_SCHEMA_DIR = resolve(HERE, '../../force-app/main/default/objects');

export async function startSalesforceEmulator(options: SalesforceEmulatorOptions = {}): Promise<SalesforceEmulator> {
  const baseClock = options.clock ?? Date.now;
  let clockOffset = 0;
  const clock = (): number => baseClock() + clockOffset;
  const orgId = to18('00D5g0000SCCemu');

  const dirs = ([] as string[]).concat(options.schemaDir ?? DEFAULT_SCHEMA_DIR);
  const meta = readMetadata(dirs);
  const objects = standardObjects();
  const schema = makeSchema([...objects, ...meta.customObjects]);
  for (const { object, field } of meta.standardFields) {
    const obj = findObject(schema, object);
    if (obj) addField(obj, field);
  }
  const org = new Org({ schema, clock, autoNumbers: meta.autoNumbers });
  const sessions = new Sessions(clock, options.sessionTtlMs ?? 2 * 3_600_000, orgId);
  const counters = createCounters();
  const rest = createRest(org);
  let baseUrl = '';
  let jwtKey: KeyObject | undefined = options.jwtCertificate ? publicKeyFrom(options.jwtCertificate) : undefined;

  const passwords = new Map<string, { id: string; password: string }>();
  const users: EmulatorUser[] = [];
  const directory: UserDirectory = {
    byUsername(username) {
      const p = passwords.get(username.toLowerCase());
      if (!p) return undefined;
      const rec = org.table(org.object('User')).get(p.id);
      return rec ? { id: p.id, password: p.password, active: rec.IsActive !== false } : undefined;
    },
    defaultIntegrationUser: () => users[0]!.id,
  };

  const streaming = createStreaming({ org, sessions, counters, apiVersion: API_VERSION, timeoutSec: options.streamingTimeoutSec });
  org.onChange(streaming.onChanges);

  const state = {
    latencyMs: options.latencyMs ?? 0,
    dailyMax: options.dailyApiRequests ?? 100_000,
    used: 0,
    usageDay: Math.floor(clock() / 86_400_000),
  };

  const admin = createAdmin({
    org, sessions, counters, streaming, rest, users, passwords, state, orgId, apiVersion: API_VERSION,
    seed: options.seed ?? 'none',
    advance: (ms) => { clockOffset += ms; },
    clock,
    setJwtCertificate: (pem) => { jwtKey = pem ? publicKeyFrom(pem) : undefined; },
    defaultCredentials: {
      username: options.username ?? 'admin@smartcloud-connect.example',
      password: options.password ?? 'emulator-Passw0rd',
    },
  });
  admin.reset();

  const credentials = {
    username: users[0]!.username,
    password: users[0]!.password,
    clientId: options.clientId ?? '3MVG9SmartCloudConnectEmulatorClientId',
    clientSecret: options.clientSecret ?? 'emulator-client-secret-0123456789',
  };

  const loginCfg = {
    orgId, clientId: credentials.clientId, clientSecret: credentials.clientSecret, apiVersion: API_VERSION,
    baseUrl: () => baseUrl, clock, sessions, users: directory, jwtKey: () => jwtKey,
  };

  const limitsBody = (): Record<string, { Max: number; Remaining: number }> => ({
    DailyApiRequests: { Max: state.dailyMax, Remaining: Math.max(0, state.dailyMax - state.used) },
    DailyStreamingApiEvents: { Max: 1_000_000, Remaining: 1_000_000 },
    DailyDeliveredPlatformEvents: { Max: 50_000, Remaining: 50_000 },
    DataStorageMB: { Max: 1024, Remaining: Math.max(0, 1024 - Math.ceil(org.count() * 2 / 1024)) },
    FileStorageMB: { Max: 1024, Remaining: 1024 },
    ConcurrentSyncLongRunningRequests: { Max: 10, Remaining: 10 },
    DailyBulkV2QueryJobs: { Max: 10_000, Remaining: 10_000 },
  });

  const countApiCall = (weight = 1): void => {
    const day = Math.floor(clock() / 86_400_000);
    if (day !== state.usageDay) {
      state.usageDay = day;
      state.used = 0;
    }
    state.used += weight;
    for (let i = 0; i < weight; i++) counters.apiCall();
  };

  const send = (res: ServerResponse, reply: Reply, extraHeaders: Record<string, string> = {}): void => {
    const headers: Record<string, string> = { ...extraHeaders, ...(reply.headers ?? {}) };
    if (reply.raw) {
      res.writeHead(reply.status, headers);
      res.end(reply.raw);
      return;
    }
    if (reply.body === undefined) {
      res.writeHead(reply.status, headers);
      res.end();
      return;
    }
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    headers['content-type'] ??= typeof reply.body === 'string' ? 'text/plain; charset=UTF-8' : 'application/json;charset=UTF-8';
    res.writeHead(reply.status, headers);
    res.end(text);
  };

  const readBody = (req: IncomingMessage): Promise<Buffer> => new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => ok(Buffer.concat(chunks)));
    req.on('error', fail);
  });

  const delay = (): Promise<void> | undefined => (state.latencyMs > 0 ? new Promise((ok) => setTimeout(ok, state.latencyMs)) : undefined);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', baseUrl);
    const path = url.pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    if (path.startsWith('/cometd/')) {
      streaming.handle(req, res);
      return;
    }
    const body = await readBody(req);
    if (path.startsWith('/__emulator')) {
      send(res, await admin.http(method, path.slice('/__emulator'.length), url.searchParams, body));
      return;
    }
    const endpoint = endpointKey(method, path);
    counters.request(endpoint);
    await delay();

    if (path === '/services/oauth2/token' && method === 'POST') {
      counters.bump('login');
      const fault = admin.takeFault(method, path, 'login');
      if (fault) return send(res, { status: fault.status, body: { error: fault.errorCode.toLowerCase(), error_description: fault.message } });
      const r = oauthToken(loginCfg, new URLSearchParams(body.toString('utf8')));
      return send(res, r);
    }
    if (path === '/services/oauth2/revoke' && method === 'POST') {
      const token = new URLSearchParams(body.toString('utf8')).get('token') ?? url.searchParams.get('token') ?? '';
      sessions.revoke(token);
      return send(res, { status: 200 });
    }
    const soap = /^\/services\/Soap\/u\/(\d+\.\d)(?:\/.*)?$/.exec(path);
    if (soap && method === 'POST') {
      counters.bump('login');
      const fault = admin.takeFault(method, path, 'login');
      if (fault) return send(res, { status: 500, body: `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>sf:${fault.errorCode}</faultcode><faultstring>${fault.errorCode}: ${fault.message}</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`, headers: { 'content-type': 'text/xml; charset=utf-8' } });
      const r = soapLogin(loginCfg, body.toString('utf8'), soap[1]!);
      return send(res, { status: r.status, body: r.body, headers: { 'content-type': 'text/xml; charset=utf-8' } });
    }
    const identity = /^\/id\/(\w+)\/(\w+)$/.exec(path);
    if (identity) {
      counters.bump('identity');
      const session = sessions.validate(bearer(req.headers.authorization));
      if (!session) return send(res, { status: 403, body: 'Bad_OAuth_Token' });
      const user = users.find((u) => u.id === identity[2]) ?? users[0]!;
      return send(res, {
        status: 200,
        body: {
          id: `${baseUrl}${path}`, user_id: user.id, organization_id: orgId, username: user.username, email: user.email,
          display_name: user.name, active: true, user_type: 'STANDARD', language: 'en_US', locale: 'en_US', utcOffset: 0,
          urls: { rest: `${baseUrl}/services/data/v{version}/`, sobjects: `${baseUrl}/services/data/v{version}/sobjects/`, query: `${baseUrl}/services/data/v{version}/query/` },
        },
      });
    }
    if (path === '/services/data' || path === '/services/data/') {
      return send(res, { status: 200, body: ['58.0', '59.0', '60.0', '61.0', '62.0'].map((v) => ({ label: `v${v}`, url: `/services/data/v${v}`, version: v })) });
    }
    const data = /^\/services\/data\/v(\d+\.\d)(?:\/(.*))?$/.exec(path);
    if (!data) return send(res, { status: 404, body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] });
    const v = data[1]!;
    const parts = (data[2] ?? '').split('/').filter(Boolean).map(decodeURIComponent);
    const kind = classify(method, parts);
    const limitHeader = (): Record<string, string> => ({ 'sforce-limit-info': `api-usage=${state.used}/${state.dailyMax}` });
    const session = sessions.validate(bearer(req.headers.authorization));
    if (!session) {
      return send(res, { status: 401, body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }] }, limitHeader());
    }
    counters.bump(kind);
    if (kind.startsWith('composite')) counters.bump('composite');
    if (state.used >= state.dailyMax) {
      return send(res, { status: 403, body: [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }] }, limitHeader());
    }
    countApiCall();
    const fault = admin.takeFault(method, path, kind);
    if (fault) {
      const headers = limitHeader();
      if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
      return send(res, { status: fault.status, body: [{ message: fault.message, errorCode: fault.errorCode }] }, headers);
    }
    let json: unknown;
    if (body.length) {
      try {
        json = parseBlobRequest(req.headers['content-type'], body) ?? JSON.parse(body.toString('utf8'));
      } catch {
        return send(res, { status: 400, body: [{ message: 'Unexpected character in JSON body', errorCode: 'JSON_PARSER_ERROR' }] }, limitHeader());
      }
    }
    // composite/batch: "Each subrequest counts against rate limits" (the batch was counted as one above);
    // a composite request (POST /composite) counts as one call whatever it holds
    if (kind === 'compositeBatch') {
      const subrequests = Array.isArray((json as { batchRequests?: unknown } | undefined)?.batchRequests) ? (json as { batchRequests: unknown[] }).batchRequests.length : 0;
      if (subrequests > 1) countApiCall(Math.min(subrequests, 25) - 1);
    }
    const callClient = /client=([^,;\s]+)/.exec(String(req.headers['sforce-call-options'] ?? ''))?.[1];
    const ctx: WriteContext = { userId: session.userId, origin: `com/salesforce/api/rest/${v}${callClient ? `;client=${callClient}` : ''}` };
    const batchHeader = /batchSize=(\d+)/i.exec(String(req.headers['sforce-query-options'] ?? ''))?.[1];
    const batchSize = batchHeader ? Math.min(2000, Math.max(200, Number(batchHeader))) : 2000;
    try {
      const reply = await rest.dispatch({
        org, v, ctx, batchSize,
        // subrequests: `sub:<kind>` inside a composite request, `batch:<kind>` inside a batch
        kind: (k) => { if (k !== kind) counters.bump(`${kind === 'compositeRequest' ? 'sub' : 'batch'}:${k}`); },
        records: (what, n) => counters.records(what, n),
        limits: limitsBody,
        // a fault rule whose kind names a subrequest's (query, describe, …) fails that subrequest alone
        subFault: (subMethod, subPath, subParts) => {
          const f = admin.takeFault(subMethod, subPath, classify(subMethod, subParts), true);
          return f ? { status: f.status, body: [{ message: f.message, errorCode: f.errorCode }] } : undefined;
        },
      }, method, parts, url.searchParams, json);
      // an applied request whose answer is held (admin.holdAnswers): the caller's timeout fires first
      const holdMs = admin.takeHold(method, path, kind);
      if (holdMs > 0) await new Promise((ok) => setTimeout(ok, holdMs));
      send(res, reply, limitHeader());
    } catch (e) {
      if (e instanceof SfError) return send(res, { status: e.status, body: e.body() }, limitHeader());
      send(res, { status: 500, body: [{ message: `An unexpected error occurred: ${(e as Error).message}`, errorCode: 'UNKNOWN_EXCEPTION' }] }, limitHeader());
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, { status: 500, body: [{ message: String((e as Error).message), errorCode: 'UNKNOWN_EXCEPTION' }] });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, host, () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${host}:${port}`;

  return {
    url: baseUrl, loginUrl: baseUrl, instanceUrl: baseUrl, port, apiVersion: API_VERSION, credentials, orgId,
    adminUserId: users[0]!.id, users, admin,
    async close() {
      streaming.close();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

/** The API-call kind of a REST request, for counters and fault matching. */
export function classify(method: string, parts: string[]): string {
  const [head, a, b, c] = parts;
  if (!head) return 'resources';
  if (head === 'limits') return 'limits';
  if (head === 'query' || head === 'queryAll') return a ? 'queryMore' : head;
  if (head === 'composite') {
    if (a === 'batch') return 'compositeBatch';
    if (a === 'sobjects') {
      if (method === 'POST' && !b) return 'compositeCreate';
      if (method === 'PATCH') return b ? 'compositeUpsert' : 'compositeUpdate';
      if (method === 'DELETE') return 'compositeDelete';
      return 'compositeRetrieve';
    }
    return !a && method === 'POST' ? 'compositeRequest' : 'composite';
  }
  if (head === 'sobjects') {
    if (!a) return 'describeGlobal';
    if (!b) return method === 'POST' ? 'create' : 'describe';
    if (b === 'describe') return 'describe';
    if (b === 'updated') return 'getUpdated';
    if (b === 'deleted') return 'getDeleted';
    if (c) return method === 'PATCH' || method === 'POST' ? 'upsert' : method === 'DELETE' ? 'delete' : /^[a-zA-Z0-9]{15,18}$/.test(b) ? 'blob' : 'retrieve';
    return method === 'PATCH' ? 'update' : method === 'DELETE' ? 'delete' : 'retrieve';
  }
  return 'other';
}
