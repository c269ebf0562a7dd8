// faults.hold: a write is applied, then its answer is held; a caller whose timeout is shorter
// sees no answer (the outcome is unknown to it) although the item exists.
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGraphEmulator, type GraphEmulator } from './index.ts';
import { fetchToken } from './test-client.ts';

let emu: GraphEmulator;
let dispatcher: Agent;

beforeAll(async () => {
  emu = await startGraphEmulator({ seed: 'none' });
  emu.admin.addMailbox({ address: 'held@contoso.example' });
  dispatcher = new Agent({ connect: { ca: emu.caCert } });
});
afterAll(async () => {
  await dispatcher.close();
  await emu.close();
});

describe('held answers (unknown outcome)', () => {
  it('applies the write, holds the answer past the caller timeout, then answers the next one at once', async () => {
    const token = ((await (await fetchToken(emu, dispatcher)).json()) as { access_token: string }).access_token;
    const create = (surname: string, timeoutMs: number) =>
      fetch(`${emu.baseUrl}/users/held@contoso.example/contacts`, {
        method: 'POST',
        dispatcher,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ surname }),
        signal: AbortSignal.timeout(timeoutMs),
      } as RequestInit);
    emu.admin.holdAnswers({ match: { method: 'POST', pathIncludes: '/contacts' }, count: 1, holdMs: 1_500 });
    await expect(create('Held', 200)).rejects.toThrow(/timeout|aborted/i);
    expect(emu.admin.items('held@contoso.example', 'contact').map((c) => c.surname)).toEqual(['Held']);
    const next = await create('Answered', 5_000);
    expect(next.status).toBe(201);
    expect(() => emu.admin.holdAnswers({ match: {}, count: 1, holdMs: 0 })).toThrow(/holdMs/);
  });
});
