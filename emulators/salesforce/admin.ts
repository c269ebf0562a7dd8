// Test and benchmark control of the emulator, in process (`emu.admin.*`) and over HTTP under
// /__emulator/: reset and seed, latency, clock, fault injection, session expiry, streaming
// faults and gap events, counters, API limits, and "a user edits in Salesforce" writes whose
// change events carry an empty changeOrigin like UI edits.
import type { Counters, CounterSnapshot } from './counters.ts';
import { SfError } from './errors.ts';
import type { Org, Rec, WriteContext } from './org.ts';
import { execute, prepare, shapeRow } from './query.ts';
import type { Reply } from './rest.ts';
import type { createRest } from './rest.ts';
import { createIdFactory } from './ids.ts';
import { findObject, type ObjectDef } from './schema.ts';
import { seedOrg, type SeedSize } from './seed.ts';
import type { Sessions } from './sessions.ts';
import type { Streaming } from './streaming.ts';
import { formatDateTime, parseDateTime } from './values.ts';

export interface FaultRule {
  /** HTTP method to match (any when absent). */
  method?: string;
  /** Substring of the request path to match (any when absent). */
  path?: string;
  /** API-call kind to match: query, queryMore, create, update, upsert, delete, compositeCreate, login, … */
  kind?: string;
  /** How many matching requests fail (default 1). */
  count?: number;
  status?: number;
  errorCode?: string;
  message?: string;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
}

interface ActiveFault {
  rule: FaultRule;
  remaining: number;
  status: number;
  errorCode: string;
  message: string;
  retryAfter?: number;
}

export interface AdminDeps {
  org: Org;
  sessions: Sessions;
  counters: Counters;
  streaming: Streaming;
  rest: ReturnType<typeof createRest>;
  users: Array<{ id: string; username: string; password: string; email: string; name: string }>;
  passwords: Map<string, { id: string; password: string }>;
  state: { latencyMs: number; dailyMax: number; used: number };
  orgId: string;
  apiVersion: string;
  seed: SeedSize;
  advance: (ms: number) => void;
  clock: () => number;
  setJwtCertificate: (pem: string | undefined) => void;
  defaultCredentials: { username: string; password: string };
}

export interface NewUser {
  username?: string;
  password?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
}

export interface WriteOptions {
  /** The Salesforce user making the edit (default: the admin user). */
  asUserId?: string;
}

function matchesRule(rule: Pick<FaultRule, 'method' | 'path' | 'kind'>, method: string, path: string, kind: string): boolean {
  return (!rule.method || rule.method.toUpperCase() === method) && (!rule.path || path.includes(rule.path)) && (!rule.kind || rule.kind === kind);
}

