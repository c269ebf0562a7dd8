// admin.holdAnswers: a write is applied, then its answer is held; a caller whose timeout is
// shorter sees no answer (the outcome is unknown to it) although the record exists.
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SalesforceEmulator } from './index.ts';
import { connect, startTestOrg } from './test-org.ts';

let emu: SalesforceEmulator;
let conn: Connection;
beforeAll(async () => {
  emu = await startTestOrg();
  conn = await connect(emu);
});
afterAll(async () => emu.close());

describe('held answers (unknown outcome)', () => {
  it('applies the create, holds the answer past the caller timeout, answers the next one at once', async () => {
    const create = (lastName: string, timeoutMs: number) =>
      fetch(`${emu.instanceUrl}/services/data/v60.0/sobjects/Contact`, {
        method: 'POST',
        headers: { authorization: `Bearer ${conn.accessToken ?? ''}`, 'content-type': 'application/json' },
        body: JSON.stringify({ LastName: lastName }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    emu.admin.holdAnswers({ method: 'POST', kind: 'create', holdMs: 1_500 });
    await expect(create('Held', 200)).rejects.toThrow(/timeout|aborted/i);
    expect(emu.admin.query("SELECT Id FROM Contact WHERE LastName = 'Held'")).toHaveLength(1);
    expect((await create('Answered', 5_000)).status).toBe(201);
    expect(() => emu.admin.holdAnswers({ holdMs: 0 })).toThrow(/holdMs/);
  });
});
