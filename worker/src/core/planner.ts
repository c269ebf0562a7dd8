// The planner: (links, changes seen on both sides, candidates, settings) → actions.
// Pure and deterministic: the same input in any order of `changes` gives the same plan.
// Each item (one link, or one pair/record without a link) gets its writes followed by
// the `link`/`unlink` bookkeeping that the driver commits once those writes succeeded.
// Every branch names its situation (the truth table of DESIGN.md "Sync engine").
import { sameValue } from './hash.ts';
import { merge } from './merge.ts';
import { KEY_PHASES, exchangeKey } from './natural-key.ts';
import { otherSide } from './types.ts';
import type {
  Action,
  Change,
  FieldConflict,
  FieldValue,
  Fields,
  ItemRef,
  Kind,
  KindSettings,
  Link,
  LinkTarget,
  MatchedPair,
  PlanInput,
  Side,
  SideRecord,
  SideState,
  Situation,
} from './types.ts';

/** What one side of a linked item looks like this run. */
type SideView =
  | { readonly status: 'unseen' }
  | { readonly status: 'echo'; readonly record: SideRecord }
  | { readonly status: 'changed'; readonly record: SideRecord }
  | { readonly status: 'deleted' }
  | { readonly status: 'out-of-scope' };

/** A write-ahead note left by a create whose link was never committed (a crash in between). */
interface CreateNote {
  /** Side of the record the copy is made from; the copy goes to the other side. */
  readonly source: Side;
  readonly sourceId: string;
  /** The create key: the copy carries it as its stamp. */
  readonly key: string;
  /** The source's mapped fields when the create was planned, and their hash. */
  readonly base: Fields;
  readonly hash: string;
  readonly version: string;
  /** Ids as the note is stored (the copy's is a pendingCreateId): an `unlink` of this drops the note. */
  readonly item: ItemRef;
  /** The deleted counterpart the copy replaces (an edit beat its delete), if any. */
  readonly replaces?: string;
}

function noteOf(link: Link): CreateNote | undefined {
  const create = link.pending?.create;
  if (!link.pending || !create) return undefined;
  const source = otherSide(create.side);
  const state = link.pending[source];
  return {
    source,
    sourceId: state.id,
    key: create.key,
    base: link.pending.base,
    hash: state.hash,
    version: state.version,
    item: { kind: link.kind, salesforceId: link.salesforce.id, exchangeId: link.exchange.id },
    ...(create.replaces !== undefined ? { replaces: create.replaces } : {}),
  };
}

interface Flows {
  readonly salesforce: boolean;
  readonly exchange: boolean;
}

function flowsOf(kind: Kind, settings: KindSettings): Flows {
  // filed emails only ever flow from Exchange to Salesforce
  if (kind === 'email') return { salesforce: false, exchange: true };
  return {
    salesforce: settings.direction !== 'Exchange to Salesforce',
    exchange: settings.direction !== 'Salesforce to Exchange',
  };
}

