// A real worker child process (`node --import tsx worker/src/main.ts`, role worker) configured, through its
// environment only, against a local stack's emulators and a given store URL.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { LocalStack } from '../../scripts/lib/stack.ts';

const ROOT = resolve(import.meta.dirname, '../..');

export interface WorkerProcess {
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;
  /** stderr and stdout seen so far (for failure messages). */
  output(): string;
}

export function spawnWorker(stack: LocalStack, options: { databaseUrl: string; id: string; leaseTtlSeconds?: number; concurrency?: number; logLevel?: 'info' | 'debug' | 'trace' }): WorkerProcess {
  const sf = stack.salesforce;
  const g = stack.graph;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    WORKER_ROLE: 'worker',
    WORKER_ID: options.id,
    DATABASE_URL: options.databaseUrl,
    LOG_LEVEL: options.logLevel ?? 'info',
    LEASE_TTL_SECONDS: String(options.leaseTtlSeconds ?? 5),
    SYNC_CONCURRENCY: String(options.concurrency ?? 4),
    SALESFORCE_LOGIN_URL: sf.loginUrl,
    SALESFORCE_CLIENT_ID: sf.credentials.clientId,
    SALESFORCE_CLIENT_SECRET: sf.credentials.clientSecret,
    SALESFORCE_USERNAME: sf.credentials.username,
    SALESFORCE_PASSWORD: sf.credentials.password,
    GRAPH_TENANT_ID: g.tenantId,
    GRAPH_CLIENT_ID: g.clientId,
    GRAPH_CLIENT_SECRET: g.clientSecret,
    GRAPH_BASE_URL: g.baseUrl,
    GRAPH_TOKEN_URL: g.tokenUrl,
    GRAPH_CA_CERT_PATH: g.caCertPath,
  };
  // One process (node with tsx's loader), so signals reach the worker itself.
  const proc = spawn(process.execPath, ['--import', 'tsx', 'worker/src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  return { proc, exited, output: () => out };
}

/**
 * Mailbox ids this worker logged as synced: "mailbox synced" (full runs, info) or "mailbox synced
 * (incremental)" (hinted runs, debug: spawn with logLevel 'debug' to see those too).
 */
export function syncedMailboxes(worker: WorkerProcess): Set<string> {
  const ids = new Set<string>();
  for (const line of worker.output().split('\n')) {
    if (!line.includes('"mailbox synced')) continue;
    try {
      const id = (JSON.parse(line) as { mailboxId?: unknown }).mailboxId;
      if (typeof id === 'string') ids.add(id);
    } catch {
      // a partial line: the rest arrives with the next chunk
    }
  }
  return ids;
}
