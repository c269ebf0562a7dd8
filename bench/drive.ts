// Drives mailbox runs the way the scheduler would, but measurably: run until the other side holds
// what it should, a run writes nothing (stuck), or the time budget is spent. Never sleeps.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startGraphEmulator, type GraphEmulator } from '../emulators/graph/index.ts';
import { startSalesforceEmulator, type SalesforceEmulator } from '../emulators/salesforce/index.ts';
import { stackMailboxSync, type LocalStack, type StackMailbox } from '../scripts/lib/stack.ts';
import type { ChildMailbox, ChildResult, ChildWiring } from './worker-child.ts';
import { workerNodeFlags } from './worker-flags.ts';

export interface DriveResult {
  done: boolean;
  runs: number;
  ms: number;
  failures: string[];
}

/**
 * One run cannot be interrupted, and a first run may hold thousands of items: at the budget this
 * returns what was reached while that run carries on; the caller closes the stack under it.
 */
export async function runUntil(stack: LocalStack, mailboxSyncId: string, done: () => boolean, budgetMs: number): Promise<DriveResult> {
  const started = performance.now();
  const failures: string[] = [];
  let runs = 0;
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<'budget'>((resolve) => {
    timer = setTimeout(() => resolve('budget'), budgetMs);
  });
  const loop = drive();
  loop.catch(() => undefined);
  await Promise.race([loop, budget]);
  clearTimeout(timer);
  return { done: done(), runs, ms: performance.now() - started, failures: failures.slice(0, 5) };

  async function drive(): Promise<void> {
    let idle = 0;
    while (!done()) {
      if (performance.now() - started > budgetMs) break;
      runs += 1;
      try {
        const result = await stack.runtime.runMailbox(mailboxSyncId, 'sync-now');
        idle = (result.itemsSynced ?? 0) === 0 ? idle + 1 : 0;
      } catch (error) {
        failures.push((error as Error).message);
        idle += 1;
      }
      // Two runs in a row that write nothing: the rest will not come by running again.
      if (idle >= 2) break;
    }
  }
}

/** Runs many mailboxes, at most `concurrency` at once (the scheduler's default is 4). */
export async function runAll(stack: LocalStack, ids: readonly string[], concurrency: number, budgetMs: number): Promise<{ ran: number; failed: number; ms: number }> {
  const started = performance.now();
  let next = 0;
  let ran = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, concurrency) }, async () => {
      while (next < ids.length && performance.now() - started < budgetMs) {
        const id = ids[next++]!;
        try {
          await stack.runtime.runMailbox(id, 'sync-now');
          ran += 1;
        } catch {
          failed += 1;
        }
      }
    }),
  );
  return { ran, failed, ms: performance.now() - started };
}

/** What the parent of a worker child (./worker-child.ts) decides and sees. */
export interface ChildDrive {
  /** The child provisioned its mailboxes: seed the data now (before any run). */
  onReady?(mailboxes: ChildMailbox[]): Promise<void> | void;
  /** Asked after each run when wiring.until is 'parent': true → run that mailbox again. */
  again?(ran: { mailboxSyncId: string; itemsSynced: number; runs: number }): boolean;
  /** Killed past this (default budgetMs + 60 s). */
  timeoutMs?: number;
  /** Write a V8 CPU profile of the child into this directory (node --cpu-prof). */
  cpuProfileDir?: string;
}

const WORKER_CHILD = fileURLToPath(new URL('./worker-child.ts', import.meta.url));

/**
 * Runs the worker in a child process over these emulators (they stay in this process, so the
 * child's CPU seconds and RSS are the worker's alone) and resolves with its result. Time
 * measured here starts at 'go' (after onReady), as the child's does.
 */
