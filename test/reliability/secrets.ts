// Family "secrets": a run of the local stack with every log line captured (createLogger with a
// destination, level trace), live feeds and webhooks, and the faults that make code talk about
// credentials — Salesforce session expiry, Graph token expiry, throttling, a failing request,
// wrong Worker API tokens, forged webhooks, wrong credentials at connect. Then every configured
// secret and every token seen is searched for in the log lines, in the error messages (run
// errors, API answers, Last_Error__c, Sync_Issue__c) and in the store: none in clear text.
// Two variants: SQLite (fast subset; the store file is searched) and, with --full, PostgreSQL
// (every table of the run's schema is searched) with a real worker child process syncing
// through a session expiry and a Graph token expiry beside the in-process one (its stdout and
// stderr are searched too).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { spawnWorker, type WorkerProcess } from '../e2e/worker-process.ts';
import { createGraphClient } from '../../worker/src/graph/client.ts';
import { createLogger } from '../../worker/src/log.ts';
import { connectSalesforce } from '../../worker/src/salesforce/connection.ts';
import { startLocalStack, type LocalStack } from '../../scripts/lib/stack.ts';
import { pgSchemaUrl } from './processes.ts';
import { tally, until, type FamilyOptions, type FamilyResult, type Tally } from './scorecard.ts';
import { containers, messageOf, sfQuery } from './world.ts';

// The header of every JWT the Graph emulator issues ({"typ":"JWT",…} in base64url).
const JWT_HEADER = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'RS256' })).toString('base64url');

export async function secrets(options: FamilyOptions): Promise<FamilyResult> {
  const t = tally('secrets', options);
  await secretsVariant(t, 'SQLite', undefined);
  if (options.full) {
    const { storeUrl, drop } = pgSchemaUrl('rel_secrets');
    try {
      await secretsVariant(t, 'PostgreSQL', storeUrl);
    } finally {
      await drop();
    }
  }
  return t.result();
}

/** Every row of every table in the store's PostgreSQL schema as text (bytea as hex). */
async function pgTablesText(storeUrl: string): Promise<string> {
  const url = new URL(storeUrl);
  const schema = url.searchParams.get('schema') ?? 'public';
  url.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>('select table_name from information_schema.tables where table_schema = $1', [schema]);
    const out: string[] = [];
    for (const { table_name } of tables.rows) {
      const rows = await client.query<{ row: string }>(`select t::text as row from "${schema}"."${table_name}" t`);
      out.push(`${table_name}: ${rows.rows.length} rows`, ...rows.rows.map((r) => r.row));
    }
    return out.join('\n');
  } finally {
    await client.end();
  }
}

/** A worker child process syncing one change each way through a session and a token expiry. */
async function childProcessRun(stack: LocalStack, storeUrl: string, errors: string[]): Promise<WorkerProcess> {
  const m = stack.mailboxes[0]!;
  await stack.runtime.scheduler.stop();
  const child = spawnWorker(stack, { databaseUrl: storeUrl, id: 'secrets-child', leaseTtlSeconds: 5 });
  const settle = async (what: string, probe: () => boolean) => {
    if (!(await until(probe, 60_000))) throw new Error(`timed out waiting for the child worker: ${what}`);
  };
  stack.salesforce.admin.expireSessions();
  stack.graph.admin.advanceClock(2 * 3_600_000);
  stack.salesforce.admin.insert('Contact', { LastName: 'ChildSecretive', Email: 'child-secretive@example.test', OwnerId: m.salesforceUserId });
  await settle('the contact in Outlook', () => (stack.graph.admin.items(m.address, 'contact') as Array<Record<string, unknown>>).some((c) => c.surname === 'ChildSecretive'));
  const { contactFolderId } = await containers(stack, m);
  stack.graph.admin.fault({ match: { method: 'GET', pathIncludes: '/contacts/delta' }, count: 1, status: 500, code: 'generalException', message: 'Injected failure.' });
  stack.salesforce.admin.expireSessions();
  stack.graph.admin.userCreateContact(m.address, contactFolderId, { givenName: 'Child', surname: 'Outbound', emailAddresses: [{ address: 'child-outbound@example.test' }] });
  await settle('the Outlook contact in Salesforce', () => sfQuery(stack, `SELECT Id FROM Contact WHERE Email = 'child-outbound@example.test'`).length === 1);
  child.proc.kill('SIGTERM');
  await child.exited;
  errors.push(child.output());
  return child;
}

