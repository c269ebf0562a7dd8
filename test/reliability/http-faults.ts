// Family "HTTP faults": 429 and 503 with Retry-After on Graph (the emulator counts every
// request answered during the throttle window), 503 on Salesforce, 401 expiry of both
// sides' credentials in the middle of a run, writes whose outcome is unknown (the request
// reached the server, the caller saw a timeout) on both sides, a partial failure inside a
// Graph $batch, and REQUEST_LIMIT_EXCEEDED (the mailbox backs off, sends nothing to
// Salesforce during the backoff and says why). After each: the change arrived once.
import { ExchangeError } from '../../worker/src/graph/errors.ts';
import { createGraphClient, type GraphClient } from '../../worker/src/graph/client.ts';
import { connectSalesforce, type SalesforceConnection } from '../../worker/src/salesforce/connection.ts';
import { startLocalStack, type LocalStack, type StackMailbox } from '../../scripts/lib/stack.ts';
import { tally, type FamilyOptions, type FamilyResult } from './scorecard.ts';
import { duplicates, kindOps, messageOf, restart, runOnce } from './world.ts';

let serial = 0;
const unique = (p: string) => `${p}${++serial}`;

/** After a fault: further clean runs deliver, nothing doubled, quiet at the end. */
async function settles(stack: LocalStack, m: StackMailbox, check: () => string[]): Promise<string[]> {
  const rt = restart(stack);
  const out: string[] = [];
  for (let i = 0; i < 2; i++) {
    const r = await runOnce(rt, m);
    if (!r.ok) out.push(`clean run ${i + 1} failed: ${messageOf(r.error)}`);
  }
  out.push(...check(), ...duplicates(stack, m));
  const q = await runOnce(rt, m);
  if (q.ok && q.itemsSynced !== 0) out.push(`not quiet: a further run wrote ${q.itemsSynced}`);
  await rt.stop();
  return out;
}

const once = (what: string, n: number): string[] => (n === 1 ? [] : [`${what}: ${n} copies, expected 1`]);

