// Walks a source tree and lists files by suffix, sorted, skipping dependency and tool folders.
import { readdirSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SKIP = new Set(['node_modules', '.git', '.sfdx', '.sf', '__tests__', '.localdevserver']);

export function listFiles(root: string, suffixes: readonly string[]): string[] {
  if (!existsSync(root)) return [];
  if (statSync(root).isFile()) return suffixes.some((s) => root.endsWith(s)) ? [root] : [];
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP.has(entry.name)) walk(full);
      } else if (suffixes.some((s) => entry.name.endsWith(s))) {
        out.push(full);
      }
    }
  };
  walk(root);
  return out.sort();
}

/** The repository root: two levels above this file (test/gates/). */
export const repoRoot = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

/** Where gates keep derived artefacts (compiled Java, extracted schema); never committed. */
export function cacheDir(): string {
  return process.env.SCC_GATE_CACHE ?? path.join(repoRoot, 'node_modules', '.cache', 'scc-gates');
}
