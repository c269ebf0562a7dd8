// npm run fuzz [-- --runs N --seed S --stampless]: the model-based sync check
// (test/model/harness.ts) over N random command lists (default 10,000). --stampless makes the
// Exchange twin report deletes by id only, as Graph does. Each world draws a direction per kind
// (mostly both ways; --both-ways keeps every kind two-way). Prints "runs: N, violations: M",
// then the first shrunk counterexample (its one-way kinds and commands), ready to paste into
// test/model/regressions.test.ts.
import fc from 'fast-check';
import { check, commandsArb, directionsArb, type Directions } from '../test/model/harness.ts';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`--${name} needs a non-negative integer, got ${JSON.stringify(process.argv[i + 1] ?? '')}`);
    process.exit(2);
  }
  return value;
}

const runs = flag('runs', 10_000);
const options = { exchangeDeleteStamps: !process.argv.includes('--stampless') };
const seed = flag('seed', Date.now() % 2 ** 31);
const worlds = process.argv.includes('--both-ways') ? fc.constant<Directions>({}) : directionsArb;
const result = await fc.check(
  fc.asyncProperty(worlds, commandsArb, async (directions, commands) => (await check(commands, { ...options, directions })).length === 0),
  { numRuns: runs, seed },
);
// fast-check stops at the first failing case (then shrinks it): at most one violation is counted
console.log(`runs: ${result.numRuns}, violations: ${result.failed ? 1 : 0}`);
if (result.failed && result.counterexample) {
  const [directions, commands] = result.counterexample;
  console.log(`seed: ${seed}`);
  console.log(`directions: ${JSON.stringify(directions)}`);
  console.log(`counterexample: ${JSON.stringify(commands)}`);
  console.log(`violations: ${JSON.stringify(await check(commands, { ...options, directions }))}`);
  process.exitCode = 1;
}
