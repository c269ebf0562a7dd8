// startLocalStack(options) → both emulators, the store and the worker (runtime + web app) in
// this process, wired exactly as in production: jsforce with a password grant against the
// Salesforce emulator, the Graph client trusting the emulator's CA, the web app on
// 127.0.0.1:0 registered as the Graph notificationUrl. Used by the sandbox, the demo, e2e
// tests, the browser test, reliability runs and benchmarks. close() stops everything.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGraphEmulator, type GraphEmulator } from '../../emulators/graph/index.ts';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../emulators/salesforce/index.ts';
import { createGraphClient, type GraphClient } from '../../worker/src/graph/client.ts';
import { createApp } from '../../worker/src/http/app.ts';
import { createLogger, type Logger } from '../../worker/src/log.ts';
import { createRuntime, type Runtime, type RuntimeOptions } from '../../worker/src/runtime/runtime.ts';
import { connectSalesforce, type SalesforceConnection } from '../../worker/src/salesforce/connection.ts';
import { openStore } from '../../worker/src/store/store.ts';
import type { Store } from '../../worker/src/store/types.ts';

export type SeedSize = 'none' | 'small' | 'large';

export interface CustomSeed {
  /** The Salesforce emulator's sample data (default 'none'). */
  salesforce?: SeedSize;
  /** How many Salesforce users get a mailbox (default 1; users beyond the emulator's are created). */
  mailboxes?: number;
  plan?: 'Basic' | 'Professional' | 'Real-time';
  contactScope?: 'My Contacts' | 'All Contacts';
  /** Extra Mailbox_Sync__c fields (directions, Sync_*__c). */
  mailboxSync?: Record<string, string | boolean | number | null>;
}

export interface StackOptions {
  seed?: SeedSize | CustomSeed;
  /** Where the SQLite file lives (default: a new temp dir, removed on close). */
  dataDir?: string;
  /** Fixed ports for the Salesforce emulator, the Graph emulator and the worker (0 = any). */
  ports?: { salesforce?: number; graph?: number; worker?: number };
  latencyMs?: number;
  /** Graph's per-mailbox budget of requests per 10 minutes (the emulator's default: 10,000, as Exchange). */
  graphRequestBudgetPer10Min?: number;
  /** A store URL (e.g. postgres://…); default sqlite in dataDir. */
  storeUrl?: string;
  log?: Logger;
  /** Extra runtime options (poll/hint intervals, kinds, owner). */
  runtime?: Partial<RuntimeOptions>;
  /** Create Salesforce and Graph mailboxes, provision and subscribe (default true). */
  provision?: boolean;
  /** Start the scheduler loop and the CDC feed (default true). */
  start?: boolean;
}

/** A stack mailbox's Mailbox_Sync__c: contacts, tasks and email on, both ways, Real-time. */
export function stackMailboxSync(user: { id: string; email: string }, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    User__c: user.id,
    Mailbox_Address__c: user.email,
    Enabled__c: true,
    Status__c: 'New',
    Sync_Contacts__c: true,
    Sync_Tasks__c: true,
    Sync_Events__c: false,
    Sync_Emails__c: true,
    Contacts_Direction__c: 'Both',
    Tasks_Direction__c: 'Both',
    Contact_Scope__c: 'My Contacts',
    Category_Name__c: 'Salesforce',
    Plan__c: 'Real-time',
    ...overrides,
  };
}

/**
 * The worker's web app on loopback before its runtime exists (Graph validates a subscription's
 * notificationUrl when it is made, and the runtime needs the URL): requests reach the runtime
 * once `attach` gave it.
 */
