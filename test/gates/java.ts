// Runs the Java tools shipped in @salesforce/code-analyzer-pmd-engine (PMD 7, apex-ls):
// finds java/javac and the jars, compiles our small drivers once into the cache, runs them.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { GateError } from './report.ts';
import { cacheDir, repoRoot } from './files.ts';

const INSTALL_JDK = 'install a JDK 17 (Debian: apt-get install -y openjdk-17-jdk-headless)';

export function jarDir(): string {
  const dir = path.join(repoRoot, 'node_modules', '@salesforce', 'code-analyzer-pmd-engine', 'dist', 'java-lib');
  if (!existsSync(dir) || !readdirSync(dir).some((f) => f.startsWith('pmd-apex-'))) {
    throw new GateError(`PMD/apex-ls jars not found in ${dir}: run npm install (devDependency @salesforce/code-analyzer-pmd-engine)`);
  }
  return dir;
}

function requireTool(tool: 'java' | 'javac'): void {
  const probe = spawnSync(tool, ['-version'], { encoding: 'utf8' });
  if (probe.error) throw new GateError(`${tool} not found on PATH: ${INSTALL_JDK}`);
}

/** Compiles test/gates/java/<name>.java once per source version; returns the class directory. */
export function compiledDriver(name: string): string {
  const source = path.join(repoRoot, 'test', 'gates', 'java', `${name}.java`);
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 12);
  const out = path.join(cacheDir(), 'java', `${name}-${hash}`);
  if (existsSync(path.join(out, `${name}.class`))) return out;
  requireTool('javac');
  mkdirSync(out, { recursive: true });
  const r = spawnSync('javac', ['-nowarn', '-cp', path.join(jarDir(), '*'), '-d', out, source], { encoding: 'utf8' });
  if (r.status !== 0) throw new GateError(`javac failed on ${source}:\n${r.stderr}`);
  return out;
}

export type JavaRun = { status: number; stdout: string; stderr: string };

export function runJava(mainClass: string, args: string[], options: { classDirs?: string[]; cwd?: string } = {}): JavaRun {
  requireTool('java');
  const classpath = [...(options.classDirs ?? []), path.join(jarDir(), '*')].join(path.delimiter);
  const r = spawnSync('java', ['-Xss16m', '-cp', classpath, mainClass, ...args], {
    encoding: 'utf8',
    cwd: options.cwd,
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
  });
  if (r.error) throw new GateError(`java ${mainClass} could not run: ${r.error.message}`);
  if (r.status === null) throw new GateError(`java ${mainClass} was killed (${r.signal ?? 'timeout'})`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