export function runWorkerChild(wiring: ChildWiring, drive: ChildDrive = {}): Promise<ChildResult & { wallSeconds: number }> {
  return new Promise((resolve, reject) => {
    // the production worker's Node flags (package.json start:worker): its memory is a dyno's
    const execArgv = [...workerNodeFlags(), '--import', 'tsx', ...(drive.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', drive.cpuProfileDir] : [])];
    const child = fork(WORKER_CHILD, [], {
      execArgv,
      env: { ...process.env, SCC_BENCH_CHILD: JSON.stringify(wiring), LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let err = '';
    let result: ChildResult | undefined;
    let goAt = 0;
    let resultAt = 0;
    child.stdout!.on('data', () => undefined);
    child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), drive.timeoutMs ?? wiring.budgetMs + 60_000);
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'ready') {
        Promise.resolve(drive.onReady?.(m.mailboxes)).then(
          () => {
            goAt = performance.now();
            child.send({ type: 'go' });
          },
          (error: unknown) => {
            child.kill('SIGKILL');
            reject(error instanceof Error ? error : new Error(String(error)));
          },
        );
      } else if (m.type === 'ran') {
        child.send({ type: 'again', value: drive.again ? drive.again(m) : m.itemsSynced > 0 });
      } else if (m.type === 'result') {
        resultAt = performance.now();
        result = m.result;
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (result) resolve({ ...result, wallSeconds: Math.round((resultAt - goAt) / 10) / 100 });
      else reject(new Error(`worker child exited ${code}: ${err.slice(-1500)}`));
    });
  });
}

type ChildMessage =
  | { type: 'ready'; mailboxes: ChildMailbox[] }
  | { type: 'ran'; mailboxSyncId: string; itemsSynced: number; runs: number }
  | { type: 'result'; result: ChildResult };

export interface EmulatorPair {
  salesforce: SalesforceEmulator;
  graph: GraphEmulator;
  mailboxes: StackMailbox[];
  /** What a worker child needs to reach them (mailboxes added by the caller). */
  wiring: Pick<ChildWiring, 'salesforce' | 'graph'>;
  close(): Promise<void>;
}

/**
 * Both emulators with `mailboxes` Salesforce users, each with a Graph mailbox and an enabled
 * Mailbox_Sync__c record (the same defaults as scripts/lib/stack.ts), and no worker: the worker
 * runs in a child (runWorkerChild), which provisions them.
 */
export async function startEmulators(options: {
  latencyMs: number;
  mailboxes?: number;
  mailboxSync?: Record<string, string | boolean | number | null>;
  graphRequestBudgetPer10Min?: number;
  dailyApiRequests?: number;
}): Promise<EmulatorPair> {
  const salesforce = await startSalesforceEmulator({
    seed: 'none',
    streamingTimeoutSec: 5,
    ...(options.latencyMs ? { latencyMs: options.latencyMs } : {}),
    ...(options.dailyApiRequests ? { dailyApiRequests: options.dailyApiRequests } : {}),
  });
  const graph = await startGraphEmulator({
    seed: 'none',
    ...(options.latencyMs ? { latencyMs: options.latencyMs } : {}),
    ...(options.graphRequestBudgetPer10Min ? { requestBudgetPer10Min: options.graphRequestBudgetPer10Min } : {}),
  });
  const count = options.mailboxes ?? 1;
  while (salesforce.users.length - 1 < count) salesforce.admin.createUser({});
  const mailboxes: StackMailbox[] = [];
  for (const user of salesforce.users.slice(1, 1 + count)) {
    graph.admin.addMailbox({ address: user.email, displayName: user.name });
    const mailboxSyncId = salesforce.admin.insert('Mailbox_Sync__c', stackMailboxSync(user, options.mailboxSync));
    mailboxes.push({ address: user.email, salesforceUserId: user.id, mailboxSyncId });
  }
  return {
    salesforce,
    graph,
    mailboxes,
    wiring: {
      salesforce: { loginUrl: salesforce.loginUrl, ...salesforce.credentials },
      graph: { baseUrl: graph.baseUrl, tokenUrl: graph.tokenUrl, tenantId: graph.tenantId, clientId: graph.clientId, clientSecret: graph.clientSecret, caCert: graph.caCert },
    },
    async close() {
      await graph.close();
      await salesforce.close();
    },
  };
}