export async function listenBeforeRuntime(
  store: Store,
  options: { port?: number; log?: Logger } = {},
): Promise<{ url: string; apiToken: string; attach(runtime: Runtime): void; close(): Promise<void> }> {
  const apiToken = randomBytes(24).toString('hex');
  const late: { runtime?: Runtime } = {};
  const app = createApp({
    apiToken,
    mailboxes: {
      status: (id) => late.runtime!.ports.status(id),
      provision: (id) => late.runtime!.ports.provision(id),
      sync: (id, o) => late.runtime!.ports.sync(id, o),
      pause: (id) => late.runtime!.ports.pause(id),
      resume: (id) => late.runtime!.ports.resume(id),
      test: (id) => late.runtime!.ports.test(id),
    },
    subscriptions: store,
    links: store,
    hint: (id, source) => late.runtime!.hint(id, source),
    lifecycle: (event) => late.runtime!.lifecycle(event),
    health: async () => ({ store: store.engine }),
    ...(options.log ? { log: options.log } : {}),
  });
  const server: Server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    apiToken,
    attach: (runtime) => {
      late.runtime = runtime;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface StackMailbox {
  address: string;
  salesforceUserId: string;
  mailboxSyncId: string;
}

export interface LocalStack {
  salesforce: SalesforceEmulator;
  graph: GraphEmulator;
  worker: { url: string; apiToken: string };
  runtime: Runtime;
  store: Store;
  sf: SalesforceConnection;
  client: GraphClient;
  storeUrl: string;
  dataDir: string;
  mailboxes: StackMailbox[];
  log: Logger;
  close(): Promise<void>;
}

function seedOf(seed: StackOptions['seed']): Required<Pick<CustomSeed, 'salesforce' | 'mailboxes'>> & CustomSeed {
  if (seed === undefined || typeof seed === 'string') {
    const size = seed ?? 'small';
    // the sandbox's org: calendar events sync too (the emulator's sample org has events)
    return { salesforce: size, mailboxes: size === 'large' ? 2 : 1, plan: 'Real-time', mailboxSync: { Sync_Events__c: true, Events_Direction__c: 'Both' } };
  }
  return { plan: 'Real-time', ...seed, salesforce: seed.salesforce ?? 'none', mailboxes: seed.mailboxes ?? 1 };
}

export async function startLocalStack(options: StackOptions = {}): Promise<LocalStack> {
  const seed = seedOf(options.seed);
  const log = options.log ?? createLogger({ level: 'silent' });
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'scc-stack-'));
  const storeUrl = options.storeUrl ?? `sqlite:${join(dataDir, 'scc.db')}`;
  const cleanup: Array<() => Promise<void>> = [];
  const close = async (): Promise<void> => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const salesforce = await startSalesforceEmulator({
      seed: seed.salesforce,
      port: options.ports?.salesforce ?? 0,
      streamingTimeoutSec: 5,
      ...(options.latencyMs ? { latencyMs: options.latencyMs } : {}),
    });
    cleanup.push(() => salesforce.close());
    const graph = await startGraphEmulator({
      seed: 'none',
      port: options.ports?.graph ?? 0,
      ...(options.latencyMs ? { latencyMs: options.latencyMs } : {}),
      ...(options.graphRequestBudgetPer10Min ? { requestBudgetPer10Min: options.graphRequestBudgetPer10Min } : {}),
    });
    cleanup.push(() => graph.close());

    // Salesforce users other than the integration (admin) user get the mailboxes.
    while (salesforce.users.length - 1 < seed.mailboxes) salesforce.admin.createUser({});
    const mailboxes: StackMailbox[] = [];
    if (options.provision !== false) {
      for (const user of salesforce.users.slice(1, 1 + seed.mailboxes)) {
        graph.admin.addMailbox({ address: user.email, displayName: user.name });
        const mailboxSyncId = salesforce.admin.insert('Mailbox_Sync__c', stackMailboxSync(user, {
          Contact_Scope__c: seed.contactScope ?? 'My Contacts',
          Plan__c: seed.plan ?? 'Real-time',
          ...seed.mailboxSync,
        }));
        mailboxes.push({ address: user.email, salesforceUserId: user.id, mailboxSyncId });
      }
    }

    const store = await openStore(storeUrl);
    cleanup.push(() => store.close());
    const sf = await connectSalesforce({
      loginUrl: salesforce.loginUrl,
      auth: { kind: 'password', ...salesforce.credentials },
    });
    cleanup.push(() => sf.close());
    const client = createGraphClient({
      baseUrl: graph.baseUrl,
      tokenUrl: graph.tokenUrl,
      tenantId: graph.tenantId,
      clientId: graph.clientId,
      clientSecret: graph.clientSecret,
      caCert: graph.caCert,
    });
    cleanup.push(() => client.close());

    // The web app listens first: Graph validates the notificationUrl when a subscription is made.
    const web = await listenBeforeRuntime(store, { port: options.ports?.worker ?? 0, log });
    cleanup.push(web.close);
    const { url, apiToken } = web;

    const runtime = createRuntime({
      store,
      sf,
      graph: client,
      log,
      publicUrl: url,
      owner: `stack-${process.pid}`,
      pollIntervalMs: 1_000,
      hintDelayMs: 50,
      ...options.runtime,
    });
    web.attach(runtime);
    cleanup.push(() => runtime.stop());
    if (options.provision !== false) await runtime.refreshMailboxes();
    if (options.start !== false) {
      await runtime.startFeeds();
      runtime.scheduler.start();
    }
    return { salesforce, graph, worker: { url, apiToken }, runtime, store, sf, client, storeUrl, dataDir, mailboxes, log, close };
  } catch (error) {
    await close();
    throw error;
  }
}
