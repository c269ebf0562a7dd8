// Subscription scenarios: the validation handshake against a test receiver, notifications for
// API writes and user actions, retries that produce duplicates (failing and slow receivers),
// admin notification faults (drop, duplicate, newest first), renewal, expiry limits and lifecycle events.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGraphEmulator, type GraphEmulator } from './index.ts';
import { graphClient, type TestClient } from './test-client.ts';

const MB = 'gina@contoso.example';
let emu: GraphEmulator;
let tc: TestClient;
let receiver: Server;
let hookUrl: string;
let received: { path: string; body: { value: Record<string, unknown>[] } }[] = [];
let validations: string[] = [];
let mode: { failNext: number; slowNextMs: number; refuseValidation: boolean } = { failNext: 0, slowNextMs: 0, refuseValidation: false };

const read = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

beforeAll(async () => {
  receiver = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const body = await read(req);
      const token = url.searchParams.get('validationToken');
      if (token !== null) {
        validations.push(token);
        if (mode.refuseValidation) { res.writeHead(500).end(); return; }
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end(token);
        return;
      }
      received.push({ path: url.pathname, body: JSON.parse(body) });
      if (mode.failNext > 0) { mode.failNext--; res.writeHead(500).end(); return; }
      if (mode.slowNextMs > 0) {
        const ms = mode.slowNextMs;
        mode.slowNextMs = 0;
        setTimeout(() => res.writeHead(202).end(), ms);
        return;
      }
      res.writeHead(202).end();
    })();
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  emu = await startGraphEmulator({ notificationTimeoutMs: 300, notificationRetryDelaysMs: [50, 50, 50] });
  emu.admin.addMailbox({ address: MB });
  tc = graphClient(emu);
});
afterAll(async () => {
  await tc.close();
  await emu.close();
  receiver.closeAllConnections();
  await new Promise((r) => receiver.close(r));
});
beforeEach(() => {
  received = [];
  validations = [];
  mode = { failNext: 0, slowNextMs: 0, refuseValidation: false };
});

const expiry = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

async function subscribe(resource: string, extra: Record<string, unknown> = {}) {
  return tc.client.api('/subscriptions').post({
    changeType: 'created,updated,deleted', notificationUrl: `${hookUrl}/graph/notifications`,
    lifecycleNotificationUrl: `${hookUrl}/graph/lifecycle`, resource, expirationDateTime: expiry(60), clientState: 's3cret', ...extra,
  });
}

const notifications = () => received.filter((r) => r.path === '/graph/notifications').flatMap((r) => r.body.value);

