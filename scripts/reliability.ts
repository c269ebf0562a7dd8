// npm run reliability [-- --seed S --full --only NAME --verbose]: runs the reliability
// families (test/reliability) against the emulators and the real worker code, prints one row
// per family — family, cases run, violations — then each violation with its case, and exits
// 1 on any violation. The same seed replays the same cases.
import { FAMILIES } from '../test/reliability/families.ts';
import type { FamilyResult } from '../test/reliability/scorecard.ts';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const seedText = flag('seed') ?? process.env.RELIABILITY_SEED ?? '20261127';
const seed = Number(seedText);
if (!Number.isSafeInteger(seed)) {
  console.error(`--seed must be an integer, got '${seedText}'`);
  process.exit(2);
}
const full = process.argv.includes('--full');
const verbose = process.argv.includes('--verbose');
const only = flag('only');
const families = FAMILIES.filter((f) => !only || only.split(',').some((o) => f.name.startsWith(o.trim())));
if (families.length === 0) {
  console.error(`--only matched no family; families: ${FAMILIES.map((f) => f.name).join(', ')}`);
  process.exit(2);
}

console.log(`reliability scorecard — seed ${seed}, ${full ? 'full set' : 'fast subset'}`);
const results: FamilyResult[] = [];
for (const f of families) {
  let result: FamilyResult;
  try {
    result = await f.run({ seed, full, ...(verbose ? { progress: (line: string) => console.error(`  ${line}`) } : {}) });
  } catch (error) {
    // A family that cannot even start is one violation, shown, not a crash of the scorecard.
    result = { family: f.name, cases: 0, violations: [{ case: 'setup', message: error instanceof Error ? error.stack ?? error.message : String(error) }], ms: 0 };
  }
  results.push(result);
  if (verbose) console.error(`  ${f.name}: ${result.cases} cases, ${result.violations.length} violations, ${(result.ms / 1000).toFixed(1)} s`);
}

const width = Math.max(...results.map((r) => r.family.length), 'family'.length);
console.log(`${'family'.padEnd(width)}  ${'cases'.padStart(6)}  ${'violations'.padStart(10)}  ${'seconds'.padStart(7)}`);
for (const r of results) {
  const skipped = !full && r.cases === 0 && r.violations.length === 0;
  console.log(`${r.family.padEnd(width)}  ${String(r.cases).padStart(6)}  ${String(r.violations.length).padStart(10)}  ${(r.ms / 1000).toFixed(1).padStart(7)}${skipped ? '  (--full only)' : ''}`);
}
const total = results.reduce((n, r) => n + r.violations.length, 0);
console.log(`${'total'.padEnd(width)}  ${String(results.reduce((n, r) => n + r.cases, 0)).padStart(6)}  ${String(total).padStart(10)}`);
for (const r of results) for (const v of r.violations) console.log(`✗ ${r.family} — ${v.case}: ${v.message}`);
if (total > 0) console.log(`replay: npm run reliability -- --seed ${seed}${full ? ' --full' : ''} --only '${[...new Set(results.filter((r) => r.violations.length > 0).map((r) => r.family))].join(',')}'`);
process.exit(total > 0 ? 1 : 0);
