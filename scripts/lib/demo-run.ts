// runDemo(options) → the product's main job on embedded defaults, start to finish, in this
// process: the local stack (both emulators, the worker, SQLite in a temp dir), a seeded org and
// mailboxes, provisioning, the initial sync with progress per mailbox, live changes made as
// users would on both sides (each polled on the other side with a deadline and timed), and a
// summary of what was measured. Resolves with ok=false and a reason when something did not
// arrive in time; never throws for that. The stack is always closed (temp dir removed).
import { createLogger, type Logger } from '../../worker/src/log.ts';
import { createProgress } from './demo-progress.ts';
import { DEMO_CHANGES, type LiveChange, type ScenarioContext } from './demo-scenarios.ts';
import { seedDemo, type DemoMailbox, type DemoSize } from './demo-seed.ts';
import { apiTable, countsTable, diffCounts, latencyTable, type ApiUsage, type FlatCounts, type Latency, type PhaseReport } from './demo-summary.ts';
import { startLocalStack, type LocalStack } from './stack.ts';

export interface DemoOptions extends Partial<DemoSize> {
  /** How many mailboxes (Salesforce users with an Exchange mailbox); default 3. */
  mailboxes?: number;
  out?: NodeJS.WritableStream;
  /** Progress bars (true) or plain lines; default: whether `out` is a terminal. */
  tty?: boolean;
  /** Deadline for the initial sync of all mailboxes (ms). */
  initialDeadlineMs?: number;
  /** Deadline for each live change to arrive (ms). */
  changeDeadlineMs?: number;
  changes?: readonly LiveChange[];
  log?: Logger;
}

export interface DemoResult {
  ok: boolean;
  /** Why the demo failed (ok=false). */
  failure?: string;
  mailboxes: Array<{ address: string; expected: DemoMailbox['expected']; linked: Record<string, number> }>;
  initial: PhaseReport | undefined;
  live: PhaseReport | undefined;
  latencies: Latency[];
  seconds: number;
}

const POLL_MS = 20;

/** Polls `check` until it holds or the deadline passes; the elapsed ms, or undefined. */
export async function waitFor(check: () => boolean | Promise<boolean>, deadlineMs: number, started = Date.now()): Promise<number | undefined> {
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started >= deadlineMs) return undefined;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function apiUsage(stack: LocalStack): ApiUsage {
  const sf = stack.salesforce.admin.counters();
  const g = stack.graph.admin.counters();
  const batches = g.endpoints['POST $batch'] ?? 0;
  const all = Object.values(g.endpoints).reduce((a, b) => a + b, 0);
  return { salesforce: { apiCalls: sf.apiCalls, requests: sf.requests }, graph: { requests: all - batches, batches } };
}

function apiDiff(after: ApiUsage, before: ApiUsage): ApiUsage {
  return {
    salesforce: { apiCalls: after.salesforce.apiCalls - before.salesforce.apiCalls, requests: after.salesforce.requests - before.salesforce.requests },
    graph: { requests: after.graph.requests - before.graph.requests, batches: after.graph.batches - before.graph.batches },
  };
}

/** Everything the worker's runs recorded for these mailboxes, summed. */
async function runCounts(stack: LocalStack, ids: readonly string[]): Promise<FlatCounts> {
  const out: FlatCounts = {};
  for (const id of ids) {
    for (const run of await stack.store.listRuns(id, 100_000)) {
      for (const [k, v] of Object.entries(run.counts)) out[k] = (out[k] ?? 0) + v;
    }
  }
  return out;
}

async function linkedCounts(stack: LocalStack, mailboxId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const link of await stack.store.listLinks(mailboxId)) {
    // A write-ahead (pending) link has only one side yet: not synced.
    if (link.salesforceId && link.exchangeId) out[link.kind] = (out[link.kind] ?? 0) + 1;
  }
  return out;
}

/** True once no run is in flight or queued for these mailboxes and Graph has no notification in flight. */
async function settled(stack: LocalStack, ids: readonly string[], deadlineMs: number): Promise<boolean> {
  const ms = await waitFor(async () => {
    await stack.graph.admin.notificationsIdle();
    for (const id of ids) {
      if (stack.runtime.scheduler.running().includes(id)) return false;
      if ((await stack.store.listHints(id)).length > 0) return false;
    }
    return true;
  }, deadlineMs);
  return ms !== undefined;
}

