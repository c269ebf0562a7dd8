// The HTTP admin API under /__emulator/ mirrors `admin`: POST /__emulator/<operation> with a
// JSON array of arguments; GET counters and mailboxes. Also: seeds and in-process inject.
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGraphEmulator, type GraphEmulator } from './index.ts';

let emu: GraphEmulator;
let dispatcher: Agent;

beforeAll(async () => {
  emu = await startGraphEmulator({ seed: 'small' });
  dispatcher = new Agent({ connect: { ca: emu.caCert } });
});
afterAll(async () => {
  await dispatcher.close();
  await emu.close();
});

const call = async (method: string, op: string, body?: unknown) => {
  const res = await fetch(`${emu.url}/__emulator/${op}`, {
    method, dispatcher, headers: { 'Content-Type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  } as RequestInit);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('admin API', () => {
  it('seeds a small mailbox and lists it over HTTP', async () => {
    const res = await call('GET', 'mailboxes');
    expect(res.status).toBe(200);
    expect(res.body).toEqual([expect.objectContaining({ address: 'alice@contoso.example', timeZone: 'Pacific Standard Time' })]);
    expect(emu.admin.items('alice@contoso.example', 'contact')).toHaveLength(5);
  });

  it('adds a mailbox, acts as the user and reads counters over HTTP', async () => {
    expect((await call('POST', 'addMailbox', [{ address: 'zed@contoso.example', timeZone: 'UTC' }])).status).toBe(200);
    const created = await call('POST', 'userCreateContact', ['zed@contoso.example', null, { givenName: 'Zed' }]);
    expect(created.body.result).toMatch(/^AAMkA/);
    expect(emu.admin.items('zed@contoso.example', 'contact').map((c) => c.givenName)).toEqual(['Zed']);
    const bad = await call('POST', 'userCreateContact', ['nobody@contoso.example', null, {}]);
    expect(bad.status).toBe(400);
    expect((bad.body.error as { message: string }).message).toContain('nobody@contoso.example');
    expect((await call('POST', 'nope', [])).status).toBe(404);
    const counters = await call('GET', 'counters');
    expect(counters.body).toMatchObject({ sentInvitations: 0 });
  });

  it('injects requests in-process through the same pipeline', async () => {
    const unauth = await emu.inject('GET', '/v1.0/users/alice@contoso.example');
    expect(unauth.status).toBe(401);
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: emu.clientId, client_secret: emu.clientSecret, scope: 'https://graph.microsoft.com/.default' });
    const tok = (await (await fetch(emu.tokenUrl, { method: 'POST', body: form, dispatcher } as RequestInit)).json()) as { access_token: string };
    const res = await emu.inject('GET', '/v1.0/users/alice@contoso.example/contacts?$top=2', { Authorization: `Bearer ${tok.access_token}` });
    expect(res.status).toBe(200);
    expect((res.body as { value: unknown[] }).value).toHaveLength(2);
  });
});
