// `npm test`: runs every suite in sequence — type check, lint, vitest, LWC jest, the Apex
// gates and the metadata gates — prints each suite's result and ends with exactly one line
// `N passed, N failed` totalling them all. Exit code 1 when anything failed.
//
// Units counted: tsc one per project file; eslint one per file linted; vitest and jest one per
// test (a test file that crashes before its tests counts as one failure); gates one per file or
// component checked. A suite whose tool is missing or crashes counts one failure and says what
// to install. Flags: --only a,b (names or prefixes, e.g. `--only apex`), --skip a,b, --list.
// SCC_PROJECT_DIR points the Apex and metadata gates at another SFDX project (default: the repo).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './gates/files.ts';
import type { GateReport } from './gates/report.ts';

type Outcome = { passed: number; failed: number; details: string[]; notes: string[] };
type Suite = { name: string; about: string; run: (work: string) => Promise<Outcome> };

const MAX_DETAIL_LINES = 60;
const SUITE_TIMEOUT_MS = Number(process.env.SCC_SUITE_TIMEOUT_MS ?? 15 * 60_000);

function bin(tool: string, pkg: string): string {
  const file = path.join(repoRoot, 'node_modules', '.bin', tool);
  if (!existsSync(file)) throw new Error(`${tool} not found: run npm install (devDependency ${pkg})`);
  return file;
}

type Run = { code: number | null; output: string; timedOut: boolean };

/** Runs a tool with the caller's environment, capturing stdout+stderr, with a hard timeout. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, env: { ...process.env, FORCE_COLOR: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      // The tool may have children of its own (vitest forks): end the whole group.
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    }, SUITE_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, timedOut });
    });
  });
}

function tail(text: string, lines = 25): string[] {
  return text.trimEnd().split('\n').slice(-lines).map((l) => `  | ${l}`);
}

function gateOutcome(report: GateReport): Outcome {
  const failedUnits = report.units.filter((u) => !u.ok);
  return {
    passed: report.units.length - failedUnits.length,
    failed: failedUnits.length,
    details: failedUnits.flatMap((u) => [`✗ ${u.name}`, ...u.problems.map((p) => `    ${p}`)]),
    notes: [`${report.units.length} checked`, ...report.notes],
  };
}

async function tsc(): Promise<Outcome> {
  const r = await run(bin('tsc', 'typescript'), ['-p', 'tsconfig.json', '--noEmit', '--listFiles', '--pretty', 'false']);
  if (r.timedOut) throw new Error(`tsc timed out after ${SUITE_TIMEOUT_MS} ms`);
  const files = new Set<string>();
  const errorsByFile = new Map<string, string[]>();
  const general: string[] = [];
  for (const line of r.output.split('\n')) {
    const m = /^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(line);
    if (m) {
      const file = path.resolve(repoRoot, m[1]!);
      errorsByFile.set(file, [...(errorsByFile.get(file) ?? []), `line ${m[2]}: ${m[4]} ${m[5]}`]);
    } else if (/^error TS\d+/.test(line) || /: error TS\d+/.test(line)) {
      general.push(line);
    } else if (line.startsWith('/') && !line.includes('/node_modules/')) {
      files.add(path.resolve(line.trim()));
    }
  }
  for (const file of errorsByFile.keys()) files.add(file);
  if (r.code !== 0 && errorsByFile.size === 0 && general.length === 0) general.push(`tsc exited ${r.code}`, ...tail(r.output));
  const failedFiles = [...errorsByFile.keys()].sort();
  return {
    passed: files.size - failedFiles.length,
    failed: failedFiles.length + general.length,
    details: [...general, ...failedFiles.flatMap((f) => [`✗ ${path.relative(repoRoot, f)}`, ...errorsByFile.get(f)!.map((e) => `    ${e}`)])],
    notes: [`${files.size} project files`],
  };
}

type EslintFile = { filePath: string; errorCount: number; warningCount: number; messages: { line: number; ruleId: string | null; message: string; severity: number }[] };

async function eslint(work: string, which: 'ts' | 'lwc'): Promise<Outcome> {
  const out = path.join(work, `eslint-${which}.json`);
  const targets = which === 'lwc' ? ['force-app'] : ['.', '--ignore-pattern', 'force-app/**'];
  const r = await run(bin('eslint', 'eslint'), ['--no-error-on-unmatched-pattern', '--no-warn-ignored', '-f', 'json', '-o', out, ...targets]);
  if (r.timedOut) throw new Error('eslint timed out');
  if (!existsSync(out)) throw new Error(`eslint wrote no report (exit ${r.code}):\n${tail(r.output).join('\n')}`);
  const files = (JSON.parse(readFileSync(out, 'utf8')) as EslintFile[]).filter((f) => which === 'ts' || /\/lwc\//.test(f.filePath) || f.filePath.endsWith('.js'));
  const failed = files.filter((f) => f.errorCount > 0);
  const warnings = files.reduce((n, f) => n + f.warningCount, 0);
  return {
    passed: files.length - failed.length,
    failed: failed.length,
    details: failed.flatMap((f) => [
      `✗ ${path.relative(repoRoot, f.filePath)}`,
      ...f.messages.filter((m) => m.severity === 2).map((m) => `    line ${m.line}: ${m.ruleId ?? 'parse'} ${m.message}`),
    ]),
    notes: [`${files.length} files linted`, ...(warnings ? [`${warnings} warnings`] : []), ...(files.length === 0 ? ['no files to lint yet'] : [])],
  };
}

type AssertionResult = { fullName?: string; title: string; status: string; failureMessages?: string[] };
type TestFileResult = { name: string; status: string; message?: string; assertionResults: AssertionResult[] };
type JestLikeReport = { numPassedTests: number; numFailedTests: number; numPendingTests?: number; numTodoTests?: number; testResults: TestFileResult[] };

/** vitest's JSON reporter mirrors jest's, so one reader serves both. */
function testReport(report: JestLikeReport, output = ''): Outcome {
  const details: string[] = [];
  let crashedFiles = 0;
  for (const file of report.testResults) {
    const failures = file.assertionResults.filter((a) => a.status === 'failed');
    if (file.status === 'failed' && failures.length === 0) {
      crashedFiles++;
      const why = (file.message ?? '').trim();
      details.push(`✗ ${path.relative(repoRoot, file.name)} (failed before its tests ran)`);
      details.push(...(why ? why.split('\n').slice(0, 8).map((l) => `    ${l}`) : ['    no message in the report; the tool output ends:', ...tail(output, 15)]));
    }
    for (const a of failures) {
      details.push(`✗ ${path.relative(repoRoot, file.name)} › ${a.fullName ?? a.title}`);
      details.push(...(a.failureMessages ?? []).join('\n').split('\n').slice(0, 6).map((l) => `    ${l}`));
    }
  }
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests + crashedFiles,
    details,
    notes: [`${report.testResults.length} test files`, ...(skipped ? [`${skipped} skipped`] : [])],
  };
}