export async function httpFaults(options: FamilyOptions): Promise<FamilyResult> {
  const t = tally('HTTP faults', options);
  const stack = await startLocalStack({ seed: 'none', start: false });
  try {
    const m = stack.mailboxes[0]!;
    const contacts = kindOps(stack, m, 'contact');
    const tasks = kindOps(stack, m, 'task');
    const first = await runOnce(restart(stack), m);
    if (!first.ok) throw new Error(`first run failed: ${messageOf(first.error)}`);

    await t.case('Graph 429 with Retry-After: no request before the deadline', async () => {
      const name = unique('Throttled');
      contacts.sfCreate(name);
      stack.graph.admin.resetCounters();
      stack.graph.admin.throttleNow(m.address, 2);
      const started = Date.now();
      const r = await runOnce(restart(stack), m);
      const answered429 = stack.graph.admin.counters().throttled;
      const out: string[] = [];
      if (!r.ok) out.push(`the run failed instead of waiting 2 s: ${messageOf(r.error)}`);
      if (Date.now() - started < 1_900) out.push('the run finished before the Retry-After deadline');
      // requests already in flight when the first 429 came back may be answered 429 too (at most 4 per mailbox)
      if (answered429 > 4) out.push(`${answered429} requests were sent during the throttle window`);
      return [...out, ...once(`contact ${name} in Outlook`, contacts.exFind(name).length)];
    });

    await t.case('Graph 503 with Retry-After on the delta read: waits, then reads', async () => {
      const name = unique('Unavailable');
      contacts.sfCreate(name);
      stack.graph.admin.fault({ match: { mailbox: m.address, method: 'GET', pathIncludes: '/contacts/delta' }, count: 2, status: 503, code: 'serviceNotAvailable', retryAfterSeconds: 1 });
      const started = Date.now();
      const r = await runOnce(restart(stack), m);
      const out: string[] = [];
      const took = Date.now() - started;
      if (r.ok && took < 1_900) out.push(`two 503s with Retry-After 1 s were retried within ${took} ms`);
      return [...out, ...(await settles(stack, m, () => once(`contact ${name} in Outlook`, contacts.exFind(name).length)))];
    });

    await t.case('Salesforce 503 on a query: the run fails temporarily, the next delivers', async () => {
      const name = unique('SfUnavailable');
      await contacts.exCreate(name);
      stack.salesforce.admin.fault({ kind: 'query', count: 1, status: 503, errorCode: 'SERVER_UNAVAILABLE', message: 'Injected unavailability.', retryAfter: 1 });
      await runOnce(restart(stack), m);
      return settles(stack, m, () => once(`contact ${name} in Salesforce`, contacts.sfFind(name).length));
    });

    await t.case('401 on both sides in the middle of a run: tokens renewed, run completes', async () => {
      const a = unique('ExpirySf');
      const b = unique('ExpiryEx');
      contacts.sfCreate(a);
      await contacts.exCreate(b);
      // expire both sides' credentials right after the run's first Graph read
      let fired = false;
      const graph: GraphClient = {
        ...stack.client,
        get: async <T,>(path: string, headers?: Record<string, string>): Promise<T> => {
          const out = await stack.client.get<T>(path, headers);
          if (!fired) {
            fired = true;
            stack.salesforce.admin.expireSessions();
            stack.graph.admin.advanceClock(2 * 3_600_000);
          }
          return out;
        },
      };
      const rt = restart(stack, { graph });
      const r = await runOnce(rt, m);
      await rt.stop();
      const out = r.ok ? [] : [`the run failed on expiry instead of renewing: ${messageOf(r.error)}`];
      if (!fired) out.push('the expiry was never injected');
      return [...out, ...(await settles(stack, m, () => [...once(`contact ${a} in Outlook`, contacts.exFind(a).length), ...once(`contact ${b} in Salesforce`, contacts.sfFind(b).length)]))];
    });

    await t.case('Graph write times out after reaching the server (unknown outcome): no duplicate', async () => {
      const name = unique('LostAnswerEx');
      tasks.sfCreate(name);
      const graph: GraphClient = {
        ...stack.client,
        request: async <T,>(method: string, path: string, opts?: Parameters<GraphClient['request']>[2]): Promise<T> => {
          const out = await stack.client.request<T>(method, path, opts);
          if (method !== 'GET' && !path.startsWith('/subscriptions')) throw new ExchangeError('temporary', 0, 'timeout', 'The request timed out (injected after the server answered).');
          return out;
        },
      };
      const rt = restart(stack, { graph });
      await runOnce(rt, m);
      await rt.stop();
      return settles(stack, m, () => once(`task ${name} in To Do`, tasks.exFind(name).length));
    });

    await t.case("Graph write applied, its answer held past the worker's request timeout (socket level): the timeout fires, a run retries, no duplicate", async () => {
      const name = unique('HeldAnswerEx');
      tasks.sfCreate(name);
      const requestTimeoutMs = 500;
      const holdMs = 4_000;
      const g = stack.graph;
      const graph = createGraphClient({ baseUrl: g.baseUrl, tokenUrl: g.tokenUrl, tenantId: g.tenantId, clientId: g.clientId, clientSecret: g.clientSecret, caCert: g.caCert, requestTimeoutMs });
      // the emulator applies the task's create, then holds the answer (in a $batch: the whole batch)
      g.admin.holdAnswers({ match: { mailbox: m.address, method: 'POST', pathIncludes: '/tasks' }, count: 1, holdMs });
      const rt = restart(stack, { graph });
      const started = Date.now();
      const r = await runOnce(rt, m);
      const took = Date.now() - started;
      await rt.stop();
      await graph.close();
      const out: string[] = [];
      const landed = tasks.exFind(name).length;
      if (landed === 0) out.push('the held write was not applied by the emulator (the case proves nothing)');
      if (r.ok) out.push(`the run reported success although its write was never answered (took ${took} ms)`);
      else if (!/did not answer within 500 ms/.test(messageOf(r.error))) out.push(`the run failed, but not on the request timeout: ${messageOf(r.error)}`);
      if (took >= holdMs) out.push(`the run waited ${took} ms for the held answer: the ${requestTimeoutMs} ms request timeout did not fire`);
      return [...out, ...(await settles(stack, m, () => once(`task ${name} in To Do`, tasks.exFind(name).length)))];
    });

    await t.case('Salesforce write times out after reaching the server (unknown outcome): no duplicate', async () => {
      const name = unique('LostAnswerSf');
      await tasks.exCreate(name);
      const conn = stack.sf.conn;
      const gated = new Proxy(conn, {
        get(target, prop, receiver) {
          if (prop !== 'request') return Reflect.get(target, prop, receiver) as unknown;
          return async (req: { method?: string; url?: string; body?: string }, ...rest: unknown[]) => {
            const out = await (target.request as (...a: unknown[]) => Promise<unknown>).call(target, req, ...rest);
            if ((req.method ?? 'GET').toUpperCase() !== 'GET' && !/Mailbox_Sync__c|Sync_Issue__c/.test(`${req.url ?? ''}${req.body ?? ''}`)) throw Object.assign(new Error('socket hang up (injected after the server answered)'), { code: 'ECONNRESET' });
            return out;
          };
        },
      });
      const sf: SalesforceConnection = { ...stack.sf, conn: gated, accessToken: () => stack.sf.accessToken(), refresh: () => stack.sf.refresh(), apiCalls: () => stack.sf.apiCalls(), close: async () => undefined };
      const rt = restart(stack, { sf });
      await runOnce(rt, m);
      await rt.stop();
      return settles(stack, m, () => once(`task ${name} in Salesforce`, tasks.sfFind(name).length));
    });

    // Full set only (a held answer keeps an emulator socket busy for 6 s). Was an open finding
    // (commit d7ec8fe): the worker set no Salesforce request timeout and jsforce's default is
    // 30 minutes; connectSalesforce now bounds every REST request (requestTimeoutMs).
    if (options.full) {
      await t.case("Salesforce write applied, its answer held 6 s (socket level): the worker's request timeout fires, a run retries, no duplicate", async () => {
        const name = unique('HeldAnswerSf');
        await tasks.exCreate(name);
        // short, yet well above one emulator answer on a loaded machine: only the held one times out
        const requestTimeoutMs = 1_500;
        const holdMs = 6_000;
        const sf = await connectSalesforce({ loginUrl: stack.salesforce.loginUrl, auth: { kind: 'password', ...stack.salesforce.credentials }, requestTimeoutMs });
        stack.salesforce.admin.holdAnswers({ method: 'PATCH', path: '/composite/sobjects/Task/', holdMs }); // the create is an upsert by SCC_Exchange_Key__c
        const rt = restart(stack, { sf });
        const started = Date.now();
        const r = await runOnce(rt, m);
        const took = Date.now() - started;
        await rt.stop();
        await sf.close();
        const out: string[] = [];
        if (tasks.sfFind(name).length === 0) out.push('the held write was not applied by the emulator (the case proves nothing)');
        if (r.ok) out.push(`the run reported success although its write was never answered (took ${took} ms)`);
        else if (!/did not answer PATCH \S+\/composite\/sobjects\/Task\/\S+ within 1500 ms/.test(messageOf(r.error))) out.push(`the run failed, but not on the request timeout: ${messageOf(r.error)}`);
        if (took >= holdMs) out.push(`the run waited ${took} ms for the held Salesforce answer: the ${requestTimeoutMs} ms request timeout did not fire`);
        return [...out, ...(await settles(stack, m, () => once(`task ${name} in Salesforce`, tasks.sfFind(name).length)))];
      });
    }

    await t.case('partial failure inside a Graph $batch: the others land, the failed one follows', async () => {
      const names = [unique('BatchA'), unique('BatchB'), unique('BatchC')];
      for (const n of names) contacts.sfCreate(n);
      stack.graph.admin.fault({ match: { mailbox: m.address, method: 'POST', pathIncludes: '/contacts' }, count: 1, status: 500, code: 'generalException', message: 'Injected sub-request failure.' });
      const r = await runOnce(restart(stack), m);
      const landed = names.filter((n) => contacts.exFind(n).length === 1).length;
      const out: string[] = [];
      if (r.ok && landed === 0) out.push('no item of the batch landed after one sub-request failed');
      return [...out, ...(await settles(stack, m, () => names.flatMap((n) => once(`contact ${n} in Outlook`, contacts.exFind(n).length))))];
    });

    await t.case('REQUEST_LIMIT_EXCEEDED: the mailbox backs off, stays quiet, reports it, recovers', async () => {
      const name = unique('OverLimit');
      await contacts.exCreate(name);
      stack.salesforce.admin.setApiLimit({ max: 1_000_000, used: 1_000_000 });
      const rt = restart(stack, undefined, { pollIntervalMs: 50 });
      const out: string[] = [];
      try {
        await rt.scheduler.syncNow(m.mailboxSyncId);
        await rt.scheduler.tick();
        const row = await stack.store.getMailbox(m.mailboxSyncId);
        if (!row?.lastError || !/limit|throttl/i.test(row.lastError)) out.push(`the mailbox does not say it hit the limit (lastError: ${row?.lastError ?? 'none'})`);
        if (!row?.retryAt || row.retryAt <= Date.now()) out.push('no backoff: retryAt is not in the future');
        const before = stack.salesforce.admin.counters().requests;
        for (let i = 0; i < 5; i++) await rt.scheduler.tick();
        const during = stack.salesforce.admin.counters().requests - before;
        if (during > 0) out.push(`${during} Salesforce request(s) during the backoff`);
      } finally {
        stack.salesforce.admin.setApiLimit({ max: 1_000_000, used: 0 });
        await rt.stop();
      }
      return [...out, ...(await settles(stack, m, () => once(`contact ${name} in Salesforce`, contacts.sfFind(name).length)))];
    });
  } finally {
    await stack.close();
  }
  return t.result();
}
