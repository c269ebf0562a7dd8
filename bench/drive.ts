// Drives mailbox runs the way the scheduler would, but measurably: run until the other side holds
// what it should, a run writes nothing (stuck), or the time budget is spent. Never sleeps.
import type { LocalStack } from '../scripts/lib/stack.ts';

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
