// Family "bad input": (1) seeded fuzzing of every worker endpoint — methods, ids, headers,
// bodies, query strings — against createApp with recording ports: never a 5xx, the server
// keeps answering, a request that fails auth or validation reaches no port (no partial
// write); webhooks with a wrong or missing clientState or an unknown subscription become no
// hint; Worker API calls without or with a wrong bearer are 401. (2) Over-long and malformed
// fields from either side on the local stack: each is recorded as an issue or carried
// (cut to the field length) — never dropped silently.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { createApp, type MailboxPorts } from '../../worker/src/http/app.ts';
import { hashClientState } from '../../worker/src/store/index.ts';
import { startLocalStack } from '../../scripts/lib/stack.ts';
import { tally, type FamilyOptions, type FamilyResult, type Tally } from './scorecard.ts';
import { containers, messageOf, restart, runOnce, sfQuery, type Json } from './world.ts';

const TOKEN = 'reliability-api-token-0123456789abcdef';
const MAILBOX = 'a0B000000000001AAA';
const SUBSCRIPTION = 'sub-known-1';
const CLIENT_STATE = 'client-state-secret-42';

interface Calls {
  ports: string[];
  hints: string[];
  lifecycle: string[];
}

async function startApp(calls: Calls): Promise<{ url: string; close(): Promise<void> }> {
  const port = (name: keyof MailboxPorts) => async (id: string) => {
    calls.ports.push(`${name}:${id}`);
    return id === MAILBOX ? { id, ok: true } : undefined;
  };
  const app = createApp({
    apiToken: TOKEN,
    mailboxes: { status: port('status'), provision: port('provision'), sync: port('sync'), pause: port('pause'), resume: port('resume'), test: port('test') },
    subscriptions: { getSubscription: async (id) => (id === SUBSCRIPTION ? { mailboxId: MAILBOX, clientStateHash: hashClientState(CLIENT_STATE) } : undefined) },
    hint: async (id, source) => {
      calls.hints.push(`${id}:${source}`);
    },
    lifecycle: async (e) => {
      calls.lifecycle.push(`${e.mailboxId}:${e.event}`);
    },
    health: async () => ({ store: 'fake' }),
  });
  const server: Server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

interface Probe {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** A raw request (node:http, so malformed headers and bodies go out as given). */
function send(base: string, p: Probe): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${p.path}`, { method: p.method, headers: { ...p.headers, ...(p.body ? { 'content-length': String(p.body.length) } : {}) } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
    if (p.body) req.end(p.body);
    else req.end();
  });
}

const ENDPOINTS = ['/api/v1/health', '/api/v1/mailboxes/:id/status', ...['provision', 'sync', 'pause', 'resume', 'test'].map((a) => `/api/v1/mailboxes/:id/${a}`), '/graph/notifications', '/graph/lifecycle'];

const idArb = fc.oneof(
  fc.constant(MAILBOX),
  fc.constant('a0B000000000002AAA'),
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  fc.constantFrom('%', '%ZZ', '..%2F..', 'x'.repeat(5000), '%00', "';DROP TABLE links;--", 'a0B00000000000'),
);
const authArb = fc.oneof(
  fc.constant<string | undefined>(undefined),
  fc.constant(`Bearer ${TOKEN}`),
  fc.constant(`bearer   ${TOKEN}  `),
  fc.constant(`Bearer ${TOKEN.slice(0, -1)}x`),
  fc.constant(`Bearer ${TOKEN}${TOKEN}`),
  fc.constantFrom('Bearer', 'Bearer ', `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}`, `Bearer ${TOKEN} extra`),
  fc.string({ maxLength: 80 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
);
const contentTypeArb = fc.oneof(
  fc.constant<string | undefined>(undefined),
  fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'multipart/form-data; boundary=x', '*/*'),
);
const notificationArb = fc.record(
  {
    subscriptionId: fc.oneof(fc.constant(SUBSCRIPTION), fc.string({ maxLength: 300 })),
    clientState: fc.oneof(fc.constant(CLIENT_STATE), fc.constant(`${CLIENT_STATE}x`), fc.string({ maxLength: 40 }), fc.constant(null)),
    changeType: fc.constantFrom('created', 'updated', 'deleted'),
    resource: fc.string({ maxLength: 60 }),
    lifecycleEvent: fc.constantFrom('missed', 'subscriptionRemoved', 'reauthorizationRequired', 'bogus'),
  },
  { requiredKeys: [] },
);
const bodyArb = fc.oneof(
  fc.constant<Buffer | undefined>(undefined),
  fc.constant(Buffer.from('{}')),
  fc.constantFrom('{"full":true}', '{"full":"yes"}', '{"full":true,"extra":1}', 'null', '[]', '"x"', '{', '{"a":', '\u0000', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"p":1}}}').map((s) => Buffer.from(s)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc.array(notificationArb, { maxLength: 5 }).map((value) => Buffer.from(JSON.stringify({ value }))),
  fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
  fc.constant(Buffer.from(JSON.stringify({ full: true, pad: 'x'.repeat(70_000) }))),
  fc.constant(Buffer.from(`{"value":[${'{"subscriptionId":"s"},'.repeat(1200)}{"subscriptionId":"s"}]}`)),
);
const queryArb = fc.oneof(
  fc.constant(''),
  fc.constant('?validationToken=abc%20def'),
  fc.constantFrom('?validationToken=', '?validationToken=a&validationToken=b', `?validationToken=${'v'.repeat(5000)}`, '?validationToken=%E0%A4%A', '?full=true', '?a[b]=c'),
);
const probeArb: fc.Arbitrary<Probe> = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
    endpoint: fc.constantFrom(...ENDPOINTS),
    id: idArb,
    query: queryArb,
    auth: authArb,
    contentType: contentTypeArb,
    body: bodyArb,
    extraHeader: fc.option(fc.tuple(fc.constantFrom('x-forwarded-for', 'content-encoding', 'transfer-encoding-x', 'x-ms-client-request-id', 'cookie'), fc.string({ maxLength: 50 }).filter((s) => /^[\x20-\x7e]*$/.test(s))), { nil: undefined }),
  })
  .map((r) => {
    const headers: Record<string, string> = {};
    if (r.auth !== undefined) headers.authorization = r.auth;
    if (r.contentType !== undefined) headers['content-type'] = r.contentType;
    if (r.extraHeader) headers[r.extraHeader[0]] = r.extraHeader[1];
    return { method: r.method, path: `${r.endpoint.replace(':id', r.id)}${r.query}`, headers, ...(r.body ? { body: r.body } : {}) };
  });

function authorised(p: Probe): boolean {
  return /^Bearer[ ]+(\S+)\s*$/i.exec(p.headers.authorization ?? '')?.[1] === TOKEN;
}

/** Part 1: fuzzed requests. Returns the number of requests sent. */
async function fuzzEndpoints(t: Tally, options: FamilyOptions): Promise<void> {
  const calls: Calls = { ports: [], hints: [], lifecycle: [] };
  const app = await startApp(calls);
  try {
    const runs = options.full ? 3000 : 400;
    const found: { case: string; message: string }[] = [];
    await fc.assert(
      fc.asyncProperty(probeArb, async (p) => {
        calls.ports.length = 0;
        calls.hints.length = 0;
        calls.lifecycle.length = 0;
        const name = `${p.method} ${p.path.slice(0, 80)}${p.path.length > 80 ? '…' : ''}`;
        const problems: string[] = [];
        let r: { status: number; body: string };
        try {
          r = await send(app.url, p);
        } catch (error) {
          problems.push(`no answer: ${messageOf(error)}`);
          found.push(...problems.map((message) => ({ case: name, message })));
          return;
        }
        if (r.status >= 500) problems.push(`answered ${r.status}: ${r.body.slice(0, 200)}`);
        if (r.status >= 400 && p.method !== 'HEAD' && !/^\{"error":\{"code":"[A-Z_]+","message":/.test(r.body)) problems.push(`error ${r.status} without the {"error":{"code","message"}} shape: ${r.body.slice(0, 120)}`);
        if (p.path.startsWith('/api/v1') && !authorised(p)) {
          if (r.status !== 401 && !(r.status === 404 && !ENDPOINTS.some((e) => new RegExp(`^${e.replace(':id', '[^/]+')}(\\?|$)`).test(p.path)))) problems.push(`unauthorised request answered ${r.status}`);
          if (calls.ports.length > 0) problems.push(`unauthorised request reached ports: ${calls.ports.join(', ')}`);
        }
        // 404 after a port answered "no such mailbox" is the port's own answer, not a rejection
        if (r.status >= 400 && r.status !== 404 && calls.ports.length > 0) problems.push(`a rejected request (${r.status}) still reached ports: ${calls.ports.join(', ')}`);
        if (p.path.startsWith('/graph/') && calls.hints.length > 0) {
          // a hint needs the known subscription with the right clientState
          let body: { value?: Array<{ subscriptionId?: unknown; clientState?: unknown }> } = {};
          try {
            body = JSON.parse(p.body?.toString('utf8') ?? '') as typeof body;
          } catch {
            problems.push('a hint from an unparseable body');
          }
          const good = (body.value ?? []).some((n) => n.subscriptionId === SUBSCRIPTION && n.clientState === CLIENT_STATE);
          if (!good) problems.push(`hint without a valid subscription and clientState: ${calls.hints.join(', ')}`);
        }
        found.push(...problems.map((message) => ({ case: name, message })));
      }),
      { numRuns: runs, seed: options.seed, endOnFailure: false },
    );
    // still alive and well after everything
    const health = await send(app.url, { method: 'GET', path: '/api/v1/health', headers: { authorization: `Bearer ${TOKEN}` } });
    if (health.status !== 200) found.push({ case: 'health after fuzzing', message: `answered ${health.status}` });
    t.add(runs + 1, found.slice(0, 50));
    if (found.length > 50) t.add(0, [{ case: 'fuzz', message: `${found.length - 50} more violations not listed` }]);
  } finally {
    await app.close();
  }
}

/** Part 2: named webhook and auth cases. */
async function namedCases(t: Tally): Promise<void> {
  const calls: Calls = { ports: [], hints: [], lifecycle: [] };
  const app = await startApp(calls);
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  const webhook = (n: Record<string, unknown>): Probe => ({ method: 'POST', path: '/graph/notifications', headers: { 'content-type': 'application/json' }, body: json({ value: [n] }) });
  const reset = () => {
    calls.ports.length = 0;
    calls.hints.length = 0;
    calls.lifecycle.length = 0;
  };
  const cases: Array<[string, Probe, (s: number) => string[]]> = [
    ['webhook with the right clientState → one hint', webhook({ subscriptionId: SUBSCRIPTION, clientState: CLIENT_STATE }), (s) => (s === 202 && calls.hints.length === 1 ? [] : [`status ${s}, hints ${calls.hints.length}`])],
    ['webhook with a wrong clientState → no hint', webhook({ subscriptionId: SUBSCRIPTION, clientState: 'guess' }), () => (calls.hints.length === 0 ? [] : ['hinted'])],
    ['webhook without clientState → no hint', webhook({ subscriptionId: SUBSCRIPTION }), () => (calls.hints.length === 0 ? [] : ['hinted'])],
    ['webhook for an unknown subscription → no hint', webhook({ subscriptionId: 'sub-unknown', clientState: CLIENT_STATE }), () => (calls.hints.length === 0 ? [] : ['hinted'])],
    ['lifecycle with a wrong clientState → not handled', { ...webhook({ subscriptionId: SUBSCRIPTION, clientState: 'x', lifecycleEvent: 'subscriptionRemoved' }), path: '/graph/lifecycle' }, () => (calls.lifecycle.length === 0 && calls.hints.length === 0 ? [] : ['handled'])],
    ['validation handshake echoes the token as text', { method: 'POST', path: '/graph/notifications?validationToken=Hello%20world', headers: { 'content-type': 'text/plain' } }, (s) => (s === 200 ? [] : [`status ${s}`])],
    ['Worker API without a token → 401', { method: 'POST', path: `/api/v1/mailboxes/${MAILBOX}/sync`, headers: {} }, (s) => (s === 401 && calls.ports.length === 0 ? [] : [`status ${s}, ports ${calls.ports.length}`])],
    ['Worker API with a wrong token of the same length → 401', { method: 'POST', path: `/api/v1/mailboxes/${MAILBOX}/pause`, headers: { authorization: `Bearer ${TOKEN.replace(/.$/, 'X')}` } }, (s) => (s === 401 && calls.ports.length === 0 ? [] : [`status ${s}`])],
    ['Worker API with the token as a prefix → 401', { method: 'GET', path: `/api/v1/mailboxes/${MAILBOX}/status`, headers: { authorization: `Bearer ${TOKEN}0` } }, (s) => (s === 401 ? [] : [`status ${s}`])],
    ['Worker API with the right token → 200', { method: 'GET', path: `/api/v1/mailboxes/${MAILBOX}/status`, headers: { authorization: `Bearer ${TOKEN}` } }, (s) => (s === 200 && calls.ports.length === 1 ? [] : [`status ${s}`])],
  ];
  try {
    for (const [name, probe, check] of cases) {
      await t.case(name, async () => {
        reset();
        const r = await send(app.url, probe);
        return check(r.status);
      });
    }
  } finally {
    await app.close();
  }
}

/** Part 3: over-long and malformed fields from either side on the local stack. */
async function fieldCases(t: Tally): Promise<void> {
  const stack = await startLocalStack({ seed: 'none', start: false });
  try {
    const m = stack.mailboxes[0]!;
    const runtime = restart(stack);
    const first = await runOnce(runtime, m);
    if (!first.ok) throw new Error(`first run failed: ${messageOf(first.error)}`);
    const { contactFolderId, todoListId } = await containers(stack, m);
    const openIssues = async (): Promise<Json[]> => (await stack.store.listIssues(m.mailboxSyncId, { open: true })) as unknown as Json[];
    /** Carried (possibly cut) to the other side, or an open issue naming the item: never silently dropped. */
    const accounted = async (what: string, carried: () => boolean, ids: { exchangeId?: string; salesforceId?: string }): Promise<string[]> => {
      const r = await runOnce(runtime, m);
      if (!r.ok && !/throttl|temporar/i.test(messageOf(r.error))) {
        // a failed run is fine only when it explains itself
        if (!String(messageOf(r.error))) return [`${what}: the run failed without a message`];
      }
      await runOnce(runtime, m);
      if (carried()) return [];
      const issues = await openIssues();
      const named = issues.some((i) => (ids.exchangeId && i.exchangeId === ids.exchangeId) || (ids.salesforceId && i.salesforceId === ids.salesforceId));
      return named ? [] : [`${what}: neither synced nor recorded as an issue (dropped silently)`];
    };
    await t.case('Outlook contact with a 300-character surname (Salesforce LastName is 80)', async () => {
      const id = stack.graph.admin.userCreateContact(m.address, contactFolderId, { givenName: 'Long', surname: 'L'.repeat(300), emailAddresses: [{ address: 'long-surname@example.test' }] });
      return accounted('over-long surname', () => sfQuery(stack, `SELECT Id FROM Contact WHERE Email = 'long-surname@example.test'`).length === 1, { exchangeId: id });
    });
    await t.case('Outlook contact with a malformed e-mail address', async () => {
      const id = stack.graph.admin.userCreateContact(m.address, contactFolderId, { givenName: 'Bad', surname: 'Mailaddress', emailAddresses: [{ address: 'not an address@@' }] });
      return accounted('malformed e-mail', () => sfQuery(stack, `SELECT Id FROM Contact WHERE LastName = 'Mailaddress'`).length === 1, { exchangeId: id });
    });
    await t.case('To Do task with a 400-character title (Salesforce Subject is 255)', async () => {
      const id = stack.graph.admin.userCreateTask(m.address, todoListId, { title: `T${'t'.repeat(399)}` });
      return accounted('over-long title', () => sfQuery(stack, `SELECT Id FROM Task WHERE Subject LIKE 'Tttttttttt%'`).length === 1, { exchangeId: id });
    });
    await t.case('To Do task with an unparseable due date', async () => {
      const id = stack.graph.admin.userCreateTask(m.address, todoListId, { title: 'Bad due date', dueDateTime: { dateTime: 'yesterday-ish', timeZone: 'Nowhere/Zone' } });
      return accounted('malformed due date', () => sfQuery(stack, `SELECT Id FROM Task WHERE Subject = 'Bad due date'`).length === 1, { exchangeId: id });
    });
    await t.case('Salesforce contact with control characters and 4-byte characters in the name', async () => {
      const id = stack.salesforce.admin.insert('Contact', { FirstName: 'Zero\u0000Width\u200b', LastName: 'Emoji😀\u0007', Email: 'ctl@example.test', OwnerId: m.salesforceUserId });
      return accounted('control characters', () => (stack.graph.admin.items(m.address, 'contact') as Json[]).some((c) => (c.emailAddresses as Array<{ address: string }> | undefined)?.some((e) => e.address === 'ctl@example.test')), { salesforceId: id });
    });
    await t.case('Salesforce task with a 32,000-character description', async () => {
      const id = stack.salesforce.admin.insert('Task', { Subject: 'Huge description', Description: 'd'.repeat(32_000), Status: 'Not Started', Priority: 'Normal', OwnerId: m.salesforceUserId });
      return accounted('huge description', () => (stack.graph.admin.items(m.address, 'todoTask') as Json[]).some((x) => x.title === 'Huge description'), { salesforceId: id });
    });
    await runtime.stop();
  } finally {
    await stack.close();
  }
}

export async function badInput(options: FamilyOptions): Promise<FamilyResult> {
  const t = tally('bad input', options);
  await fuzzEndpoints(t, options);
  await namedCases(t);
  await fieldCases(t);
  return t.result();
}
