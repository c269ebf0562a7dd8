// npm run bench [-- --quick] [-- --only initial,economy,latency,scale,memory,emulators] [-- --repeat N] [-- --latency MS]
// Benchmarks SmartCloud Connect against the emulators at a configured latency (default 10 ms a
// request on each side): initial sync both ways with its API economy, live latency, scale, memory,
// and the emulators' own throughput. Each scenario runs in a fresh child process (bench/child.ts);
// repeated runs are reduced to medians. Prints a table and writes bench/results/latest.json with
// the machine it ran on. Never part of `npm test`. See docs/benchmarks.md.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine } from '../bench/machine.ts';
import { rows, table, type Results } from '../bench/report.ts';
import { medianOf } from '../bench/stats.ts';
import { planFor } from '../bench/volumes.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHILD = join(ROOT, 'bench', 'child.ts');
const SCENARIOS = ['initial', 'economy', 'latency', 'scale', 'memory', 'emulators'] as const;
type Scenario = (typeof SCENARIOS)[number];

interface Args {
  quick: boolean;
  only: Set<Scenario>;
  repeat: number;
  latencyMs: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { quick: false, only: new Set(SCENARIOS), repeat: 1, latencyMs: 10 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') args.quick = true;
    else if (a === '--only') {
      const names = value().split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = names.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
      if (unknown.length > 0) throw new Error(`--only: unknown scenario ${unknown.join(', ')}; choose from ${SCENARIOS.join(', ')}`);
      args.only = new Set(names as Scenario[]);
    } else if (a === '--repeat') {
      args.repeat = Number(value());
      if (!Number.isInteger(args.repeat) || args.repeat < 1 || args.repeat > 20) throw new Error('--repeat takes a whole number from 1 to 20');
    } else if (a === '--latency') {
      args.latencyMs = Number(value());
      if (!Number.isFinite(args.latencyMs) || args.latencyMs < 1 || args.latencyMs > 1000) throw new Error('--latency takes milliseconds from 1 to 1000');
    } else throw new Error(`unknown option ${a}; usage: npm run bench [-- --quick] [-- --only ${SCENARIOS.join(',')}] [-- --repeat N] [-- --latency MS]`);
  }
  return args;
}

interface ChildOutput {
  result: unknown;
  process: { maxRssMB: number; cpuSeconds: number; loadAverage1m: { start: number; end: number } };
}

function runChild(scenario: string, options: unknown): Promise<ChildOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD, scenario, JSON.stringify(options)], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(line) as ChildOutput);
      } catch {
        reject(new Error(`${scenario} failed (exit ${code}): ${(err || out).slice(-1500)}`));
      }
    });
  });
}

const errors: Record<string, string> = {};

/** Runs a scenario n times; a failed scenario is reported and the others still run. */
async function repeated<T>(label: string, n: number, scenario: string, options: unknown): Promise<{ median: T | undefined; runs: ChildOutput[] }> {
  const runs: ChildOutput[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    process.stderr.write(`bench: ${label}${n > 1 ? ` (${i + 1}/${n})` : ''} …`);
    try {
      runs.push(await runChild(scenario, options));
      process.stderr.write(` ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    } catch (error) {
      errors[label] = (error as Error).message;
      process.stderr.write(` failed\n${(error as Error).message}\n`);
    }
  }
  if (runs.length === 0) return { median: undefined, runs };
  return { median: medianOf(runs.map((r) => r.result as Record<string, unknown>)) as T, runs };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const mode = args.quick ? 'quick' : 'full';
  const plan = planFor(mode, args.latencyMs);
  const started = new Date();
  const results: Results = {};
  const raw: Record<string, ChildOutput[]> = {};
  const wants = (s: Scenario) => args.only.has(s);

  if (wants('emulators')) {
    const r = await repeated<Results['emulators']>('emulators', args.repeat, 'emulators', plan.emulators);
    results.emulators = r.median;
    raw.emulators = r.runs;
  }
  // API economy is read from the initial syncs' counters: either name runs them.
  if (wants('initial') || wants('economy')) {
    for (const direction of ['toExchange', 'toSalesforce'] as const) {
      const r = await repeated<Results['initialToExchange']>(`initial sync ${direction}`, args.repeat, 'initial', { ...plan.initial, direction });
      if (direction === 'toExchange') results.initialToExchange = r.median;
      else results.initialToSalesforce = r.median;
      raw[`initial.${direction}`] = r.runs;
    }
  }
  if (wants('latency')) {
    const r = await repeated<Results['latency']>('live latency', args.repeat, 'latency', plan.latency);
    results.latency = r.median;
    raw.latency = r.runs;
  }
  if (wants('scale')) {
    const r = await repeated<Results['scale']>('scale', args.repeat, 'scale', plan.scale);
    results.scale = r.median;
    raw.scale = r.runs;
  }
  if (wants('memory')) {
    const r = await repeated<Results['memory']>('memory', args.repeat, 'memory', plan.memory);
    results.memory = r.median;
    raw.memory = r.runs;
  }

  const list = rows(results);
  const doc = {
    command: `npm run bench --${args.quick ? ' --quick' : ''} --only ${[...args.only].join(',')} --repeat ${args.repeat} --latency ${args.latencyMs}`,
    mode,
    latencyMs: args.latencyMs,
    repeat: args.repeat,
    startedAt: started.toISOString(),
    seconds: Math.round((Date.now() - started.getTime()) / 100) / 10,
    machine: machine(),
    plan,
    table: list,
    errors,
    results,
    runs: raw,
  };
  const file = join(ROOT, 'bench', 'results', 'latest.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  const m = doc.machine;
  process.stdout.write(`\nSmartCloud Connect benchmarks (${mode}, latency ${args.latencyMs} ms, medians of ${args.repeat}) on ${m.cores} cores, ${m.memoryMB} MB, Node ${m.node}, load ${m.loadAverage1m}\n\n`);
  for (const [label, message] of Object.entries(errors)) process.stdout.write(`FAILED ${label}: ${message.split('\n')[0]}\n`);
  process.stdout.write(`${table(list)}\n\nwritten to bench/results/latest.json in ${doc.seconds} s\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${(error as Error).message}\n`);
  process.exit(1);
});
