// Scale: many mailboxes with a few contacts each in one worker process. The emulators run here and
// the worker alone in a child (../scale-child.ts, with the production start command's Node flags,
// the web app in the same process as with --role all), so the peak RSS is the worker's. Setup
// (the child provisioning every mailbox: containers, category, subscriptions), then the first sync
// of every mailbox at the scheduler's concurrency, then the idle cost: Salesforce calls and Graph
// requests of one run that finds nothing, scaled by the Real-time plan's backstop poll (every
// 15 min), plus one subscription-maintenance pass an hour; and the cost of noticing a change
// (../detection.ts) with the child's CDC feed running.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PLAN_INTERVAL_MS } from '../../worker/src/scheduler/plans.ts';
import { detectionCost, type DetectionCost } from '../detection.ts';
import { startEmulators } from '../drive.ts';
import type { ScaleCommand, ScaleMemory } from '../scale-child.ts';
import { exchangeCounts, seedSalesforce } from '../seed.ts';
import { round } from '../stats.ts';
import { workerNodeFlags } from '../worker-flags.ts';

export interface ScaleOptions {
  mailboxes: number;
  contactsPerMailbox: number;
  latencyMs: number;
  budgetMs: number;
  concurrency: number;
  /** Idle runs measured (a sample of the mailboxes). */
  idleSample: number;
}

export interface ScaleResult {
  options: ScaleOptions;
  /** Emulators, provisioning by the worker, seeding. */
  setupSeconds: number;
  /** The worker's share of setup: refreshMailboxes provisioning every mailbox. */
  provisionSeconds: number;
  syncSeconds: number;
  mailboxesSynced: number;
  /** Runs that failed or threw (the first few: mailbox id and why). */
  failures: string[];
  contactsSynced: number;
  done: boolean;
  itemsPerSecond: number;
  /** The worker process: RSS once every mailbox is provisioned, and its peak (sampled, and the kernel's). */
  rssBeforeSyncMB: number;
  peakRssMB: number;
  maxRssMB: number;
  /** The Node flags the worker ran with (those of package.json start:worker). */
  nodeFlags: string[];
  idle: {
    runsPerHour: number;
    salesforceCallsPerRun: number;
    graphRequestsPerRun: number;
    salesforceCallsPerMailboxHour: number;
    graphRequestsPerMailboxHour: number;
    maintenanceGraphRequestsPerMailbox: number;
    /**
     * The sample's first run after the sync, not counted above: a mailbox's Salesforce read goes
     * from its watermark over every contact saved since in the org (classified out of scope), here
     * the other mailboxes' seeding, once.
     */
    catchUpSalesforceCallsPerRun: number;
    catchUpGraphRequestsPerRun: number;
    /** The idle run's Salesforce calls by kind, over the whole sample. */
    salesforceByKind: Record<string, number>;
  };
  detection: DetectionCost;
}

const CHILD = fileURLToPath(new URL('../scale-child.ts', import.meta.url));

/** The worker child and its command channel. */
interface ScaleChild {
  ready: Promise<{ setupSeconds: number; rssMB: number }>;
  call<T>(command: DistributiveOmit<ScaleCommand, 'id'>): Promise<T>;
  process: ChildProcess;
}
type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

function startChild(wiring: unknown, nodeFlags: string[]): ScaleChild {
  const child = fork(CHILD, [], {
    execArgv: [...nodeFlags, '--import', 'tsx'],
    env: { ...process.env, SCC_BENCH_CHILD: JSON.stringify(wiring), LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let ids = 0;
  let onReady!: (r: { setupSeconds: number; rssMB: number }) => void;
  let onFail!: (e: Error) => void;
  const ready = new Promise<{ setupSeconds: number; rssMB: number }>((resolve, reject) => {
    onReady = resolve;
    onFail = reject;
  });
  child.on('message', (m: { type: string; id?: number; value?: unknown; message?: string; setupSeconds?: number; rssMB?: number }) => {
    if (m.type === 'ready') onReady({ setupSeconds: m.setupSeconds!, rssMB: m.rssMB! });
    const waiter = m.id !== undefined ? pending.get(m.id) : undefined;
    if (!waiter) return;
    pending.delete(m.id!);
    if (m.type === 'done') waiter.resolve(m.value);
    else waiter.reject(new Error(m.message));
  });
  child.on('exit', (code) => {
    const error = new Error(`scale child exited ${code}: ${err.slice(-1500)}`);
    onFail(error);
    for (const w of pending.values()) w.reject(error);
    pending.clear();
  });
  return {
    ready,
    process: child,
    call<T>(command: DistributiveOmit<ScaleCommand, 'id'>): Promise<T> {
      const id = ++ids;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ ...command, id });
      });
    },
  };
}