// vitest runs as separate suites so that a slow or hung group (the browser, the end-to-end
// stacks) costs only its own count, and each group gets its own time budget.
const VITEST_GROUPS = {
  'vitest-unit': { about: 'TypeScript unit tests and emulator, store and model tests', args: ['--exclude', 'test/e2e/**', '--exclude', 'test/browser/**', '--exclude', 'test/reliability/**', '--exclude', 'test/demo.test.ts'] },
  'vitest-e2e': { about: 'end to end on the local stack (emulators + worker), demo', args: ['test/e2e', 'test/demo.test.ts'] },
  'vitest-reliability': { about: 'reliability scorecard, fast subset', args: ['test/reliability'] },
  'vitest-browser': { about: 'LWC in Chromium against the local stack', args: ['test/browser'] },
} as const;

async function vitest(work: string, group: keyof typeof VITEST_GROUPS): Promise<Outcome> {
  const out = path.join(work, `${group}.json`);
  const r = await run(bin('vitest', 'vitest'), ['run', ...VITEST_GROUPS[group].args, '--passWithNoTests', '--reporter=json', `--outputFile=${out}`]);
  if (r.timedOut) throw new Error(`${group} timed out after ${SUITE_TIMEOUT_MS} ms:\n${tail(r.output).join('\n')}`);
  if (!existsSync(out)) throw new Error(`${group} wrote no report (exit ${r.code}):\n${tail(r.output).join('\n')}`);
  const outcome = testReport(JSON.parse(readFileSync(out, 'utf8')) as JestLikeReport, r.output);
  // Errors outside any test (an unhandled rejection) fail the run without failing a test.
  if (r.code !== 0 && outcome.failed === 0) {
    outcome.failed = 1;
    outcome.details.push(`vitest exited ${r.code} with no failing test (unhandled error?)`, ...tail(r.output));
  }
  return outcome;
}

async function lwcJest(work: string): Promise<Outcome> {
  const out = path.join(work, 'jest.json');
  const r = await run(bin('sfdx-lwc-jest', '@salesforce/sfdx-lwc-jest'), ['--', '--json', `--outputFile=${out}`, '--passWithNoTests', '--ci']);
  if (r.timedOut) throw new Error(`sfdx-lwc-jest timed out:\n${tail(r.output).join('\n')}`);
  if (!existsSync(out)) throw new Error(`sfdx-lwc-jest wrote no report (exit ${r.code}):\n${tail(r.output).join('\n')}`);
  const report = JSON.parse(readFileSync(out, 'utf8')) as JestLikeReport & { numRuntimeErrorTestSuites?: number };
  const outcome = testReport(report, r.output);
  if (r.code !== 0 && outcome.failed === 0) {
    outcome.failed = 1;
    outcome.details.push(`sfdx-lwc-jest exited ${r.code} with no failing test`, ...tail(r.output));
  }
  if (report.testResults.length === 0) outcome.notes.push('no LWC tests yet');
  return outcome;
}

// The gates check this project (its sfdx-project.json and force-app/); tests point it at fixtures.
const projectDir = path.resolve(repoRoot, process.env.SCC_PROJECT_DIR ?? '.');
const forceApp = path.join(projectDir, 'force-app');

