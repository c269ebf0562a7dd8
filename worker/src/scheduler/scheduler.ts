// createScheduler(options) → { start, stop, tick, hint, syncNow, pause, resume }.
// Picks runnable mailboxes from the store, takes each one's lease before running it (several
// processes share one store), renews the lease while the run lasts and releases it after.
// Success schedules the next poll by plan; failure backs off exponentially with jitter, honouring
// Retry-After. A failing mailbox only ever affects its own schedule. Time comes from `clock`;
// tests drive everything through tick() with a fake clock and no sleeps.
// Latency: a hint dispatches at once (leading edge); a mailbox that started a hinted run less
// than `hintDelayMs` ago waits for the end of that window, so a burst of hints makes one more
// run, not one each. A finished run frees its slot for the next due mailbox at once. Runs for
// hints that name their kinds (./hints.ts) are incremental, so more of them (`hintedConcurrency`)
// may run at once than full runs (`concurrency`), and they never wait for a full-run slot: a
// mailbox due for its poll that also holds such hints runs incrementally first. An incremental
// run leaves the poll where it was (full runs still come on schedule). Hinted mailboxes are
// looked at first, oldest hint first. One mailbox never runs twice at once, in this process or
// across processes (leases).
import type { Logger } from 'pino';
import { SYNC_NOW_SOURCE } from '../store/ops.ts';
import type { Hint, Mailbox, Store } from '../store/types.ts';
import { hintScope } from './hints.ts';
import { DEFAULT_BACKOFF, PLAN_INTERVAL_MS, backoffDelay, type BackoffPolicy } from './plans.ts';

export type RunReason = 'schedule' | 'hint' | 'sync-now' | 'retry';

/** Incremental runs cost a few requests each; more of them in flight keeps hints from queueing. */
export const DEFAULT_HINTED_CONCURRENCY = 16;

export interface RunResult {
  ok: boolean;
  counts?: Record<string, number>;
  /** Items written on either side by this run, added to the mailbox's running total. */
  itemsSynced?: number;
  error?: string;
  /** From a provider's Retry-After: the earliest moment worth retrying, as a delay. */
  retryAfterMs?: number;
  /** Only the hinted kinds ran: the next poll stays where it was. */
  incremental?: boolean;
}

export interface RunContext {
  hints: Hint[];
  /** Aborted when the lease could not be renewed: another process may now own the mailbox. */
  signal: AbortSignal;
}

export interface Timers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface SchedulerOptions {
  store: Store;
  clock: () => number;
  runMailbox: (mailboxId: string, reason: RunReason, context: RunContext) => Promise<RunResult>;
  owner: string;
  concurrency?: number;
  leaseTtlMs?: number;
  random?: () => number;
  backoff?: BackoffPolicy;
  planIntervalMs?: Partial<typeof PLAN_INTERVAL_MS>;
  /** How often start() looks for due mailboxes. */
  pollIntervalMs?: number;
  /** A mailbox's hints arriving within this window after its last hinted run started coalesce into one more run. */
  hintDelayMs?: number;
  /** Runs in flight at most, counting hinted (incremental) runs; full runs stay within `concurrency`. */
  hintedConcurrency?: number;
  timers?: Timers;
  log?: Logger;
}

export interface RunOutcome {
  mailboxId: string;
  reason: RunReason;
  ok: boolean;
  error?: string;
  nextRunAt?: number;
}

export interface Scheduler {
  start(): void;
  /** Stops dispatching and waits for runs in flight; their leases are released. */
  stop(): Promise<void>;
  /** Starts every runnable mailbox that fits the concurrency and waits for those runs. */
  tick(): Promise<RunOutcome[]>;
  hint(mailboxId: string, source: string): Promise<void>;
  syncNow(mailboxId: string): Promise<Mailbox | undefined>;
  pause(mailboxId: string): Promise<Mailbox | undefined>;
  resume(mailboxId: string): Promise<Mailbox | undefined>;
  /** Mailbox ids this process is running right now. */
  running(): string[];
}

