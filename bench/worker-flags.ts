// The Node flags of the production worker (package.json "start:worker", which the Procfile runs):
// a bench child runs the worker with exactly these, so its memory is what a dyno's would be.
import { readFileSync } from 'node:fs';

const PACKAGE = new URL('../package.json', import.meta.url);

/** The flags between `node` and `--import tsx` in the start:worker script (e.g. a heap limit). */
export function workerNodeFlags(): string[] {
  const scripts = (JSON.parse(readFileSync(PACKAGE, 'utf8')) as { scripts: Record<string, string> }).scripts;
  const words = (scripts['start:worker'] ?? '').split(/\s+/);
  if (words[0] !== 'node') return [];
  const end = words.indexOf('--import');
  return words.slice(1, end < 0 ? words.length : end).filter((w) => w.startsWith('--'));
}