const suites: Suite[] = [
  { name: 'tsc', about: 'TypeScript type check (tsconfig.json)', run: () => tsc() },
  { name: 'eslint-ts', about: 'ESLint on TypeScript (typescript-eslint)', run: (w) => eslint(w, 'ts') },
  { name: 'eslint-lwc', about: 'ESLint on LWC (@salesforce/eslint-config-lwc)', run: (w) => eslint(w, 'lwc') },
  ...(Object.keys(VITEST_GROUPS) as (keyof typeof VITEST_GROUPS)[]).map((group) => ({
    name: group,
    about: VITEST_GROUPS[group].about,
    run: (w: string) => vitest(w, group),
  })),
  { name: 'lwc-jest', about: 'LWC unit tests (sfdx-lwc-jest)', run: (w) => lwcJest(w) },
  {
    name: 'apex-syntax',
    about: 'Apex parses (prettier-plugin-apex)',
    run: async () => gateOutcome(await (await import('./gates/apex-syntax.ts')).checkApexSyntax(forceApp)),
  },
  { name: 'apex-pmd', about: 'PMD 7 Apex rules (security, performance, best practices)', run: async () => gateOutcome((await import('./gates/apex-pmd.ts')).checkApexPmd(forceApp)) },
  { name: 'apex-types', about: 'apex-ls type check against the project objects', run: async () => gateOutcome((await import('./gates/apex-types.ts')).checkApexTypes(projectDir)) },
  { name: 'metadata-xml', about: 'force-app XML against the Metadata API types', run: async () => gateOutcome((await import('./gates/metadata.ts')).checkMetadata(forceApp)) },
  {
    name: 'metadata-conversion',
    about: 'source-deploy-retrieve conversion, meta files present',
    run: async () => gateOutcome(await (await import('./gates/conversion.ts')).checkConversion(forceApp)),
  },
];

function parseArgs(argv: string[]): { only: string[]; skip: string[]; list: boolean } {
  const args = { only: [] as string[], skip: [] as string[], list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string[] => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (!v) throw new Error(`${a} needs a value, e.g. ${a} vitest`);
      return v.split(',').map((s) => s.trim()).filter(Boolean);
    };
    if (a === '--only' || a.startsWith('--only=')) args.only.push(...value());
    else if (a === '--skip' || a.startsWith('--skip=')) args.skip.push(...value());
    else if (a === '--list') args.list = true;
    else throw new Error(`unknown argument ${a} (use --only a,b, --skip a,b or --list)`);
  }
  const names = suites.map((s) => s.name);
  for (const pattern of [...args.only, ...args.skip]) {
    if (!names.some((n) => n.startsWith(pattern))) throw new Error(`no suite matches "${pattern}"; suites: ${names.join(', ')}`);
  }
  return args;
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  if (args.list) {
    for (const s of suites) console.log(`${s.name.padEnd(20)} ${s.about}`);
    return 0;
  }
  const selected = suites.filter(
    (s) => (args.only.length === 0 || args.only.some((p) => s.name.startsWith(p))) && !args.skip.some((p) => s.name.startsWith(p)),
  );
  process.chdir(repoRoot);
  const work = mkdtempSync(path.join(os.tmpdir(), 'scc-test-'));
  const rows: { name: string; outcome: Outcome; seconds: number }[] = [];
  const started = Date.now();
  try {
    for (const suite of selected) {
      console.log(`\n── ${suite.name}: ${suite.about}`);
      const t0 = Date.now();
      let outcome: Outcome;
      try {
        outcome = await suite.run(work);
      } catch (e) {
        outcome = { passed: 0, failed: 1, details: [`suite could not run: ${(e as Error).message}`], notes: [] };
      }
      const seconds = (Date.now() - t0) / 1000;
      rows.push({ name: suite.name, outcome, seconds });
      const shown = outcome.details.slice(0, MAX_DETAIL_LINES);
      for (const line of shown) console.log(`   ${line}`);
      if (outcome.details.length > shown.length) console.log(`   … ${outcome.details.length - shown.length} more lines (run npm test -- --only ${suite.name})`);
      const verdict = outcome.failed > 0 ? 'FAIL' : 'ok  ';
      console.log(`   ${verdict} ${suite.name}: ${outcome.passed} ok, ${outcome.failed} failing; ${[...outcome.notes, `${seconds.toFixed(1)} s`].join('; ')}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const passed = rows.reduce((n, r) => n + r.outcome.passed, 0);
  const failed = rows.reduce((n, r) => n + r.outcome.failed, 0);
  console.log('\nsummary');
  for (const r of rows) {
    console.log(`   ${r.outcome.failed > 0 ? 'FAIL' : 'ok  '} ${r.name.padEnd(20)} ${String(r.outcome.passed).padStart(5)} ok ${String(r.outcome.failed).padStart(4)} failing ${r.seconds.toFixed(1).padStart(7)} s`);
  }
  console.log(`   total time ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main();
