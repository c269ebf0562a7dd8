// Scenarios for the coalescer: calls of one tick share a group, a full group goes at once,
// duplicate keys wait for the next group, slow groups make later groups bigger, and each
// caller gets its own outcome or error.
import { describe, expect, it } from 'vitest';
import { createCoalescer, type Settled } from './coalesce.ts';

function recorder(options: { maxBatch: number; gate?: () => Promise<void> }) {
  const groups: number[][] = [];
  const coalescer = createCoalescer<number, number>({
    maxBatch: options.maxBatch,
    keyOf: (n) => String(n % 1000),
    run: async (inputs) => {
      groups.push([...inputs]);
      await options.gate?.();
      return inputs.map((n): Settled<number> => (n < 0 ? { error: new Error(`bad ${n}`) } : { value: n * 2 }));
    },
  });
  return { groups, coalescer };
}

describe('coalescer', () => {
  it('calls issued in one tick share one group, each caller gets its own result', async () => {
    const { groups, coalescer } = recorder({ maxBatch: 10 });
    const results = await Promise.all([1, 2, 3].map((n) => coalescer.submit(n)));
    expect(results).toEqual([2, 4, 6]);
    expect(groups).toEqual([[1, 2, 3]]);
  });

  it('a full group goes out at once; the rest follow', async () => {
    const { groups, coalescer } = recorder({ maxBatch: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((n) => coalescer.submit(n)));
    expect(groups.map((g) => g.length)).toEqual([2, 2, 1]);
  });

  it('a duplicate key waits for the next group, keeping the order of calls on one key', async () => {
    const { groups, coalescer } = recorder({ maxBatch: 10 });
    await Promise.all([1, 1001, 2].map((n) => coalescer.submit(n)));
    expect(groups).toEqual([[1, 2], [1001]]);
  });

  it('admit can refuse an input: it waits for the next group (at most 2 negatives a group here)', async () => {
    const groups: number[][] = [];
    const coalescer = createCoalescer<number, number>({
      maxBatch: 10,
      maxInFlight: Number.POSITIVE_INFINITY,
      admit: (group, n) => n >= 0 || group.filter((g) => g < 0).length < 2,
      run: async (inputs) => {
        groups.push([...inputs]);
        return inputs.map((n) => ({ value: n }));
      },
    });
    await Promise.all([-1, -2, -3, 4, -5, 6].map((n) => coalescer.submit(n)));
    expect(groups).toEqual([[-1, -2, 4, 6], [-3, -5]]);
  });

  it('one caller failing does not fail the others', async () => {
    const { coalescer } = recorder({ maxBatch: 10 });
    const [a, b] = await Promise.allSettled([coalescer.submit(-1), coalescer.submit(4)]);
    expect(a).toMatchObject({ status: 'rejected', reason: { message: 'bad -1' } });
    expect(b).toEqual({ status: 'fulfilled', value: 8 });
  });

  it('a group failing as a whole rejects each of its callers', async () => {
    const coalescer = createCoalescer<number, number>({ maxBatch: 10, run: () => Promise.reject(new Error('down')) });
    const settled = await Promise.allSettled([coalescer.submit(1), coalescer.submit(2)]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
  });

  it('while a group is out, later calls gather into one group', async () => {
    let release!: () => void;
    const first = new Promise<void>((resolve) => (release = resolve));
    let gated = true;
    const { groups, coalescer } = recorder({
      maxBatch: 100,
      gate: () => {
        if (!gated) return Promise.resolve();
        gated = false;
        return first;
      },
    });
    const a = coalescer.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    // the first group is out; these arrive over several ticks
    const rest: Promise<number>[] = [];
    for (let n = 2; n <= 6; n++) {
      rest.push(coalescer.submit(n));
      await new Promise((resolve) => setImmediate(resolve));
    }
    release();
    await Promise.all([a, ...rest]);
    expect(groups).toEqual([[1], [2, 3, 4, 5, 6]]);
  });

  it('riders send nothing by themselves: they fill room in groups other calls send, until released', async () => {
    const { groups, coalescer } = recorder({ maxBatch: 3 });
    const ride = {};
    const riding = [11, 12, 13].map((n) => coalescer.submit(n, ride));
    await new Promise((r) => setImmediate(r));
    expect(groups).toEqual([]);
    // a plain call takes two riders along (room for 3)
    expect(await coalescer.submit(1)).toBe(2);
    expect(groups).toEqual([[1, 11, 12]]);
    // released: the last one goes out on its own, and later submits of the ride are plain
    coalescer.release(ride);
    expect(await Promise.all([...riding, coalescer.submit(14, ride)])).toEqual([22, 24, 26, 28]);
    expect(groups).toEqual([[1, 11, 12], [13, 14]]);
  });
});

