// A worker alone in its own process, for memory measurements: the emulators live in the parent
// (./scenarios/memory.ts), so this process's peak RSS is the worker's (runtime, jsforce, Graph
// client, SQLite store) and nothing else. Reads its wiring as JSON from SCC_BENCH_CHILD, runs one
// mailbox until a run writes nothing or the budget is spent, and prints one JSON line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGraphClient } from '../worker/src/graph/client.ts';
import { createRuntime } from '../worker/src/runtime/runtime.ts';
import { connectSalesforce } from '../worker/src/salesforce/connection.ts';
import { openStore } from '../worker/src/store/store.ts';
import { lifetimeMaxRssMB, startMemoryProbe } from './memory-probe.ts';

export interface ChildWiring {
  salesforce: { loginUrl: string; username: string; password: string; clientId: string; clientSecret: string };
  graph: { baseUrl: string; tokenUrl: string; tenantId: string; clientId: string; clientSecret: string; caCert: string };
  mailboxSyncId: string;
  budgetMs: number;
}

export interface ChildResult {
  runs: number;
  written: number;
  seconds: number;
  done: boolean;
  rssAfterStartMB: number;
  peakRssMB: number;
  maxRssMB: number;
  heapUsedMB: number;
  failures: string[];
}

async function main(): Promise<void> {
  const wiring = JSON.parse(process.env.SCC_BENCH_CHILD ?? '') as ChildWiring;
  const dir = mkdtempSync(join(tmpdir(), 'scc-bench-'));
  const store = await openStore(`sqlite:${join(dir, 'scc.db')}`);
  const sf = await connectSalesforce({ loginUrl: wiring.salesforce.loginUrl, auth: { kind: 'password', ...wiring.salesforce } });
  const graph = createGraphClient(wiring.graph);
  const runtime = createRuntime({ store, sf, graph, owner: `bench-${process.pid}` });
  const failures: string[] = [];
  try {
    await runtime.refreshMailboxes();
    const rssAfterStartMB = Math.round(process.memoryUsage().rss / 1_048_576);
    const probe = startMemoryProbe();
    const started = performance.now();
    let runs = 0;
    let written = 0;
    let done = false;
    const report = (): ChildResult => ({
      runs,
      written,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      done,
      rssAfterStartMB,
      peakRssMB: probe.stop(),
      maxRssMB: lifetimeMaxRssMB(),
      heapUsedMB: Math.round(process.memoryUsage().heapUsed / 1_048_576),
      failures,
    });
    // A run cannot be cut short from outside: at the budget, report what was reached and leave.
    const budget = setTimeout(() => {
      process.stdout.write(`${JSON.stringify(report())}\n`);
      process.exit(0);
    }, wiring.budgetMs);
    while (performance.now() - started < wiring.budgetMs) {
      runs += 1;
      try {
        const result = await runtime.runMailbox(wiring.mailboxSyncId, 'sync-now');
        written += result.itemsSynced ?? 0;
        if ((result.itemsSynced ?? 0) === 0) {
          done = true;
          break;
        }
      } catch (error) {
        failures.push((error as Error).message);
        if (failures.length > 3) break;
      }
    }
    clearTimeout(budget);
    process.stdout.write(`${JSON.stringify(report())}\n`);
  } finally {
    await runtime.stop();
    await graph.close();
    await sf.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
