// `npm run demo [-- --contacts N --tasks N --mailboxes N --verbose]`: the product's main job on
// embedded defaults, in one process and offline: emulated Salesforce org and Exchange Online,
// the real worker on SQLite (temp dir, removed at exit), an initial sync with progress, live
// changes on both sides with their measured latency, and a summary. Exits 0 when every change
// arrived, 1 when one did not (with the reason), 2 on bad arguments.
import { createLogger } from '../worker/src/log.ts';
import { runDemo, type DemoOptions } from './lib/demo-run.ts';

const USAGE = 'usage: npm run demo [-- --contacts N] [--tasks N] [--mailboxes N] [--verbose]';

function parseArgs(argv: string[]): DemoOptions {
  const options: DemoOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--verbose') {
      options.log = createLogger({ level: 'info', destination: { write: (line: string) => void process.stderr.write(line) }, name: 'demo' });
      continue;
    }
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    const [name, inline] = arg.split('=', 2) as [string, string | undefined];
    const value = inline ?? argv[++i];
    const n = Number(value);
    const min = name === '--mailboxes' ? 1 : 0;
    if (!['--contacts', '--tasks', '--mailboxes'].includes(name)) throw new Error(`unknown argument ${arg}; ${USAGE}`);
    if (value === undefined || !Number.isInteger(n) || n < min || n > 100_000) throw new Error(`${name} takes a whole number from ${min} to 100000 (got ${String(value)}); ${USAGE}`);
    if (name === '--contacts') options.contacts = n;
    else if (name === '--tasks') options.tasks = n;
    else options.mailboxes = n;
  }
  return options;
}

let options: DemoOptions;
try {
  options = parseArgs(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`demo: ${(error as Error).message}\n`);
  process.exit(2);
}

runDemo(options).then(
  (result) => process.exit(result.ok ? 0 : 1),
  (error: unknown) => {
    process.stderr.write(`demo: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
