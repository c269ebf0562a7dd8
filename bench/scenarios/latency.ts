// Live latency: single changes spread over many mailboxes, each direction, through the real paths
// (Salesforce CDC → feed → hint → run; Graph change notification → webhook → hint → run), with the
// worker's production scheduling defaults (hints dispatch at once, then coalesce for 500 ms per
// mailbox; poll 5 s; 4 full runs and 16 runs in all at once). Time runs from the change on one side
// to the moment the item is seen written on the other; the bench looks every 10 ms at emulator
// state (no API cost), so each sample carries ≤10 ms of slack. Beside the percentiles, the cost of
// each direction (mailbox runs, Salesforce API calls and Graph requests per change) does not
// depend on the machine's load.
import { startLocalStack, type LocalStack, type StackMailbox } from '../../scripts/lib/stack.ts';
import { detectionCost, type DetectionCost } from '../detection.ts';
import { runAll } from '../drive.ts';
import { containersOf } from '../seed.ts';
import { PLAN_INTERVAL_MS } from '../../worker/src/scheduler/plans.ts';
import { DEFAULT_HINTED_CONCURRENCY } from '../../worker/src/scheduler/scheduler.ts';
import { percentile, round } from '../stats.ts';

export interface LatencyOptions {
  mailboxes: number;
  changes: number;
  /** Changes started per second (spread evenly). */
  ratePerSecond: number;
  latencyMs: number;
  /** How long to wait for the last changes after the last one was made. */
  graceMs: number;
}

