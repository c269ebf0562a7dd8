// The Apex bridge's error shapes, without an org: what LWC would see from an AuraHandledException
// when the input is invalid, the worker is unreachable, rejects the token or answers an error.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApexBridge } from './bridge.ts';

// Methods that must fail before touching the org get a connection that fails loudly if used.
const noOrg = new Proxy({}, { get: () => { throw new Error('the org was queried'); } }) as unknown as Connection;

describe('Apex bridge', () => {
  let worker: Server;
  let url = '';
  beforeAll(async () => {
    worker = createServer((req, res) => {
      if (req.headers.authorization !== 'Bearer right') return void res.writeHead(401, { 'Content-Type': 'application/json' }).end('{}');
      if (req.url === '/api/v1/health') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"ok","version":"1.2"}');
      res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"error":{"code":"BOOM","message":"Store unavailable"}}');
    });
    await new Promise<void>((r) => worker.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(worker.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => worker.close(() => r())));

  it('testConnection returns the health document with the right token', async () => {
    const bridge = createApexBridge({ conn: noOrg, worker: { url, apiToken: 'right' } });
    expect(await bridge.call('SetupController', 'testConnection', {})).toEqual({ status: 200, body: { status: 'ok', version: '1.2' } });
  });

  it('a wrong token reads as WorkerClient says it', async () => {
    const bridge = createApexBridge({ conn: noOrg, worker: { url, apiToken: 'wrong' } });
    const answer = await bridge.call('SetupController', 'testConnection', {});
    expect(answer.status).toBe(500);
    expect(answer.body).toMatchObject({ exceptionType: 'System.AuraHandledException', message: 'The worker rejected the token. Check the SmartCloud_Worker external credential. (HTTP 401)' });
    expect(JSON.stringify(answer.body)).not.toContain('wrong');
  });

  it('an unreachable worker says so', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const bridge = createApexBridge({ conn: noOrg, worker: { url: `http://127.0.0.1:${port}`, apiToken: 'right' } });
    const answer = await bridge.call('SetupController', 'testConnection', {});
    expect((answer.body as { message: string }).message).toMatch(/^The SmartCloud Connect worker could not be reached: /);
  });

  it('saveMailbox lists every validation problem at once, before any DML', async () => {
    const bridge = createApexBridge({ conn: noOrg, worker: { url, apiToken: 'right' } });
    const answer = await bridge.call('SetupController', 'saveMailbox', { json: JSON.stringify({ mailboxAddress: 'not-an-address', plan: 'Gold', categoryName: 'x'.repeat(41) }) });
    expect(answer.body).toMatchObject({
      message: 'Choose a user. Enter a valid mailbox address. Plan must be one of: Basic, Professional, Real-time. Category name can have at most 40 characters.',
    });
    expect((await bridge.call('SetupController', 'saveMailbox', { json: '{' })).body).toMatchObject({ message: 'The mailbox configuration is not valid JSON.' });
    expect((await bridge.call('SetupController', 'saveMailbox', {})).body).toMatchObject({ message: 'No mailbox configuration was sent.' });
  });

  it('a malformed Id and an unknown method fail clearly', async () => {
    const bridge = createApexBridge({ conn: noOrg, worker: { url, apiToken: 'right' } });
    expect((await bridge.call('SyncStatusController', 'syncNow', { mailboxSyncId: 'nope' })).body).toMatchObject({ message: 'Invalid id: nope' });
    expect((await bridge.call('SyncStatusController', 'deleteEverything', {})).status).toBe(404);
  });
});
