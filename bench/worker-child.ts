// A worker alone in its own process: the emulators live in the bench process (../drive.ts
// startChild), so this process's CPU time and RSS are the worker's (runtime, jsforce, Graph
// client, SQLite store) and nothing else. Production wiring: the real store, jsforce with a
// password grant, the Graph client over HTTPS, runtime.runMailbox as the scheduler calls it.
//
// Protocol (an IPC channel to the parent; wiring as JSON in SCC_BENCH_CHILD):
//   child → parent  { type: 'ready', mailboxes }     after refreshMailboxes (provisioned containers)
//   parent → child  { type: 'go' }                   the parent has seeded; runs start now
//   child → parent  { type: 'ran', mailboxSyncId, itemsSynced, runs }   after each run (until 'parent')
//   parent → child  { type: 'again', value: bool }   answer to 'ran' (until 'parent')
//   child → parent  { type: 'result', result }       last message; the child then exits
// Without an IPC channel (spawned plainly) it starts at once and prints the result as one JSON line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kind } from '../worker/src/core/types.ts';
import { createGraphClient } from '../worker/src/graph/client.ts';
import { DEFAULT_KINDS } from '../worker/src/runtime/kinds.ts';
import { storedSettings } from '../worker/src/runtime/mailbox-config.ts';
import { createRuntime } from '../worker/src/runtime/runtime.ts';
import { connectSalesforce } from '../worker/src/salesforce/connection.ts';
import { openStore } from '../worker/src/store/store.ts';
import { lifetimeMaxRssMB, startMemoryProbe } from './memory-probe.ts';

export interface ChildWiring {
  salesforce: { loginUrl: string; username: string; password: string; clientId: string; clientSecret: string };
  graph: { baseUrl: string; tokenUrl: string; tenantId: string; clientId: string; clientSecret: string; caCert: string };
  /** One mailbox (the memory scenario's form); merged with mailboxSyncIds. */
  mailboxSyncId?: string;
  mailboxSyncIds?: string[];
  /** Mailboxes run at once (default 1; the scheduler's default is 4). */
  concurrency?: number;
  /**
   * When a mailbox runs again: 'idle' until a run writes nothing (default), 'once' one run each,
   * 'parent' as the parent answers after each run (it sees the other side: "holds everything").
   */
  until?: 'idle' | 'once' | 'parent';
  /** Only these kinds (default: every kind the Mailbox_Sync__c record enables). */
  kinds?: Kind[];
  /** Filed emails off (default: as Mailbox_Sync__c says). */
  noEmail?: boolean;
  budgetMs: number;
  /** Store URL (default: SQLite in a temp dir, removed at the end). */
  storeUrl?: string;
}

export interface ChildMailbox {
  mailboxSyncId: string;
  address: string;
  provisioned?: { contactFolderId: string; todoListId: string };
}

export interface ChildResult {
  runs: number;
  written: number;
  /** From 'go' to the end of the last run. */
  seconds: number;
  done: boolean;
  /** This process's CPU (user + system) from 'go' to the end of the last run, and in all. */
  cpuSeconds: number;
  cpuSecondsTotal: number;
  rssAfterStartMB: number;
  peakRssMB: number;
  maxRssMB: number;
  heapUsedMB: number;
  failures: string[];
  /** Share of 5 ms samples with a Graph request of the mailboxes in flight (1 = the wire never idle). */
  graphBusy: number;
  /** Mean share of the mailboxes' 4 Graph slots in use over those samples (1 = always 4 in flight). */
  graphFill: number;
}

type ParentMessage = { type: 'go' } | { type: 'again'; value: boolean };

const ipc = typeof process.send === 'function';
const inbox: ParentMessage[] = [];
const waiting: Array<(m: ParentMessage) => void> = [];
if (ipc) {
  process.on('message', (m: ParentMessage) => {
    const next = waiting.shift();
    if (next) next(m);
    else inbox.push(m);
  });
}
function receive(): Promise<ParentMessage> {
  const m = inbox.shift();
  return m ? Promise.resolve(m) : new Promise((resolve) => waiting.push(resolve));
}
function send(message: unknown): Promise<void> {
  return new Promise((resolve) => process.send!(message, () => resolve()));
}

const cpuSeconds = (since?: NodeJS.CpuUsage): number => {
  const c = process.cpuUsage(since);
  return Math.round((c.user + c.system) / 1e4) / 100;
};