export interface Percentiles {
  samples: number;
  missing: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** What one change cost in this direction, the worker's own echoes included. */
export interface ChangeCost {
  runsPerChange: number;
  salesforceCallsPerChange: number;
  graphRequestsPerChange: number;
}

export interface LatencyResult {
  options: LatencyOptions;
  scheduler: { hintDelayMs: number; pollIntervalMs: number; concurrency: number; hintedConcurrency: number };
  toExchange: Percentiles & { cost: ChangeCost };
  toSalesforce: Percentiles & { cost: ChangeCost };
  /** Salesforce change detection at this mailbox count (before the scheduler starts). */
  detection: DetectionCost;
}

const SCHEDULER = { hintDelayMs: 500, pollIntervalMs: 5_000, concurrency: 4, hintedConcurrency: DEFAULT_HINTED_CONCURRENCY };
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

function summary(latencies: number[], missing: number): Percentiles {
  return {
    samples: latencies.length,
    missing,
    p50Ms: round(percentile(latencies, 50), 0),
    p95Ms: round(percentile(latencies, 95), 0),
    p99Ms: round(percentile(latencies, 99), 0),
    maxMs: latencies.length > 0 ? round(Math.max(...latencies), 0) : NaN,
  };
}

interface Pending {
  mailbox: StackMailbox;
  key: string;
  startedAt: number;
}

/** Makes the changes at the given rate while a 10 ms probe records when each one lands. */
async function measure(
  options: LatencyOptions,
  make: (n: number) => Pending,
  landed: (pending: readonly Pending[]) => Set<string>,
): Promise<Percentiles> {
  const pending = new Map<string, Pending>();
  const latencies: number[] = [];
  const gap = 1000 / options.ratePerSecond;
  const started = performance.now();
  let made = 0;
  let lastMadeAt = started;
  for (;;) {
    const now = performance.now();
    while (made < options.changes && now >= started + made * gap) {
      const p = make(made);
      pending.set(p.key, p);
      made += 1;
      lastMadeAt = performance.now();
    }
    if (pending.size > 0) {
      const seen = landed([...pending.values()]);
      const at = performance.now();
      for (const key of seen) {
        const p = pending.get(key);
        if (!p) continue;
        latencies.push(at - p.startedAt);
        pending.delete(key);
      }
    }
    if (made >= options.changes && (pending.size === 0 || performance.now() - lastMadeAt > options.graceMs)) break;
    await tick(10);
  }
  return summary(latencies, pending.size);
}

/**
 * The live Exchange-born contacts in Salesforce. The query scans every contact (~2 ms at 1,000,
 * a fifth of a core at 100 probes a second, taken from the worker it measures): it runs only
 * when the org's record count moved, which every contact creation does.
 */
function newContacts(stack: LocalStack): () => Set<string> {
  let count = -1;
  let seen = new Set<string>();
  return () => {
    const now = stack.salesforce.admin.recordCount();
    if (now !== count) {
      count = now;
      const rows = stack.salesforce.admin.query(`SELECT Email FROM Contact WHERE Email LIKE 'live%@ex.example'`);
      seen = new Set(rows.map((r) => String(r.Email).toLowerCase()));
    }
    return seen;
  };
}

async function runCount(stack: LocalStack): Promise<number> {
  let n = 0;
  for (const m of stack.mailboxes) n += (await stack.store.listRuns(m.mailboxSyncId, 100_000)).length;
  return n;
}

/** Runs `phase` and adds what its changes cost: runs, Salesforce API calls and Graph requests. */
async function costed(stack: LocalStack, changes: number, phase: () => Promise<Percentiles>): Promise<Percentiles & { cost: ChangeCost }> {
  const runsBefore = await runCount(stack);
  stack.salesforce.admin.resetCounters();
  stack.graph.admin.resetCounters();
  const result = await phase();
  // Runs still in flight and batched status writes belong to this phase.
  await tick(2_000);
  // As Graph throttles them (as bench/economy.ts counts): $batch sub-requests, not envelopes or tokens.
  const graphRequests = Object.entries(stack.graph.admin.counters().kinds)
    .filter(([k]) => k !== 'batch' && k !== 'token')
    .reduce((n, [, v]) => n + v, 0);
  const per = (n: number) => round(n / Math.max(1, changes), 2);
  return {
    ...result,
    cost: {
      runsPerChange: per((await runCount(stack)) - runsBefore),
      salesforceCallsPerChange: per(stack.salesforce.admin.counters().apiCalls),
      graphRequestsPerChange: per(graphRequests),
    },
  };
}

export async function runLatency(options: LatencyOptions): Promise<LatencyResult> {
  const stack: LocalStack = await startLocalStack({
    seed: { salesforce: 'none', mailboxes: options.mailboxes },
    start: false,
    latencyMs: options.latencyMs,
    runtime: { ...SCHEDULER },
  });
  try {
    // First runs (empty mailboxes) set every cursor; then the live paths take over.
    await runAll(stack, stack.mailboxes.map((m) => m.mailboxSyncId), SCHEDULER.concurrency, 600_000);
    // Driven directly, those runs left each mailbox's poll due; the scheduler would have set the
    // next one a plan interval later (Real-time: the 15-minute backstop).
    for (const m of stack.mailboxes) await stack.store.updateMailbox(m.mailboxSyncId, { nextRunAt: Date.now() + PLAN_INTERVAL_MS['Real-time'] });
    await stack.runtime.startFeeds();
    const detection = await detectionCost(stack, Math.min(20, stack.mailboxes.length));
    stack.runtime.scheduler.start();
    const folders = new Map<string, string>();
    for (const m of stack.mailboxes) folders.set(m.address, (await containersOf(stack, m)).contactFolderId);
    const mailboxOf = (n: number): StackMailbox => stack.mailboxes[n % stack.mailboxes.length]!;

    const toExchange = await costed(stack, options.changes, () => measure(
      options,
      (n) => {
        const m = mailboxOf(n);
        const startedAt = performance.now();
        const id = stack.salesforce.admin.insert('Contact', { FirstName: 'Live', LastName: `SF-${n}`, Email: `live${n}@sf.example`, OwnerId: m.salesforceUserId }, { asUserId: m.salesforceUserId });
        return { mailbox: m, key: id, startedAt };
      },
      (pending) => {
        const seen = new Set<string>();
        for (const address of new Set(pending.map((p) => p.mailbox.address))) {
          for (const item of stack.graph.admin.items(address, 'contact')) {
            const props = (item.singleValueExtendedProperties ?? []) as Array<{ id: string; value: string }>;
            const stamp = props.find((p) => /Name SalesforceId$/i.test(p.id))?.value;
            if (stamp) seen.add(stamp);
          }
        }
        return seen;
      },
    ));

    const toSalesforce = await costed(stack, options.changes, () => measure(
      options,
      (n) => {
        const m = mailboxOf(n);
        const email = `live${n}@ex.example`;
        const startedAt = performance.now();
        stack.graph.admin.userCreateContact(m.address, folders.get(m.address)!, { givenName: 'Live', surname: `EX-${n}`, emailAddresses: [{ address: email, name: `Live EX-${n}` }] });
        return { mailbox: m, key: email, startedAt };
      },
      newContacts(stack),
    ));
    return { options, scheduler: SCHEDULER, toExchange, toSalesforce, detection };
  } finally {
    await stack.close();
  }
}
