// The production processes' Node flags (a heap limit sized for a 512 MB dyno, docs/benchmarks.md
// "Memory") are the same for every start script the Procfile can run, and the bench's worker
// children run with exactly those (bench/worker-flags.ts): a memory measure is a dyno's.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { workerNodeFlags } from '../bench/worker-flags.ts';

const root = new URL('../', import.meta.url);
const scripts = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> }).scripts;
const flagsOf = (script: string): string[] => {
  const words = (scripts[script] ?? '').split(/\s+/);
  return words[0] === 'node' ? words.slice(1, words.indexOf('--import')) : [];
};

describe('worker Node flags', () => {
  it('every start script carries the heap limit, and the Procfile runs them', () => {
    const worker = flagsOf('start:worker');
    expect(worker.some((f) => /^--max-old-space-size=\d+$/.test(f))).toBe(true);
    expect(flagsOf('start:web')).toEqual(worker);
    expect(flagsOf('start')).toEqual(worker);
    const procfile = readFileSync(new URL('Procfile', root), 'utf8');
    expect(procfile).toMatch(/^worker: npm run start:worker$/m);
    expect(procfile).toMatch(/^web: npm run start:web$/m);
  });

  it('the bench runs its worker children with the same flags', () => {
    expect(workerNodeFlags()).toEqual(flagsOf('start:worker'));
  });
});
