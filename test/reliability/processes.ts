// Families with real worker processes on PostgreSQL (TEST_DATABASE_URL, a schema per run),
// full set only: "SIGKILL" — a worker child process (`tsx worker/src/main.ts`) killed with
// SIGKILL in the middle of its runs, a second one finishing the work: every change once on
// each side, quiet afterwards; "scale and sharing" — three worker processes sharing many
// mailboxes (300 with --full), one SIGKILLed mid-run: every mailbox keeps syncing and no
// mailbox is ever run by two processes at once (run intervals in the store never overlap).
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { startLocalStack, type LocalStack, type StackMailbox } from '../../scripts/lib/stack.ts';
import { spawnWorker, type WorkerProcess } from '../e2e/worker-process.ts';
import { random, tally, until, type FamilyOptions, type FamilyResult } from './scorecard.ts';
import { duplicates, kindOps, restart, runOnce, sfQuery, type Json } from './world.ts';

export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A store URL on a schema of its own (created by the store's migrations); drop() removes it. */
export function pgSchemaUrl(prefix: string): { storeUrl: string; drop(): Promise<void> } {
  const schema = `${prefix}_${process.pid}_${Date.now()}`;
  return {
    storeUrl: `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${schema}`,
    async drop() {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    },
  };
}

async function pgStack(prefix: string, mailboxes: number): Promise<{ stack: LocalStack; drop(): Promise<void> }> {
  const { storeUrl, drop } = pgSchemaUrl(prefix);
  const stack = await startLocalStack({ seed: { mailboxes }, storeUrl, start: false });
  return {
    stack,
    async drop() {
      await stack.close();
      await drop();
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

/**
 * The scale stack: users, Graph mailboxes and Mailbox_Sync__c rows made in bulk through the
 * emulators' admin APIs, then provisioned 16 at a time (the stack's own setup provisions one
 * mailbox after another, with subscriptions: 300 of them took 72 s before a worker started).
 */
async function scaleStack(count: number): Promise<{ stack: LocalStack; mailboxes: StackMailbox[]; drop(): Promise<void> }> {
  const { storeUrl, drop } = pgSchemaUrl('rel_scale');
  const stack = await startLocalStack({ seed: { mailboxes: 0 }, storeUrl, start: false });
  const mailboxes: StackMailbox[] = [];
  for (let i = 0; i < count; i++) {
    const user = stack.salesforce.admin.createUser({});
    const address = `scale${i}@smartcloud-connect.example`;
    stack.graph.admin.addMailbox({ address, displayName: `Scale ${i}` });
    const mailboxSyncId = stack.salesforce.admin.insert('Mailbox_Sync__c', {
      User__c: user.id,
      Mailbox_Address__c: address,
      Enabled__c: true,
      Status__c: 'New',
      Sync_Contacts__c: true,
      Sync_Tasks__c: true,
      Sync_Events__c: false,
      Sync_Emails__c: false,
      Contacts_Direction__c: 'Both',
      Tasks_Direction__c: 'Both',
      Contact_Scope__c: 'My Contacts',
      Category_Name__c: 'Salesforce',
      Plan__c: 'Real-time',
    });
    mailboxes.push({ address, salesforceUserId: user.id, mailboxSyncId });
  }
  // A runtime without a public URL provisions: the children make no Graph subscriptions either
  // (no PUBLIC_URL), and validating 900 notification URLs here only cost time.
  const provisioner = restart(stack);
  await inPool(mailboxes, 16, async (m) => {
    await provisioner.provision(m.mailboxSyncId);
  });
  await provisioner.stop();
  return {
    stack,
    mailboxes,
    async drop() {
      await stack.close();
      await drop();
    },
  };
}

async function inPool<T>(items: readonly T[], width: number, act: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await act(items[next++]!);
  };
  await Promise.all(Array.from({ length: width }, lane));
}

/** CPU seconds (user + system) a live child has used, from /proc (Linux); undefined elsewhere. */
function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ ticks (100/s)
  } catch {
    return undefined;
  }
}

/** A process's own account of its runs: [start, end] per mailbox from its "mailbox synced" lines (full runs at info, incremental ones at debug). */
function loggedRuns(worker: WorkerProcess): Array<{ mailboxId: string; start: number; end: number }> {
  const out: Array<{ mailboxId: string; start: number; end: number }> = [];
  for (const line of worker.output().split('\n')) {
    if (!line.includes('"msg":"mailbox synced')) continue;
    try {
      const entry = JSON.parse(line) as { mailboxId?: unknown; time?: unknown; ms?: unknown };
      if (typeof entry.mailboxId === 'string' && typeof entry.time === 'number' && typeof entry.ms === 'number') out.push({ mailboxId: entry.mailboxId, start: entry.time - entry.ms, end: entry.time });
    } catch {
      // a line cut by the SIGKILL
    }
  }
  return out;
}

/** Intervals of one mailbox that overlap (sorted by start); `who` names them in the message. */
function overlapsOf(intervals: Array<{ start: number; end: number; who: string }>): string[] {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  const out: string[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1]!, sorted[i]!];
    if (b.start < a.end) out.push(`${a.who} [${a.start}, ${a.end}] and ${b.who} [${b.start}, ${b.end}]`);
  }
  return out;
}