async function secretsVariant(t: Tally, variant: 'SQLite' | 'PostgreSQL', pgStoreUrl: string | undefined): Promise<void> {
  const lines: string[] = [];
  const log = createLogger({ level: 'trace', destination: { write: (line: string) => void lines.push(line) } });
  const stack = await startLocalStack({ seed: 'none', log, runtime: { pollIntervalMs: 200, hintDelayMs: 20 }, ...(pgStoreUrl ? { storeUrl: pgStoreUrl } : {}) });
  const errors: string[] = [];
  let childOutput = '';
  const tokens = new Set<string>();
  const noteToken = () => tokens.add(stack.sf.accessToken());
  try {
    const m = stack.mailboxes[0]!;
    noteToken();
    const api = async (path: string, auth: string | undefined, method = 'POST') => {
      const res = await fetch(`${stack.worker.url}${path}`, { method, headers: auth ? { authorization: auth } : {} });
      errors.push(await res.text());
      return res.status;
    };
    const settle = async (what: string, probe: () => boolean) => {
      if (!(await until(probe, 20_000))) throw new Error(`timed out waiting for ${what}`);
    };
    await t.case(`${variant}: a full run with traffic both ways and faults`, async () => {
      const sfId = stack.salesforce.admin.insert('Contact', { LastName: 'Secretive', Email: 'secretive@example.test', OwnerId: m.salesforceUserId });
      await settle('the contact in Outlook', () => (stack.graph.admin.items(m.address, 'contact') as Array<Record<string, unknown>>).some((c) => c.surname === 'Secretive'));
      // Salesforce session expiry mid-run, then an edit
      stack.salesforce.admin.expireSessions();
      stack.salesforce.admin.update('Contact', sfId, { Title: 'After expiry' });
      await settle('the edit after session expiry', () => (stack.graph.admin.items(m.address, 'contact') as Array<Record<string, unknown>>).some((c) => c.jobTitle === 'After expiry'));
      noteToken();
      // Graph token expiry: the emulator's clock moves past the token's lifetime
      stack.graph.admin.advanceClock(2 * 3_600_000);
      const { contactFolderId } = await containers(stack, m);
      stack.graph.admin.userCreateContact(m.address, contactFolderId, { givenName: 'Token', surname: 'Expired', emailAddresses: [{ address: 'expired@example.test' }] });
      await settle('the Outlook contact after token expiry', () => sfQuery(stack, `SELECT Id FROM Contact WHERE Email = 'expired@example.test'`).length === 1);
      // a failing Graph request and a throttled one
      stack.graph.admin.fault({ match: { method: 'GET', pathIncludes: '/contacts/delta' }, count: 1, status: 500, code: 'generalException', message: 'Injected failure.' });
      stack.graph.admin.throttleNow(m.address, 1);
      try {
        await stack.runtime.runMailbox(m.mailboxSyncId, 'sync-now');
      } catch (error) {
        errors.push(messageOf(error), String((error as { stack?: string }).stack ?? ''));
      }
      stack.salesforce.admin.fault({ kind: 'query', count: 1, status: 503, errorCode: 'SERVER_UNAVAILABLE', message: 'Injected.' });
      try {
        await stack.runtime.runMailbox(m.mailboxSyncId, 'sync-now');
      } catch (error) {
        errors.push(messageOf(error), String((error as { stack?: string }).stack ?? ''));
      }
      noteToken();
      // hostile callers
      await api(`/api/v1/mailboxes/${m.mailboxSyncId}/sync`, undefined);
      await api(`/api/v1/mailboxes/${m.mailboxSyncId}/sync`, `Bearer ${stack.worker.apiToken.slice(0, -2)}xx`);
      await api(`/api/v1/mailboxes/${m.mailboxSyncId}/status`, `Bearer ${stack.worker.apiToken}`, 'GET');
      for (const sub of stack.graph.admin.subscriptions()) {
        const res = await fetch(`${stack.worker.url}/graph/notifications`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ value: [{ subscriptionId: sub.id, clientState: `${String(sub.clientState)}-forged`, changeType: 'updated', resource: 'x' }] }),
        });
        errors.push(await res.text());
      }
      // wrong credentials at connect: the errors must not repeat what was sent
      try {
        await connectSalesforce({ loginUrl: stack.salesforce.loginUrl, auth: { kind: 'password', ...stack.salesforce.credentials, password: 'Wrong-Password-Sentinel-1' } });
      } catch (error) {
        errors.push(messageOf(error), String((error as { stack?: string }).stack ?? ''));
      }
      const wrong = createGraphClient({ baseUrl: stack.graph.baseUrl, tokenUrl: stack.graph.tokenUrl, tenantId: stack.graph.tenantId, clientId: stack.graph.clientId, clientSecret: 'Wrong-Client-Secret-Sentinel-2', caCert: stack.graph.caCert });
      try {
        await wrong.get(`/users/${m.address}/contactFolders`);
      } catch (error) {
        errors.push(messageOf(error), String((error as { stack?: string }).stack ?? ''));
      } finally {
        await wrong.close();
      }
      await stack.runtime.scheduler.stop();
      const finalRun = await stack.runtime.runMailbox(m.mailboxSyncId, 'sync-now').then(
        () => undefined,
        (e: unknown) => e,
      );
      if (finalRun) errors.push(messageOf(finalRun));
      noteToken();
      return [];
    });
    if (pgStoreUrl) {
      await t.case(`${variant}: a worker child process syncs through session and token expiry`, async () => {
        const child = await childProcessRun(stack, pgStoreUrl, errors);
        childOutput = child.output();
        noteToken();
        return childOutput.includes('"mailbox synced"') ? [] : [`the child worker never logged a synced run: ${childOutput.slice(-300)}`];
      });
    }

    const configured: Array<[string, string]> = [
      ['Salesforce password', stack.salesforce.credentials.password],
      ['Salesforce client secret', stack.salesforce.credentials.clientSecret],
      ['Graph client secret', stack.graph.clientSecret],
      ['Worker API token', stack.worker.apiToken],
      ['wrong Salesforce password', 'Wrong-Password-Sentinel-1'],
      ['wrong Graph client secret', 'Wrong-Client-Secret-Sentinel-2'],
      ...[...tokens].filter(Boolean).map((tok, i): [string, string] => [`Salesforce access token #${i + 1}`, tok]),
      ...stack.graph.admin.subscriptions().filter((s) => typeof s.clientState === 'string').map((s, i): [string, string] => [`Graph clientState #${i + 1}`, String(s.clientState)]),
    ];
    const statusText = [
      ...sfQuery(stack, 'SELECT Last_Error__c FROM Mailbox_Sync__c').map((r) => String(r.Last_Error__c ?? '')),
      ...sfQuery(stack, 'SELECT Message__c FROM Sync_Issue__c').map((r) => String(r.Message__c ?? '')),
    ];
    const storeText = pgStoreUrl
      ? await pgTablesText(pgStoreUrl)
      : ['scc.db', 'scc.db-wal']
          .map((f) => {
            try {
              return readFileSync(join(stack.dataDir, f)).toString('latin1');
            } catch {
              return '';
            }
          })
          .join('\n');
    const where: Array<[string, string]> = [
      ['log lines', lines.join('')],
      ['error messages', errors.join('\n')],
      ['Salesforce status and issues', statusText.join('\n')],
      [pgStoreUrl ? 'PostgreSQL tables' : 'store file', storeText],
      ...(pgStoreUrl ? [['child worker stdout/stderr', childOutput] as [string, string]] : []),
    ];
    if (pgStoreUrl) {
      await t.case(`${variant}: the store search read the tables`, async () => (/links: [1-9]/.test(storeText) ? [] : [`the PostgreSQL dump holds no link rows: ${storeText.slice(0, 200)}`]));
    }
    await t.case(`${variant}: log captured (${lines.length} lines) and the worker talked`, async () =>
      lines.some((l) => l.includes('"mailbox synced"')) && lines.some((l) => /"level":(40|50)/.test(l)) ? [] : [`only ${lines.length} log lines, without a synced run and a warning: the search would prove little`],
    );
    for (const [name, value] of configured) {
      const hex = Buffer.from(value).toString('hex');
      await t.case(`${variant}: ${name} nowhere in clear text`, async () =>
        where.filter(([, text]) => value.length >= 8 && (text.includes(value) || text.includes(hex))).map(([place]) => `found in ${place}`),
      );
    }
    // Tokens this process never held (the child's sessions) are found by their shape:
    // '<org id>!<base64url>', as Salesforce and its emulator issue them.
    const sfSession = new RegExp(`${stack.salesforce.orgId.slice(0, 15)}![A-Za-z0-9_-]{40,}`);
    await t.case(`${variant}: no Salesforce session token (any process's) anywhere`, async () => [
      ...([...tokens].filter(Boolean).every((tok) => sfSession.test(tok)) ? [] : ['the session token shape does not match the tokens seen: the search would prove nothing']),
      ...where.filter(([, text]) => sfSession.test(text)).map(([place]) => `a Salesforce session token found in ${place}`),
    ]);
    await t.case(`${variant}: no Graph access token (JWT) anywhere`, async () => where.filter(([, text]) => text.includes(JWT_HEADER)).map(([place]) => `a JWT found in ${place}`));
  } finally {
    await stack.close();
  }
}
