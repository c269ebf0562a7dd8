// Worker API and Graph webhooks over real HTTP (app.listen(0) + fetch): every status path,
// plus a fuzz pass asserting bad input never yields a 500.
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type MailboxPorts } from './app.ts';
import { ApiError } from './errors.ts';

const TOKEN = 'x'.repeat(48);
const MBX = 'a01000000000001AAA';
const MBX15 = 'a01000000000001';
const hash = (s: string) => createHash('sha256').update(s).digest('hex');

let server: Server;
let base = '';
const hints: [string, string][] = [];
const lifecycles: unknown[] = [];
const calls: string[] = [];
let failNext: unknown;

const mailboxes: MailboxPorts = {
  async status(id) {
    calls.push(`status:${id}`);
    if (failNext) throw failNext;
    return id.startsWith(MBX15) ? { id, state: 'active' } : undefined;
  },
  async provision(id) {
    calls.push(`provision:${id}`);
    return id.startsWith(MBX15) ? { id, state: 'provisioning' } : undefined;
  },
  async sync(id, options) {
    calls.push(`sync:${id}:${options.full}`);
    return id.startsWith(MBX15) ? { id, queued: true } : undefined;
  },
  async pause(id) {
    calls.push(`pause:${id}`);
    return id.startsWith(MBX15) ? { id, state: 'paused' } : undefined;
  },
  async resume(id) {
    calls.push(`resume:${id}`);
    return id.startsWith(MBX15) ? { id, state: 'active' } : undefined;
  },
  async test(id) {
    calls.push(`test:${id}`);
    return id.startsWith(MBX15) ? { id, ok: true } : undefined;
  },
};

const subs = new Map([
  ['sub-1', { mailboxId: MBX, clientStateHash: hash('state-one'), resource: '/users/x@example.com/contactFolders/F1/contacts' }],
  ['sub-2', { mailboxId: 'a01000000000002AAA', clientStateHash: hash('state-two') }],
]);

