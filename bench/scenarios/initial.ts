// Initial sync of one mailbox, each direction: Salesforce records (contacts, events, tasks) into
// an empty mailbox, or Outlook items into an org without them. Wall time from the first run to the
// last item on the other side, items/s, the ratio to Graph's ceiling (4 requests in flight per
// mailbox ÷ latency), and the API cost from the emulators' counters (../economy.ts).
import { startLocalStack } from '../../scripts/lib/stack.ts';
import { runUntil } from '../drive.ts';
import { costOf, economyOf, type Cost, type Economy } from '../economy.ts';
import { exchangeCounts, salesforceCounts, seedExchange, seedSalesforce, total, type Volume } from '../seed.ts';
import { round } from '../stats.ts';

export interface InitialOptions {
  direction: 'toExchange' | 'toSalesforce';
  volume: Volume;
  latencyMs: number;
  budgetMs: number;
}

export interface InitialResult {
  direction: 'toExchange' | 'toSalesforce';
  latencyMs: number;
  volume: Volume;
  synced: Volume;
  done: boolean;
  runs: number;
  seconds: number;
  itemsPerSecond: number;
  /** 4 / latency: requests per second one mailbox allows at this latency. */
  ceilingPerSecond: number;
  ratioToCeiling: number;
  failures: string[];
  cost: Cost;
  economy: Economy;
}

export async function runInitial(options: InitialOptions): Promise<InitialResult> {
  const { direction, volume, latencyMs } = options;
  const stack = await startLocalStack({
    seed: { salesforce: 'none', mailboxes: 1, mailboxSync: { Sync_Events__c: volume.events > 0, Events_Direction__c: 'Both' } },
    start: false,
    latencyMs,
    // Exchange allows 10,000 requests per mailbox per 10 minutes; the full volume needs 14,000
    // writes, so under that limit the run waits out a Retry-After of minutes halfway. The issue's
    // ceiling is the 4-in-flight one, so that budget is lifted here (docs/benchmarks.md).
    graphRequestBudgetPer10Min: 1e9,
  });
  try {
    const m = stack.mailboxes[0]!;
    if (direction === 'toExchange') seedSalesforce(stack, m, volume, 'sf');
    else await seedExchange(stack, m, volume, 'ex');
    const other = (): Volume => (direction === 'toExchange' ? exchangeCounts(stack, m) : salesforceCounts(stack, m));
    const before = other();
    const synced = (): Volume => {
      const now = other();
      return { contacts: now.contacts - before.contacts, events: now.events - before.events, tasks: now.tasks - before.tasks };
    };
    stack.salesforce.admin.resetCounters();
    stack.graph.admin.resetCounters();
    const drive = await runUntil(stack, m.mailboxSyncId, () => total(synced()) >= total(volume), options.budgetMs);
    const cost = costOf(stack.salesforce.admin.counters(), stack.graph.admin.counters());
    const got = synced();
    const seconds = drive.ms / 1000;
    const itemsPerSecond = total(got) / seconds;
    const ceilingPerSecond = 4 / (Math.max(1, latencyMs) / 1000);
    return {
      direction,
      latencyMs,
      volume,
      synced: got,
      done: drive.done,
      runs: drive.runs,
      seconds: round(seconds, 2),
      itemsPerSecond: round(itemsPerSecond, 1),
      ceilingPerSecond,
      ratioToCeiling: round(itemsPerSecond / ceilingPerSecond, 3),
      failures: drive.failures,
      cost,
      economy: economyOf(direction, got, cost),
    };
  } finally {
    await stack.close();
  }
}