export async function runScale(options: ScaleOptions): Promise<ScaleResult> {
  const t0 = performance.now();
  const stack = await startEmulators({ latencyMs: options.latencyMs, mailboxes: options.mailboxes });
  const nodeFlags = workerNodeFlags();
  const child = startChild({ ...stack.wiring, concurrency: options.concurrency }, nodeFlags);
  try {
    const ready = await child.ready;
    for (const [n, m] of stack.mailboxes.entries()) seedSalesforce(stack, m, { contacts: options.contactsPerMailbox, events: 0, tasks: 0 }, `m${n}`);
    const setupSeconds = (performance.now() - t0) / 1000;
    const ids = stack.mailboxes.map((m) => m.mailboxSyncId);
    const runAll = (list: string[], budgetMs: number) => child.call<{ ran: number; failed: number; failures: string[]; ms: number }>({ cmd: 'runAll', ids: list, concurrency: options.concurrency, budgetMs });
    const sync = await runAll(ids, options.budgetMs);
    const contactsSynced = stack.mailboxes.reduce((n, m) => n + exchangeCounts(stack, m).contacts, 0);

    // Idle: a sample of synced mailboxes runs again with nothing changed, twice: the first run reads
    // what the org saved since each watermark (the later mailboxes' seeding), the second is idle.
    const sample = ids.slice(0, Math.min(options.idleSample, sync.ran));
    const graphRequests = (): number =>
      Object.entries(stack.graph.admin.counters().kinds)
        .filter(([k]) => k !== 'token' && k !== 'batch')
        .reduce((a, [, v]) => a + v, 0);
    const perRun = async (): Promise<{ salesforce: number; graph: number; salesforceByKind: Record<string, number> }> => {
      stack.salesforce.admin.resetCounters();
      stack.graph.admin.resetCounters();
      await runAll(sample, 600_000);
      const counters = stack.salesforce.admin.counters();
      return { salesforce: counters.apiCalls / Math.max(1, sample.length), graph: graphRequests() / Math.max(1, sample.length), salesforceByKind: { ...counters.byKind } };
    };
    const catchUp = await perRun();
    const { salesforce: sfIdle, graph: graphIdle, salesforceByKind: idleByKind } = await perRun();
    stack.graph.admin.resetCounters();
    await child.call({ cmd: 'maintain' });
    const maintenance = graphRequests() / stack.mailboxes.length;
    const runsPerHour = 3_600_000 / PLAN_INTERVAL_MS['Real-time'];

    await child.call({ cmd: 'startFeeds' });
    // the child's store answers for the hints (the worker's own process holds them)
    const hints = {
      listHints: (mailboxId?: string) => child.call<{ mailboxId: string }[]>({ cmd: 'listHints', ...(mailboxId ? { mailboxId } : {}) }),
      takeHints: (mailboxId: string) => child.call<unknown>({ cmd: 'takeHints', mailboxId }),
    };
    const detection = await detectionCost({ mailboxes: stack.mailboxes, salesforce: stack.salesforce, store: hints }, Math.min(20, stack.mailboxes.length));
    const memory = await child.call<ScaleMemory>({ cmd: 'memory' });
    return {
      options,
      setupSeconds: round(setupSeconds, 1),
      provisionSeconds: ready.setupSeconds,
      syncSeconds: round(sync.ms / 1000, 1),
      mailboxesSynced: sync.ran,
      failures: sync.failures,
      contactsSynced,
      done: sync.ran === ids.length && contactsSynced >= ids.length * options.contactsPerMailbox,
      itemsPerSecond: round(contactsSynced / (sync.ms / 1000), 1),
      rssBeforeSyncMB: ready.rssMB,
      peakRssMB: memory.peakRssMB,
      maxRssMB: memory.maxRssMB,
      nodeFlags,
      idle: {
        runsPerHour,
        salesforceCallsPerRun: round(sfIdle, 1),
        graphRequestsPerRun: round(graphIdle, 1),
        salesforceCallsPerMailboxHour: round(sfIdle * runsPerHour, 1),
        graphRequestsPerMailboxHour: round(graphIdle * runsPerHour + maintenance, 1),
        maintenanceGraphRequestsPerMailbox: round(maintenance, 2),
        catchUpSalesforceCallsPerRun: round(catchUp.salesforce, 1),
        catchUpGraphRequestsPerRun: round(catchUp.graph, 1),
        salesforceByKind: idleByKind,
      },
      detection,
    };
  } finally {
    await child.call({ cmd: 'exit' }).catch(() => undefined);
    child.process.kill('SIGKILL');
    await stack.close();
  }
}
