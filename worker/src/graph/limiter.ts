// Per-mailbox request gate for Microsoft Graph.
// Contract: `run(mailbox, fn)` starts fn only when fewer than `maxInFlight` calls for that
// mailbox are running (Graph allows 4 concurrent requests per app per mailbox) and not
// before the mailbox's Retry-After deadline set by `blockUntil`. Other mailboxes are never
// held up. Time comes from the injected clock, so tests advance it instead of sleeping.

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface MailboxLimiter {
  /** `weight` slots are taken at once (a $batch counts for the sub-requests it may run together). */
  run<T>(mailbox: string, fn: () => Promise<T>, weight?: number): Promise<T>;
  /** No request for this mailbox starts before `until` (epoch ms); a later deadline wins. */
  blockUntil(mailbox: string, until: number): void;
  blockedUntil(mailbox: string): number;
  /** Requests running now and the most ever seen at once, per mailbox. */
  stats(mailbox: string): { inFlight: number; peak: number; waiting: number };
}

interface Gate {
  inFlight: number;
  peak: number;
  blockedUntil: number;
  waiters: Array<() => void>;
}

export function createMailboxLimiter(options: { maxInFlight?: number; clock?: Clock } = {}): MailboxLimiter {
  const maxInFlight = options.maxInFlight ?? 4;
  const clock = options.clock ?? systemClock;
  const gates = new Map<string, Gate>();

  const gate = (mailbox: string): Gate => {
    let g = gates.get(mailbox);
    if (!g) {
      g = { inFlight: 0, peak: 0, blockedUntil: 0, waiters: [] };
      gates.set(mailbox, g);
    }
    return g;
  };

  async function acquire(g: Gate, weight: number): Promise<void> {
    for (;;) {
      const wait = g.blockedUntil - clock.now();
      if (wait > 0) {
        await clock.sleep(wait);
        continue;
      }
      if (g.inFlight + weight <= maxInFlight) {
        g.inFlight += weight;
        g.peak = Math.max(g.peak, g.inFlight);
        return;
      }
      await new Promise<void>((resolve) => g.waiters.push(resolve));
    }
  }

  function release(g: Gate, weight: number): void {
    g.inFlight -= weight;
    // Wake everyone: a heavy waiter may not fit where a light one does, and each re-checks.
    const waiters = g.waiters.splice(0);
    for (const wake of waiters) wake();
  }

  return {
    async run(mailbox, fn, weight = 1) {
      const g = gate(mailbox);
      const w = Math.min(Math.max(1, Math.floor(weight)), maxInFlight);
      await acquire(g, w);
      try {
        return await fn();
      } finally {
        release(g, w);
      }
    },
    blockUntil(mailbox, until) {
      const g = gate(mailbox);
      g.blockedUntil = Math.max(g.blockedUntil, until);
    },
    blockedUntil: (mailbox) => gate(mailbox).blockedUntil,
    stats(mailbox) {
      const g = gate(mailbox);
      return { inFlight: g.inFlight, peak: g.peak, waiting: g.waiters.length };
    },
  };
}

/** A clock for tests: time moves only when `advance` is called. */
export function createManualClock(start = 0): Clock & { advance(ms: number): Promise<void>; pending(): number } {
  let now = start;
  const timers: Array<{ at: number; resolve: () => void }> = [];
  const flush = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  return {
    now: () => now,
    sleep(ms) {
      return new Promise<void>((resolve) => timers.push({ at: now + Math.max(0, ms), resolve }));
    },
    async advance(ms) {
      const target = now + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (!next || next.at > target) break;
        timers.shift();
        now = next.at;
        next.resolve();
        await flush();
      }
      now = target;
      await flush();
    },
    pending: () => timers.length,
  };
}
