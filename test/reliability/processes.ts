// Families with real worker processes on PostgreSQL (TEST_DATABASE_URL, a schema per run),
// full set only: "SIGKILL" — a worker child process (`tsx worker/src/main.ts`) killed with
// SIGKILL in the middle of its runs, a second one finishing the work: every change once on
// each side, quiet afterwards; "scale and sharing" — three worker processes sharing many
// mailboxes (300 with --full), one SIGKILLed mid-run: every mailbox keeps syncing and no
// mailbox is ever run by two processes at once (run intervals in the store never overlap).
import pg from 'pg';
import { startLocalStack, type LocalStack } from '../../scripts/lib/stack.ts';
import { spawnWorker, type WorkerProcess } from '../e2e/worker-process.ts';
import { random, tally, until, type FamilyOptions, type FamilyResult } from './scorecard.ts';
import { duplicates, kindOps, restart, runOnce } from './world.ts';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function pgStack(prefix: string, mailboxes: number): Promise<{ stack: LocalStack; drop(): Promise<void> }> {
  const schema = `${prefix}_${process.pid}_${Date.now()}`;
  const storeUrl = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${schema}`;
  const stack = await startLocalStack({ seed: { mailboxes }, storeUrl, start: false });
  return {
    stack,
    async drop() {
      await stack.close();
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    },
  };
}

function killAll(children: WorkerProcess[]): void {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
}

export async function sigkill(options: FamilyOptions): Promise<FamilyResult> {
  const t = tally('crash points: SIGKILL on PostgreSQL', options);
  if (!options.full) return t.result();
  const { stack, drop } = await pgStack('rel_sigkill', 1);
  const children: WorkerProcess[] = [];
  try {
    const m = stack.mailboxes[0]!;
    const c = kindOps(stack, m, 'contact');
    const rnd = random(options.seed);
    for (let round = 0; round < 3; round++) {
      await t.case(`round ${round + 1}: SIGKILL while syncing, a new process finishes`, async () => {
        const sfNames = Array.from({ length: 40 }, (_, i) => `Kill${round}Sf${i}`);
        const exNames = Array.from({ length: 15 }, (_, i) => `Kill${round}Ex${i}`);
        for (const n of sfNames) c.sfCreate(n);
        for (const n of exNames) await c.exCreate(n);
        const a = spawnWorker(stack, { databaseUrl: stack.storeUrl, id: `kill-a-${round}`, leaseTtlSeconds: 5 });
        children.push(a);
        // kill once a seeded share of the work has landed (somewhere in the middle of a run)
        const share = 0.1 + rnd() * 0.6;
        const landed = () => sfNames.filter((n) => c.exFind(n).length > 0).length + exNames.filter((n) => c.sfFind(n).length > 0).length;
        await until(() => landed() >= share * (sfNames.length + exNames.length), 60_000);
        a.proc.kill('SIGKILL');
        await a.exited;
        const b = spawnWorker(stack, { databaseUrl: stack.storeUrl, id: `kill-b-${round}`, leaseTtlSeconds: 5 });
        children.push(b);
        const done = await until(() => landed() === sfNames.length + exNames.length, 90_000);
        b.proc.kill('SIGTERM');
        await b.exited;
        const out: string[] = done ? [] : [`after the restart only ${landed()} of ${sfNames.length + exNames.length} changes arrived (killed at ${Math.round(share * 100)} %); worker A said: ${a.output().slice(-300)}; worker B said: ${b.output().slice(-300)}`];
        for (const n of sfNames) if (c.exFind(n).length > 1) out.push(`${n}: ${c.exFind(n).length} copies in Outlook`);
        for (const n of exNames) if (c.sfFind(n).length > 1) out.push(`${n}: ${c.sfFind(n).length} copies in Salesforce`);
        out.push(...duplicates(stack, m));
        const rt = restart(stack);
        const q = await runOnce(rt, m);
        await rt.stop();
        if (q.ok && q.itemsSynced !== 0) out.push(`not quiet after the restart: a further run wrote ${q.itemsSynced}`);
        return out;
      });
    }
  } finally {
    killAll(children);
    await drop();
  }
  return t.result();
}

export async function scaleAndSharing(options: FamilyOptions): Promise<FamilyResult> {
  const t = tally('scale and sharing', options);
  if (!options.full) return t.result();
  const count = Number(process.env.RELIABILITY_MAILBOXES ?? 300);
  const { stack, drop } = await pgStack('rel_scale', count);
  const children: WorkerProcess[] = [];
  try {
    const ops = stack.mailboxes.map((m) => ({ m, c: kindOps(stack, m, 'contact') }));
    const arrived = (tag: string) => ops.filter(({ c, m }) => c.exFind(`${tag}${m.salesforceUserId}`).length > 0).length;
    await t.case(`three workers share ${count} mailboxes; one SIGKILLed mid-run; all keep syncing`, async () => {
      for (const { m, c } of ops) c.sfCreate(`First${m.salesforceUserId}`);
      for (let i = 0; i < 3; i++) children.push(spawnWorker(stack, { databaseUrl: stack.storeUrl, id: `scale-${i}`, leaseTtlSeconds: 5, concurrency: 8 }));
      await until(() => arrived('First') >= count / 3, 240_000);
      children[0]!.proc.kill('SIGKILL');
      await children[0]!.exited;
      for (const { m, c } of ops) c.sfCreate(`Second${m.salesforceUserId}`);
      const ok = await until(() => arrived('First') === count && arrived('Second') === count, 300_000);
      const out: string[] = ok ? [] : [`only ${arrived('First')}/${count} first and ${arrived('Second')}/${count} second contacts arrived`];
      for (const { m, c } of ops) {
        for (const tag of ['First', 'Second']) if (c.exFind(`${tag}${m.salesforceUserId}`).length > 1) out.push(`${m.address}: ${tag} contact twice`);
      }
      // no mailbox run by two processes at once: its run intervals never overlap
      let overlaps = 0;
      for (const { m } of ops) {
        const runs = (await stack.store.listRuns(m.mailboxSyncId, 1000)).filter((r) => r.finishedAt !== null).sort((a, b) => a.startedAt - b.startedAt);
        for (let i = 1; i < runs.length; i++) if (runs[i]!.startedAt < runs[i - 1]!.finishedAt!) overlaps++;
      }
      if (overlaps > 0) out.push(`${overlaps} overlapping run(s) of one mailbox`);
      return out;
    });
  } finally {
    killAll(children);
    await drop();
  }
  return t.result();
}
