// Family "crash points": the worker dies at every effect boundary of a run — before a remote
// write, right after it (before the link commit), after a link commit (before the cursor) —
// for create/update/delete × both directions × contact and task. "Dies" means the gate
// throws and the next run is made by a fresh runtime over the same store (no caches), as a
// restarted process would. After recovery: exactly one copy on each side, the change
// arrived (or the delete held), and a further run writes nothing. The real SIGKILL of a
// worker child process on PostgreSQL is in ./sigkill.ts.
import { startLocalStack, type LocalStack, type StackMailbox } from '../../scripts/lib/stack.ts';
import { sample, tally, type FamilyOptions, type FamilyResult } from './scorecard.ts';
import { duplicates, gatedParts, kindOps, messageOf, restart, runOnce, type GatedParts, type KindOps } from './world.ts';

type Op = 'create' | 'update' | 'delete';
type Direction = 'sf→ex' | 'ex→sf';

interface Scenario {
  kind: 'contact' | 'task';
  op: Op;
  direction: Direction;
}

const MAX_EFFECTS = 16;

export const SCENARIOS: readonly Scenario[] = (['contact', 'task'] as const).flatMap((kind) =>
  (['create', 'update', 'delete'] as const).flatMap((op) => (['sf→ex', 'ex→sf'] as const).map((direction) => ({ kind, op, direction }))),
);

let serial = 0;

/** Prepares the scenario's record(s) and makes the user's change; returns the check to run after recovery. */
async function prepare(stack: LocalStack, m: StackMailbox, ops: KindOps, s: Scenario): Promise<() => string[]> {
  serial += 1;
  const name0 = `Crash${s.kind}${s.op}${serial}a`;
  const name1 = `Crash${s.kind}${s.op}${serial}b`;
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
  const ops = kindOps(stack, m, s.kind);
  const check = await prepare(stack, m, ops, s);
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
  return { fired, violations, ...(label ? { label } : {}) };
}

export async function crashPoints(options: FamilyOptions): Promise<FamilyResult> {
  const t = tally('crash points', options);
  const stack = await startLocalStack({ seed: 'none', start: false, provision: true });
  try {
    const m = stack.mailboxes[0]!;
    const first = await runOnce(restart(stack), m);
    if (!first.ok) throw new Error(`first run failed: ${messageOf(first.error)}`);
    const parts = gatedParts(stack);
    const scenarios = options.full ? SCENARIOS : sample(SCENARIOS, 4, options.seed);
    for (const [n, s] of scenarios.entries()) {
      const base = `${s.kind} ${s.op} ${s.direction}`;
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
    await stack.close();
  }
  return t.result();
}
