// Model-based test: random user actions on both sides, sync runs with crashes between
// any two effects, duplicated and reordered feeds; after a quiet period every invariant
// of the issue must hold (see harness.ts). Each world draws a direction per kind.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check, commandsArb, directionsArb } from './harness.ts';

describe('sync engine model', () => {
  it('converges, loses no write, resurrects no delete, keeps links a bijection, writes no echoes', async () => {
    await fc.assert(
      fc.asyncProperty(directionsArb, commandsArb, async (directions, commands) => {
        expect(await check(commands, { directions })).toEqual([]);
      }),
      { numRuns: Number(process.env.MODEL_RUNS ?? 1000), seed: Number(process.env.MODEL_SEED ?? 20261127) },
    );
  });
});
