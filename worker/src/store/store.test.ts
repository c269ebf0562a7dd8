// SQLite engine under the concurrent driver: many transactions issued at once (sync applies up
// to 100 items together) run one after another on the single connection, each all-or-nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from './store.ts';
import type { Store } from './types.ts';

let dir: string;
let store: Store;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scc-store-'));
  store = await openStore(`sqlite:${join(dir, 'scc.db')}`);
  await store.upsertMailbox({ id: 'mbx', address: 'ann@example.com' });
});

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SQLite store, concurrent transactions', () => {
  it('read-modify-write transactions issued together do not interleave', async () => {
    await store.setCursor('mbx', 'salesforce', 'counter', '0');
    await Promise.all(
      Array.from({ length: 50 }, () =>
        store.transaction(async (tx) => {
          const n = Number(await tx.getCursor('mbx', 'salesforce', 'counter'));
          // yield between the read and the write: another transaction may not slip in here
          await new Promise((resolve) => setImmediate(resolve));
          await tx.setCursor('mbx', 'salesforce', 'counter', String(n + 1));
        }),
      ),
    );
    expect(await store.getCursor('mbx', 'salesforce', 'counter')).toBe('50');
  });

  it('a failing transaction among concurrent ones leaves nothing behind and stops no other', async () => {
    const results = await Promise.allSettled(
      ['a', 'b', 'c'].map((channel) =>
        store.transaction(async (tx) => {
          await tx.setCursor('mbx', 'exchange', channel, 'written');
          if (channel === 'b') throw new Error('crash inside b');
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await store.getCursor('mbx', 'exchange', 'a')).toBe('written');
    expect(await store.getCursor('mbx', 'exchange', 'b')).toBeUndefined();
    expect(await store.getCursor('mbx', 'exchange', 'c')).toBe('written');
  });
});