export function createAdmin(d: AdminDeps) {
  const { org } = d;
  let faults: ActiveFault[] = [];
  let holds: Array<{ rule: Pick<FaultRule, 'method' | 'path' | 'kind'> & { holdMs: number }; remaining: number }> = [];
  let userCount = 0;

  const uiContext = (opts?: WriteOptions): WriteContext => ({ userId: opts?.asUserId ?? d.users[0]?.id ?? '', origin: '' });

  const createUser = (u: NewUser = {}): { id: string; username: string; password: string } => {
    userCount++;
    const first = u.firstName ?? (userCount === 1 ? 'Admin' : `User${userCount}`);
    const last = u.lastName ?? (userCount === 1 ? 'Emulator' : 'Emulated');
    const username = u.username ?? `user${userCount}@smartcloud-connect.example`;
    const password = u.password ?? `emulator-Passw0rd-${userCount}`;
    const email = u.email ?? username;
    const userObj = org.object('User');
    const ctxUser = d.users[0]?.id;
    const id = org.atomic({ userId: ctxUser ?? '', origin: '' }, (tx) => org.create(userObj, {
      Username: username, Email: email, FirstName: first, LastName: last, Alias: `${first}`.slice(0, 8),
    }, tx));
    // The first user is its own creator.
    if (!ctxUser) Object.assign(org.table(userObj).get(id)!, { CreatedById: id, LastModifiedById: id });
    d.passwords.set(username.toLowerCase(), { id, password });
    d.users.push({ id, username, password, email, name: `${first} ${last}` });
    return { id, username, password };
  };

  const insertOrganization = (): void => {
    const obj = org.object('Organization');
    const now = d.clock();
    org.table(obj).set(d.orgId, {
      Id: d.orgId, IsDeleted: false, Name: 'SmartCloud Connect Emulated Org', OrganizationType: 'Enterprise Edition',
      IsSandbox: false, InstanceName: 'EMU1', TimeZoneSidKey: 'GMT', CreatedDate: now, LastModifiedDate: now, SystemModstamp: now,
      CreatedById: d.users[0]?.id, LastModifiedById: d.users[0]?.id,
    });
  };

  // Records the platform writes itself (OauthToken): read-only over REST, so seeded here directly.
  // Ids come from a pod of their own so they never collide with the org's.
  const systemId = createIdFactory('5s');
  const insertSystemRecord = (obj: ObjectDef, record: Rec): string => {
    const id = systemId(obj.keyPrefix);
    const rec: Rec = { Id: id, IsDeleted: false, CreatedDate: d.clock() };
    for (const [key, value] of Object.entries(record)) {
      const field = obj.fields.get(obj.fieldIndex.get(key.toLowerCase()) ?? '');
      if (!field || field.name === 'Id') throw new SfError('INVALID_FIELD', `No such column '${key}' on entity '${obj.name}'`, [key], 400);
      if (value === null || value === undefined) continue;
      if (field.type === 'datetime') {
        const ms = typeof value === 'number' ? value : parseDateTime(String(value));
        if (ms === undefined) throw new SfError('INVALID_FIELD', `${field.name}: value not of required type: ${String(value)}`, [field.name], 400);
        rec[field.name] = ms;
      } else {
        rec[field.name] = value;
      }
    }
    org.table(obj).set(id, rec);
    return id;
  };

  const seed = (size: SeedSize): void => {
    org.atomic(uiContext(), (tx) => seedOrg(org, tx, size, d.users.map((u) => u.id), d.clock()));
  };

  const admin = {
    /** Empties the org, recreates the users and the configured seed; sessions stay valid. */
    reset(): void {
      org.clear();
      d.rest.clear();
      d.streaming.reset();
      d.passwords.clear();
      d.users.length = 0;
      userCount = 0;
      faults = [];
      holds = [];
      createUser({ username: d.defaultCredentials.username, password: d.defaultCredentials.password, firstName: 'Admin', lastName: 'Emulator' });
      createUser({ firstName: 'Sam', lastName: 'Seller', username: 'sam.seller@smartcloud-connect.example' });
      createUser({ firstName: 'Pat', lastName: 'Planner', username: 'pat.planner@smartcloud-connect.example' });
      insertOrganization();
      seed(d.seed);
      d.counters.reset();
    },
    seed,
    setLatency(ms: number): void {
      d.state.latencyMs = ms;
    },
    advanceClock(ms: number): number {
      d.advance(ms);
      d.streaming.pruneAll();
      return d.clock();
    },
    now: (): number => d.clock(),
    /** The next `count` requests matching the rule fail with the given status and error code. */
    fault(rule: FaultRule): void {
      faults.push({
        rule, remaining: rule.count ?? 1, status: rule.status ?? 503,
        errorCode: rule.errorCode ?? (rule.status === 401 ? 'INVALID_SESSION_ID' : 'SERVER_UNAVAILABLE'),
        message: rule.message ?? (rule.status === 401 ? 'Session expired or invalid' : 'Service temporarily unavailable (injected fault)'),
        retryAfter: rule.retryAfter,
      });
    },
    clearFaults(): void {
      faults = [];
      holds = [];
    },
    /**
     * The next `count` requests matching the rule are applied, then answered only after
     * `holdMs`: a caller whose timeout is shorter cannot know the outcome (the write happened).
     */
    holdAnswers(rule: Pick<FaultRule, 'method' | 'path' | 'kind'> & { count?: number; holdMs: number }): void {
      if (!(rule.holdMs > 0 && rule.holdMs <= 120_000)) throw new Error('holdMs must be in (0, 120000]');
      holds.push({ rule, remaining: rule.count ?? 1 });
    },
    /** How long to hold this applied request's answer (consuming one use), else 0. */
    takeHold(method: string, path: string, kind: string): number {
      const hit = holds.find((h) => matchesRule(h.rule, method, path, kind));
      if (!hit) return 0;
      hit.remaining--;
      if (hit.remaining <= 0) holds = holds.filter((h) => h !== hit);
      return hit.rule.holdMs;
    },
    /** The next fault for a request; `subrequest`: only rules naming a kind apply (a composite's subrequests). */
    takeFault(method: string, path: string, kind: string, subrequest = false): ActiveFault | undefined {
      const hit = faults.find((f) => (!subrequest || f.rule.kind !== undefined) && matchesRule(f.rule, method, path, kind));
      if (!hit) return undefined;
      hit.remaining--;
      if (hit.remaining <= 0) faults = faults.filter((f) => f !== hit);
      return hit;
    },
    /** Every session expires now; jsforce refreshes on the next 401. */
    expireSessions(): number {
      return d.sessions.expireAll();
    },
    /**
     * Drop or duplicate the next N live streaming deliveries; or hold the next `reverse` change
     * events (of `reverseObject` only, when given) and deliver them newest first; `delayMs` sets
     * a fixed delay on every live delivery from now on (0 turns it off).
     */
    streamingFault(f: { drop?: number; duplicate?: number; reverse?: number; reverseObject?: string; delayMs?: number }): void {
      if (f.delayMs !== undefined) d.streaming.faults.delayMs = Math.max(0, f.delayMs);
      d.streaming.faults.drop += f.drop ?? 0;
      d.streaming.faults.duplicate += f.duplicate ?? 0;
      if (f.reverse) {
        d.streaming.faults.reverse += f.reverse;
        if (f.reverseObject) d.streaming.faults.reverseObject = f.reverseObject;
        else delete d.streaming.faults.reverseObject;
      }
    },
    /** Delivers the events still held by a `reverse` fault, newest first; returns how many. */
    releaseHeldEvents(): number {
      d.streaming.faults.reverse = 0;
      return d.streaming.releaseHeld();
    },
    /** Forget all CometD clients: their next poll gets 403::Unknown client and re-handshakes. */
    dropStreamingClients(): number {
      return d.streaming.dropClients();
    },
    /** Emits GAP_CREATE/GAP_UPDATE/GAP_DELETE/GAP_UNDELETE (with ids) or GAP_OVERFLOW (without). */
    emitGap(g: { sobject: string; changeType: string; recordIds?: string[] }): number {
      const obj = findObject(org.schema, g.sobject);
      if (!obj || !obj.cdc) throw new SfError('INVALID_TYPE', `no change events for ${g.sobject}`);
      if (!/^GAP_(CREATE|UPDATE|DELETE|UNDELETE|OVERFLOW)$/.test(g.changeType)) throw new SfError('INVALID_TYPE', `bad gap type ${g.changeType}`);
      return d.streaming.emitGap(obj, g.changeType, g.recordIds ?? [], d.users[0]!.id);
    },
    lastReplayId: (): number => d.streaming.lastReplayId(),
    counters: (): CounterSnapshot => d.counters.snapshot(),
    resetCounters(): void {
      d.counters.reset();
    },
    setApiLimit(limit: { max?: number; used?: number }): void {
      if (limit.max !== undefined) d.state.dailyMax = limit.max;
      if (limit.used !== undefined) d.state.used = limit.used;
    },
    setJwtCertificate(pem: string | undefined): void {
      d.setJwtCertificate(pem);
    },
    createUser,
    insert(sobject: string, record: Rec, opts?: WriteOptions): string {
      const obj = org.object(sobject);
      if (!obj.createable) return insertSystemRecord(obj, record);
      return org.atomic(uiContext(opts), (tx) => org.create(obj, record, tx));
    },
    update(sobject: string, id: string, fields: Rec, opts?: WriteOptions): void {
      const obj = org.object(sobject);
      org.atomic(uiContext(opts), (tx) => org.update(obj, id, fields, tx));
    },
    delete(sobject: string, id: string, opts?: WriteOptions): void {
      const obj = org.object(sobject);
      org.atomic(uiContext(opts), (tx) => org.delete(obj, id, tx));
    },
    undelete(sobject: string, id: string, opts?: WriteOptions): void {
      const obj = org.object(sobject);
      org.atomic(uiContext(opts), (tx) => org.undelete(obj, id, tx));
    },
    /** Runs SOQL without counting an API call; rows in REST shape. includeDeleted = queryAll. */
    query(soql: string, opts: { includeDeleted?: boolean } = {}): Rec[] {
      const q = prepare(org, soql, d.apiVersion);
      return execute(org, q, { includeDeleted: opts.includeDeleted ?? false }).map((rec) => shapeRow(org, q, rec));
    },
    /** A stored record in REST shape (datetimes formatted), deleted or not; undefined if unknown. */
    get(id: string): Rec | undefined {
      const hit = org.find(id);
      if (!hit) return undefined;
      const out: Rec = { attributes: { type: hit.obj.name } };
      for (const f of hit.obj.fields.values()) {
        const v = hit.rec[f.name];
        out[f.name] = v === undefined ? null : f.type === 'datetime' ? formatDateTime(v as number) : Buffer.isBuffer(v) ? v.toString('base64') : v;
      }
      return out;
    },
    recordCount: (): number => org.count(),
    info() {
      return { orgId: d.orgId, apiVersion: d.apiVersion, now: d.clock(), latencyMs: d.state.latencyMs, users: d.users.map(({ password: _p, ...u }) => u), objects: [...org.schema.objects.keys()] };
    },

    async http(method: string, path: string, params: URLSearchParams, raw: Buffer): Promise<Reply> {
      let body: Rec = {};
      try {
        body = raw.length ? (JSON.parse(raw.toString('utf8')) as Rec) : {};
      } catch {
        return { status: 400, body: { error: 'body must be JSON' } };
      }
      const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
      const opts = { asUserId: typeof body.asUserId === 'string' ? body.asUserId : undefined };
      const fields = (body.fields ?? body.record ?? {}) as Rec;
      try {
        const route = `${method} ${parts[0] ?? ''}${parts[1] ? `/${parts[1]}` : ''}`;
        switch (route) {
          case 'GET ': case 'GET info': return { status: 200, body: admin.info() };
          case 'POST reset': admin.reset(); return { status: 200, body: { ok: true } };
          case 'POST seed': seed((body.size as SeedSize | undefined) ?? 'small'); return { status: 200, body: { records: org.count() } };
          case 'POST latency': admin.setLatency(Number(body.ms ?? 0)); return { status: 200, body: { latencyMs: d.state.latencyMs } };
          case 'GET clock': return { status: 200, body: { now: d.clock(), iso: new Date(d.clock()).toISOString() } };
          case 'POST clock/advance': return { status: 200, body: { now: admin.advanceClock(Number(body.ms ?? 0)) } };
          case 'POST faults': admin.fault(body as FaultRule); return { status: 200, body: { ok: true, active: faults.length } };
          case 'DELETE faults': admin.clearFaults(); return { status: 200, body: { ok: true } };
          case 'POST sessions/expire': return { status: 200, body: { expired: admin.expireSessions() } };
          case 'POST streaming/faults': admin.streamingFault(body as { drop?: number; duplicate?: number; reverse?: number; reverseObject?: string; delayMs?: number }); return { status: 200, body: { ...d.streaming.faults } };
          case 'POST streaming/release': return { status: 200, body: { released: admin.releaseHeldEvents() } };
          case 'POST streaming/drop-clients': return { status: 200, body: { dropped: admin.dropStreamingClients() } };
          case 'POST streaming/gap': return { status: 200, body: { replayId: admin.emitGap(body as { sobject: string; changeType: string; recordIds?: string[] }) } };
          case 'GET counters': return { status: 200, body: admin.counters() };
          case 'POST counters/reset': admin.resetCounters(); return { status: 200, body: { ok: true } };
          case 'POST limits': admin.setApiLimit({ max: body.dailyApiRequests as number | undefined, used: body.used as number | undefined }); return { status: 200, body: { max: d.state.dailyMax, used: d.state.used } };
          case 'POST jwt-certificate': admin.setJwtCertificate(body.pem as string | undefined); return { status: 200, body: { ok: true } };
          case 'POST users': return { status: 201, body: admin.createUser(body as NewUser) };
          case 'GET users': return { status: 200, body: d.users.map(({ password: _p, ...u }) => u) };
          case 'GET query': return { status: 200, body: admin.query(params.get('q') ?? '', { includeDeleted: params.get('all') === 'true' }) };
        }
        if (parts[0] === 'records' && parts[1]) {
          const [, sobject, id, action] = parts;
          if (method === 'POST' && !id) return { status: 201, body: { id: admin.insert(sobject!, fields, opts) } };
          if (method === 'PATCH' && id) { admin.update(sobject!, id, fields, opts); return { status: 200, body: { ok: true } }; }
          if (method === 'DELETE' && id) { admin.delete(sobject!, id, opts); return { status: 200, body: { ok: true } }; }
          if (method === 'POST' && id && action === 'undelete') { admin.undelete(sobject!, id, opts); return { status: 200, body: { ok: true } }; }
          if (method === 'GET' && id) {
            const rec = admin.get(id);
            return rec ? { status: 200, body: rec } : { status: 404, body: { error: 'not found' } };
          }
        }
        return { status: 404, body: { error: `unknown admin route ${method} ${path}` } };
      } catch (e) {
        if (e instanceof SfError) return { status: e.status, body: e.body() };
        throw e;
      }
    },
  };
  return admin;
}

export type Admin = ReturnType<typeof createAdmin>;
