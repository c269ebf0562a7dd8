// `npm run sandbox` as a child process: exactly one JSON line on stdout in the DESIGN.md shape,
// a configured mailbox the worker reports on, both services answering their token grants,
// and a clean exit 0 on SIGTERM.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { waitFor } from './helpers.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/sandbox.ts', '--seed', 'small'], {
  cwd: ROOT,
  env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let stdout = '';
let stderr = '';
proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));

afterAll(() => {
  if (proc.exitCode === null) proc.kill('SIGKILL');
});

it('prints the sandbox line, runs the worker, and exits 0 on SIGTERM', async () => {
  const line = await waitFor(`the sandbox JSON line (stderr: ${stderr.slice(-500)})`, () => stdout.includes('\n') && stdout.slice(0, stdout.indexOf('\n')), 60_000);
  const info = JSON.parse(line) as {
    salesforce: Record<string, string>;
    graph: Record<string, unknown> & { mailboxes: Array<{ address: string; salesforceUserId: string; mailboxSyncId: string }> };
    worker: { url: string; apiToken: string };
  };
  expect(Object.keys(info.salesforce).sort()).toEqual(['apiVersion', 'clientId', 'clientSecret', 'instanceUrl', 'loginUrl', 'password', 'username']);
  expect(info.salesforce.apiVersion).toBe('60.0');
  expect(Object.keys(info.graph).sort()).toEqual(['baseUrl', 'caCertPath', 'clientId', 'clientSecret', 'mailboxes', 'tenantId', 'tokenUrl']);
  const [mailbox] = info.graph.mailboxes;
  expect(mailbox!.salesforceUserId).toMatch(/^005/);
  expect(mailbox!.mailboxSyncId).toMatch(/^a0/);

  const token = await fetch(`${info.salesforce.loginUrl}/services/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'password', username: info.salesforce.username!, password: info.salesforce.password!, client_id: info.salesforce.clientId!, client_secret: info.salesforce.clientSecret! }),
  });
  expect(token.status).toBe(200);

  const auth = { Authorization: `Bearer ${info.worker.apiToken}` };
  expect((await fetch(`${info.worker.url}/api/v1/health`, { headers: auth })).status).toBe(200);
  const status = await waitFor('the first sync', async () => {
    const doc = (await (await fetch(`${info.worker.url}/api/v1/mailboxes/${mailbox!.mailboxSyncId}/status`, { headers: auth })).json()) as { state: string; lastSync: string | null; counts: Record<string, { toExchange?: number }> };
    return doc.lastSync !== null && doc;
  }, 30_000);
  expect(status.state).toBe('active');
  expect(status.counts.contact?.toExchange).toBeGreaterThan(0);

  proc.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(stdout.trim().split('\n')).toHaveLength(1);
}, 120_000);
