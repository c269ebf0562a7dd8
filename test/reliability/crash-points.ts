// Family "crash points": the worker dies at every effect boundary of a run — before a remote
// write, right after it (before the link commit), after a link commit (before the cursor) —
// for create/update/delete × both directions × contact, task and event (single events, and
// one recurring series created on each side), and for filed emails (./crash-email.ts: create,
// refile, copy, move out, delete; Exchange → Salesforce only, file uploads gated through
// ./crash-files.ts). "Dies" means the gate throws and the next run is made by a fresh runtime
// over the same store (no caches), as a restarted process would. After recovery: exactly one
// copy on each side, the change arrived (or the delete held), and a further run writes
// nothing. The real SIGKILL of a worker child process on PostgreSQL is in ./processes.ts.
import { startLocalStack, type LocalStack, type StackMailbox } from '../../scripts/lib/stack.ts';
import { EMAIL_OPS, prepareEmail, type EmailOp } from './crash-email.ts';
import { gateFileUploads } from './crash-files.ts';
import { sample, tally, type FamilyOptions, type FamilyResult } from './scorecard.ts';
import { containers, duplicates, gatedParts, kindOps, messageOf, restart, runOnce, type GatedParts, type KindOps, type SyncedKind } from './world.ts';

type Op = 'create' | 'update' | 'delete';
type Direction = 'sf→ex' | 'ex→sf';

type Scenario =
  | { kind: SyncedKind; op: Op; direction: Direction }
  | { kind: 'event series'; op: 'create'; direction: Direction }
  | { kind: 'email'; op: EmailOp; direction: 'ex→sf' };

const MAX_EFFECTS = 16;
const DIRECTIONS = ['sf→ex', 'ex→sf'] as const;

const twoWay = (kinds: readonly SyncedKind[]): Scenario[] =>
  kinds.flatMap((kind) => (['create', 'update', 'delete'] as const).flatMap((op) => DIRECTIONS.map((direction) => ({ kind, op, direction }))));

/** Contact and task: the scenarios the fast subset has sampled from the start. */
export const RECORD_SCENARIOS: readonly Scenario[] = twoWay(['contact', 'task']);
export const EVENT_SCENARIOS: readonly Scenario[] = [...twoWay(['event']), ...DIRECTIONS.map((direction) => ({ kind: 'event series' as const, op: 'create' as const, direction }))];
export const EMAIL_SCENARIOS: readonly Scenario[] = EMAIL_OPS.map((op) => ({ kind: 'email' as const, op, direction: 'ex→sf' as const }));
export const SCENARIOS: readonly Scenario[] = [...RECORD_SCENARIOS, ...EVENT_SCENARIOS, ...EMAIL_SCENARIOS];

let serial = 0;

const DAY = 86_400_000;
const WEEKLY_OCCURRENCES = 3;