beforeAll(async () => {
  const app = createApp({
    apiToken: TOKEN,
    mailboxes,
    version: '0.1.0',
    subscriptions: { getSubscription: async (id) => subs.get(id) },
    links: { getLinkByExchangeId: async (mailboxId, kind, id) => (mailboxId === MBX && kind === 'contact' && id === 'C1' ? { exVersion: 'v2' } : undefined) },
    hint: async (id, source) => {
      hints.push([id, source]);
    },
    lifecycle: async (e) => {
      lifecycles.push(e);
    },
    bodyLimit: '1kb',
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  hints.length = 0;
  lifecycles.length = 0;
  calls.length = 0;
  failNext = undefined;
});

const auth = { authorization: `Bearer ${TOKEN}` };
async function call(method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}) {
  const res = await fetch(base + path, { method, headers: init.headers ?? {}, ...(init.body !== undefined ? { body: init.body } : {}) });
  const text = await res.text();
  let json: ReturnType<typeof JSON.parse>;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}

describe('Worker API', () => {
  it('answers health only with the right bearer token', async () => {
    expect(await call('GET', '/api/v1/health', { headers: auth })).toMatchObject({ status: 200, json: { status: 'ok', version: '0.1.0' } });
    for (const headers of [{} as Record<string, string>, { authorization: `Bearer ${TOKEN}x` }, { authorization: TOKEN }, { authorization: 'Bearer ' }, { authorization: `Basic ${TOKEN}` }]) {
      const r = await call('GET', '/api/v1/health', { headers });
      expect(r).toMatchObject({ status: 401, json: { error: { code: 'UNAUTHORIZED' } } });
    }
  });

  it('serves status and every action, 15- or 18-character ids', async () => {
    expect(await call('GET', `/api/v1/mailboxes/${MBX}/status`, { headers: auth })).toMatchObject({ status: 200, json: { state: 'active' } });
    expect(await call('GET', `/api/v1/mailboxes/${MBX15}/status`, { headers: auth })).toMatchObject({ status: 200 });
    expect((await call('POST', `/api/v1/mailboxes/${MBX}/provision`, { headers: auth })).status).toBe(202);
    const json = { ...auth, 'content-type': 'application/json' };
    expect((await call('POST', `/api/v1/mailboxes/${MBX}/sync`, { headers: json, body: '{"full":true}' })).status).toBe(202);
    expect((await call('POST', `/api/v1/mailboxes/${MBX}/pause`, { headers: json, body: '{}' })).json).toMatchObject({ state: 'paused' });
    expect((await call('POST', `/api/v1/mailboxes/${MBX}/resume`, { headers: auth })).json).toMatchObject({ state: 'active' });
    expect((await call('POST', `/api/v1/mailboxes/${MBX}/test`, { headers: auth })).json).toMatchObject({ ok: true });
    expect(calls).toEqual([`status:${MBX}`, `status:${MBX15}`, `provision:${MBX}`, `sync:${MBX}:true`, `pause:${MBX}`, `resume:${MBX}`, `test:${MBX}`]);
  });

  it('answers 404 for an unknown mailbox or path, 400 for a malformed id', async () => {
    expect(await call('GET', '/api/v1/mailboxes/a01000000000009AAA/status', { headers: auth })).toMatchObject({ status: 404, json: { error: { code: 'NOT_FOUND' } } });
    expect(await call('GET', '/api/v1/nothing', { headers: auth })).toMatchObject({ status: 404, json: { error: { code: 'NOT_FOUND' } } });
    for (const id of ['short', 'a01000000000001AAAA', 'a01000000000001A-A', '%E0%A4%A']) {
      const r = await call('GET', `/api/v1/mailboxes/${id}/status`, { headers: auth });
      expect(r.status, id).toBe(400);
      expect(r.json.error.code).toBe('BAD_REQUEST');
    }
    expect(calls).toEqual([`status:a01000000000009AAA`]);
  });

  it('rejects bad bodies with 400, 413 and 415', async () => {
    const json = { ...auth, 'content-type': 'application/json' };
    expect(await call('POST', `/api/v1/mailboxes/${MBX}/sync`, { headers: json, body: '{"full":' })).toMatchObject({ status: 400, json: { error: { code: 'BAD_REQUEST' } } });
    expect(await call('POST', `/api/v1/mailboxes/${MBX}/sync`, { headers: json, body: '{"full":"yes"}' })).toMatchObject({ status: 400 });
    expect(await call('POST', `/api/v1/mailboxes/${MBX}/pause`, { headers: json, body: '{"surprise":1}' })).toMatchObject({ status: 400 });
    expect(await call('POST', `/api/v1/mailboxes/${MBX}/pause`, { headers: json, body: '[1,2]' })).toMatchObject({ status: 400 });
    expect(await call('POST', `/api/v1/mailboxes/${MBX}/pause`, { headers: json, body: 'null' })).toMatchObject({ status: 400 });
    expect(await call('POST', `/api/v1/mailboxes/${MBX}/sync`, { headers: json, body: JSON.stringify({ pad: 'x'.repeat(5000) }) })).toMatchObject({ status: 413, json: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    expect(await call('POST', `/api/v1/mailboxes/${MBX}/sync`, { headers: { ...auth, 'content-type': 'text/plain' }, body: 'sync please' })).toMatchObject({ status: 415, json: { error: { code: 'UNSUPPORTED_MEDIA_TYPE' } } });
    expect(await call('POST', `/api/v1/mailboxes/${MBX}/sync`, { headers: { ...auth, 'content-type': 'application/json; charset=latin1' }, body: '{}' })).toMatchObject({ status: 415 });
    expect(calls).toEqual([]);
  });

  it('answers 405 with Allow for a wrong method', async () => {
    const r = await call('DELETE', `/api/v1/mailboxes/${MBX}/status`, { headers: auth });
    expect(r).toMatchObject({ status: 405, json: { error: { code: 'METHOD_NOT_ALLOWED' } } });
    expect(r.headers.get('allow')).toBe('GET');
    expect((await call('GET', `/api/v1/mailboxes/${MBX}/sync`, { headers: auth })).status).toBe(405);
    expect((await call('GET', '/graph/notifications')).status).toBe(405);
  });

  it('passes a port ApiError through and hides other failures behind a 500', async () => {
    failNext = new ApiError(409, 'NOT_PROVISIONED', 'Provision the mailbox first.');
    expect(await call('GET', `/api/v1/mailboxes/${MBX}/status`, { headers: auth })).toMatchObject({ status: 409, json: { error: { code: 'NOT_PROVISIONED', message: 'Provision the mailbox first.' } } });
    failNext = new Error('password=hunter2 leaked?');
    const r = await call('GET', `/api/v1/mailboxes/${MBX}/status`, { headers: auth });
    expect(r).toMatchObject({ status: 500, json: { error: { code: 'INTERNAL' } } });
    expect(r.text).not.toContain('hunter2');
  });

  it('never answers 500 to random input', async () => {
    const paths = fc.oneof(
      fc.constantFrom('/api/v1/health', `/api/v1/mailboxes/${MBX}/sync`, `/api/v1/mailboxes/${MBX}/status`, '/graph/notifications', '/graph/lifecycle'),
      fc.string({ maxLength: 40 }).map((s) => `/api/v1/mailboxes/${encodeURIComponent(s)}/pause`),
      fc.webPath().map((p) => p || '/'),
    );
    const bodies = fc.oneof(fc.constant(undefined), fc.string({ maxLength: 200 }), fc.json({ maxDepth: 3 }), fc.constant('{"value":[{"subscriptionId":1}]}'));
    const types = fc.constantFrom(undefined, 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'), paths, bodies, types, fc.boolean(), async (method, path, body, type, authed) => {
        const headers: Record<string, string> = {};
        if (authed) headers.authorization = auth.authorization;
        if (type) headers['content-type'] = type;
        const r = await call(method, path, { headers, ...(body !== undefined && method !== 'GET' ? { body } : {}) });
        expect(r.status).toBeLessThan(500);
        if (r.status >= 400) expect(r.json?.error?.code).toEqual(expect.any(String));
      }),
      { numRuns: 300, seed: 42 },
    );
  });
});

describe('Graph webhooks', () => {
  it('answers the validation handshake with the decoded token as text/plain', async () => {
    const token = 'Validation: Token <ab&c> 123+';
    for (const path of ['/graph/notifications', '/graph/lifecycle']) {
      const r = await call('POST', `${path}?validationToken=${encodeURIComponent(token)}`, { headers: { 'content-type': 'text/plain' }, body: '' });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(r.text).toBe(token);
    }
    expect((await call('POST', '/graph/notifications?validationToken=a&validationToken=b')).status).toBe(400);
  });

  it('turns valid notifications into one hint per mailbox and watched kind, and answers 202', async () => {
    const body = JSON.stringify({
      value: [
        { subscriptionId: 'sub-1', clientState: 'state-one', changeType: 'updated', resource: 'Users/x/Contacts/1' },
        { subscriptionId: 'sub-1', clientState: 'state-one', changeType: 'created', resource: 'Users/x/Contacts/2' },
        { subscriptionId: 'sub-2', clientState: 'wrong', changeType: 'created' },
        { subscriptionId: 'sub-unknown', clientState: 'state-one', changeType: 'created' },
        { subscriptionId: 'sub-2', changeType: 'created' },
        // a subscription stored without its resource: the kind is unknown, so a full run
        { subscriptionId: 'sub-2', clientState: 'state-two', changeType: 'created' },
      ],
    });
    const r = await call('POST', '/graph/notifications', { headers: { 'content-type': 'application/json' }, body });
    expect(r).toMatchObject({ status: 202, json: { accepted: 3, ignored: 3 } });
    expect(hints).toEqual([
      [MBX, 'graph:contact'],
      ['a01000000000002AAA', 'graph'],
    ]);
  });

  it('drops a notification of our own write (the version the link holds) and hints other changes', async () => {
    const note = (etag: string) => ({ subscriptionId: 'sub-1', clientState: 'state-one', changeType: 'updated', resourceData: { id: 'C1', '@odata.etag': etag } });
    const echo = await call('POST', '/graph/notifications', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value: [note('W/"v2"')] }) });
    expect(echo).toMatchObject({ status: 202, json: { accepted: 1, ignored: 0, echoes: 1 } });
    expect(hints).toEqual([]);
    const edit = await call('POST', '/graph/notifications', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value: [note('W/"v3"')] }) });
    expect(edit).toMatchObject({ status: 202, json: { accepted: 1, echoes: 0 } });
    expect(hints).toEqual([[MBX, 'graph:contact']]);
  });

  it('hints one change once, though two subscriptions (folder and whole mailbox) or a retry report it', async () => {
    subs.set('sub-3', { mailboxId: MBX, clientStateHash: hash('state-three'), resource: '/users/x@example.com/contacts' });
    const note = (subscriptionId: string, clientState: string, etag: string) => ({ subscriptionId, clientState, changeType: 'updated', resourceData: { id: 'C9', '@odata.etag': etag } });
    const post = (value: unknown[]) => call('POST', '/graph/notifications', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value }) });
    expect((await post([note('sub-3', 'state-three', 'W/"k1"')])).status).toBe(202);
    expect((await post([note('sub-1', 'state-one', 'W/"k1"')])).status).toBe(202);
    expect((await post([note('sub-3', 'state-three', 'W/"k1"')])).status).toBe(202);
    expect(hints).toEqual([[MBX, 'graph:contact:mailbox']]);
    expect((await post([note('sub-1', 'state-one', 'W/"k2"')])).status).toBe(202); // a later change of the item
    expect(hints).toEqual([
      [MBX, 'graph:contact:mailbox'],
      [MBX, 'graph:contact'],
    ]);
    subs.delete('sub-3');
  });

  it('passes lifecycle events on and hints the mailbox', async () => {
    const body = JSON.stringify({ value: [{ subscriptionId: 'sub-2', clientState: 'state-two', lifecycleEvent: 'subscriptionRemoved' }] });
    const r = await call('POST', '/graph/lifecycle', { headers: { 'content-type': 'application/json' }, body });
    expect(r.status).toBe(202);
    expect(lifecycles).toEqual([{ mailboxId: 'a01000000000002AAA', subscriptionId: 'sub-2', event: 'subscriptionRemoved' }]);
    expect(hints).toEqual([['a01000000000002AAA', 'graph-lifecycle']]);
  });

  it('rejects malformed notification bodies with 400 and non-JSON with 415', async () => {
    for (const body of ['{}', '{"value":[]}', '{"value":[{"clientState":"x"}]}', '{"value":"x"}', '{oops']) {
      const r = await call('POST', '/graph/notifications', { headers: { 'content-type': 'application/json' }, body });
      expect(r.status, body).toBe(400);
    }
    expect((await call('POST', '/graph/notifications', { headers: { 'content-type': 'text/plain' }, body: 'x' })).status).toBe(415);
    expect(hints).toEqual([]);
  });
});