async function main(): Promise<void> {
  const wiring = JSON.parse(process.env.SCC_BENCH_CHILD ?? '') as ChildWiring;
  const ids = [...new Set([...(wiring.mailboxSyncId ? [wiring.mailboxSyncId] : []), ...(wiring.mailboxSyncIds ?? [])])];
  const until = wiring.until ?? 'idle';
  const dir = wiring.storeUrl ? undefined : mkdtempSync(join(tmpdir(), 'scc-bench-'));
  const store = await openStore(wiring.storeUrl ?? `sqlite:${join(dir!, 'scc.db')}`);
  const sf = await connectSalesforce({ loginUrl: wiring.salesforce.loginUrl, auth: { kind: 'password', ...wiring.salesforce } });
  const graph = createGraphClient(wiring.graph);
  const kinds = wiring.kinds ? DEFAULT_KINDS.filter((k) => wiring.kinds!.includes(k.kind)) : undefined;
  const runtime = createRuntime({ store, sf, graph, owner: `bench-${process.pid}`, ...(kinds ? { kinds } : {}), ...(wiring.noEmail ? { email: false as const } : {}) });
  const failures: string[] = [];
  try {
    await runtime.refreshMailboxes();
    const mailboxes: ChildMailbox[] = [];
    for (const id of ids) {
      const row = await store.getMailbox(id);
      const p = row ? storedSettings(row) : undefined;
      mailboxes.push({ mailboxSyncId: id, address: p?.config.mailboxAddress ?? '', ...(p?.provisioned ? { provisioned: { contactFolderId: p.provisioned.contactFolderId, todoListId: p.provisioned.todoListId } } : {}) });
    }
    if (ipc) {
      await send({ type: 'ready', mailboxes });
      const go = await receive();
      if (go.type !== 'go') throw new Error(`bench child: expected 'go', got '${go.type}'`);
    }
    const rssAfterStartMB = Math.round(process.memoryUsage().rss / 1_048_576);
    // how often some Graph request of these mailboxes is on the wire (sampled every 5 ms)
    const gates = mailboxes.map((m) => m.address.toLowerCase());
    let samples = 0;
    let busy = 0;
    let slots = 0;
    const sampler = setInterval(() => {
      samples += 1;
      const inFlight = gates.reduce((n, g) => n + graph.limiter.stats(g).inFlight, 0);
      if (inFlight > 0) busy += 1;
      slots += inFlight;
    }, 5);
    sampler.unref();
    const probe = startMemoryProbe();
    const started = performance.now();
    const cpuAtGo = process.cpuUsage();
    let runs = 0;
    let written = 0;
    let settled = 0;
    let ended = performance.now();
    let cpuAtEnd: number | undefined;
    const report = (): ChildResult => ({
      runs,
      written,
      seconds: Math.round((ended - started) / 10) / 100,
      done: settled === ids.length,
      cpuSeconds: cpuAtEnd ?? cpuSeconds(cpuAtGo),
      cpuSecondsTotal: cpuSeconds(),
      rssAfterStartMB,
      peakRssMB: probe.stop(),
      maxRssMB: lifetimeMaxRssMB(),
      heapUsedMB: Math.round(process.memoryUsage().heapUsed / 1_048_576),
      failures: failures.slice(0, 10),
      graphBusy: samples > 0 ? Math.round((busy / samples) * 1000) / 1000 : 0,
      graphFill: samples > 0 && gates.length > 0 ? Math.round((slots / samples / (4 * gates.length)) * 1000) / 1000 : 0,
    });
    const finish = async (): Promise<void> => {
      const result = report();
      if (ipc) await send({ type: 'result', result });
      else process.stdout.write(`${JSON.stringify(result)}\n`);
    };
    // A run cannot be cut short from outside: at the budget, report what was reached and leave.
    const budget = setTimeout(() => {
      ended = performance.now();
      void finish().then(() => process.exit(0));
    }, wiring.budgetMs);
    const overBudget = (): boolean => performance.now() - started >= wiring.budgetMs;

    // one mailbox: run it until `until` says it is done (or it fails four times)
    const runOne = async (id: string): Promise<void> => {
      let failed = 0;
      while (!overBudget()) {
        runs += 1;
        let wrote = 0;
        try {
          const result = await runtime.runMailbox(id, 'sync-now');
          wrote = result.itemsSynced ?? 0;
          written += wrote;
        } catch (error) {
          failures.push((error as Error).message);
          if (++failed > 3) return;
        }
        ended = performance.now();
        cpuAtEnd = cpuSeconds(cpuAtGo);
        if (until === 'once') break;
        if (until === 'idle' && wrote === 0 && failed === 0) break;
        if (until === 'parent') {
          await send({ type: 'ran', mailboxSyncId: id, itemsSynced: wrote, runs });
          const answer = await receive();
          if (answer.type === 'again' && !answer.value) break;
        }
      }
      settled += 1;
    };
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(wiring.concurrency ?? 1, ids.length)) }, async () => {
        while (next < ids.length && !overBudget()) await runOne(ids[next++]!);
      }),
    );
    clearTimeout(budget);
    await finish();
  } finally {
    await runtime.stop();
    await graph.close();
    await sf.close();
    await store.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