const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const out = options.out ?? process.stdout;
  const tty = options.tty ?? Boolean((out as { isTTY?: boolean }).isTTY);
  const size: DemoSize = { contacts: options.contacts ?? 500, tasks: options.tasks ?? 100 };
  const mailboxCount = options.mailboxes ?? 3;
  const say = (line = ''): void => void out.write(`${line}\n`);
  const t0 = Date.now();
  const result: DemoResult = { ok: false, mailboxes: [], initial: undefined, live: undefined, latencies: [], seconds: 0 };

  say('SmartCloud Connect demo: emulated Salesforce org + emulated Exchange Online + the real worker on SQLite');
  const stack = await startLocalStack({
    seed: { salesforce: 'none', mailboxes: mailboxCount, plan: 'Real-time', mailboxSync: { Sync_Events__c: true, Events_Direction__c: 'Both' } },
    start: false,
    log: options.log ?? createLogger({ level: 'silent' }),
  });
  // Ctrl-C still closes the servers and removes the temp dir.
  const onSignal = (): void => {
    void stack.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    say(`  Salesforce emulator ${stack.salesforce.instanceUrl}, Graph emulator ${stack.graph.baseUrl}, worker ${stack.worker.url}`);
    say(`  store: SQLite in ${stack.dataDir} (removed at exit)`);

    const today = new Date(stack.salesforce.admin.now()).toISOString().slice(0, 10);
    const mailboxes = await seedDemo(stack, size, today);
    say(`  ${mailboxes.length} Mailbox_Sync__c records, each mailbox provisioned by the worker (Salesforce Contacts folder, Salesforce Tasks list, Salesforce Emails folder, Salesforce category)`);
    say(`  seeded ${size.contacts} Salesforce contacts and ${size.tasks} tasks across ${mailboxes.length} users;`);
    say('  in each mailbox: 2 Outlook contacts tagged "Salesforce", 1 moved into Salesforce Contacts, 1 personal contact, 2 To Do tasks');
    say('  calendars: 2 Salesforce events per user, 1 Outlook event tagged "Salesforce" and 1 personal event per mailbox');
    say();

    // Initial sync: the scheduler picks up the new mailboxes by itself; we only watch.
    say('Initial sync');
    const initialStart = Date.now();
    const apiBefore = apiUsage(stack);
    const progress = createProgress({ out, tty });
    for (const m of mailboxes) progress.add(m.address, m.expected.contact + m.expected.task);
    await stack.runtime.startFeeds();
    stack.runtime.scheduler.start();
    const deadline = options.initialDeadlineMs ?? 180_000;
    const done = await waitFor(async () => {
      let all = true;
      for (const m of mailboxes) {
        const linked = await linkedCounts(stack, m.mailboxSyncId);
        progress.update(m.address, sum(linked));
        const finished = (await stack.store.listRuns(m.mailboxSyncId, 5)).some((r) => r.finishedAt !== null && r.error === null);
        if (!finished || (linked.contact ?? 0) < m.expected.contact || (linked.task ?? 0) < m.expected.task || (linked.event ?? 0) < m.expected.event) all = false;
      }
      return all;
    }, deadline);
    progress.stop();
    for (const m of mailboxes) result.mailboxes.push({ address: m.address, expected: m.expected, linked: await linkedCounts(stack, m.mailboxSyncId) });
    if (done === undefined) {
      const behind = result.mailboxes.map((m) => `${m.address} ${sum(m.linked)}/${m.expected.contact + m.expected.task}`).join(', ');
      throw new DemoFailure(`the initial sync did not complete within ${deadline / 1000} s (${behind})`);
    }
    // The personal contact must have stayed out of Salesforce.
    for (const m of mailboxes) {
      const leaked = stack.salesforce.admin.query(`SELECT Id FROM Contact WHERE LastName = 'Personal-${m.address.split('@')[0]!}'`);
      if (leaked.length > 0) throw new DemoFailure(`a personal Outlook contact of ${m.address} (no category, outside the folder) was copied to Salesforce`);
    }
    const inSync = Date.now();
    // Our own writes come back as notifications and change events; let those echo runs finish
    // so the live changes below are timed on a quiet worker.
    const ids = mailboxes.map((m) => m.mailboxSyncId);
    if (!(await settled(stack, ids, 30_000))) throw new DemoFailure('the worker did not settle within 30 s after the initial sync');
    const liveStart = Date.now();
    const apiAfterInitial = apiUsage(stack);
    result.initial = {
      name: 'initial sync',
      seconds: (liveStart - initialStart) / 1000,
      counts: await runCounts(stack, ids),
      api: apiDiff(apiAfterInitial, apiBefore),
    };
    say(`  all ${mailboxes.length} mailboxes in sync after ${((inSync - initialStart) / 1000).toFixed(1)} s (echo runs settled after ${result.initial.seconds.toFixed(1)} s)`);
    say('  personal Outlook contacts (no category, outside the folder) stayed out of Salesforce');
    say();

    // Live changes, one at a time, spread over the mailboxes.
    say('Live changes (made as users would; each one polled on the other side until it arrives)');
    const used = new Set<string>();
    const changes = options.changes ?? DEMO_CHANGES;
    const changeDeadline = options.changeDeadlineMs ?? 30_000;
    for (const [n, change] of changes.entries()) {
      const mailbox = mailboxes[n % mailboxes.length]!;
      const ctx: ScenarioContext = {
        stack,
        mailbox,
        today,
        take(sobject) {
          const rows = stack.salesforce.admin.query(`SELECT Id FROM ${sobject} WHERE OwnerId = '${mailbox.salesforceUserId}' ORDER BY CreatedDate`);
          const hit = rows.map((r) => String(r.Id)).find((id) => !used.has(id));
          if (!hit) throw new Error(`no unused ${sobject} owned by ${mailbox.address} left for the demo`);
          used.add(hit);
          return hit;
        },
        async quiet() {
          if (!(await settled(stack, [mailbox.mailboxSyncId], changeDeadline))) throw new DemoFailure(`${mailbox.address} never went idle within ${changeDeadline / 1000} s`);
        },
      };
      const started = Date.now();
      const arrived = await change.act(ctx);
      const ms = await waitFor(arrived, changeDeadline, started);
      result.latencies.push({ label: change.label, kind: change.kind, origin: change.origin, ms });
      const to = change.origin === 'Salesforce' ? 'Outlook' : change.origin === 'Outlook' ? 'Salesforce' : 'both sides';
      say(ms === undefined ? `  ✗ ${change.label} (${mailbox.address}): did not reach ${to} within ${changeDeadline / 1000} s` : `  ✓ ${change.label} (${mailbox.address}) → ${to} in ${ms} ms`);
    }
    // Let the runs that carried the changes (and their echoes) finish before counting them.
    await settled(stack, ids, changeDeadline);
    const all = await runCounts(stack, ids);
    result.live = {
      name: 'live changes',
      seconds: (Date.now() - liveStart) / 1000,
      counts: diffCounts(all, result.initial.counts),
      api: apiDiff(apiUsage(stack), apiAfterInitial),
    };

    const missed = result.latencies.filter((l) => l.ms === undefined);
    result.ok = missed.length === 0;
    if (!result.ok) result.failure = `${missed.length} live change(s) never arrived within ${changeDeadline / 1000} s: ${missed.map((l) => l.label).join('; ')}`;

    say();
    say('Summary');
    say();
    say('Written by the worker during the initial sync (from its run records)');
    say(indent(countsTable(result.initial.counts)));
    say();
    say('Written by the worker for the live changes (including conflict resolution)');
    say(indent(countsTable(result.live.counts)));
    say();
    say('API calls counted by the emulators');
    say(indent(apiTable([result.initial, result.live])));
    say();
    say(indent(latencyTable(result.latencies)));
  } catch (error) {
    result.failure = error instanceof DemoFailure ? error.message : `unexpected error: ${(error as Error).message}`;
    result.ok = false;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stack.close();
  }
  result.seconds = (Date.now() - t0) / 1000;
  say();
  say(result.ok ? `Demo finished in ${result.seconds.toFixed(1)} s: every change arrived.` : `Demo FAILED after ${result.seconds.toFixed(1)} s: ${result.failure}`);
  return result;
}

class DemoFailure extends Error {}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
