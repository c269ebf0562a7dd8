// One family's fast subset as a vitest test (each family has its own *.test.ts file so vitest
// runs them in parallel inside `npm test`). Zero violations expected; the message lists them.
import { expect, it } from 'vitest';
import { FAMILIES } from './families.ts';

export const SEED = Number(process.env.RELIABILITY_SEED ?? 20261127);

export function fastFamilyTest(name: string): void {
  const family = FAMILIES.find((f) => f.name === name);
  if (!family) throw new Error(`no reliability family '${name}'`);
  it(`${name}: fast subset, seed ${SEED}, no violations (replay: npm run reliability -- --seed ${SEED} --only '${name}')`, async () => {
    const result = await family.run({ seed: SEED, full: false });
    expect(result.cases).toBeGreaterThan(0);
    expect(result.violations.map((v) => `${v.case}: ${v.message}`)).toEqual([]);
  }, 180_000);
}
