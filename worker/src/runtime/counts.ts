// Run counts: flat keys in the store's run rows ("contact.toExchange", "task.conflicts"), and
// the nested document the status endpoint returns (`counts.contact.toExchange`), which is what
// the Status page (LWC sccSyncCounts) reads.
import type { KindReport } from '../core/sync.ts';
import type { Action } from '../core/types.ts';

export const COUNT_NAMES = ['toExchange', 'toSalesforce', 'created', 'updated', 'deleted', 'conflicts', 'issues'] as const;
export type CountName = (typeof COUNT_NAMES)[number];

/** Flat counts of one kind's report: successful writes per direction and action, conflicts and issues. */
export function countReport(report: KindReport): Record<string, number> {
  const failed = new Set<Action>(report.failures.map((f) => f.action));
  const out: Record<string, number> = {};
  const add = (name: string, n = 1): void => {
    out[`${report.kind}.${name}`] = (out[`${report.kind}.${name}`] ?? 0) + n;
  };
  for (const name of COUNT_NAMES) add(name, 0);
  if (report.actions.some((a) => a.type === 'valve')) {
    add('issues');
    return out;
  }
  for (const a of report.actions) {
    if (a.type === 'create' || a.type === 'update' || a.type === 'delete') {
      if (failed.has(a)) continue;
      const direction = a.side === 'exchange' ? 'toExchange' : 'toSalesforce';
      add(direction);
      add(a.type === 'create' ? 'created' : a.type === 'update' ? 'updated' : 'deleted');
      add(`${direction}.${a.type === 'create' ? 'created' : a.type === 'update' ? 'updated' : 'deleted'}`);
    } else if (a.type === 'conflict') {
      add('conflicts');
      add('issues');
    } else if (a.type === 'skip' && a.report) add('issues');
  }
  add('issues', report.failures.length);
  return out;
}

export function addCounts(into: Record<string, number>, more: Record<string, number>): Record<string, number> {
  for (const [k, v] of Object.entries(more)) into[k] = (into[k] ?? 0) + v;
  return into;
}

/** Flat "kind.name[.sub]" counts → { kind: { name: n, … } } (sub-counts nest one more level). */
export function nestCounts(flat: Record<string, number>): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [key, value] of Object.entries(flat)) {
    const [kind, name, sub] = key.split('.');
    if (!kind || !name) continue;
    const k = (out[kind] ??= {});
    if (sub === undefined) k[name] = ((k[name] as number | undefined) ?? 0) + value;
    else {
      const byDirection = (k[`${name}By`] ??= {}) as Record<string, number>;
      byDirection[sub] = (byDirection[sub] ?? 0) + value;
    }
  }
  return out;
}
