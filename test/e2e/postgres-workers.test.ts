// Two worker processes on one PostgreSQL store (TEST_DATABASE_URL, own schema per run) share
// the mailboxes through leases; when one is SIGKILLed the other takes its mailboxes over once
// the dead one's leases expire.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../scripts/lib/stack.ts';
import { graphContacts, stampOf, waitFor } from './helpers.ts';
import { spawnWorker, syncedMailboxes, type WorkerProcess } from './worker-process.ts';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `e2e_workers_${process.pid}_${Date.now()}`;
const storeUrl = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${schema}`;
let stack: LocalStack;
const children: WorkerProcess[] = [];

beforeAll(async () => {
  stack = await startLocalStack({ seed: { mailboxes: 2 }, storeUrl, start: false });
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
  children.forEach((c, i) => writeFileSync(join(tmpdir(), `scc-e2e-pg-worker-${i}.log`), c.output()));
  await stack?.close();
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`drop schema if exists "${schema}" cascade`);
  await client.end();
});

it('two workers split the mailboxes and one takes over when the other dies', async () => {
  const [m1, m2] = stack.mailboxes as [(typeof stack.mailboxes)[0], (typeof stack.mailboxes)[0]];
  // debug: a change hinted by CDC runs incrementally, and those runs are logged at debug level
  const a = spawnWorker(stack, { databaseUrl: storeUrl, id: 'pg-a', concurrency: 1, logLevel: 'debug' });
  const b = spawnWorker(stack, { databaseUrl: storeUrl, id: 'pg-b', concurrency: 1, logLevel: 'debug' });
  children.push(a, b);

  // Keep both mailboxes busy until each worker has synced at least one of them.
  let n = 0;
  await waitFor(
    `both workers to sync a mailbox\nA: ${a.output().slice(-2000)}\nB: ${b.output().slice(-2000)}`,
    async () => {
      if (syncedMailboxes(a).size > 0 && syncedMailboxes(b).size > 0) return true;
      n += 1;
      for (const m of [m1, m2]) stack.salesforce.admin.insert('Contact', { LastName: `Warmup${n}`, Email: `warm${n}.${m.salesforceUserId}@example.test`, OwnerId: m.salesforceUserId });
      await new Promise((r) => setTimeout(r, 1_500));
      return false;
    },
    90_000,
  );
  const union = new Set([...syncedMailboxes(a), ...syncedMailboxes(b)]);
  expect(union).toEqual(new Set([m1.mailboxSyncId, m2.mailboxSyncId]));

  a.proc.kill('SIGKILL');
  await a.exited;
  const ids = [m1, m2].map((m) => ({ m, id: stack.salesforce.admin.insert('Contact', { LastName: 'AfterTakeover', Email: `after.${m.salesforceUserId}@example.test`, OwnerId: m.salesforceUserId }) }));
  await waitFor(`worker B to sync both mailboxes after A died\n${b.output().slice(-2000)}`, () => ids.every(({ m, id }) => graphContacts(stack, m).some((c) => stampOf(c) === id)), 60_000);
  // Its run logs "mailbox synced" after the status write-back that follows the Graph writes.
  await waitFor('worker B to report both mailboxes synced', () => syncedMailboxes(b).size === 2, 30_000);
  expect(syncedMailboxes(b)).toEqual(new Set([m1.mailboxSyncId, m2.mailboxSyncId]));

  // No duplicates in either mailbox.
  for (const m of [m1, m2]) {
    const stamps = graphContacts(stack, m).map(stampOf).filter(Boolean);
    expect(new Set(stamps).size).toBe(stamps.length);
  }
  b.proc.kill('SIGTERM');
  expect(await b.exited).toBe(0);
}, 200_000);
