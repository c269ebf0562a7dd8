// Two real worker processes on one PostgreSQL database: they split the mailboxes through
// leases, and when one dies mid-run the other takes its mailboxes over once the leases expire.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../worker/src/store/index.ts';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CHILD = fileURLToPath(new URL('./lease-child.ts', import.meta.url));
const IDS = [1, 2, 3, 4, 5, 6].map((n) => `a0100000000000${n}AAA`);

interface Child {
  proc: ChildProcess;
  ran: string[];
  exited: Promise<number | null>;
}

function startChild(url: string, owner: string, concurrency: number, ttlMs: number, mode: string, peers = 1): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, url, owner, String(concurrency), String(ttlMs), mode, '60000', String(peers)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ran: string[] = [];
  let buffer = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.trim()) ran.push((JSON.parse(line) as { ran: string }).ran);
    }
  });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    proc.on('exit', (code) => {
      if (code !== 0 && code !== null) console.error(stderr);
      resolve(code);
    }),
  );
  return { proc, ran, exited };
}

async function until(check: () => Promise<boolean> | boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('leases across worker processes on PostgreSQL', () => {
  const schema = `scc_lease_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  let url = '';
  let store: Store;

  beforeAll(async () => {
    const u = new URL(PG_URL);
    u.searchParams.set('schema', schema);
    url = u.toString();
    store = await openStore(url);
  });
  afterAll(async () => {
    await store?.close();
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  });

  async function seed() {
    for (const id of IDS) {
      await store.deleteMailbox(id);
      await store.releaseLease(id, 'a');
      await store.releaseLease(id, 'b');
      for (const owner of ['a', 'b']) await store.deleteCursor('*', 'exchange', `ready:${owner}`);
      await store.upsertMailbox({ id, address: `${id}@example.com`, state: 'active', plan: 'Professional', nextRunAt: Date.now() });
    }
  }

  it('split the mailboxes between two processes, each run exactly once', async () => {
    await seed();
    const a = startChild(url, 'a', 3, 60_000, 'together', 2);
    const b = startChild(url, 'b', 3, 60_000, 'together', 2);
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
    expect(a.ran).toHaveLength(3);
    expect(b.ran).toHaveLength(3);
    expect([...a.ran, ...b.ran].sort()).toEqual(IDS);
    for (const id of IDS) expect(await store.listRuns(id)).toHaveLength(1);
  }, 120_000);

  it('take over the mailboxes of a process that died mid-run once its leases expire', async () => {
    await seed();
    const a = startChild(url, 'a', 6, 1_500, 'hang');
    await until(async () => (await Promise.all(IDS.map((id) => store.getLease(id)))).every((l) => l?.owner === 'a'), 15_000);
    a.proc.kill('SIGKILL');
    await a.exited;
    const b = startChild(url, 'b', 6, 60_000, 'quick');
    expect(await b.exited).toBe(0);
    expect(b.ran.sort()).toEqual(IDS);
    for (const id of IDS) expect((await store.getMailbox(id))?.lastSuccessAt).not.toBeNull();
  }, 120_000);
});
