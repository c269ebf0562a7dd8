// Scale: many mailboxes with a few contacts each, all in one worker process (the stack runs both
// emulators in the same process, so peak RSS includes them; the RSS before the sync is reported
// beside it). Total time of the first sync of every mailbox at the scheduler's concurrency, then
// the idle cost: Salesforce calls and Graph requests of one run that finds nothing, scaled by the
// Real-time plan's backstop poll (every 15 min), plus one subscription-maintenance pass an hour.
import { startLocalStack } from '../../scripts/lib/stack.ts';
import { PLAN_INTERVAL_MS } from '../../worker/src/scheduler/plans.ts';
import { detectionCost, type DetectionCost } from '../detection.ts';
import { runAll } from '../drive.ts';
import { startMemoryProbe } from '../memory-probe.ts';
import { exchangeCounts, seedSalesforce } from '../seed.ts';
import { round } from '../stats.ts';

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
  setupSeconds: number;
  syncSeconds: number;
  mailboxesSynced: number;
  contactsSynced: number;
  done: boolean;
  itemsPerSecond: number;
  rssBeforeSyncMB: number;
  peakRssMB: number;
  idle: {
    runsPerHour: number;
    salesforceCallsPerRun: number;
    graphRequestsPerRun: number;
    salesforceCallsPerMailboxHour: number;
    graphRequestsPerMailboxHour: number;
    maintenanceGraphRequestsPerMailbox: number;
  };
  detection: DetectionCost;
}

export async function runScale(options: ScaleOptions): Promise<ScaleResult> {
  const probe = startMemoryProbe();
  const t0 = performance.now();
  const stack = await startLocalStack({
    seed: { salesforce: 'none', mailboxes: options.mailboxes },
    start: false,
    latencyMs: options.latencyMs,
    runtime: { concurrency: options.concurrency },
  });
  try {
    for (const [n, m] of stack.mailboxes.entries()) seedSalesforce(stack, m, { contacts: options.contactsPerMailbox, events: 0, tasks: 0 }, `m${n}`);
    const setupSeconds = (performance.now() - t0) / 1000;
    const rssBeforeSyncMB = Math.round(process.memoryUsage().rss / 1_048_576);
    const ids = stack.mailboxes.map((m) => m.mailboxSyncId);
    const sync = await runAll(stack, ids, options.concurrency, options.budgetMs);
    const contactsSynced = stack.mailboxes.reduce((n, m) => n + exchangeCounts(stack, m).contacts, 0);
    const peakRssMB = probe.peakMB();

    // Idle: a sample of synced mailboxes runs again with nothing changed.
    const sample = ids.slice(0, Math.min(options.idleSample, sync.ran));
    stack.salesforce.admin.resetCounters();
    stack.graph.admin.resetCounters();
    await runAll(stack, sample, options.concurrency, 600_000);
    const sfIdle = stack.salesforce.admin.counters().apiCalls / Math.max(1, sample.length);
    const graphKinds = stack.graph.admin.counters().kinds;
    const graphIdle = Object.entries(graphKinds).filter(([k]) => k !== 'token' && k !== 'batch').reduce((a, [, v]) => a + v, 0) / Math.max(1, sample.length);
    stack.graph.admin.resetCounters();
    await stack.runtime.maintain();
    const maintenance = Object.entries(stack.graph.admin.counters().kinds).filter(([k]) => k !== 'token' && k !== 'batch').reduce((a, [, v]) => a + v, 0) / stack.mailboxes.length;
    const runsPerHour = 3_600_000 / PLAN_INTERVAL_MS['Real-time'];

    await stack.runtime.startFeeds();
    const detection = await detectionCost(stack, Math.min(20, stack.mailboxes.length));
    probe.stop();
    return {
      options,
      setupSeconds: round(setupSeconds, 1),
      syncSeconds: round(sync.ms / 1000, 1),
      mailboxesSynced: sync.ran,
      contactsSynced,
      done: sync.ran === ids.length && contactsSynced >= ids.length * options.contactsPerMailbox,
      itemsPerSecond: round(contactsSynced / (sync.ms / 1000), 1),
      rssBeforeSyncMB,
      peakRssMB,
      idle: {
        runsPerHour,
        salesforceCallsPerRun: round(sfIdle, 1),
        graphRequestsPerRun: round(graphIdle, 1),
        salesforceCallsPerMailboxHour: round(sfIdle * runsPerHour, 1),
        graphRequestsPerMailboxHour: round(graphIdle * runsPerHour + maintenance, 1),
        maintenanceGraphRequestsPerMailbox: round(maintenance, 2),
      },
      detection,
    };
  } finally {
    await stack.close();
  }
}