const defaultTimers: Timers = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function retryAfterOf(error: unknown): number | undefined {
  const v = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const { store, clock, runMailbox, owner, log } = options;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const leaseTtlMs = options.leaseTtlMs ?? 60_000;
  const random = options.random ?? Math.random;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const intervals = { ...PLAN_INTERVAL_MS, ...options.planIntervalMs };
  const timers = options.timers ?? defaultTimers;
  const pollIntervalMs = options.pollIntervalMs ?? 5_000;
  const hintDelayMs = options.hintDelayMs ?? 500;
  const hintedConcurrency = Math.max(concurrency, options.hintedConcurrency ?? DEFAULT_HINTED_CONCURRENCY);

  const inFlight = new Map<string, Promise<RunOutcome | undefined>>();
  /** Mailboxes in `inFlight` whose run is a full one (schedule, retry, Sync now). */
  const fullRuns = new Set<string>();
  /** When each mailbox last started a hinted run in this process (the coalescing window). */
  const hintedStartedAt = new Map<string, number>();
  let poller: unknown;
  let hintTimer: unknown;
  let hintTimerAt = Infinity;
  let started = false;
  let dispatching: Promise<Promise<RunOutcome | undefined>[]> | undefined;
  let queued: Promise<Promise<RunOutcome | undefined>[]> | undefined;

  function isDue(m: Mailbox, hints: Hint[], now: number): boolean {
    if (m.state !== 'active') return false;
    if (m.retryAt !== null && m.retryAt > now) return false;
    if (m.nextRunAt !== null && m.nextRunAt <= now) return true;
    return hints.some((h) => h.source === SYNC_NOW_SOURCE || m.plan === 'Real-time');
  }

  /** Runs a mailbox whose lease the caller has just taken; releases the lease at the end. */
  async function runOne(mailboxId: string, mode: 'full' | 'incremental'): Promise<RunOutcome | undefined> {
    const controller = new AbortController();
    let renewer: unknown;
    let runId: number | undefined;
    try {
      const now = clock();
      // Re-check under the lease: another process may have run it between listing and leasing.
      const mailbox = await store.getMailbox(mailboxId);
      if (!mailbox || !isDue(mailbox, await store.listHints(mailboxId), now)) return undefined;
      const hints = await store.takeHints(mailboxId, now);
      const reason: RunReason = hints.some((h) => h.source === SYNC_NOW_SOURCE)
        ? 'sync-now'
        : mailbox.retryAt !== null
          ? 'retry'
          : mode === 'incremental' || (hints.length > 0 && !(mailbox.nextRunAt !== null && mailbox.nextRunAt <= now))
            ? 'hint'
            : 'schedule';
      runId = await store.startRun(mailboxId, reason);
      renewer = timers.setInterval(() => {
        store.renewLease(mailboxId, owner, leaseTtlMs).then(
          (ok) => {
            if (!ok) controller.abort(new Error('lease lost'));
          },
          (error: unknown) => log?.warn({ mailboxId, err: error }, 'lease renewal failed'),
        );
      }, Math.max(1_000, Math.floor(leaseTtlMs / 3)));

      let result: RunResult;
      try {
        result = await runMailbox(mailboxId, reason, { hints, signal: controller.signal });
      } catch (error) {
        result = { ok: false, error: errorMessage(error), ...(retryAfterOf(error) !== undefined ? { retryAfterMs: retryAfterOf(error) } : {}) };
      }

      const end = clock();
      const current = (await store.getMailbox(mailboxId)) ?? mailbox;
      let nextRunAt: number;
      if (result.ok) {
        nextRunAt = result.incremental && current.nextRunAt !== null ? current.nextRunAt : end + intervals[current.plan];
        await store.updateMailbox(mailboxId, {
          nextRunAt,
          retryAt: null,
          backoffAttempts: 0,
          lastError: null,
          lastRunAt: end,
          lastSuccessAt: end,
          itemsSynced: current.itemsSynced + (result.itemsSynced ?? 0),
        });
      } else {
        const attempts = current.backoffAttempts + 1;
        nextRunAt = end + backoffDelay(attempts, random, backoff, result.retryAfterMs);
        await store.updateMailbox(mailboxId, {
          nextRunAt,
          retryAt: nextRunAt,
          backoffAttempts: attempts,
          lastError: result.error ?? 'sync failed',
          lastRunAt: end,
        });
        log?.warn({ mailboxId, attempts, retryInMs: nextRunAt - end, error: result.error }, 'mailbox run failed; backing off');
      }
      await store.finishRun(runId, { counts: result.counts ?? {}, error: result.ok ? null : (result.error ?? 'sync failed') });
      return { mailboxId, reason, ok: result.ok, nextRunAt, ...(result.ok ? {} : { error: result.error ?? 'sync failed' }) };
    } catch (error) {
      // A store failure for one mailbox is logged and contained; its lease simply expires if
      // the release below fails too.
      log?.error({ mailboxId, err: error }, 'scheduler bookkeeping failed');
      if (runId !== undefined) await store.finishRun(runId, { error: errorMessage(error) }).catch(() => undefined);
      return { mailboxId, reason: 'schedule', ok: false, error: errorMessage(error) };
    } finally {
      if (renewer !== undefined) timers.clearInterval(renewer);
      if (!controller.signal.aborted) await store.releaseLease(mailboxId, owner).catch(() => undefined);
    }
  }

  /**
   * How a runnable mailbox runs now: 'incremental' when all its hints name kinds (even if its
   * poll is due too: that full run follows); 'full' when it is retrying, asked to Sync now, due
   * with no hints, or holds a hint that names no kind.
   */
  async function modeOf(m: Mailbox): Promise<'full' | 'incremental'> {
    if (m.retryAt !== null) return 'full';
    const sources = (await store.listHints(m.id)).map((h) => h.source);
    return hintScope(sources) ? 'incremental' : 'full';
  }

  /**
   * Mailboxes holding hints, oldest hint first: the runnable list is ordered by next poll, so
   * behind a backlog of due polls a hinted mailbox would not be listed at all.
   */
  async function hintedFirst(now: number, limit: number): Promise<Mailbox[]> {
    const byMailbox = new Map<string, Hint[]>();
    for (const h of await store.listHints()) {
      if (!inFlight.has(h.mailboxId)) byMailbox.set(h.mailboxId, [...(byMailbox.get(h.mailboxId) ?? []), h]);
    }
    const oldest = (hints: Hint[]): number => Math.min(...hints.map((h) => h.firstReceivedAt));
    const ids = [...byMailbox].sort((a, b) => oldest(a[1]) - oldest(b[1])).map(([id]) => id);
    const out: Mailbox[] = [];
    for (const id of ids) {
      if (out.length >= limit) break;
      const m = await store.getMailbox(id);
      if (m && isDue(m, byMailbox.get(id)!, now)) out.push(m);
    }
    return out;
  }

  async function dispatchOnce(): Promise<Promise<RunOutcome | undefined>[]> {
    const launched: Promise<RunOutcome | undefined>[] = [];
    const free = hintedConcurrency - inFlight.size;
    if (free <= 0) return launched;
    const now = clock();
    let candidates: Mailbox[];
    try {
      const listed = await store.listRunnableMailboxes(now, free + inFlight.size + 10);
      candidates = [...(await hintedFirst(now, free)), ...listed];
    } catch (error) {
      log?.error({ err: error }, 'could not list runnable mailboxes');
      return launched;
    }
    let windowEnd = Infinity;
    const considered = new Set<string>();
    for (const m of candidates) {
      if (inFlight.size >= hintedConcurrency) break;
      if (considered.has(m.id)) continue;
      considered.add(m.id);
      // `inFlight` is the in-process guard (re-taking one's own lease succeeds); the lease is the
      // cross-process one. Taking it before launching means a mailbox held elsewhere never
      // occupies one of our slots.
      if (inFlight.has(m.id)) continue;
      let hinted: boolean;
      try {
        hinted = (await modeOf(m)) === 'incremental';
      } catch (error) {
        log?.warn({ mailboxId: m.id, err: error }, 'could not read hints');
        continue;
      }
      if (!hinted && fullRuns.size >= concurrency) continue;
      const last = hintedStartedAt.get(m.id);
      if (hinted && last !== undefined && now - last < hintDelayMs) {
        windowEnd = Math.min(windowEnd, last + hintDelayMs);
        continue;
      }
      let leased = false;
      try {
        leased = await store.takeLease(m.id, owner, leaseTtlMs);
      } catch (error) {
        log?.warn({ mailboxId: m.id, err: error }, 'could not take lease');
      }
      if (!leased) continue;
      if (hinted) hintedStartedAt.set(m.id, now);
      else fullRuns.add(m.id);
      const p = runOne(m.id, hinted ? 'incremental' : 'full').finally(() => {
        inFlight.delete(m.id);
        fullRuns.delete(m.id);
        // The freed slot goes to the next due mailbox now, not at the next poll.
        if (started) void dispatch();
      });
      inFlight.set(m.id, p);
      launched.push(p);
    }
    if (windowEnd !== Infinity) dispatchAt(windowEnd);
    forgetOldWindows(now);
    return launched;
  }

  function forgetOldWindows(now: number): void {
    for (const [id, at] of hintedStartedAt) if (now - at >= hintDelayMs) hintedStartedAt.delete(id);
  }

  // Serialise dispatches so two triggers (poll, hint, a finished run) never launch the same
  // mailbox twice; triggers that arrive while one dispatch waits to start share it.
  function dispatch(): Promise<Promise<RunOutcome | undefined>[]> {
    if (queued) return queued;
    const next = (dispatching ?? Promise.resolve([])).then(() => {
      queued = undefined;
      return dispatchOnce();
    });
    queued = next;
    dispatching = next;
    return next;
  }

  /** One timer for the earliest end of a coalescing window that holds a hinted mailbox back. */
  function dispatchAt(at: number): void {
    if (!started || at >= hintTimerAt) return;
    if (hintTimer !== undefined) timers.clearTimeout(hintTimer);
    hintTimerAt = at;
    hintTimer = timers.setTimeout(
      () => {
        hintTimer = undefined;
        hintTimerAt = Infinity;
        void dispatch();
      },
      Math.max(0, at - clock()),
    );
  }

  function wake(): void {
    if (started) void dispatch();
  }

  return {
    start() {
      if (started) return;
      started = true;
      poller = timers.setInterval(() => void dispatch(), pollIntervalMs);
      void dispatch();
    },

    async stop() {
      started = false;
      if (poller !== undefined) timers.clearInterval(poller);
      if (hintTimer !== undefined) timers.clearTimeout(hintTimer);
      poller = undefined;
      hintTimer = undefined;
      hintTimerAt = Infinity;
      await dispatching;
      await Promise.allSettled([...inFlight.values()]);
    },

    async tick() {
      const launched = await dispatch();
      const outcomes = await Promise.all(launched);
      return outcomes.filter((o): o is RunOutcome => o !== undefined);
    },

    async hint(mailboxId, source) {
      await store.addHint(mailboxId, source);
      wake();
    },

    async syncNow(mailboxId) {
      const m = await store.getMailbox(mailboxId);
      if (!m) return undefined;
      // A user asking explicitly overrides the backoff wait; the hint makes any plan runnable
      // and is visible to every process sharing the store.
      const updated = await store.updateMailbox(mailboxId, { retryAt: null });
      await store.addHint(mailboxId, SYNC_NOW_SOURCE);
      wake();
      return updated;
    },

    async pause(mailboxId) {
      const m = await store.getMailbox(mailboxId);
      if (!m) return undefined;
      return store.updateMailbox(mailboxId, { state: 'paused' });
    },

    async resume(mailboxId) {
      const m = await store.getMailbox(mailboxId);
      if (!m) return undefined;
      const updated = await store.updateMailbox(mailboxId, { state: 'active', nextRunAt: clock(), retryAt: null, backoffAttempts: 0 });
      wake();
      return updated;
    },

    running() {
      return [...inFlight.keys()];
    },
  };
}
