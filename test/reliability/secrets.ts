// Family "secrets": a run of the local stack with every log line captured (createLogger with a
// destination, level trace), live feeds and webhooks, and the faults that make code talk about
// credentials — Salesforce session expiry, Graph token expiry, throttling, a failing request,
// wrong Worker API tokens, forged webhooks, wrong credentials at connect. Then every configured
// secret and every token seen is searched for in the log lines, in the error messages (run
// errors, API answers, Last_Error__c, Sync_Issue__c) and in the store's file: none in clear text.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGraphClient } from '../../worker/src/graph/client.ts';
import { createLogger } from '../../worker/src/log.ts';
import { connectSalesforce } from '../../worker/src/salesforce/connection.ts';
import { startLocalStack } from '../../scripts/lib/stack.ts';
import { tally, until, type FamilyOptions, type FamilyResult } from './scorecard.ts';
import { containers, messageOf, sfQuery } from './world.ts';

// The header of every JWT the Graph emulator issues ({"typ":"JWT",…} in base64url).
const JWT_HEADER = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'RS256' })).toString('base64url');

export async function secrets(options: FamilyOptions): Promise<FamilyResult> {
  const t = tally('secrets', options);
  const lines: string[] = [];
  const log = createLogger({ level: 'trace', destination: { write: (line: string) => void lines.push(line) } });
  const stack = await startLocalStack({ seed: 'none', log, runtime: { pollIntervalMs: 200, hintDelayMs: 20 } });
  const errors: string[] = [];
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
    await t.case('a full run with traffic both ways and faults', async () => {
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
    const storeBytes = stack.storeUrl.startsWith('sqlite:') ? ['scc.db', 'scc.db-wal'].map((f) => {
      try {
        return readFileSync(join(stack.dataDir, f)).toString('latin1');
      } catch {
        return '';
      }
    }).join('\n') : '';
    const where: Array<[string, string]> = [
      ['log lines', lines.join('')],
      ['error messages', errors.join('\n')],
      ['Salesforce status and issues', statusText.join('\n')],
      ['store file', storeBytes],
    ];
    await t.case(`log captured (${lines.length} lines) and the worker talked`, async () =>
      lines.some((l) => l.includes('"mailbox synced"')) && lines.some((l) => /"level":(40|50)/.test(l)) ? [] : [`only ${lines.length} log lines, without a synced run and a warning: the search would prove little`],
    );
    for (const [name, value] of configured) {
      await t.case(`${name} nowhere in clear text`, async () =>
        where.filter(([, text]) => value.length >= 8 && text.includes(value)).map(([place]) => `found in ${place}`),
      );
    }
    await t.case('no Graph access token (JWT) anywhere', async () => where.filter(([, text]) => text.includes(JWT_HEADER)).map(([place]) => `a JWT found in ${place}`));
  } finally {
    await stack.close();
  }
  return t.result();
}
