// Field-level three-way merge of mapped fields (the conflict policy): a field changed on
// one side takes that side's value; changed on both to the same value agrees; changed on
// both to different values → the configured winner, the loser reported. With an empty
// base this is also how two records matched by natural key are merged (a value present
// on only one side fills the other).
import { sameValue } from './hash.ts';
import type { FieldConflict, FieldValue, Fields, Side } from './types.ts';

export interface MergeResult {
  readonly merged: Fields;
  readonly conflicts: readonly FieldConflict[];
  /** Fields to write to each side so it holds `merged`. */
  readonly patch: Readonly<Record<Side, Fields>>;
}

export interface MergeInput {
  readonly base: Fields;
  readonly salesforce: Fields;
  readonly exchange: Fields;
  readonly winner: Side;
  /** Which sides' changes may flow: a one-way direction makes the source win every field. */
  readonly flows: Readonly<Record<Side, boolean>>;
  /** No trustworthy base (a copy whose link a crash lost): every difference is a recorded conflict. */
  readonly noBase?: boolean;
}

export function merge(input: MergeInput): MergeResult {
  const { salesforce, exchange, winner, flows } = input;
  const base = input.noBase ? {} : input.base;
  const names = [...new Set([...Object.keys(base), ...Object.keys(salesforce), ...Object.keys(exchange)])].sort();
  const merged: Record<string, FieldValue> = {};
  const conflicts: FieldConflict[] = [];
  const toSf: Record<string, FieldValue> = {};
  const toEx: Record<string, FieldValue> = {};
  for (const name of names) {
    const b = base[name] ?? null;
    const s = salesforce[name] ?? null;
    const e = exchange[name] ?? null;
    const differs = !sameValue(s, e);
    const sEdited = input.noBase ? differs : !sameValue(s, b);
    const eEdited = input.noBase ? differs : !sameValue(e, b);
    const sChanged = flows.salesforce && sEdited;
    const eChanged = flows.exchange && eEdited;
    let value: FieldValue;
    if (input.noBase && !differs) value = s; // no base, both hold the same value
    else if (!sChanged && !eChanged) value = b; // unchanged on both (or only a change that may not flow)
    else if (sChanged && !eChanged) value = s; // changed in Salesforce only
    else if (!sChanged && eChanged) value = e; // changed in Exchange only
    else if (sameValue(s, e)) value = s; // changed on both to the same value
    else {
      // changed on both to different values: the configured winner, the loser recorded
      value = winner === 'salesforce' ? s : e;
      conflicts.push({ field: name, base: b, salesforce: s, exchange: e, winner });
    }
    if (sEdited && eEdited && !sameValue(s, e) && sChanged !== eChanged) {
      // one-way: the source overwrites an edit made on the mirror side; still recorded
      conflicts.push({ field: name, base: b, salesforce: s, exchange: e, winner: sChanged ? 'salesforce' : 'exchange' });
    }
    if (value !== null) merged[name] = value;
    // a one-way mirror is only patched where the source changed, never reverted wholesale
    if (flows.exchange && !sameValue(value, s) && (flows.salesforce || eChanged)) toSf[name] = value;
    if (flows.salesforce && !sameValue(value, e) && (flows.exchange || sChanged)) toEx[name] = value;
  }
  return { merged, conflicts, patch: { salesforce: toSf, exchange: toEx } };
}
