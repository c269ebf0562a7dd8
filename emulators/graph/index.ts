// startGraphEmulator(options) → a Microsoft Graph v1.0 emulator for Exchange Online (contacts,
// calendar, To Do, mail, categories, extended properties, delta, $batch, subscriptions) over
// HTTPS on loopback, plus an in-process `admin` mirroring the HTTP admin API at /__emulator/.
//
// Client setup (the Graph connector does the same against real Graph minus the CA):
//   import { Agent } from 'undici';   // undici 6 package; Node 20's global fetch accepts its Agent
//   const dispatcher = new Agent({ connect: { ca: emu.caCert } });
//   Client.init({ authProvider, baseUrl: emu.baseUrl, customHosts: new Set(['localhost']),
//                 fetchOptions: { dispatcher } });
// The Graph client calls the global fetch, so `fetchOptions.dispatcher` is how a custom CA gets in;
// NODE_EXTRA_CA_CERTS=<caCertPath> at process start works as well. Send
// `Prefer: IdType="ImmutableId"` per request (headers option or a middleware).
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { guid, opaque } from './ids.ts';
import { loadTls } from './tls.ts';
import { createTenant } from './state.ts';
import { createThrottle } from './throttle.ts';
import { createFaults } from './faults.ts';
import { createSubscriptions } from './subscriptions.ts';
import { createHandler } from './server.ts';
import { addCoreRoutes } from './routes.ts';
import { addCalendarRoutes, createEvent } from './calendar.ts';
import { createAdmin, type Admin } from './admin.ts';
import type { Core, Counters } from './context.ts';

export type { Admin } from './admin.ts';
export type { FaultSpec, HoldSpec } from './faults.ts';

export interface GraphEmulatorOptions {
  port?: number;
  clock?: () => number;
  latencyMs?: number;
  tokenTtlMs?: number;
  seed?: 'none' | 'small' | 'large';
  requestBudgetPer10Min?: number;
  maxConcurrentPerMailbox?: number;
  uploadBytesPer5Min?: number;
  /** A receiver slower than this is retried (Graph: 3 s). */
  notificationTimeoutMs?: number;
  /** Delays between notification delivery attempts. */
  notificationRetryDelaysMs?: number[];
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
}

export interface GraphEmulator {
  url: string;
  baseUrl: string;
  tokenUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  caCertPath: string;
  caCert: string;
  admin: Admin;
  /**
   * Runs one Graph request through the full pipeline (auth, throttling, counters, handlers)
   * without a socket — for benchmarks and fast in-process tests. `path` starts with /v1.0/.
   */
  inject(method: string, path: string, headers?: Record<string, string>, body?: unknown): Promise<{ status: number; headers?: Record<string, string>; body?: unknown }>;
  close(): Promise<void>;
}

export async function startGraphEmulator(options: GraphEmulatorOptions = {}): Promise<GraphEmulator> {
  const tls = loadTls();
  let offset = 0;
  const baseClock = options.clock ?? Date.now;
  const now = () => baseClock() + offset;
  const tenantId = options.tenantId ?? guid();
  const clientId = options.clientId ?? guid();
  const clientSecret = options.clientSecret ?? 'emu~' + opaque(30);
  const counters: Counters = {
    endpoints: {}, mailboxes: {}, kinds: {}, sentInvitations: 0, sentInvitationsByMailbox: {},
    notificationsDelivered: 0, notificationAttempts: 0, throttled: 0,
  };
  const core: Core = {
    tenant: createTenant(now), now, url: '', baseUrl: '', tenantId, counters, pages: new Map(),
    faultState: { duplicateDeltaPages: 0 },
    countInvitations(mb, n) {
      counters.sentInvitations += n;
      counters.sentInvitationsByMailbox[mb.address] = (counters.sentInvitationsByMailbox[mb.address] ?? 0) + n;
    },
  };
  const app = { clientId, clientSecret, tokenTtlMs: options.tokenTtlMs ?? 3_600_000, latencyMs: options.latencyMs ?? 0 };
  const throttle = createThrottle({
    maxConcurrent: options.maxConcurrentPerMailbox ?? 4,
    budgetPer10Min: options.requestBudgetPer10Min ?? 10_000,
    uploadBytesPer5Min: options.uploadBytesPer5Min ?? 150 * 1024 * 1024,
  }, now);
  const faults = createFaults();
  const subscriptions = createSubscriptions(core, {
    notificationTimeoutMs: options.notificationTimeoutMs ?? 3000,
    retryDelaysMs: options.notificationRetryDelaysMs ?? [1000, 5000, 30_000, 120_000],
    validationTimeoutMs: 10_000,
    clientId,
  });
  const admin = createAdmin({
    core, faults, throttle, subscriptions,
    setLatency: (ms) => { app.latencyMs = ms; },
    advance: (ms) => { offset += ms; },
    createEvent: (mb, calendarId, body, organizerAction) => createEvent(core, mb, calendarId, body, organizerAction),
  });
  const pipeline = createHandler({
    core, app, faults, throttle, admin: admin as unknown as Record<string, unknown>,
    routes: (r) => {
      addCoreRoutes(r);
      addCalendarRoutes(r);
      subscriptions.routes(r);
    },
  });
  const server: Server = createServer({ cert: tls.cert, key: tls.key, keepAlive: true }, (req, res) => void pipeline.handle(req, res));
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  core.url = `https://localhost:${port}`;
  core.baseUrl = `${core.url}/v1.0`;
  admin.seed(options.seed ?? 'none');
  return {
    url: core.url,
    baseUrl: core.baseUrl,
    tokenUrl: `${core.url}/${tenantId}/oauth2/v2.0/token`,
    tenantId, clientId, clientSecret,
    caCertPath: tls.caCertPath,
    caCert: tls.caCert,
    admin,
    inject: pipeline.inject,
    async close() {
      subscriptions.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
