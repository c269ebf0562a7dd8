// Runs one scenario in a fresh process so results never share memory, caches or leftovers:
//   node --import tsx bench/child.ts <scenario> '<options JSON>'
// Prints one JSON line: the scenario's result plus the process's peak RSS and CPU time.
import { loadavg } from 'node:os';
import { lifetimeMaxRssMB } from './memory-probe.ts';
import { runEmulators } from './scenarios/emulators.ts';
import { runInitial } from './scenarios/initial.ts';
import { runLatency } from './scenarios/latency.ts';
import { runMemory } from './scenarios/memory.ts';
import { runScale } from './scenarios/scale.ts';

const SCENARIOS: Record<string, (options: never) => Promise<unknown>> = {
  initial: runInitial,
  latency: runLatency,
  scale: runScale,
  memory: runMemory,
  emulators: runEmulators,
};

const [name, raw] = process.argv.slice(2);
const run = name ? SCENARIOS[name] : undefined;
if (!run) {
  process.stderr.write(`unknown scenario '${name ?? ''}'; one of ${Object.keys(SCENARIOS).join(', ')}\n`);
  process.exit(2);
}
// A scenario that ends on its time budget closes the stack under a run still in flight; that run's
// late failures are expected and must not take the measurement down with them.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`bench child: late rejection ignored: ${String((reason as Error)?.message ?? reason)}\n`);
});
const load = loadavg()[0]!;
const result = await run(JSON.parse(raw ?? '{}') as never);
const cpu = process.cpuUsage();
process.stdout.write(
  `${JSON.stringify({
    result,
    process: {
      maxRssMB: lifetimeMaxRssMB(),
      cpuSeconds: Math.round((cpu.user + cpu.system) / 1e5) / 10,
      loadAverage1m: { start: Math.round(load * 100) / 100, end: Math.round(loadavg()[0]! * 100) / 100 },
    },
  })}\n`,
);
// Emulator sockets and timers may linger after close(); the result is out, so end here.
process.exit(0);
