import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from './emulator-fixture.ts';
import { provisionMailbox, type ProvisionedIds } from './provision.ts';
import {
  clientStateMatches,
  handleLifecycle,
  hashClientState,
  maintainSubscriptions,
  renewalDue,
  subscriptionTargets,
  type Subscription,
} from './subscriptions.ts';

// A stand-in for the worker's webhook receiver (worker/src/http owns the real one): it
// answers the validation handshake and records what Graph posts.
async function startReceiver(): Promise<{ url: string; posts: Array<{ path: string; body: unknown }>; close(): Promise<void> }> {
  const posts: Array<{ path: string; body: unknown }> = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const token = url.searchParams.get('validationToken');
    if (token !== null) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(token);
      return;
    }
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      posts.push({ path: url.pathname, body: raw ? JSON.parse(raw) : null });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    posts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('subscriptions (real client, Graph emulator)', () => {
  let f: Fixture;
  let ids: ProvisionedIds;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    f = await startFixture();
    ids = await provisionMailbox(f.client, f.mailbox);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await f?.close();
    await receiver?.close();
  });

  it('creates one subscription per container, renews near expiry, re-creates after subscriptionRemoved', async () => {
    const targets = subscriptionTargets(f.mailbox, ids);
    expect(targets.map((t) => t.kind)).toEqual(['contacts', 'tasks', 'messages']);
    const first = await maintainSubscriptions(f.client, f.mailbox, targets, [], { publicUrl: receiver.url });
    expect(first.created).toHaveLength(3);
    expect(f.emu.admin.subscriptions()).toHaveLength(3);
    const secrets = first.created.map((c) => c.clientState);
    expect(new Set(secrets).size).toBe(3);
    const known: Subscription[] = first.live.map(({ id, mailbox, kind, resource, expiresAt }) => ({ id, mailbox, kind, resource, expiresAt }));

    // A second pass with nothing due changes nothing.
    const idle = await maintainSubscriptions(f.client, f.mailbox, targets, known, { publicUrl: receiver.url });
    expect([idle.created.length, idle.renewed.length, idle.removed.length]).toEqual([0, 0, 0]);

    // Near expiry (To Do subscriptions live ~70 h): renewed by PATCH, same ids.
    f.advance(60 * 3600_000);
    expect(renewalDue(known.find((s) => s.kind === 'tasks')!, f.client.clock.now())).toBe(true);
    const renewed = await maintainSubscriptions(f.client, f.mailbox, targets, known, { publicUrl: receiver.url });
    expect(renewed.renewed.map((s) => s.kind)).toEqual(['tasks']);
    expect(renewed.created).toHaveLength(0);
    expect(renewed.renewed[0]!.expiresAt).toBeGreaterThan(known.find((s) => s.kind === 'tasks')!.expiresAt);

    // Graph removed one: the lifecycle event makes us re-create it and poll.
    const contacts = known.find((s) => s.kind === 'contacts')!;
    await f.emu.admin.emitLifecycle(contacts.id, 'subscriptionRemoved');
    const lifecycle = receiver.posts.find((p) => p.path === '/graph/lifecycle');
    expect(JSON.stringify(lifecycle?.body)).toContain('subscriptionRemoved');
    const outcome = await handleLifecycle(f.client, 'subscriptionRemoved', contacts, { publicUrl: receiver.url });
    expect(outcome.action).toBe('recreated');
    const ids2 = f.emu.admin.subscriptions().map((s) => s.id);
    expect(ids2).not.toContain(contacts.id);
    expect(ids2).toHaveLength(3);

    const tasks = known.find((s) => s.kind === 'tasks')!;
    await f.emu.admin.emitLifecycle(tasks.id, 'reauthorizationRequired');
    const re = await handleLifecycle(f.client, 'reauthorizationRequired', tasks, { publicUrl: receiver.url });
    expect(re.action).toBe('reauthorized');
    expect((await handleLifecycle(f.client, 'missed', tasks, { publicUrl: receiver.url })).action).toBe('resync');
  });

  it('a change in the folder is notified with our clientState, checked against the stored hash', async () => {
    const [target] = subscriptionTargets(f.mailbox, { contactFolderId: ids.contactFolderId });
    const result = await maintainSubscriptions(f.client, f.mailbox, [target!], [], { publicUrl: receiver.url });
    const created = result.created[0]!;
    const stored = hashClientState(created.clientState);
    receiver.posts.length = 0;
    f.emu.admin.userCreateContact(f.mailbox, ids.contactFolderId, { givenName: 'Notified' });
    await f.emu.admin.notificationsIdle();
    const notes = receiver.posts.filter((p) => p.path === '/graph/notifications').flatMap((p) => (p.body as { value: Array<{ clientState: string; subscriptionId: string }> }).value);
    const ours = notes.filter((n) => n.subscriptionId === created.id);
    expect(ours.length).toBeGreaterThanOrEqual(1);
    expect(clientStateMatches(ours[0]!.clientState, stored)).toBe(true);
    expect(clientStateMatches('forged', stored)).toBe(false);
    expect(clientStateMatches(undefined, stored)).toBe(false);
  });
});