describe('subscriptions', () => {
  it('validates both URLs, then notifies created/updated/deleted for API writes and user actions', async () => {
    const folder = await tc.client.api(`/users/${MB}/contactFolders`).post({ displayName: 'Watched' });
    const sub = await subscribe(`/users/${MB}/contactFolders/${folder.id}/contacts`);
    expect(validations).toHaveLength(2);
    expect(sub).toMatchObject({ changeType: 'created,updated,deleted', clientState: 's3cret' });
    const c = await tc.client.api(`/users/${MB}/contactFolders/${folder.id}/contacts`).post({ givenName: 'Hal' });
    await tc.client.api(`/users/${MB}/contacts/${c.id}`).patch({ surname: 'X' });
    emu.admin.userDeleteContact(MB, c.id);
    emu.admin.userCreateContact(MB, null, { givenName: 'Elsewhere' }); // another folder: not notified
    await emu.admin.notificationsIdle();
    const ns = notifications();
    expect(ns.map((n) => n.changeType)).toEqual(['created', 'updated', 'deleted']);
    expect(ns[0]).toMatchObject({
      subscriptionId: sub.id, clientState: 's3cret', tenantId: emu.tenantId,
      resourceData: { '@odata.type': '#Microsoft.Graph.Contact', id: c.id },
    });
  });

  it('refuses a subscription whose receiver fails the handshake', async () => {
    mode.refuseValidation = true;
    await expect(subscribe(`/users/${MB}/messages`)).rejects.toMatchObject({ statusCode: 400 });
  });

  it('retries a failing receiver and a slow one, so the slow one sees a duplicate', async () => {
    const sub = await subscribe(`/users/${MB}/mailFolders('inbox')/messages`);
    mode.failNext = 1;
    emu.admin.deliverMessage(MB, { subject: 'first' });
    await emu.admin.notificationsIdle();
    expect(notifications()).toHaveLength(2); // one failed attempt, one retry
    received = [];
    mode.slowNextMs = 600; // longer than the 300 ms timeout: processed, yet retried
    emu.admin.deliverMessage(MB, { subject: 'second' });
    await emu.admin.notificationsIdle();
    await new Promise((r) => setTimeout(r, 400)); // let the slow response finish on the receiver side
    const ns = notifications();
    expect(ns).toHaveLength(2);
    expect(ns[0]).toEqual(ns[1]);
    expect(ns[0]!.subscriptionId).toBe(sub.id);
  });

  it('drops and duplicates notifications on demand', async () => {
    await subscribe(`/users/${MB}/mailFolders/archive/messages`);
    emu.admin.dropNextNotifications(1);
    emu.admin.deliverMessage(MB, { subject: 'dropped' }, 'archive');
    await emu.admin.notificationsIdle();
    expect(notifications()).toHaveLength(0);
    emu.admin.duplicateNextNotifications(1);
    emu.admin.deliverMessage(MB, { subject: 'doubled' }, 'archive');
    await emu.admin.notificationsIdle();
    expect(notifications()).toHaveLength(2);
  });

  it('holds the next notifications of some subscriptions and delivers them newest first, one POST each', async () => {
    const folder = await tc.client.api(`/users/${MB}/contactFolders`).post({ displayName: 'Reordered' });
    const sub = await subscribe(`/users/${MB}/contactFolders/${folder.id}/contacts`);
    const other = await subscribe(`/users/${MB}/mailFolders/drafts/messages`);
    emu.admin.reverseNextNotifications(3, [sub.id]);
    const id = emu.admin.userCreateContact(MB, folder.id, { givenName: 'Ria' });
    emu.admin.deliverMessage(MB, { subject: 'not held' }, 'drafts');
    await emu.admin.notificationsIdle();
    expect(notifications().map((n) => n.subscriptionId)).toEqual([other.id]); // the other subscription is not held
    received = [];
    emu.admin.userUpdateContact(MB, id, { surname: 'One' });
    emu.admin.userDeleteContact(MB, id); // the third: all three go out now
    await emu.admin.notificationsIdle();
    expect(received.map((r) => r.body.value.length)).toEqual([1, 1, 1]);
    expect(notifications().map((n) => n.changeType)).toEqual(['deleted', 'updated', 'created']);
    received = [];
    emu.admin.userCreateContact(MB, folder.id, { givenName: 'After' }); // the fault is used up
    await emu.admin.notificationsIdle();
    expect(notifications().map((n) => n.changeType)).toEqual(['created']);
  });

  it('releases fewer held notifications on demand, newest change first across two subscriptions', async () => {
    const folder = await tc.client.api(`/users/${MB}/contactFolders`).post({ displayName: 'Released' });
    const inFolder = await subscribe(`/users/${MB}/contactFolders/${folder.id}/contacts`);
    const anyFolder = await subscribe(`/users/${MB}/contacts`);
    emu.admin.reverseNextNotifications(9);
    const id = emu.admin.userCreateContact(MB, folder.id, { givenName: 'Held' });
    await emu.admin.notificationsIdle();
    emu.admin.userUpdateContact(MB, id, { surname: 'Later' });
    await emu.admin.notificationsIdle();
    expect(notifications()).toEqual([]);
    expect(emu.admin.releaseHeldNotifications()).toBe(4);
    await emu.admin.notificationsIdle();
    expect(notifications().map((n) => [n.changeType, n.subscriptionId])).toEqual([
      ['updated', anyFolder.id], ['updated', inFolder.id], ['created', anyFolder.id], ['created', inFolder.id],
    ]);
    expect(emu.admin.releaseHeldNotifications()).toBe(0);
    emu.admin.userUpdateContact(MB, id, { surname: 'Free' }); // released: the fault is over
    await emu.admin.notificationsIdle();
    expect(notifications()).toHaveLength(6);
  });

  it('renews, limits expiry, sends lifecycle events and deletes', async () => {
    const list = await tc.client.api(`/users/${MB}/todo/lists`).post({ displayName: 'Watched tasks' });
    await expect(subscribe(`/users/${MB}/todo/lists/${list.id}/tasks`, { expirationDateTime: expiry(5000) })).rejects.toMatchObject({ statusCode: 400 });
    const sub = await subscribe(`/users/${MB}/todo/lists/${list.id}/tasks`);
    const renewed = await tc.client.api(`/subscriptions/${sub.id}`).patch({ expirationDateTime: expiry(4000) });
    expect(Date.parse(renewed.expirationDateTime)).toBeGreaterThan(Date.parse(sub.expirationDateTime));
    await emu.admin.emitLifecycle(sub.id, 'reauthorizationRequired');
    const life = received.filter((r) => r.path === '/graph/lifecycle').flatMap((r) => r.body.value);
    expect(life).toEqual([expect.objectContaining({ subscriptionId: sub.id, lifecycleEvent: 'reauthorizationRequired', clientState: 's3cret' })]);
    await tc.client.api(`/subscriptions/${sub.id}/reauthorize`).post({});
    emu.admin.userCreateTask(MB, list.id, { title: 'watched' });
    await emu.admin.notificationsIdle();
    expect(notifications().map((n) => n.changeType)).toEqual(['created']);
    await tc.client.api(`/subscriptions/${sub.id}`).delete();
    await expect(tc.client.api(`/subscriptions/${sub.id}`).get()).rejects.toMatchObject({ statusCode: 404 });
  });
});
