// Memory: peak RSS of the worker while it runs the initial sync of many contacts into one mailbox.
// The emulators run here; the worker runs in a child process (../worker-child.ts) so its RSS is
// measured alone, by sampling and by the kernel's maxRSS. A time budget bounds the run: when it
// ends first, the result says how many contacts were written by then.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startGraphEmulator } from '../../emulators/graph/index.ts';
import { startSalesforceEmulator } from '../../emulators/salesforce/index.ts';
import type { ChildResult, ChildWiring } from '../worker-child.ts';

export interface MemoryOptions {
  contacts: number;
  latencyMs: number;
  budgetMs: number;
}

export interface MemoryResult extends ChildResult {
  options: MemoryOptions;
  contactsInMailbox: number;
  seedSeconds: number;
}

const CHILD = fileURLToPath(new URL('../worker-child.ts', import.meta.url));

export async function runMemory(options: MemoryOptions): Promise<MemoryResult> {
  const salesforce = await startSalesforceEmulator({ seed: 'none', latencyMs: options.latencyMs, dailyApiRequests: 1e9 });
  const graph = await startGraphEmulator({ seed: 'none', latencyMs: options.latencyMs, requestBudgetPer10Min: 1e9 });
  try {
    const t0 = performance.now();
    const address = 'memory.bench@smartcloud-connect.example';
    const user = salesforce.admin.createUser({ firstName: 'Memory', lastName: 'Bench', email: address });
    graph.admin.addMailbox({ address, displayName: 'Memory Bench' });
    const mailboxSyncId = salesforce.admin.insert('Mailbox_Sync__c', {
      User__c: user.id, Mailbox_Address__c: address, Enabled__c: true, Status__c: 'New',
      Sync_Contacts__c: true, Sync_Tasks__c: false, Sync_Events__c: false, Sync_Emails__c: false,
      Contacts_Direction__c: 'Both', Contact_Scope__c: 'My Contacts', Category_Name__c: 'Salesforce', Plan__c: 'Real-time',
    });
    for (let n = 0; n < options.contacts; n++) {
      salesforce.admin.insert('Contact', { FirstName: `Mem${n}`, LastName: `Load-${n}`, Email: `m${n}@memory.example`, Title: 'Buyer', OwnerId: user.id }, { asUserId: user.id });
    }
    const seedSeconds = (performance.now() - t0) / 1000;
    const wiring: ChildWiring = {
      salesforce: { loginUrl: salesforce.loginUrl, ...salesforce.credentials },
      graph: { baseUrl: graph.baseUrl, tokenUrl: graph.tokenUrl, tenantId: graph.tenantId, clientId: graph.clientId, clientSecret: graph.clientSecret, caCert: graph.caCert },
      mailboxSyncId,
      budgetMs: options.budgetMs,
    };
    const child = await runChild(wiring, options.budgetMs + 60_000);
    return { options, ...child, contactsInMailbox: graph.admin.items(address, 'contact').length, seedSeconds: Math.round(seedSeconds * 10) / 10 };
  } finally {
    await graph.close();
    await salesforce.close();
  }
}

function runChild(wiring: ChildWiring, timeoutMs: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      env: { ...process.env, SCC_BENCH_CHILD: JSON.stringify(wiring), LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(line) as ChildResult);
      } catch {
        reject(new Error(`memory child exited ${code}: ${err.slice(-1000) || out.slice(-1000)}`));
      }
    });
  });
}