export async function scaleAndSharing(options: FamilyOptions): Promise<FamilyResult> {
  const t = tally('scale and sharing', options);
  if (!options.full) return t.result();
  const count = Number(process.env.RELIABILITY_MAILBOXES ?? 300);
  const t0 = Date.now();
  const phase = (what: string) => options.progress?.(`scale: ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const { stack, mailboxes, drop } = await scaleStack(count);
  phase(`${count} mailboxes made and provisioned`);
  const children: WorkerProcess[] = [];
  try {
    await t.case(`three workers share ${count} mailboxes; one SIGKILLed mid-run; all keep syncing, none run twice at once`, async () => {
      // A few items per mailbox both ways (bulk, through the emulators' admin APIs): two
      // Salesforce contacts and a task, one Outlook contact; after the kill, an edit.
      const tag = (m: StackMailbox, what: string) => `Sc${what}${m.salesforceUserId}`;
      for (const m of mailboxes) {
        const c = kindOps(stack, m, 'contact');
        c.sfCreate(tag(m, 'A'));
        c.sfCreate(tag(m, 'B'));
        kindOps(stack, m, 'task').sfCreate(tag(m, 'T'));
        await c.exCreate(tag(m, 'O'));
      }
      phase(`${count * 4} items seeded`);
      const cpuBefore = process.cpuUsage();
      for (let i = 0; i < 3; i++) children.push(spawnWorker(stack, { databaseUrl: stack.storeUrl, id: `scale-${i}`, leaseTtlSeconds: 5, concurrency: 8, logLevel: 'debug' }));
      // One read of each side per probe (a probe per second: the emulators share this process with the probe).
      const state = () => {
        const sfNames = new Set(sfQuery(stack, `SELECT LastName FROM Contact WHERE LastName LIKE 'ScO%'`).map((r) => String(r.LastName)));
        return mailboxes.map((m) => {
          const contacts = (stack.graph.admin.items(m.address, 'contact') as Json[]).map((c) => String(c.surname));
          const tasks = (stack.graph.admin.items(m.address, 'todoTask') as Json[]).map((x) => String(x.title));
          const n = (list: string[], name: string) => list.filter((x) => x === name).length;
          return { m, a: n(contacts, tag(m, 'A')), a2: n(contacts, tag(m, 'E')), b: n(contacts, tag(m, 'B')), t: n(tasks, tag(m, 'T')), o: sfNames.has(tag(m, 'O')) ? 1 : 0 };
        });
      };
      const firstDone = (s: ReturnType<typeof state>[number]) => (s.a > 0 || s.a2 > 0) && s.b > 0 && s.t > 0 && s.o > 0;
      await until(() => state().filter(firstDone).length >= count / 3, 240_000, 1_000);
      const killedAt = Date.now();
      const cpu: Array<number | undefined> = [cpuSeconds(children[0]!.proc.pid)];
      children[0]!.proc.kill('SIGKILL');
      await children[0]!.exited;
      phase(`${state().filter(firstDone).length} mailboxes synced; SIGKILL worker 0`);
      // after the kill: every mailbox's first Salesforce contact is renamed (A → E)
      for (const m of mailboxes) {
        const [a] = kindOps(stack, m, 'contact').sfFind(tag(m, 'A'));
        if (a) stack.salesforce.admin.update('Contact', String(a.Id), { LastName: tag(m, 'E') });
      }
      const done = (s: ReturnType<typeof state>[number]) => s.a === 0 && s.a2 === 1 && s.b === 1 && s.t === 1 && s.o === 1;
      const ok = await until(() => state().every(done), 300_000, 1_000);
      phase(`every change arrived: ${String(Boolean(ok))}`);
      // the survivors stop gracefully, so every run they began is finished in the store
      cpu.push(...children.slice(1).map((c) => cpuSeconds(c.proc.pid)));
      const own = process.cpuUsage(cpuBefore);
      phase(`CPU seconds: workers ${cpu.map((x) => x?.toFixed(1) ?? '?').join('/')}, this process (emulators, PostgreSQL client, probes) ${((own.user + own.system) / 1e6).toFixed(1)}`);
      for (const c of children.slice(1)) c.proc.kill('SIGTERM');
      await Promise.all(children.slice(1).map((c) => c.exited));
      const out: string[] = [];
      const final = state();
      const behind = final.filter((s) => !done(s));
      if (behind.length > 0) out.push(`${behind.length} of ${count} mailboxes did not converge, e.g. ${JSON.stringify(behind.slice(0, 3).map(({ m, ...n }) => ({ mailbox: m.address, ...n })))}`);
      for (const s of final) if (s.a2 > 1 || s.b > 1 || s.t > 1) out.push(`${s.m.address}: an item twice in Outlook`);
      for (const [o, field] of [['Contact', 'LastName'], ['Task', 'Subject']] as const) {
        const names = sfQuery(stack, `SELECT ${field} FROM ${o} WHERE ${field} LIKE 'Sc%'`).map((r) => String(r[field]));
        if (new Set(names).size !== names.length) out.push(`${names.length - new Set(names).size} duplicate ${o} record(s) in Salesforce`);
      }
      // evidence 1: the store's runs — a run the killed process left open ends at the kill
      let storeRuns = 0;
      let cutByKill = 0;
      const worker0Mailboxes = new Set<string>(); // its runs cut by the kill (or finished, below)
      const failed: string[] = [];
      for (const m of mailboxes) {
        const runs = await stack.store.listRuns(m.mailboxSyncId, 1000);
        storeRuns += runs.length;
        failed.push(...runs.filter((r) => r.error !== null).map((r) => r.error!));
        const open = runs.filter((r) => r.finishedAt === null);
        cutByKill += open.length;
        if (open.length > 0) worker0Mailboxes.add(m.mailboxSyncId);
        for (const r of open) if (r.startedAt > killedAt) out.push(`${m.address}: a run started after the kill never finished`);
        out.push(...overlapsOf(runs.map((r) => ({ start: r.startedAt, end: r.finishedAt ?? killedAt, who: `run #${r.id}` }))).map((o) => `${m.address}: runs overlap in the store: ${o}`));
      }
      // evidence 2: each process's own log of its runs, compared across processes
      const logged = children.map((c, i) => loggedRuns(c).map((r) => ({ ...r, who: `worker ${i}` })));
      const byMailbox = new Map<string, Array<{ start: number; end: number; who: string }>>();
      for (const r of logged.flat()) byMailbox.set(r.mailboxId, [...(byMailbox.get(r.mailboxId) ?? []), r]);
      for (const [id, runs] of byMailbox) out.push(...overlapsOf(runs).map((o) => `${id}: logged runs overlap: ${o}`));
      const shares = logged.map((runs) => new Set(runs.map((r) => r.mailboxId)).size);
      // worker 0 took part if it finished a run or had runs in flight when it was killed
      if (count >= 30 && (shares.slice(1).some((n) => n === 0) || (shares[0] === 0 && cutByKill === 0))) out.push(`a worker synced no mailbox (mailboxes per worker: ${shares.join(', ')})`);
      for (const r of logged[0]!) worker0Mailboxes.add(r.mailboxId);
      const takenOver = [...worker0Mailboxes].filter((id) => logged.slice(1).some((runs) => runs.some((r) => r.mailboxId === id && r.start > killedAt))).length;
      if (cutByKill === 0) out.push('no run was in flight when worker 0 was killed (the kill proved nothing about a run cut short)');
      phase(`evidence: ${storeRuns} runs in the store (${cutByKill} cut short by the SIGKILL, ${failed.length} failed${failed[0] ? `, e.g. ${failed[0].slice(0, 160)}` : ''}), ${logged.flat().length} logged; mailboxes per worker ${shares.join('/')}; ${takenOver} of the ${worker0Mailboxes.size} mailboxes worker 0 ran synced by the others after the kill`);
      return out.slice(0, 20);
    });
  } finally {
    killAll(children);
    await drop();
  }
  phase('done');
  return t.result();
}
