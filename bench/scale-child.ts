// The scale scenario's worker, alone in its own process (./scenarios/scale.ts runs the emulators):
// this process's RSS is the worker's with 1,000 mailboxes. Production wiring as main.ts makes it
// with --role all (the real store, jsforce with a password grant, the Graph client over HTTPS, the
// web app receiving Graph notifications, so provisioning makes the subscriptions; the scheduler not
// started), and the production start command's Node flags (./drive.ts).
//
// Protocol (IPC; wiring as JSON in SCC_BENCH_CHILD): after refreshMailboxes (provisioning) the
// child sends { type: 'ready', setupSeconds, rssMB }, then answers each command of the parent
// with { type: 'done', id, value } (or { type: 'failed', id, message }):
//   runAll { ids, concurrency, budgetMs } → { ran, failed, failures, ms }  one run per mailbox (a failed one once more), `concurrency` at once
//   maintain                              → null                subscription upkeep, once
//   startFeeds                            → null                the Salesforce CDC feeds (hints)
//   listHints { mailboxId? } / takeHints { mailboxId }         the store's hints
//   memory                                → { rssMB, peakRssMB, maxRssMB, heapUsedMB }
//   exit                                  → the child closes everything and exits
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGraphClient } from '../worker/src/graph/client.ts';
import { createRuntime } from '../worker/src/runtime/runtime.ts';
import { connectSalesforce } from '../worker/src/salesforce/connection.ts';
import { openStore } from '../worker/src/store/store.ts';
import { listenBeforeRuntime } from '../scripts/lib/stack.ts';
import { lifetimeMaxRssMB, startMemoryProbe } from './memory-probe.ts';
import type { ChildWiring } from './worker-child.ts';

export type ScaleChildWiring = Pick<ChildWiring, 'salesforce' | 'graph'> & { concurrency: number };

export type ScaleCommand =
  | { id: number; cmd: 'runAll'; ids: string[]; concurrency: number; budgetMs: number }
  | { id: number; cmd: 'maintain' | 'startFeeds' | 'memory' | 'exit' }
  | { id: number; cmd: 'listHints'; mailboxId?: string }
  | { id: number; cmd: 'takeHints'; mailboxId: string };

export interface ScaleMemory {
  rssMB: number;
  /** Highest RSS sampled since the child started (every 50 ms). */
  peakRssMB: number;
  maxRssMB: number;
  heapUsedMB: number;
}

const mb = (bytes: number): number => Math.round(bytes / 1_048_576);

async function main(): Promise<void> {
  const wiring = JSON.parse(process.env.SCC_BENCH_CHILD ?? '') as ScaleChildWiring;
  const probe = startMemoryProbe();
  const dir = mkdtempSync(join(tmpdir(), 'scc-scale-'));
  const store = await openStore(`sqlite:${join(dir, 'scc.db')}`);
  const sf = await connectSalesforce({ loginUrl: wiring.salesforce.loginUrl, auth: { kind: 'password', ...wiring.salesforce } });
  const graph = createGraphClient(wiring.graph);
  // the web app listens first: Graph validates a subscription's notificationUrl when it is made
  const web = await listenBeforeRuntime(store);
  const publicUrl = web.url;
  const runtime = createRuntime({ store, sf, graph, owner: `bench-${process.pid}`, concurrency: wiring.concurrency, publicUrl });
  web.attach(runtime);
  const send = (message: unknown): Promise<void> => new Promise((resolve) => process.send!(message, () => resolve()));

  const t0 = performance.now();
  await runtime.refreshMailboxes();
  await send({ type: 'ready', setupSeconds: Math.round((performance.now() - t0) / 100) / 10, rssMB: mb(process.memoryUsage().rss) });

  const handle = async (c: ScaleCommand): Promise<unknown> => {
    switch (c.cmd) {
      case 'runAll': {
        const started = performance.now();
        let next = 0;
        let ran = 0;
        let failed = 0;
        const failures: string[] = [];
        await Promise.all(
          Array.from({ length: Math.max(1, c.concurrency) }, async () => {
            while (next < c.ids.length && performance.now() - started < c.budgetMs) {
              const id = c.ids[next++]!;
              // a run that fails is run once more, as the scheduler retries (every failure is reported)
              for (let attempt = 1; attempt <= 2; attempt++) {
                try {
                  const result = await runtime.runMailbox(id, 'sync-now');
                  if (result.ok) {
                    ran += 1;
                    break;
                  }
                  failures.push(`${id} (run ${attempt}): ${result.error ?? 'failed'}`);
                } catch (error) {
                  failures.push(`${id} (run ${attempt}): ${(error as Error).message}`);
                }
                if (attempt === 2) failed += 1;
              }
            }
          }),
        );
        return { ran, failed, failures: failures.slice(0, 10), ms: performance.now() - started };
      }
      case 'maintain':
        await runtime.maintain();
        return null;
      case 'startFeeds':
        await runtime.startFeeds();
        return null;
      case 'listHints':
        return store.listHints(c.mailboxId);
      case 'takeHints':
        return store.takeHints(c.mailboxId, Date.now() + 1);
      case 'memory':
        return { rssMB: mb(process.memoryUsage().rss), peakRssMB: probe.peakMB(), maxRssMB: lifetimeMaxRssMB(), heapUsedMB: mb(process.memoryUsage().heapUsed) } satisfies ScaleMemory;
      case 'exit':
        return null;
    }
  };

  // commands run one at a time, in order
  let chain = Promise.resolve();
  process.on('message', (c: ScaleCommand) => {
    chain = chain.then(async () => {
      try {
        await send({ type: 'done', id: c.id, value: await handle(c) });
      } catch (error) {
        await send({ type: 'failed', id: c.id, message: (error as Error).message });
      }
      if (c.cmd === 'exit') {
        probe.stop();
        await runtime.stop();
        await web.close();
        await graph.close();
        await sf.close();
        await store.close();
        rmSync(dir, { recursive: true, force: true });
        process.exit(0);
      }
    });
  });
}

await main();
