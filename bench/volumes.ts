// What each scenario runs with: the volumes (full) and a scaled-down set (quick) that a
// developer can run often. Budgets bound every scenario; a result says when a budget ran out first.
import type { EmulatorsOptions } from './scenarios/emulators.ts';
import type { InitialOptions } from './scenarios/initial.ts';
import type { LatencyOptions } from './scenarios/latency.ts';
import type { MemoryOptions } from './scenarios/memory.ts';
import type { ScaleOptions } from './scenarios/scale.ts';

export interface Plan {
  initial: Omit<InitialOptions, 'direction'>;
  latency: LatencyOptions;
  scale: ScaleOptions;
  memory: MemoryOptions;
  emulators: EmulatorsOptions;
}

export function planFor(mode: 'quick' | 'full', latencyMs: number): Plan {
  if (mode === 'quick') {
    return {
      initial: { volume: { contacts: 50, events: 10, tasks: 10 }, latencyMs, budgetMs: 20_000 },
      latency: { mailboxes: 5, changes: 25, ratePerSecond: 10, latencyMs, graceMs: 15_000 },
      scale: { mailboxes: 10, contactsPerMailbox: 5, latencyMs, budgetMs: 20_000, concurrency: 4, idleSample: 5 },
      memory: { contacts: 1_000, latencyMs: 0, budgetMs: 10_000 },
      emulators: { seconds: 1, records: 5_000 },
    };
  }
  return {
    initial: { volume: { contacts: 10_000, events: 2_000, tasks: 2_000 }, latencyMs, budgetMs: 150_000 },
    latency: { mailboxes: 100, changes: 1_000, ratePerSecond: 10, latencyMs, graceMs: 60_000 },
    scale: { mailboxes: 1_000, contactsPerMailbox: 100, latencyMs, budgetMs: 600_000, concurrency: 4, idleSample: 50 },
    memory: { contacts: 100_000, latencyMs: 0, budgetMs: 360_000 },
    emulators: { seconds: 5, records: 100_000 },
  };
}
