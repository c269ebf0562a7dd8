// The npm test aggregator as a developer and CI see it: flags, the closing total line and the
// exit code, run on the conversion fixtures so it finishes in seconds.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
// Each case starts tsx and loads source-deploy-retrieve: slow on a loaded 2-core machine.
const SPAWN_TIMEOUT = 240_000;

function runAll(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; lines: string[] } {
  const r = spawnSync(tsx, [path.join(root, 'test', 'run-all.ts'), ...args], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 200_000 });
  return { status: r.status, lines: `${r.stdout}${r.stderr}`.trimEnd().split('\n') };
}

describe('npm test aggregator', () => {
  it('lists its suites', () => {
    const r = runAll(['--list']);
    expect(r.status).toBe(0);
    expect(r.lines.map((l) => l.split(/\s+/)[0])).toEqual([
      'tsc', 'eslint-ts', 'eslint-lwc', 'vitest-unit', 'vitest-e2e', 'vitest-reliability', 'vitest-browser', 'lwc-jest', 'apex-syntax', 'apex-pmd', 'apex-types', 'metadata-xml', 'metadata-conversion',
    ]);
  }, SPAWN_TIMEOUT);

  it('refuses an unknown suite name with the list of suites', () => {
    const r = runAll(['--only', 'nope']);
    expect(r.status).toBe(2);
    expect(r.lines.join('\n')).toMatch(/no suite matches "nope"; suites: tsc, /);
  }, SPAWN_TIMEOUT);

  it('ends with the total line and exits 1 when a gate fails', () => {
    const r = runAll(['--only', 'metadata-conversion'], { SCC_PROJECT_DIR: 'test/fixtures/conversion-bad' });
    expect(r.status).toBe(1);
    expect(r.lines.at(-1)).toBe('2 passed, 4 failed');
    expect(r.lines.join('\n')).toMatch(/missing NoMeta\.cls-meta\.xml/);
  }, SPAWN_TIMEOUT);

  it('exits 0 when every selected suite passes', () => {
    const r = runAll(['--only', 'metadata-conversion'], { SCC_PROJECT_DIR: 'test/fixtures/good-project' });
    expect(r.status).toBe(0);
    expect(r.lines.at(-1)).toMatch(/^\d+ passed, 0 failed$/);
  }, SPAWN_TIMEOUT);
});
