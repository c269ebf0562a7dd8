import { describe, expect, it } from 'vitest';
import { createManualClock, createMailboxLimiter } from './limiter.ts';

const settle = async () => {
  for (let i = 0; i < 50; i++) await Promise.resolve();
};

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('mailbox limiter', () => {
  it('keeps at most 4 requests in flight per mailbox and never holds up another mailbox', async () => {
    const limiter = createMailboxLimiter({ clock: createManualClock() });
    const gates = Array.from({ length: 10 }, deferred);
    let running = 0;
    let peak = 0;
    const runs = gates.map((d) =>
      limiter.run('a@x', async () => {
        running++;
        peak = Math.max(peak, running);
        await d.promise;
        running--;
      }),
    );
    await settle();
    expect(running).toBe(4);
    let otherRan = false;
    await limiter.run('b@x', async () => {
      otherRan = true;
    });
    expect(otherRan).toBe(true);
    for (const d of gates) {
      d.resolve();
      await settle();
    }
    await Promise.all(runs);
    expect(peak).toBe(4);
    expect(limiter.stats('a@x')).toEqual({ inFlight: 0, peak: 4, waiting: 0 });
  });

  it('starts nothing for a blocked mailbox before the Retry-After deadline', async () => {
    const clock = createManualClock(1000);
    const limiter = createMailboxLimiter({ clock });
    limiter.blockUntil('a@x', 4000);
    const started: number[] = [];
    const run = limiter.run('a@x', async () => {
      started.push(clock.now());
    });
    let otherAt = -1;
    await limiter.run('b@x', async () => {
      otherAt = clock.now();
    });
    expect(otherAt).toBe(1000);
    await clock.advance(2999);
    expect(started).toEqual([]);
    await clock.advance(1);
    await run;
    expect(started).toEqual([4000]);
  });

  it('a later deadline wins over an earlier one, an earlier never shortens it', async () => {
    const limiter = createMailboxLimiter({ clock: createManualClock() });
    limiter.blockUntil('a', 500);
    limiter.blockUntil('a', 200);
    expect(limiter.blockedUntil('a')).toBe(500);
  });

  it('a failing call frees its slot', async () => {
    const limiter = createMailboxLimiter({ maxInFlight: 1, clock: createManualClock() });
    await expect(limiter.run('a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run('a', async () => 7)).resolves.toBe(7);
  });
});

describe('weighted slots', () => {
  it('a $batch weighing 4 waits for the mailbox to be idle, and holds it', async () => {
    const limiter = createMailboxLimiter({ clock: createManualClock() });
    const one = deferred();
    const order: string[] = [];
    const first = limiter.run('a', async () => {
      order.push('single');
      await one.promise;
    });
    const batch = limiter.run('a', async () => {
      order.push('batch');
      expect(limiter.stats('a').inFlight).toBe(4);
    }, 20);
    await settle();
    expect(order).toEqual(['single']);
    one.resolve();
    await Promise.all([first, batch]);
    expect(order).toEqual(['single', 'batch']);
    expect(limiter.stats('a').peak).toBe(4);
  });
});
