// `npm run emulators [-- --seed none|small|large] [--ports SF,GRAPH]`: starts the Salesforce and
// Graph emulators, links each Salesforce user to a mailbox (Mailbox_Sync__c), prints one JSON
// line in the sandbox shape (without `worker`) and runs until SIGINT/SIGTERM.
import { startGraphEmulator } from '../emulators/graph/index.ts';
import { startSalesforceEmulator } from '../emulators/salesforce/index.ts';

type Seed = 'none' | 'small' | 'large';

function parseArgs(argv: string[]): { seed: Seed; sfPort: number; graphPort: number } {
  let seed: Seed = 'small';
  let sfPort = 0;
  let graphPort = 0;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[i + 1];
    if (arg.startsWith('--seed')) {
      if (value !== 'none' && value !== 'small' && value !== 'large') throw new Error(`--seed must be none, small or large (got ${String(value)})`);
      seed = value;
      if (!arg.includes('=')) i++;
    } else if (arg.startsWith('--ports')) {
      const [a, b] = String(value).split(',').map(Number);
      if (!Number.isInteger(a) || !Number.isInteger(b)) throw new Error('--ports takes SALESFORCE_PORT,GRAPH_PORT, e.g. --ports 8701,8702');
      sfPort = a!;
      graphPort = b!;
      if (!arg.includes('=')) i++;
    } else {
      throw new Error(`unknown argument ${arg}; usage: emulators [--seed none|small|large] [--ports SF,GRAPH]`);
    }
  }
  return { seed, sfPort, graphPort };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const sf = await startSalesforceEmulator({ seed: args.seed, port: args.sfPort });
  const graph = await startGraphEmulator({ seed: args.seed, port: args.graphPort });
  const known = new Set(graph.admin.mailboxes().map((m) => m.address.toLowerCase()));
  const mailboxes = sf.users.slice(0, 2).map((user) => {
    if (!known.has(user.email.toLowerCase())) graph.admin.addMailbox({ address: user.email, displayName: user.name });
    const mailboxSyncId = sf.admin.insert('Mailbox_Sync__c', { User__c: user.id, Mailbox_Address__c: user.email, Enabled__c: true });
    return { address: user.email, salesforceUserId: user.id, mailboxSyncId };
  });
  const line = {
    salesforce: {
      loginUrl: sf.loginUrl, instanceUrl: sf.instanceUrl, apiVersion: sf.apiVersion,
      username: sf.credentials.username, password: sf.credentials.password,
      clientId: sf.credentials.clientId, clientSecret: sf.credentials.clientSecret,
    },
    graph: {
      baseUrl: graph.baseUrl, tokenUrl: graph.tokenUrl, tenantId: graph.tenantId, clientId: graph.clientId,
      clientSecret: graph.clientSecret, caCertPath: graph.caCertPath, mailboxes,
    },
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    Promise.all([sf.close(), graph.close()]).then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`emulators: ${(e as Error).message}\n`);
  process.exit(1);
});
