// `npm run sandbox [-- --seed none|small|large] [--ports SF,GRAPH,WORKER]`: both emulators and the
// worker in one process (SQLite in a temp dir), a seeded org with one configured mailbox
// (Mailbox_Sync__c), provisioned and syncing. Prints exactly one JSON line on stdout (the
// contract in DESIGN.md); logs go to stderr. Runs until SIGINT/SIGTERM, then exits 0.
import { createLogger } from '../worker/src/log.ts';
import { startLocalStack, type SeedSize } from './lib/stack.ts';

function parseArgs(argv: string[]): { seed: SeedSize; ports: { salesforce?: number; graph?: number; worker?: number } } {
  let seed: SeedSize = 'small';
  const ports: { salesforce?: number; graph?: number; worker?: number } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const inline = arg.includes('=');
    const value = inline ? arg.slice(arg.indexOf('=') + 1) : argv[i + 1];
    if (!inline) i++;
    if (arg.startsWith('--seed')) {
      if (value !== 'none' && value !== 'small' && value !== 'large') throw new Error(`--seed must be none, small or large (got ${String(value)})`);
      seed = value;
    } else if (arg.startsWith('--ports')) {
      const parts = String(value).split(',').map((p) => (p === '' ? 0 : Number(p)));
      if (parts.length < 2 || parts.length > 3 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 65535)) {
        throw new Error('--ports takes SALESFORCE_PORT,GRAPH_PORT[,WORKER_PORT], e.g. --ports 8701,8702,8703');
      }
      ports.salesforce = parts[0]!;
      ports.graph = parts[1]!;
      if (parts[2] !== undefined) ports.worker = parts[2];
    } else {
      throw new Error(`unknown argument ${arg}; usage: sandbox [--seed none|small|large] [--ports SF,GRAPH,WORKER]`);
    }
  }
  return { seed, ports };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const level = (process.env.LOG_LEVEL as 'info' | undefined) ?? 'info';
  const log = createLogger({ level, destination: { write: (line: string) => void process.stderr.write(line) }, name: 'sandbox' });
  const stack = await startLocalStack({ seed: args.seed, ports: args.ports, log });
  const { salesforce: sf, graph } = stack;
  const line = {
    salesforce: {
      loginUrl: sf.loginUrl,
      instanceUrl: sf.instanceUrl,
      apiVersion: sf.apiVersion,
      username: sf.credentials.username,
      password: sf.credentials.password,
      clientId: sf.credentials.clientId,
      clientSecret: sf.credentials.clientSecret,
    },
    graph: {
      baseUrl: graph.baseUrl,
      tokenUrl: graph.tokenUrl,
      tenantId: graph.tenantId,
      clientId: graph.clientId,
      clientSecret: graph.clientSecret,
      caCertPath: graph.caCertPath,
      mailboxes: stack.mailboxes,
    },
    worker: stack.worker,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    stack.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`sandbox: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`sandbox: ${(error as Error).message}\n`);
  process.exit(1);
});