/** A weekly series of three, created by the user on one side; the other side must end with its own shape of it. */
async function prepareSeries(stack: LocalStack, m: StackMailbox, ops: KindOps, direction: Direction, name: string): Promise<() => string[]> {
  const first = new Date(Math.floor(Date.now() / DAY) * DAY + (5 + (serial % 20)) * DAY + 12 * 3_600_000);
  const start = first.toISOString();
  const end = new Date(first.getTime() + 30 * 60_000).toISOString();
  const lastDay = new Date(first.getTime() + (WEEKLY_OCCURRENCES - 1) * 7 * DAY).toISOString().slice(0, 10);
  let sfRows: number;
  if (direction === 'sf→ex') {
    // Salesforce keeps a master and a row per occurrence; Outlook gets one series (its master).
    stack.salesforce.admin.insert('Event', {
      Subject: name, StartDateTime: start, EndDateTime: end, ActivityDateTime: start, DurationInMinutes: 30, OwnerId: m.salesforceUserId,
      IsRecurrence: true, RecurrenceType: 'RecursWeekly', RecurrenceInterval: 1, RecurrenceDayOfWeekMask: 1 << first.getUTCDay(),
      RecurrenceStartDateTime: start, RecurrenceEndDateOnly: lastDay,
    });
    sfRows = ops.sfFind(name).length;
  } else {
    // An Outlook series travels occurrence by occurrence: one Salesforce event each.
    const wall = (iso: string) => ({ dateTime: iso.slice(0, 19), timeZone: 'UTC' });
    stack.graph.admin.userCreateEvent(m.address, null, {
      subject: name, start: wall(start), end: wall(end), categories: [(await containers(stack, m)).categoryName],
      recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: [first.toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' }).toLowerCase()] }, range: { type: 'numbered', startDate: start.slice(0, 10), numberOfOccurrences: WEEKLY_OCCURRENCES } },
    });
    sfRows = WEEKLY_OCCURRENCES;
  }
  return () => {
    const out: string[] = [];
    const sf = ops.sfFind(name).length;
    const ex = ops.exFind(name).length;
    if (sf !== sfRows) out.push(`${sf > sfRows ? 'duplicated' : 'lost'}: ${sf} Salesforce event row(s) of the series ${name}, expected ${sfRows}`);
    if (ex !== 1) out.push(`${ex > 1 ? 'duplicated' : 'lost'}: ${ex} Outlook series named ${name}, expected 1`);
    else if (!ops.exFind(name)[0]!.recurrence) out.push(`the Outlook copy of the series ${name} is a single event`);
    return out;
  };
}

/** Prepares the scenario's record(s) and makes the user's change; returns the check to run after recovery. */
async function prepare(stack: LocalStack, m: StackMailbox, s: Scenario): Promise<() => string[]> {
  serial += 1;
  const name0 = `Crash${s.kind.replace(/\W/g, '')}${s.op.replace(/\W/g, '')}${serial}a`;
  const name1 = `Crash${s.kind.replace(/\W/g, '')}${s.op.replace(/\W/g, '')}${serial}b`;
  if (s.kind === 'email') return prepareEmail(stack, m, s.op, name0);
  const ops = kindOps(stack, m, s.kind === 'event series' ? 'event' : s.kind);
  if (s.kind === 'event series') return prepareSeries(stack, m, ops, s.direction, name0);
  const fromSf = s.direction === 'sf→ex';
  const origin = fromSf ? { create: ops.sfCreate, rename: ops.sfRename, remove: ops.sfDelete } : { create: ops.exCreate, rename: ops.exRename, remove: ops.exDelete };
  const count = (name: string): { sf: number; ex: number } => ({ sf: ops.sfFind(name).length, ex: ops.exFind(name).length });
  const expectCounts = (name: string, want: number): string[] => {
    const c = count(name);
    const out: string[] = [];
    if (c.sf !== want) out.push(`${want === 0 ? 'resurrected or left' : c.sf > want ? 'duplicated' : 'lost'}: ${c.sf} Salesforce ${s.kind}(s) named ${name}, expected ${want}`);
    if (c.ex !== want) out.push(`${want === 0 ? 'resurrected or left' : c.ex > want ? 'duplicated' : 'lost'}: ${c.ex} Exchange ${s.kind}(s) named ${name}, expected ${want}`);
    return out;
  };
  if (s.op === 'create') {
    await origin.create(name0);
    return () => expectCounts(name0, 1);
  }
  const id = await origin.create(name0);
  const setup = await runOnce(restart(stack), m);
  if (!setup.ok) throw new Error(`setup run failed: ${messageOf(setup.error)}`);
  const before = count(name0);
  if (before.sf !== 1 || before.ex !== 1) throw new Error(`setup did not link ${name0} (${before.sf}/${before.ex})`);
  if (s.op === 'update') {
    await origin.rename(id, name1);
    return () => [...expectCounts(name1, 1), ...expectCounts(name0, 0)];
  }
  await origin.remove(id);
  return () => expectCounts(name0, 0);
}

async function recoverAndCheck(stack: LocalStack, m: StackMailbox, check: () => string[]): Promise<string[]> {
  const out: string[] = [];
  // The restarted worker: a new runtime over the same store; two runs settle echoes.
  const fresh = restart(stack);
  for (let i = 0; i < 2; i++) {
    const r = await runOnce(fresh, m);
    if (!r.ok) out.push(`recovery run ${i + 1} failed: ${messageOf(r.error)}`);
  }
  out.push(...check(), ...duplicates(stack, m));
  const quiet = await runOnce(fresh, m);
  if (!quiet.ok) out.push(`quiet run failed: ${messageOf(quiet.error)}`);
  else if (quiet.itemsSynced !== 0) out.push(`not quiet after recovery: a further run wrote ${quiet.itemsSynced} item(s)`);
  await fresh.stop();
  return out;
}

async function crashCase(stack: LocalStack, m: StackMailbox, parts: GatedParts, s: Scenario, at: number, mode: 'before' | 'after'): Promise<{ fired: boolean; violations: string[]; label?: string }> {
  const check = await prepare(stack, m, s);
  const crashing = restart(stack, parts);
  parts.gate.arm(at, mode);
  const r = await runOnce(crashing, m);
  parts.gate.disarm();
  await crashing.stop();
  const fired = parts.gate.fired();
  const label = parts.gate.labels()[at];
  const violations: string[] = [];
  if (!fired && !r.ok) violations.push(`the run failed without a crash: ${messageOf(r.error)}`);
  violations.push(...(await recoverAndCheck(stack, m, check)));
  // the boundary's name makes a violation readable without a replay
  const named = label ? violations.map((v) => `${v} [crashed ${mode} ${label}]`) : violations;
  return { fired, violations: named, ...(label ? { label } : {}) };
}

export async function crashPoints(options: FamilyOptions): Promise<FamilyResult> {
  const t = tally('crash points', options);
  // The fast subset: 4 contact/task scenarios as before, 2 event ones, and the email create
  // (every email boundary: task, relation, files, stamp, cursor) with one other email op.
  const [emailCreate, ...otherEmail] = EMAIL_SCENARIOS;
  const picked = options.full
    ? SCENARIOS
    : [...sample(RECORD_SCENARIOS, 4, options.seed), ...sample(EVENT_SCENARIOS, 2, options.seed), emailCreate!, ...sample(otherEmail, 1, options.seed)];
  // RELIABILITY_CRASH_KINDS=email,event series replays the scenarios of some kinds only
  const kinds = process.env.RELIABILITY_CRASH_KINDS?.split(',').map((k) => k.trim());
  const scenarios = kinds ? picked.filter((s) => kinds.includes(s.kind)) : picked;
  if (scenarios.length === 0) return t.result();
  // A mailbox per scenario: a scenario's runs stay within Graph's 10,000 requests per mailbox
  // per 10 minutes (the whole matrix on one mailbox is throttled after ~200 cases), and a
  // mailbox one scenario leaves broken cannot fail the scenarios after it.
  const stack = await startLocalStack({
    seed: { salesforce: 'none', mailboxes: scenarios.length, mailboxSync: { Sync_Events__c: true, Events_Direction__c: 'Both' } },
    start: false,
    provision: true,
  });
  const closers: Array<() => Promise<void>> = [];
  try {
    const uploads = await gateFileUploads(gatedParts(stack));
    closers.push(uploads.close);
    const parts = uploads.parts;
    for (const [n, s] of scenarios.entries()) {
      const base = `${s.kind} ${s.op} ${s.direction}`;
      const m = stack.mailboxes[n]!;
      const first = await runOnce(restart(stack), m);
      if (!first.ok) throw new Error(`first run of ${m.address} failed: ${messageOf(first.error)}`);
      if (options.full) {
        // every boundary, both modes, until a run completes without reaching it
        for (let at = 0; at < MAX_EFFECTS; at++) {
          let reached = false;
          for (const mode of ['before', 'after'] as const) {
            await t.case(`${base}, crash ${mode} effect #${at}`, async () => {
              const r = await crashCase(stack, m, parts, s, at, mode);
              reached ||= r.fired;
              return r.violations;
            });
          }
          if (!reached) break;
        }
      } else {
        // one seeded boundary per scenario: count the effects of a clean run first
        let effects = 0;
        await t.case(`${base}, no crash`, async () => {
          const r = await crashCase(stack, m, parts, s, MAX_EFFECTS * 4, 'before');
          effects = parts.gate.seen();
          return r.violations;
        });
        if (effects === 0) continue;
        const at = Math.floor(((options.seed + n * 7919) % 1_000_003) / 1_000_003 * effects);
        const mode = (options.seed + n) % 2 === 0 ? 'before' : 'after';
        await t.case(`${base}, crash ${mode} effect #${at} of ${effects}`, async () => (await crashCase(stack, m, parts, s, at, mode)).violations);
      }
    }
  } finally {
    for (const close of closers) await close();
    await stack.close();
  }
  return t.result();
}