function changeKey(c: Change): string {
  return `${c.side}\u0000${c.kind}\u0000${c.type === 'upsert' ? c.record.id : c.id}`;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function plan(input: PlanInput): Action[] {
  const { settings, hash, mailbox } = input;
  const linkBySf = new Map<string, Link>();
  const linkByEx = new Map<string, Link>();
  /** Create notes by kind and source ("side\0id"); their pairs are planned as unlinked items. */
  const notes = new Map<Kind, Map<string, CreateNote>>();
  for (const link of input.links) {
    const note = noteOf(link);
    if (note) {
      const byKind = notes.get(link.kind) ?? new Map<string, CreateNote>();
      byKind.set(`${note.source}\u0000${note.sourceId}`, note);
      notes.set(link.kind, byKind);
      continue;
    }
    linkBySf.set(`${link.kind}\u0000${link.salesforce.id}`, link);
    linkByEx.set(`${link.kind}\u0000${link.exchange.id}`, link);
  }

  // the runtime resolves each touched id to its current state, so duplicates agree; keep one
  const latest = new Map<string, Change>();
  for (const change of input.changes) latest.set(changeKey(change), change);
  for (const [kind, byKind] of notes) {
    for (const note of byKind.values()) {
      const record: SideRecord = { id: note.sourceId, version: note.version, fields: note.base };
      const change: Change = { side: note.source, kind, type: 'upsert', record };
      // a noted source the feeds did not report is as it was when the create was planned
      if (!latest.has(changeKey(change))) latest.set(changeKey(change), change);
    }
  }

  const linked = new Map<string, { link: Link; salesforce?: Change; exchange?: Change }>();
  const unlinked = new Map<Kind, { salesforce: Change[]; exchange: Change[] }>();
  const actions: Action[] = [];

  for (const change of [...latest.values()].sort((a, b) => compareStrings(changeKey(a), changeKey(b)))) {
    const id = change.type === 'upsert' ? change.record.id : change.id;
    const item: ItemRef = change.side === 'salesforce' ? { kind: change.kind, salesforceId: id } : { kind: change.kind, exchangeId: id };
    if (!settings.kinds[change.kind].enabled) {
      // kind switched off for this mailbox: nothing flows
      actions.push({ type: 'skip', item, situation: 'kind-disabled', report: false, message: `${change.kind} sync is off` });
      continue;
    }
    const link = (change.side === 'salesforce' ? linkBySf : linkByEx).get(`${change.kind}\u0000${id}`);
    if (link) {
      const key = `${link.kind}\u0000${link.salesforce.id}`;
      const entry = linked.get(key) ?? { link };
      entry[change.side] = change;
      linked.set(key, entry);
    } else {
      const pools = unlinked.get(change.kind) ?? { salesforce: [], exchange: [] };
      pools[change.side].push(change);
      unlinked.set(change.kind, pools);
    }
  }

  for (const key of [...linked.keys()].sort(compareStrings)) {
    const entry = linked.get(key)!;
    const match = entry.link.pending?.match;
    if (match && entry.salesforce?.type === 'upsert' && entry.exchange?.type === 'upsert') {
      // a pair matched by natural key, patched, and a crash before its link: keep the pair
      actions.push(...planMatchNote(entry.link, entry.link.pending!.base, match, entry.salesforce.record, entry.exchange.record));
      continue;
    }
    const link = settle(entry.link, entry.salesforce, entry.exchange);
    const noted = entry.link.pending !== undefined;
    actions.push(...planLinked(link, view(link, 'salesforce', entry.salesforce), view(link, 'exchange', entry.exchange), noted));
  }
  for (const kind of [...unlinked.keys()].sort()) {
    actions.push(...planUnlinked(kind, unlinked.get(kind)!));
  }
  return valve(actions);

  /**
   * A natural-key match noted before its first update, then a crash: merge the pair as it is now
   * against the planned base. A value equal to the matched one (our write not landed) or to the
   * planned one (landed) is no user edit; any other value is, and merges as an edit.
   */
  function planMatchNote(link: Link, base: Fields, match: MatchedPair, sf: SideRecord, ex: SideRecord): Action[] {
    const ks = settings.kinds[link.kind];
    const flows = flowsOf(link.kind, ks);
    const records = { salesforce: sf, exchange: ex };
    // what the noted run meant each side to hold: both ways that is `base`; a one-way mirror
    // keeps the values the source did not change (its own are never overwritten wholesale)
    const first = merge({ base: {}, salesforce: match.salesforce, exchange: match.exchange, winner: ks.winner, flows });
    const planned = (side: Side): Fields => ({ ...match[side], ...first.patch[side] });
    const effective = (side: Side): Fields => {
      const actual = records[side].fields;
      const meant = planned(side);
      const out: Record<string, FieldValue> = {};
      for (const name of new Set([...Object.keys(base), ...Object.keys(actual), ...Object.keys(match[side])])) {
        const a = actual[name] ?? null;
        const value = sameValue(a, meant[name] ?? null) || sameValue(a, match[side][name] ?? null) ? (meant[name] ?? null) : a;
        if (value !== null) out[name] = value;
      }
      return out;
    };
    const effectiveFields = { salesforce: effective('salesforce'), exchange: effective('exchange') };
    const result = merge({ base, ...effectiveFields, winner: ks.winner, flows });
    const item: ItemRef = { kind: link.kind, salesforceId: sf.id, exchangeId: ex.id };
    const situation: Situation = 'matched-by-natural-key';
    const out: Action[] = [];
    if (result.conflicts.length > 0) {
      out.push({ type: 'conflict', item, situation, fields: result.conflicts, message: result.conflicts.map(describeConflict).join('; ') });
    }
    const target: { salesforce?: SideState; exchange?: SideState; base: Fields; matched: MatchedPair } = { base: result.merged, matched: match };
    for (const side of ['salesforce', 'exchange'] as const) {
      const record = records[side];
      const patch: Record<string, FieldValue> = {};
      if (flows[otherSide(side)]) {
        // the merge's patch, and the noted run's writes that never landed
        const meant = effectiveFields[side];
        for (const name of new Set([...Object.keys(meant), ...Object.keys(record.fields)])) {
          if (!sameValue(meant[name] ?? null, record.fields[name] ?? null)) patch[name] = meant[name] ?? null;
        }
        Object.assign(patch, result.patch[side]);
        for (const name of Object.keys(patch)) if (sameValue(patch[name] ?? null, record.fields[name] ?? null)) delete patch[name];
      }
      if (Object.keys(patch).length > 0) out.push({ type: 'update', item, situation, side, id: record.id, expectedVersion: record.version, patch });
      else target[side] = { id: record.id, version: record.version, hash: hash(record.fields) };
    }
    out.push({ type: 'link', item, situation, target });
    return out;
  }

  /** A write-ahead note whose writes all landed (a crash before the commit) becomes the link. */
  function settle(link: Link, sf: Change | undefined, ex: Change | undefined): Link {
    const pending = link.pending;
    if (!pending) return link;
    const current = { salesforce: sf, exchange: ex };
    const landed = pending.written.every((side) => {
      const change = current[side];
      return change?.type === 'upsert' && hash(change.record.fields) === pending[side].hash;
    });
    if (!landed) return { kind: link.kind, mailbox: link.mailbox, salesforce: link.salesforce, exchange: link.exchange, base: link.base };
    const state = (side: Side): SideState => {
      const change = current[side];
      return pending.written.includes(side) && change?.type === 'upsert' ? { ...pending[side], version: change.record.version } : pending[side];
    };
    return { kind: link.kind, mailbox: link.mailbox, salesforce: state('salesforce'), exchange: state('exchange'), base: pending.base };
  }

  function view(link: Link, side: Side, change: Change | undefined): SideView {
    if (!change) return { status: 'unseen' };
    if (change.type === 'delete') return { status: 'deleted' };
    if (change.type === 'out-of-scope') return { status: 'out-of-scope' };
    const same = hash(change.record.fields) === link[side].hash;
    return { status: same ? 'echo' : 'changed', record: change.record };
  }

  function stateOf(link: Link, side: Side, v: SideView): SideState {
    if (v.status === 'echo' || v.status === 'changed') return { id: v.record.id, version: v.record.version, hash: hash(v.record.fields) };
    return link[side];
  }

  /** `noted`: the stored link carries a write-ahead note, settled into `link` by this plan only. */
  function planLinked(link: Link, sf: SideView, ex: SideView, noted: boolean): Action[] {
    const item: ItemRef = { kind: link.kind, salesforceId: link.salesforce.id, exchangeId: link.exchange.id };
    const ks = settings.kinds[link.kind];
    const flows = flowsOf(link.kind, ks);
    const sfLive = sf.status === 'unseen' || sf.status === 'echo' || sf.status === 'changed';
    const exLive = ex.status === 'unseen' || ex.status === 'echo' || ex.status === 'changed';

    if (sf.status === 'out-of-scope' || ex.status === 'out-of-scope') {
      // moved out of scope on a side: forget the pair, delete nothing
      return [{ type: 'unlink', item, situation: 'out-of-scope' }];
    }
    if (sf.status === 'deleted' && ex.status === 'deleted') {
      // deleted in both: only the link is left to forget
      return [{ type: 'unlink', item, situation: 'deleted-in-both' }];
    }
    if (sf.status === 'deleted') {
      if (ex.status === 'changed' && flows.exchange) {
        // deleted in Salesforce, edited in Exchange: the edit wins, the record comes back
        return editBeatsDelete(link, item, 'salesforce', ex.record);
      }
      if (flows.salesforce && ks.deleteToExchange) {
        // deleted in Salesforce, unchanged in Exchange: delete the Exchange item
        const version = ex.status === 'unseen' ? link.exchange.version : (ex as { record: SideRecord }).record.version;
        return [
          { type: 'delete', item, situation: 'deleted-in-salesforce', side: 'exchange', id: link.exchange.id, expectedVersion: version },
          { type: 'unlink', item, situation: 'deleted-in-salesforce' },
        ];
      }
      // deleted in Salesforce, deletes not propagated (or the direction forbids it): forget the pair
      return [{ type: 'unlink', item, situation: 'delete-not-propagated' }];
    }
    if (ex.status === 'deleted') {
      if (sf.status === 'changed' && flows.salesforce) {
        // deleted in Exchange, edited in Salesforce: the edit wins, the item comes back
        return editBeatsDelete(link, item, 'exchange', sf.record);
      }
      if (flows.exchange && ks.deleteToSalesforce) {
        // deleted in Exchange, unchanged in Salesforce: delete the Salesforce record
        const version = sf.status === 'unseen' ? link.salesforce.version : (sf as { record: SideRecord }).record.version;
        return [
          { type: 'delete', item, situation: 'deleted-in-exchange', side: 'salesforce', id: link.salesforce.id, expectedVersion: version },
          { type: 'unlink', item, situation: 'deleted-in-exchange' },
        ];
      }
      // deleted in Exchange, deletes not propagated (or the direction forbids it): forget the pair
      return [{ type: 'unlink', item, situation: 'delete-not-propagated' }];
    }
    if (!sfLive || !exLive) return [];

    const sfChanged = sf.status === 'changed';
    const exChanged = ex.status === 'changed';
    const refresh = (situation: Situation): Action[] => {
      const target = { salesforce: stateOf(link, 'salesforce', sf), exchange: stateOf(link, 'exchange', ex), base: link.base };
      const moved = target.salesforce.version !== link.salesforce.version || target.exchange.version !== link.exchange.version;
      // versions moved without a mapped change: remember them so later version guards hold.
      // A note settled here exists in this plan only: commit it, or once the cursors pass our
      // echo every later run falls back to the link before the crash and retries a stale patch
      return moved || noted ? [{ type: 'link', item, situation, target }] : [];
    };
    if (!sfChanged && !exChanged) {
      // an echo of our own write (or an edit of unmapped fields): nothing to write
      return [{ type: 'skip', item, situation: 'echo', report: false, message: 'no mapped change' }, ...refresh('echo')];
    }
    if ((sfChanged && !flows.salesforce && !exChanged) || (exChanged && !flows.exchange && !sfChanged)) {
      // changed on the mirror side of a one-way object: not propagated
      const side = sfChanged ? 'Salesforce' : 'Exchange';
      return [{ type: 'skip', item, situation: 'direction', report: true, message: `${side} edit not synced: direction is ${ks.direction}` }, ...refresh('direction')];
    }
    const sfFields = sf.status === 'unseen' ? link.base : sf.record.fields;
    const exFields = ex.status === 'unseen' ? link.base : ex.record.fields;
    const situation: Situation =
      sfChanged && exChanged ? 'changed-in-both-merged' : sfChanged ? 'changed-in-salesforce' : 'changed-in-exchange';
    return writePair(
      item,
      link.kind,
      link.base,
      sfFields,
      exFields,
      situation,
      { salesforce: stateOf(link, 'salesforce', sf), exchange: stateOf(link, 'exchange', ex) },
      // a new write-ahead note falls back to the link as settled here, not to the stored one
      noted ? { salesforce: link.salesforce, exchange: link.exchange, base: link.base } : undefined,
    );
  }

  /** Merge two live records against `base`, then patch each side and commit the link. */
  function writePair(
    item: ItemRef,
    kind: Kind,
    base: Fields | undefined,
    sfFields: Fields,
    exFields: Fields,
    situation: Situation,
    states: { salesforce: SideState; exchange: SideState },
    from?: LinkTarget['from'],
  ): Action[] {
    const ks = settings.kinds[kind];
    const result = merge({ base: base ?? {}, noBase: base === undefined, salesforce: sfFields, exchange: exFields, winner: ks.winner, flows: flowsOf(kind, ks) });
    const out: Action[] = [];
    let named = situation;
    if (result.conflicts.length > 0) {
      named = situation === 'matched-by-natural-key' || situation === 'matched-by-stamp' ? situation : 'changed-in-both-same-field';
      // same field changed on both: the winner is applied below, the loser recorded here
      out.push({
        type: 'conflict',
        item,
        situation: named,
        fields: result.conflicts,
        message: result.conflicts.map(describeConflict).join('; '),
      });
    } else if (situation === 'changed-in-both-merged' && Object.keys(result.patch.salesforce).length + Object.keys(result.patch.exchange).length === 0) {
      named = 'changed-in-both-same-value';
    }
    const target: { -readonly [K in keyof LinkTarget]: LinkTarget[K] } = {
      base: result.merged,
      ...(situation === 'matched-by-natural-key' ? { matched: { salesforce: sfFields, exchange: exFields } } : {}),
      ...(from ? { from } : {}),
    };
    for (const side of ['salesforce', 'exchange'] as const) {
      const patch = result.patch[side];
      if (Object.keys(patch).length > 0) {
        out.push({ type: 'update', item, situation: named, side, id: states[side].id, expectedVersion: states[side].version, patch });
      } else {
        target[side] = states[side];
      }
    }
    out.push({ type: 'link', item, situation: named, target });
    return out;
  }

  /** One side deleted what the other edited: recreate from the edited side, record the lost delete. */
  function editBeatsDelete(link: Link, item: ItemRef, deletedOn: Side, survivor: SideRecord): Action[] {
    const situation: Situation =
      deletedOn === 'salesforce' ? 'deleted-in-salesforce-edited-in-exchange' : 'deleted-in-exchange-edited-in-salesforce';
    const key = deletedOn === 'salesforce' ? exchangeKey(link.kind, mailbox, survivor.id, survivor.fields) : survivor.id;
    const survivorState = { id: survivor.id, version: survivor.version, hash: hash(survivor.fields) };
    return [
      {
        type: 'conflict',
        item,
        situation,
        fields: [],
        deletedOn,
        message: `deleted in ${deletedOn === 'salesforce' ? 'Salesforce' : 'Exchange'} but edited on the other side: restored`,
      },
      { type: 'create', item: { kind: link.kind, [deletedOn === 'salesforce' ? 'exchangeId' : 'salesforceId']: survivor.id }, situation, side: deletedOn, key, fields: survivor.fields },
      {
        type: 'link',
        item: { kind: link.kind, [deletedOn === 'salesforce' ? 'exchangeId' : 'salesforceId']: survivor.id },
        situation,
        target: deletedOn === 'salesforce' ? { exchange: survivorState, base: survivor.fields } : { salesforce: survivorState, base: survivor.fields },
      },
    ];
  }

  function planUnlinked(kind: Kind, pools: { salesforce: Change[]; exchange: Change[] }): Action[] {
    const out: Action[] = [];
    const ks = settings.kinds[kind];
    const flows = flowsOf(kind, ks);
    const isLinked = (side: Side, id: string): boolean => (side === 'salesforce' ? linkBySf : linkByEx).has(`${kind}\u0000${id}`);
    const fresh: Record<Side, Map<string, SideRecord>> = { salesforce: new Map(), exchange: new Map() };
    const pool: Record<Side, Map<string, SideRecord>> = { salesforce: new Map(), exchange: new Map() };
    for (const side of ['salesforce', 'exchange'] as const) {
      for (const record of input.candidates?.[side] ?? []) if (!isLinked(side, record.id)) pool[side].set(record.id, record);
      for (const change of pools[side]) {
        if (change.type === 'upsert') {
          fresh[side].set(change.record.id, change.record);
          pool[side].set(change.record.id, change.record);
        } else {
          pool[side].delete(change.id);
          // deleted or out of scope before we ever linked it: nothing to do
          const item: ItemRef = side === 'salesforce' ? { kind, salesforceId: change.id } : { kind, exchangeId: change.id };
          out.push({ type: 'skip', item, situation: 'unknown-delete', report: false, message: 'not linked' });
        }
      }
    }
    const pairs: { sf: SideRecord; ex: SideRecord; situation: Situation; base?: Fields }[] = [];
    const take = (sf: SideRecord, ex: SideRecord, situation: Situation, base?: Fields): void => {
      pairs.push({ sf, ex, situation, ...(base !== undefined ? { base } : {}) });
      pool.salesforce.delete(sf.id);
      pool.exchange.delete(ex.id);
    };
    const claimed = claimedStamps(kind, isLinked);
    const kindNotes = notes.get(kind) ?? new Map<string, CreateNote>();
    const noteFor = (side: Side, id: string): CreateNote | undefined => kindNotes.get(`${side}\u0000${id}`);
    for (const key of [...kindNotes.keys()].sort(compareStrings)) out.push(...planNoted(kindNotes.get(key)!));

    /** A create whose link a crash never committed: the note's base tells edits from the state we copied. */
    function planNoted(note: CreateNote): Action[] {
      const source = note.source;
      const target = otherSide(source);
      const idOf = (side: Side): 'salesforceId' | 'exchangeId' => (side === 'salesforce' ? 'salesforceId' : 'exchangeId');
      const sourceChange = pools[source].find((c) => (c.type === 'upsert' ? c.record.id : c.id) === note.sourceId);
      const copy = sortedValues(pool[target]).find((r) => r.stamp === note.key);
      const copyDeleted = pools[target].some((c) => c.type === 'delete' && c.stamp === note.key && c.id !== note.replaces);
      const forget: Action = { type: 'unlink', item: note.item, situation: 'deleted-before-linked' };
      const propagates = (deletedOn: Side): boolean =>
        flows[deletedOn] && (deletedOn === 'salesforce' ? ks.deleteToExchange : ks.deleteToSalesforce);
      const state = (r: SideRecord): SideState => ({ id: r.id, version: r.version, hash: hash(r.fields) });
      if (!sourceChange || sourceChange.type === 'out-of-scope') {
        // the source left scope before its copy was linked: drop the note; a copy made stays, unlinked and reported
        return [{ ...forget, situation: 'out-of-scope' }];
      }
      if (sourceChange.type === 'delete') {
        if (!copy) {
          // the source is gone and its copy never made or gone too: only the note is left to drop
          return [forget];
        }
        pool[target].delete(copy.id);
        // the item names the deleted source too: the driver orders items sharing an id, so the
        // note is dropped only after the restored pair is linked
        const copyItem: ItemRef = { kind, [idOf(target)]: copy.id, [idOf(source)]: note.sourceId };
        if (hash(copy.fields) !== note.hash && flows[target]) {
          // source deleted, its copy edited before the link was saved: the edit wins, the source comes back from the copy
          const situation: Situation = source === 'salesforce' ? 'deleted-in-salesforce-edited-in-exchange' : 'deleted-in-exchange-edited-in-salesforce';
          const key = target === 'exchange' ? exchangeKey(kind, mailbox, copy.id, copy.fields) : copy.id;
          return [
            { type: 'conflict', item: copyItem, situation, fields: [], deletedOn: source, message: `deleted in ${sideName(source)} but edited on the other side: restored` },
            { type: 'create', item: copyItem, situation, side: source, key, fields: copy.fields },
            { type: 'link', item: copyItem, situation, target: target === 'salesforce' ? { salesforce: state(copy), base: copy.fields } : { exchange: state(copy), base: copy.fields } },
            forget,
          ];
        }
        if (propagates(source)) {
          // source deleted before its copy was linked, copy untouched: the delete reaches the copy
          return [{ type: 'delete', item: copyItem, situation: 'deleted-before-linked', side: target, id: copy.id, expectedVersion: copy.version }, forget];
        }
        // source deleted before its copy was linked, deletes not propagated: leave the copy
        return [{ type: 'skip', item: copyItem, situation: 'deleted-before-linked', report: true, message: 'its original was deleted before the link was saved' }, forget];
      }
      const record = sourceChange.record;
      const sourceItem: ItemRef = { kind, [idOf(source)]: record.id };
      if (copy) {
        // our copy is there: pair them with the noted base, so edits on either side since the create merge as edits
        const [sf, ex] = source === 'salesforce' ? [record, copy] : [copy, record];
        take(sf, ex, 'matched-by-stamp', note.base);
        return [];
      }
      if (!copyDeleted) {
        const unattributed = pools[target].some((c) => c.type === 'delete' && c.stamp === undefined && c.id !== note.replaces);
        if (!unattributed) return [];
        // no copy to be seen and a delete that cannot say which item it was (Graph reports only an id):
        // the copy may have been made and deleted; making it again loses no data, so it is made again and recorded
        return [
          {
            type: 'conflict',
            item: sourceItem,
            situation: 'deleted-before-linked',
            fields: [],
            deletedOn: target,
            message: `its ${sideName(target)} copy may have been deleted before the link was saved: made again; delete it again if that was meant`,
          },
        ];
      }
      pool[source].delete(record.id);
      if (hash(record.fields) !== note.hash && flows[source]) {
        // copy deleted before its link was saved, source edited since: the edit beats the delete, the copy is made again
        const situation: Situation = target === 'salesforce' ? 'deleted-in-salesforce-edited-in-exchange' : 'deleted-in-exchange-edited-in-salesforce';
        return [
          { type: 'conflict', item: sourceItem, situation, fields: [], deletedOn: target, message: `deleted in ${sideName(target)} but edited on the other side: restored` },
          { type: 'create', item: sourceItem, situation, side: target, key: note.key, fields: record.fields },
          { type: 'link', item: sourceItem, situation, target: source === 'salesforce' ? { salesforce: state(record), base: record.fields } : { exchange: state(record), base: record.fields } },
        ];
      }
      if (propagates(target)) {
        // copy deleted before its link was saved, source untouched: the delete reaches the source
        return [{ type: 'delete', item: sourceItem, situation: 'deleted-before-linked', side: source, id: record.id, expectedVersion: record.version }, forget];
      }
      // copy deleted before its link was saved, deletes not propagated: leave the source
      return [{ type: 'skip', item: sourceItem, situation: 'deleted-before-linked', report: true, message: 'its copy was deleted before the link was saved' }, forget];
    }
    const involvesFresh = (sf: SideRecord, ex: SideRecord): boolean => fresh.salesforce.has(sf.id) || fresh.exchange.has(ex.id);

    // matched by stamp: the Exchange item carries this Salesforce Id, or the record carries the item's key
    for (const ex of sortedValues(pool.exchange)) {
      const sf = ex.stamp !== undefined ? pool.salesforce.get(ex.stamp) : undefined;
      if (sf && involvesFresh(sf, ex)) take(sf, ex, 'matched-by-stamp');
    }
    const exByKey = new Map(sortedValues(pool.exchange).map((ex) => [exchangeKey(kind, mailbox, ex.id, ex.fields), ex]));
    for (const sf of sortedValues(pool.salesforce)) {
      const ex = sf.stamp !== undefined ? exByKey.get(sf.stamp) : undefined;
      if (ex && pool.exchange.has(ex.id) && involvesFresh(sf, ex)) take(sf, ex, 'matched-by-stamp');
    }
    // matched by natural key, phase by phase; within a key, pair in id order (deterministic)
    for (const phase of KEY_PHASES[kind]) {
      const groups = new Map<string, { sf: SideRecord[]; ex: SideRecord[] }>();
      for (const side of ['salesforce', 'exchange'] as const) {
        for (const record of sortedValues(pool[side])) {
          const key = phase.key(record.fields);
          if (key === undefined) continue;
          const group = groups.get(key) ?? { sf: [], ex: [] };
          (side === 'salesforce' ? group.sf : group.ex).push(record);
          groups.set(key, group);
        }
      }
      for (const key of [...groups.keys()].sort(compareStrings)) {
        const group = groups.get(key)!;
        for (const sf of group.sf) {
          const ex = group.ex.find((e) => pool.exchange.has(e.id) && phase.compatible(sf.fields, e.fields) && involvesFresh(sf, e));
          if (ex && pool.salesforce.has(sf.id)) take(sf, ex, 'matched-by-natural-key');
        }
      }
    }
    for (const { sf, ex, situation, base } of pairs) {
      const item: ItemRef = { kind, salesforceId: sf.id, exchangeId: ex.id };
      // matched by stamp: one is our copy of the other whose link a crash lost; either may
      // have been edited since, so every difference is a recorded conflict.
      // matched by natural key: no base, a value on one side fills the other
      // (a copy paired through its create note has the note's base: a three-way merge)
      out.push(
        ...writePair(item, kind, base ?? (situation === 'matched-by-stamp' ? undefined : {}), sf.fields, ex.fields, situation, {
          salesforce: { id: sf.id, version: sf.version, hash: hash(sf.fields) },
          exchange: { id: ex.id, version: ex.version, hash: hash(ex.fields) },
        }),
      );
    }
    for (const side of ['salesforce', 'exchange'] as const) {
      const target: Side = side === 'salesforce' ? 'exchange' : 'salesforce';
      for (const record of sortedValues(fresh[side])) {
        if (!pool[side].has(record.id)) continue;
        const item: ItemRef = side === 'salesforce' ? { kind, salesforceId: record.id } : { kind, exchangeId: record.id };
        const situation: Situation = side === 'salesforce' ? 'new-in-salesforce' : 'new-in-exchange';
        if (!flows[side]) {
          // new on the mirror side of a one-way object: not propagated
          out.push({ type: 'skip', item, situation: 'direction', report: false, message: `direction is ${ks.direction}` });
          continue;
        }
        // a noted source (created before a crash, no copy to be seen) skips the stamp checks: the note
        // already settled deletes, so it is created again here (the key makes that idempotent).
        // Without a note a delete of the counterpart settles nothing: every create is preceded by
        // its note, so a stamped record with none is a restore (Outlook Deleted Items, Salesforce
        // undelete) after its link was removed, and the counterpart's delete seen with it may be our
        // own, propagated last run: deleting it again would undo the user's restore
        const noted = noteFor(side, record.id) !== undefined;
        if (record.stamp !== undefined && !noted) {
          // carries the identity of a counterpart we no longer link (left scope, or its delete was kept): never duplicate it
          out.push({ type: 'skip', item, situation: 'stamped-but-unlinked', report: true, message: `stamped with ${record.stamp} but not linked` });
          continue;
        }
        const key = side === 'salesforce' ? record.id : exchangeKey(kind, mailbox, record.id, record.fields);
        const holder = noted ? undefined : claimed[target].get(key);
        if (holder !== undefined) {
          // restored after an edit beat its delete: the copy made then still carries this record's
          // identity as its stamp and is linked to that copy; an idempotent create under the key
          // would take it over (its fields overwritten, its partner left unlinked)
          const message = `restored, but ${sideName(target)} ${holder} carries its identity and is linked to the record that replaced it: not synced`;
          out.push({ type: 'skip', item, situation: 'restored-but-replaced', report: true, message });
          continue;
        }
        const own: SideState = { id: record.id, version: record.version, hash: hash(record.fields) };
        // new on one side, no match on the other: create it there
        out.push({ type: 'create', item, situation, side: target, key, fields: record.fields });
        out.push({ type: 'link', item, situation, target: side === 'salesforce' ? { salesforce: own, base: record.fields } : { exchange: own, base: record.fields } });
      }
    }
    for (const note of kindNotes.values()) {
      const sourceField = note.source === 'salesforce' ? 'salesforceId' : 'exchangeId';
      const settled = out.some(
        (a) => (a.type === 'link' && a.item[sourceField] === note.sourceId) || (a.type === 'unlink' && a.item.salesforceId === note.item.salesforceId),
      );
      // a noted create the plan no longer makes (direction changed, kind matched elsewhere): drop the note
      if (!settled) out.push({ type: 'unlink', item: note.item, situation: 'direction' });
    }
    return out;
  }

  /** Per side, the stamps carried by linked records this run sees (candidates, changes): stamp → record id. */
  function claimedStamps(kind: Kind, isLinked: (side: Side, id: string) => boolean): Record<Side, Map<string, string>> {
    const claimed: Record<Side, Map<string, string>> = { salesforce: new Map(), exchange: new Map() };
    const seen: { side: Side; record: SideRecord }[] = [];
    for (const side of ['salesforce', 'exchange'] as const) for (const record of input.candidates?.[side] ?? []) seen.push({ side, record });
    for (const change of latest.values()) if (change.kind === kind && change.type === 'upsert') seen.push({ side: change.side, record: change.record });
    for (const { side, record } of seen.sort((a, b) => compareStrings(a.record.id, b.record.id))) {
      if (record.stamp !== undefined && isLinked(side, record.id)) claimed[side].set(record.stamp, record.id);
    }
    return claimed;
  }

  function valve(planned: Action[]): Action[] {
    const deletes = planned.filter((a) => a.type === 'delete').length;
    const forgets = planned.filter((a) => a.type === 'unlink' && a.situation !== 'out-of-scope').length;
    const bad = (['salesforce', 'exchange'] as const).find((s) => input.listing?.[s] === 'empty' || input.listing?.[s] === 'forbidden');
    const linkCount = input.linkCount ?? input.links.length;
    const limit = Math.max(settings.minDeletesForValve, settings.maxDeleteShare * linkCount);
    let reason: 'mass-delete' | 'empty-listing' | 'forbidden-listing' | undefined;
    let message = '';
    if (bad && deletes + forgets > 0) {
      // the listing looked empty or was refused: never read that as "everything was deleted"
      reason = input.listing?.[bad] === 'empty' ? 'empty-listing' : 'forbidden-listing';
      message = `${bad} listing was ${input.listing?.[bad]}: ${deletes} deletes held back`;
    } else if (deletes > limit) {
      // would delete more than the allowed share of the mailbox's links
      reason = 'mass-delete';
      message = `run would delete ${deletes} of ${linkCount} linked items (limit ${Math.floor(limit)}): nothing deleted`;
    }
    if (!reason) return planned;
    const held: Action[] = planned
      .filter((a) => a.type === 'delete')
      .map((a) => ({ type: 'skip', item: a.item, situation: 'safety-valve', report: false, message: 'held back by the safety valve' }));
    return [{ type: 'valve', mailbox, situation: 'safety-valve', reason, deletes, links: linkCount, message }, ...held];
  }
}

function sideName(side: Side): string {
  return side === 'salesforce' ? 'Salesforce' : 'Exchange';
}

function describeConflict(c: FieldConflict): string {
  const show = (v: FieldValue): string => {
    const text = JSON.stringify(v);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  };
  const [won, lost] = c.winner === 'salesforce' ? ['Salesforce', 'Exchange'] : ['Exchange', 'Salesforce'];
  return `${c.field}: kept ${won} ${show(c[c.winner])} over ${lost} ${show(c.winner === 'salesforce' ? c.exchange : c.salesforce)}`;
}

function sortedValues(map: Map<string, SideRecord>): SideRecord[] {
  return [...map.values()].sort((a, b) => compareStrings(a.id, b.id));
}
