// Scheduler scenarios on an in-memory store with a fake clock: every step is a tick(), no sleeps.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Plan, type Store } from '../store/index.ts';
import { backoffDelay, DEFAULT_BACKOFF } from './plans.ts';
import { createScheduler, type RunReason, type RunResult, type Timers } from './scheduler.ts';

const MIN = 60_000;
const A = 'a00000000000001AAA';
const B = 'a00000000000002AAA';

function fakeTimers() {
  const intervals: (() => void)[] = [];
  const timeouts: (() => void)[] = [];
  const timers: Timers = {
    setInterval: (fn) => intervals.push(fn),
    clearInterval: () => undefined,
    setTimeout: (fn) => timeouts.push(fn),
    clearTimeout: () => undefined,
  };
  return { timers, intervals, timeouts };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('scheduler', () => {
  let now: number;
  let store: Store;
  const clock = () => now;
  let calls: { id: string; reason: RunReason }[];

  beforeEach(async () => {
    now = 10_000_000;
    store = await openStore('sqlite::memory:', { clock });
    calls = [];
  });
  afterEach(async () => {
    await store.close();
  });

  async function mailbox(id: string, plan: Plan, nextRunAt: number | null = now) {
    await store.upsertMailbox({ id, address: `${id}@example.com`, state: 'active', plan, nextRunAt });
  }

  function scheduler(run: (id: string) => Promise<RunResult> | RunResult = () => ({ ok: true }), extra: Partial<Parameters<typeof createScheduler>[0]> = {}) {
    return createScheduler({
      store,
      clock,
      owner: 'worker-1',
      random: () => 0,
      timers: fakeTimers().timers,
      runMailbox: async (id, reason) => {
        calls.push({ id, reason });
        return run(id);
      },
      ...extra,
    });
  }

  it('runs a Basic mailbox every 30 minutes and a Professional one every 5', async () => {
    await mailbox(A, 'Basic');
    await mailbox(B, 'Professional');
    const s = scheduler();
    expect((await s.tick()).map((o) => o.mailboxId).sort()).toEqual([A, B]);
    now += 5 * MIN;
    expect((await s.tick()).map((o) => o.mailboxId)).toEqual([B]);
    const start = now - 5 * MIN;
    now += 4 * MIN;
    expect(await s.tick()).toEqual([]);
    now = start + 30 * MIN - 1;
    expect((await s.tick()).map((o) => o.mailboxId)).toEqual([B]);
    now = start + 30 * MIN;
    expect((await s.tick()).map((o) => o.mailboxId)).toEqual([A]);
    expect(calls.every((c) => c.reason === 'schedule')).toBe(true);
    expect((await store.getMailbox(A))?.lastSuccessAt).toBe(now);
  });

  it('runs a Real-time mailbox on a hint and polls it every 15 minutes as a backstop', async () => {
    await mailbox(A, 'Real-time');
    const s = scheduler();
    await s.tick();
    now += 1000;
    expect(await s.tick()).toEqual([]);
    await s.hint(A, 'graph');
    await s.hint(A, 'graph'); // duplicates coalesce into one run
    expect(await s.tick()).toMatchObject([{ mailboxId: A, reason: 'hint', ok: true }]);
    expect(await s.tick()).toEqual([]);
    now += 15 * MIN;
    expect(await s.tick()).toMatchObject([{ mailboxId: A, reason: 'schedule' }]);
  });

  it('ignores hints on Basic, but Sync now runs any plan at once, even during backoff', async () => {
    await mailbox(A, 'Basic');
    let fail = true;
    const s = scheduler(() => (fail ? { ok: false, error: 'temporary' } : { ok: true }));
    await s.tick();
    await s.hint(A, 'graph');
    now += 1000;
    expect(await s.tick()).toEqual([]);
    fail = false;
    expect(await s.syncNow(A)).toBeDefined();
    expect(await s.tick()).toMatchObject([{ mailboxId: A, reason: 'sync-now', ok: true }]);
    expect(await s.syncNow('a00000000000009AAA')).toBeUndefined();
  });

  it('backs off exponentially with jitter, capped, and resets after a success', async () => {
    await mailbox(A, 'Professional');
    let fail = true;
    const s = scheduler(() => (fail ? { ok: false, error: 'Graph 503' } : { ok: true, itemsSynced: 7 }), { random: () => 1 });
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const [o] = await s.tick();
      delays.push(o!.nextRunAt! - now);
      now = o!.nextRunAt!;
    }
    expect(delays).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_800_000, 1_800_000]);
    const m = await store.getMailbox(A);
    expect(m).toMatchObject({ backoffAttempts: 8, lastError: 'Graph 503', retryAt: now });
    // Not runnable a moment before the retry time, even with a Sync-now-free hint.
    fail = false;
    const [ok] = await s.tick();
    expect(ok).toMatchObject({ reason: 'retry', ok: true, nextRunAt: now + 5 * MIN });
    expect(await store.getMailbox(A)).toMatchObject({ backoffAttempts: 0, retryAt: null, lastError: null, itemsSynced: 7 });
  });

  it('spreads retries with jitter from the injected random', () => {
    expect(backoffDelay(1, () => 0)).toBe(DEFAULT_BACKOFF.baseMs / 2);
    expect(backoffDelay(1, () => 0.5)).toBe(DEFAULT_BACKOFF.baseMs * 0.75);
    expect(backoffDelay(50, () => 1)).toBe(DEFAULT_BACKOFF.maxMs);
    expect(backoffDelay(1, () => 0, DEFAULT_BACKOFF, 10 * 3_600_000)).toBe(DEFAULT_BACKOFF.maxRetryAfterMs);
  });

  it('honours Retry-After from a thrown error or a result', async () => {
    await mailbox(A, 'Professional');
    await mailbox(B, 'Professional');
    const s = scheduler((id) => {
      if (id === A) throw Object.assign(new Error('429 ApplicationThrottled'), { retryAfterMs: 120_000 });
      return { ok: false, error: 'REQUEST_LIMIT_EXCEEDED', retryAfterMs: 600_000 };
    });
    const outcomes = await s.tick();
    const byId = Object.fromEntries(outcomes.map((o) => [o.mailboxId, o]));
    expect(byId[A]).toMatchObject({ ok: false, error: '429 ApplicationThrottled', nextRunAt: now + 120_000 });
    expect(byId[B]).toMatchObject({ ok: false, nextRunAt: now + 600_000 });
  });

  it("never lets one mailbox's failure stop another", async () => {
    await mailbox(A, 'Professional');
    await mailbox(B, 'Professional');
    const s = scheduler((id) => {
      if (id === A) throw new TypeError('bug in mapping');
      return { ok: true };
    });
    const outcomes = await s.tick();
    expect(outcomes.find((o) => o.mailboxId === A)).toMatchObject({ ok: false, error: 'bug in mapping' });
    expect(outcomes.find((o) => o.mailboxId === B)).toMatchObject({ ok: true });
    const runs = await store.listRuns(A);
    expect(runs[0]).toMatchObject({ error: 'bug in mapping' });
    expect(await store.getLease(A)).toBeUndefined();
  });

  it('keeps at most `concurrency` runs in flight', async () => {
    const ids = [1, 2, 3, 4, 5].map((n) => `a0000000000000${n}AAA`);
    for (const id of ids) await mailbox(id, 'Professional');
    let active = 0;
    let peak = 0;
    const gates = new Map<string, ReturnType<typeof deferred<void>>>();
    const s = scheduler(
      async (id) => {
        active++;
        peak = Math.max(peak, active);
        const g = deferred<void>();
        gates.set(id, g);
        await g.promise;
        active--;
        return { ok: true };
      },
      { concurrency: 2 },
    );
    const first = s.tick();
    await expect.poll(() => gates.size).toBe(2);
    expect(s.running()).toHaveLength(2);
    expect(await s.tick()).toEqual([]); // full: nothing more starts
    for (const g of gates.values()) g.resolve();
    expect(await first).toHaveLength(2);
    // Drain the rest, releasing each run as it starts; never more than two at once.
    let finished = 2;
    while (finished < 5) {
      const next = s.tick();
      await expect.poll(() => [...gates.values()].length).toBeGreaterThan(finished);
      for (const g of gates.values()) g.resolve();
      finished += (await next).length;
    }
    expect(peak).toBe(2);
  });

  it('pauses and resumes', async () => {
    await mailbox(A, 'Professional');
    const s = scheduler();
    await s.pause(A);
    expect(await s.tick()).toEqual([]);
    await s.syncNow(A);
    expect(await s.tick()).toEqual([]); // paused wins over Sync now
    now += 60 * MIN;
    expect(await s.tick()).toEqual([]);
    expect((await s.resume(A))?.state).toBe('active');
    expect(await s.tick()).toMatchObject([{ mailboxId: A, ok: true }]);
    expect(await s.pause('a00000000000009AAA')).toBeUndefined();
  });

  it('skips a mailbox whose lease another process holds, and takes it over after expiry', async () => {
    await mailbox(A, 'Professional');
    expect(await store.takeLease(A, 'worker-2', 60_000)).toBe(true);
    const s = scheduler(undefined, { leaseTtlMs: 60_000 });
    expect(await s.tick()).toEqual([]);
    now += 60_000;
    expect(await s.tick()).toMatchObject([{ mailboxId: A, ok: true }]);
    expect(await store.getLease(A)).toBeUndefined();
  });

  it('does not let a mailbox leased elsewhere occupy one of its slots', async () => {
    await mailbox(A, 'Professional');
    await mailbox(B, 'Professional');
    expect(await store.takeLease(A, 'worker-2', 60_000)).toBe(true);
    const s = scheduler(undefined, { concurrency: 1 });
    expect(await s.tick()).toMatchObject([{ mailboxId: B, ok: true }]);
  });

  it('lets two schedulers on one database split mailboxes without running any twice', async () => {
    const ids = [1, 2, 3, 4, 5, 6].map((n) => `a0000000000000${n}AAA`);
    for (const id of ids) await mailbox(id, 'Professional');
    const gate = deferred<void>();
    const ranBy: Record<string, string[]> = {};
    const make = (owner: string) =>
      createScheduler({
        store,
        clock,
        owner,
        concurrency: 10,
        timers: fakeTimers().timers,
        runMailbox: async (id) => {
          (ranBy[id] ??= []).push(owner);
          await gate.promise;
          return { ok: true };
        },
      });
    const one = make('worker-1');
    const two = make('worker-2');
    const t1 = one.tick();
    const t2 = two.tick();
    await expect.poll(() => Object.keys(ranBy).length).toBe(6);
    gate.resolve();
    await Promise.all([t1, t2]);
    expect(Object.values(ranBy).every((owners) => owners.length === 1)).toBe(true);
  });

  it('keeps a hint that arrives during a run for the next run', async () => {
    await mailbox(A, 'Real-time');
    let first = true;
    const s: ReturnType<typeof scheduler> = scheduler(async () => {
      if (first) {
        first = false;
        now += 10;
        await s.hint(A, 'cdc');
      }
      return { ok: true };
    });
    await s.tick();
    expect(await s.tick()).toMatchObject([{ mailboxId: A, reason: 'hint' }]);
  });

  it('renews the lease while running and aborts the run when the lease is lost', async () => {
    await mailbox(A, 'Professional');
    const ft = fakeTimers();
    const gate = deferred<void>();
    let signal: AbortSignal | undefined;
    const s = createScheduler({
      store,
      clock,
      owner: 'worker-1',
      timers: ft.timers,
      leaseTtlMs: 30_000,
      runMailbox: async (_id, _reason, ctx) => {
        signal = ctx.signal;
        await gate.promise;
        return { ok: true };
      },
    });
    const t = s.tick();
    await expect.poll(() => ft.intervals.length).toBe(1);
    now += 20_000;
    ft.intervals[0]!();
    await expect.poll(async () => (await store.getLease(A))?.expiresAt).toBe(now + 30_000);
    // Another process steals the lease after expiry; the next renewal notices.
    now += 30_001;
    expect(await store.takeLease(A, 'worker-2', 30_000)).toBe(true);
    ft.intervals[0]!();
    await expect.poll(() => signal?.aborted).toBe(true);
    gate.resolve();
    await t;
    expect((await store.getLease(A))?.owner).toBe('worker-2');
  });

  it('start() polls on its interval, a hint runs its mailbox at once, stop() waits for runs', async () => {
    await mailbox(A, 'Real-time', now + 60 * MIN);
    const ft = fakeTimers();
    const s = scheduler(undefined, { timers: ft.timers });
    s.start();
    expect(ft.intervals).toHaveLength(1);
    await s.hint(A, 'graph');
    await expect.poll(() => calls.length).toBe(1);
    expect(ft.timeouts).toHaveLength(0); // leading edge: no coalescing wait before the first run
    await s.stop();
    expect(calls).toEqual([{ id: A, reason: 'hint' }]);
  });

  it('coalesces hints that arrive within the window after a hinted run started into one more run', async () => {
    await mailbox(A, 'Real-time', now + 60 * MIN);
    const ft = fakeTimers();
    const gate = deferred<void>();
    const s = scheduler(
      async () => {
        if (calls.length === 1) await gate.promise;
        return { ok: true };
      },
      { timers: ft.timers, hintDelayMs: 500 },
    );
    s.start();
    await s.hint(A, 'graph:contact');
    await expect.poll(() => s.running()).toEqual([A]);
    now += 100;
    await s.hint(A, 'graph:contact');
    await s.hint(A, 'salesforce:contact');
    gate.resolve();
    // The run ends inside the window: the next one waits for the window's end, then runs once.
    await expect.poll(() => ft.timeouts.length).toBe(1);
    expect(calls).toHaveLength(1);
    now += 400;
    ft.timeouts[0]!();
    await expect.poll(() => calls.length).toBe(2);
    await s.stop();
    expect(calls).toEqual([
      { id: A, reason: 'hint' },
      { id: A, reason: 'hint' },
    ]);
  });

  it('gives a finished run its slot to the next due mailbox without waiting for the poll', async () => {
    await mailbox(A, 'Professional');
    await mailbox(B, 'Professional');
    const ft = fakeTimers();
    const gates = new Map<string, ReturnType<typeof deferred<void>>>();
    const s = scheduler(
      async (id) => {
        const g = deferred<void>();
        gates.set(id, g);
        await g.promise;
        return { ok: true };
      },
      { timers: ft.timers, concurrency: 1, hintedConcurrency: 1 },
    );
    s.start();
    await expect.poll(() => gates.size).toBe(1);
    const [first] = [...gates.keys()];
    gates.get(first!)!.resolve();
    await expect.poll(() => gates.size).toBe(2);
    for (const g of gates.values()) g.resolve();
    await s.stop();
    expect(calls.map((c) => c.id).sort()).toEqual([A, B]);
  });

  it('runs more hinted (incremental) mailboxes at once than full runs, never one mailbox twice', async () => {
    const C = 'a00000000000003AAA';
    const D = 'a00000000000004AAA';
    await mailbox(A, 'Professional');
    await mailbox(B, 'Professional');
    await mailbox(C, 'Real-time', now + 60 * MIN);
    await mailbox(D, 'Real-time', now + 60 * MIN);
    const gate = deferred<void>();
    const s: ReturnType<typeof scheduler> = scheduler(
      async () => {
        await gate.promise;
        return { ok: true };
      },
      { concurrency: 1, hintedConcurrency: 3 },
    );
    await s.hint(C, 'graph:contact');
    await s.hint(D, 'salesforce:task');
    const t = s.tick();
    await expect.poll(() => calls.length).toBe(3);
    expect(await s.tick()).toEqual([]); // full: B waits for the one full slot, C and D run once
    gate.resolve();
    const outcomes = await t;
    expect(outcomes.map((o) => [o.mailboxId, o.reason]).sort()).toEqual([
      [A, 'schedule'],
      [C, 'hint'],
      [D, 'hint'],
    ]);
    expect((await s.tick()).map((o) => o.mailboxId)).toEqual([B]);
  });

  it('a hint that names its kind never waits for a full-run slot; incremental runs leave the poll where it was', async () => {
    await mailbox(A, 'Real-time');
    await mailbox(B, 'Real-time');
    const gate = deferred<void>();
    const s = scheduler(
      async (id) => {
        if (id === A) await gate.promise;
        return { ok: true, incremental: id === B };
      },
      { concurrency: 1, hintedConcurrency: 4 },
    );
    const due = now;
    await s.hint(B, 'graph:contact');
    const t = s.tick();
    // B, due as well, runs incrementally for its hint first; A takes the one full slot beside it.
    await expect.poll(() => calls.length).toBe(2);
    expect(calls).toEqual([
      { id: B, reason: 'hint' },
      { id: A, reason: 'schedule' },
    ]);
    gate.resolve();
    await t;
    expect((await store.getMailbox(B))?.nextRunAt).toBe(due); // still due: its full run comes next
    expect((await store.getMailbox(A))?.nextRunAt).toBe(now + 15 * MIN);
    expect(await s.tick()).toMatchObject([{ mailboxId: B, reason: 'schedule' }]);
  });

  it('a hint that names no kind (lifecycle, configuration) makes a full run and waits for a full slot', async () => {
    const C = 'a00000000000003AAA';
    await mailbox(A, 'Professional');
    await mailbox(B, 'Real-time', now + 60 * MIN);
    await mailbox(C, 'Real-time', now + 60 * MIN);
    const gate = deferred<void>();
    const s = scheduler(
      async () => {
        await gate.promise;
        return { ok: true };
      },
      { concurrency: 1, hintedConcurrency: 4 },
    );
    await s.hint(B, 'graph-lifecycle');
    now += 1;
    await s.hint(C, 'graph:contact');
    const t = s.tick();
    // Hinted mailboxes first, oldest hint first: B takes the full slot, C runs incrementally, A waits.
    await expect.poll(() => calls.length).toBe(2);
    expect(calls).toEqual([
      { id: B, reason: 'hint' },
      { id: C, reason: 'hint' },
    ]);
    expect(await s.tick()).toEqual([]);
    gate.resolve();
    await t;
    expect(await s.tick()).toMatchObject([{ mailboxId: A, reason: 'schedule' }]);
  });

  it('looks at hinted mailboxes before a backlog of due polls', async () => {
    const ids = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => `a0000000000000${n}AAA`);
    for (const id of ids) await mailbox(id, 'Real-time', now - 1000);
    const H = 'a00000000000009AAA';
    await mailbox(H, 'Real-time', now + 60 * MIN);
    const gate = deferred<void>();
    const s = scheduler(
      async () => {
        await gate.promise;
        return { ok: true };
      },
      // one slot free for listing: the due polls alone would fill the runnable list
      { concurrency: 1, hintedConcurrency: 2 },
    );
    await s.hint(H, 'salesforce:contact');
    const t = s.tick();
    await expect.poll(() => calls.length).toBe(2);
    expect(calls[0]).toEqual({ id: H, reason: 'hint' });
    gate.resolve();
    await t;
  });
});
