// Composition root: the only place that reads the environment (through loadConfig) and wires
// the parts. `--role web|worker|all` (or WORKER_ROLE): web = the Worker API and Graph webhooks
// on PORT; worker = the scheduler, the Salesforce change feed and subscription upkeep; all =
// both in one process. Without configuration it names what is missing, points to
// `npm run demo` and exits 1. SIGTERM/SIGINT stop it gracefully.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { hostname } from 'node:os';
import { ConfigError, loadConfig, type Config, type Role } from './config.ts';
import { createGraphClient } from './graph/client.ts';
import { createApp } from './http/app.ts';
import { createLogger } from './log.ts';
import { createRuntime } from './runtime/runtime.ts';
import { connectSalesforce, type SalesforceAuth } from './salesforce/connection.ts';
import { openStore } from './store/store.ts';

function roleFrom(argv: readonly string[]): Role | undefined {
  const i = argv.findIndex((a) => a === '--role' || a.startsWith('--role='));
  if (i < 0) return undefined;
  const value = argv[i]!.includes('=') ? argv[i]!.slice(argv[i]!.indexOf('=') + 1) : argv[i + 1];
  if (value !== 'web' && value !== 'worker' && value !== 'all') throw new ConfigError([`--role must be web, worker or all (got ${String(value)})`]);
  return value;
}

function salesforceAuth(config: Config): SalesforceAuth {
  const { auth, clientId, clientSecret } = config.salesforce;
  switch (auth.kind) {
    case 'jwt':
      return { kind: 'jwt', username: auth.username, clientId, privateKey: auth.privateKey.reveal() };
    case 'password':
      return { kind: 'password', username: auth.username, password: auth.password.reveal(), clientId, clientSecret: clientSecret?.reveal() ?? '' };
    case 'client_credentials':
      return { kind: 'client-credentials', clientId, clientSecret: clientSecret?.reveal() ?? '' };
  }
}

async function main(): Promise<void> {
  let config: Config;
  let role: Role;
  try {
    const argRole = roleFrom(process.argv.slice(2));
    config = loadConfig({ ...process.env, ...(argRole ? { WORKER_ROLE: argRole } : {}) });
    role = config.role;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const log = createLogger({ level: config.logLevel, name: `scc-${role}` });
  const owner = config.workerId ?? process.env.DYNO ?? `${hostname()}:${process.pid}`;
  const store = await openStore(config.databaseUrl.reveal(), config.encryptionKey ? { encryptionKey: config.encryptionKey.reveal() } : {});
  const sf = await connectSalesforce({
    loginUrl: config.salesforce.loginUrl,
    apiVersion: config.salesforce.apiVersion,
    requestTimeoutMs: config.salesforce.requestTimeoutMs,
    auth: salesforceAuth(config),
  });
  const graph = createGraphClient({
    baseUrl: config.graph.baseUrl,
    tokenUrl: config.graph.tokenUrl,
    tenantId: config.graph.tenantId,
    clientId: config.graph.clientId,
    clientSecret: config.graph.clientSecret.reveal(),
    ...(config.graph.caCertPath ? { caCert: readFileSync(config.graph.caCertPath) } : {}),
  });
  const runtime = createRuntime({
    store,
    sf,
    graph,
    log,
    owner,
    concurrency: config.syncConcurrency,
    leaseTtlMs: config.leaseTtlMs,
    streaming: config.salesforce.streaming,
    email: config.email,
    ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
  });

  const closers: Array<() => Promise<void>> = [];
  if (role === 'web' || role === 'all') {
    const app = createApp({
      apiToken: config.workerApiToken!,
      mailboxes: runtime.ports,
      subscriptions: store,
      links: store,
      hint: (id, source) => runtime.hint(id, source),
      lifecycle: (event) => runtime.lifecycle(event),
      health: async () => ({ role, store: store.engine }),
      log,
    });
    const server = createServer(app);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, () => resolve());
    });
    log.info({ port: config.port }, 'web listening');
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeIdleConnections();
          server.close(() => resolve());
        }),
    );
  }
  if (role === 'worker' || role === 'all') {
    await runtime.start();
    log.info({ owner }, 'worker started');
  }
  closers.push(() => runtime.stop(), () => sf.close(), () => graph.close(), () => store.close());

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    (async () => {
      for (const close of closers) await close().catch((error: unknown) => log.warn({ err: error }, 'error while stopping'));
    })().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`worker: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
