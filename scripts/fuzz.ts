// npm run fuzz [-- --runs N --seed S --stampless]: the model-based sync check
// (test/model/harness.ts) over N random command lists (default 10,000). --stampless makes the
// Exchange twin report deletes by id only, as Graph does. Prints "runs: N, violations: M",
// then the first shrunk counterexample, ready to paste into test/model/regressions.test.ts.
import fc from 'fast-check';
import { check, commandsArb } from '../test/model/harness.ts';

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
let violations = 0;
let counted = 0;
const result = await fc.check(
  fc.asyncProperty(commandsArb, async (commands) => {
    const found = await check(commands, options);
    counted += 1;
    if (found.length > 0) violations += 1;
    return found.length === 0;
  }),
  { numRuns: runs, seed },
);
// runs counted during shrinking are not new cases
console.log(`runs: ${result.numRuns}, violations: ${result.failed ? 1 : 0}`);
if (result.failed && result.counterexample) {
  console.log(`seed: ${seed}`);
  console.log(`counterexample: ${JSON.stringify(result.counterexample[0])}`);
  console.log(`violations: ${JSON.stringify(await check(result.counterexample[0], options))}`);
  process.exitCode = 1;
}
void violations;
void counted;
