// Model-based check of the sync engine (planner + driver + in-memory twins of both
// sides and the store): a list of commands (user actions on either side, sync runs with
// crashes and feed faults) is replayed, then the system is left quiet and the invariants
// of the issue are checked. Commands are plain data so shrunk failures can be pasted into
// regressions.test.ts. Used by sync-model.test.ts and scripts/fuzz.ts.
import fc from 'fast-check';
import { canonicalJson, hashFields } from '../../worker/src/core/hash.ts';
import { createMemorySide, type MemorySide } from '../../worker/src/core/memory-side.ts';
import { createMemoryStore, type MemoryStore } from '../../worker/src/core/memory-store.ts';
import { sync } from '../../worker/src/core/sync.ts';
import { defaultSettings, type Direction, type FieldValue, type Fields, type Kind, type MailboxSettings, type Side } from '../../worker/src/core/types.ts';

export type ModelKind = 'contact' | 'task' | 'event';
export const MODEL_KINDS: readonly ModelKind[] = ['contact', 'task', 'event'];

export type Command =
  | { readonly t: 'create'; readonly side: Side; readonly kind: ModelKind; readonly fields: Fields }
  | { readonly t: 'update'; readonly side: Side; readonly kind: ModelKind; readonly pick: number; readonly field: string; readonly value: string | null }
  | { readonly t: 'delete'; readonly side: Side; readonly kind: ModelKind; readonly pick: number }
  | { readonly t: 'scope'; readonly kind: ModelKind; readonly pick: number }
  /** A user brings a deleted record back (Salesforce undelete, Outlook restore); `newId`: restored as a copy under a new id. */
  | { readonly t: 'restore'; readonly side: Side; readonly kind: ModelKind; readonly pick: number; readonly newId?: boolean }
  | { readonly t: 'sync'; readonly crashAt?: number; readonly duplicate?: boolean; readonly reverse?: boolean };

const FIELD_VALUES: Readonly<Record<ModelKind, Readonly<Record<string, readonly (string | null)[]>>>> = {
  contact: {
    email: ['ann@x.com', 'bob@x.com', null],
    firstName: ['Ann', 'Bob'],
    lastName: ['Lee', 'Kim'],
    accountName: ['Acme', null],
    phone: ['1', '2', null],
  },
  task: { subject: ['Call', 'Send'], dueDate: ['2026-01-01', '2026-01-02', null], status: ['Not Started', 'Completed'] },
  event: { subject: ['Lunch', 'Review'], start: ['2026-01-01T10:00:00Z', '2026-01-01T11:00:00Z'], location: ['Here', null] },
};

const sideArb = fc.constantFrom<Side>('salesforce', 'exchange');
const kindArb = fc.constantFrom<ModelKind>(...MODEL_KINDS);

function fieldsArb(kind: ModelKind): fc.Arbitrary<Fields> {
  const entries = Object.entries(FIELD_VALUES[kind]).map(([name, values]) => [name, fc.constantFrom(...values)] as const);
  return fc.record(Object.fromEntries(entries)).map((f) => Object.fromEntries(Object.entries(f).filter(([, v]) => v !== null)) as Fields);
}

export const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(sideArb, kindArb).chain(([side, kind]) => fieldsArb(kind).map((fields): Command => ({ t: 'create', side, kind, fields }))) },
  {
    weight: 4,
    arbitrary: fc.tuple(sideArb, kindArb, fc.nat(9)).chain(([side, kind, pick]) =>
      fc
        .constantFrom(...Object.entries(FIELD_VALUES[kind]))
        .chain(([field, values]) => fc.constantFrom(...values).map((value): Command => ({ t: 'update', side, kind, pick, field, value }))),
    ),
  },
  { weight: 2, arbitrary: fc.tuple(sideArb, kindArb, fc.nat(9)).map(([side, kind, pick]): Command => ({ t: 'delete', side, kind, pick })) },
  { weight: 1, arbitrary: fc.tuple(kindArb, fc.nat(9)).map(([kind, pick]): Command => ({ t: 'scope', kind, pick })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(sideArb, kindArb, fc.nat(9), fc.boolean())
      .map(([side, kind, pick, newId]): Command => ({ t: 'restore', side, kind, pick, ...(newId && side === 'exchange' ? { newId } : {}) })),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({ crashAt: fc.option(fc.nat(12), { nil: undefined }), duplicate: fc.boolean(), reverse: fc.boolean() })
      .map((r): Command => ({ t: 'sync', ...(r.crashAt !== undefined ? { crashAt: r.crashAt } : {}), duplicate: r.duplicate, reverse: r.reverse })),
  },
);

export const commandsArb = fc.array(commandArb, { maxLength: 30 });

/** Direction per kind for one world; mostly both ways. */
export type Directions = Partial<Record<ModelKind, Direction>>;
const directionArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Direction>('Both') },
  { weight: 1, arbitrary: fc.constantFrom<Direction>('Salesforce to Exchange', 'Exchange to Salesforce') },
);
export const directionsArb: fc.Arbitrary<Directions> = fc
  .tuple(directionArb, directionArb, directionArb)
  .map(([contact, task, event]) => Object.fromEntries(Object.entries({ contact, task, event }).filter(([, d]) => d !== 'Both')) as Directions);

/** The side a one-way kind only mirrors to (its edits, creates and deletes stay there), if any. */
function mirrorOf(direction: Direction): Side | undefined {
  return direction === 'Salesforce to Exchange' ? 'exchange' : direction === 'Exchange to Salesforce' ? 'salesforce' : undefined;
}

class Crash extends Error {}

interface World {
  readonly sides: Record<Side, MemorySide>;
  readonly store: MemoryStore;
  readonly settings: MailboxSettings;
}

const MAILBOX = 'ann@example.com';

export function modelSettings(directions: Directions = {}): MailboxSettings {
  const overrides = Object.fromEntries(Object.entries(directions).map(([kind, direction]) => [kind, { direction }]));
  // the valve is tested on its own; here it must not hide the deletes under test
  return { ...defaultSettings(overrides), maxDeleteShare: 1, minDeletesForValve: Number.MAX_SAFE_INTEGER };
}

async function runSync(world: World, crashAt?: number, matched?: Set<string>, pairs?: [string, string][]): Promise<{ writes: number; crashed: boolean }> {
  let effects = 0;
  try {
    const report = await sync({
      mailbox: MAILBOX,
      salesforce: world.sides.salesforce,
      exchange: world.sides.exchange,
      store: world.store,
      settings: world.settings,
      hash: hashFields,
      kinds: MODEL_KINDS,
      beforeEffect: () => {
        if (crashAt !== undefined && effects++ === crashAt) throw new Crash(`crash before effect ${crashAt}`);
      },
    });
    for (const k of report.kinds) {
      for (const a of k.actions) {
        if (a.type !== 'valve' && a.situation === 'matched-by-natural-key') {
          for (const id of [a.item.salesforceId, a.item.exchangeId]) if (id) matched?.add(id);
          if (a.item.salesforceId && a.item.exchangeId) pairs?.push([a.item.salesforceId, a.item.exchangeId]);
        }
      }
    }
    return { writes: report.writes, crashed: false };
  } catch (error) {
    if (error instanceof Crash) return { writes: -1, crashed: true };
    throw error;
  }
}

export interface CheckOptions {
  /** Exchange deletes tell the item's stamp (the optimistic twin); false = as Graph: by id only. */
  readonly exchangeDeleteStamps?: boolean;
  /** One-way kinds of this world (default: every kind both ways). */
  readonly directions?: Directions;
}

/** Replays `commands`, quiesces, and returns the invariant violations found (empty = fine). */
export async function check(commands: readonly Command[], options: CheckOptions = {}): Promise<string[]> {
  const exchange = createMemorySide('exchange', { deleteStamps: options.exchangeDeleteStamps ?? true });
  const world: World = { sides: { salesforce: createMemorySide('salesforce'), exchange }, store: createMemoryStore(), settings: modelSettings(options.directions) };
  /** One-way kinds: what the mirror side's user does stays there (not synced, by design). */
  const mirror = (kind: ModelKind): Side | undefined => mirrorOf(world.settings.kinds[kind].direction);
  const kindOfUid = new Map<string, ModelKind>();
  const violations: string[] = [];
  let uidSeq = 0;
  let clock = 0;
  /** User writes per (uid, field) in order, and the uids that ever left scope or were deleted. */
  type Write = { uid: string; field: string; value: string | null; at: number; side: Side; superseded?: boolean };
  const writes = new Map<string, Write[]>();
  const addWrite = (w: Write): void => {
    const key = `${w.uid}\u0000${w.field}`;
    writes.set(key, [...(writes.get(key) ?? []), w]);
  };
  const deleted = new Map<string, { side: Side; kind: Kind }>();
  const scoped = new Set<string>();
  /**
   * Restores: the record comes back with its fields and stamp, as of its delete. It is judged by
   * the bijection, convergence (linked or reported) and the quiet run; its old values are no
   * lost write of the item it was part of, and its uid's delete is taken back.
   */
  const restoredUids = new Set<string>();
  const restoredIds = new Set<string>();
  /** When each restore happened and the last user delete: a restore no later delete explains stays. */
  const restoredAt = new Map<string, { side: Side; kind: ModelKind; at: number; uid: string }>();
  let lastDeleteAt = 0;
  /** Per uid, user edits and deletes with the command index, and the indexes of sync commands. */
  const history = new Map<string, { t: 'edit' | 'delete'; side: Side; at: number; write?: Write }[]>();
  /**
   * Policy "what counts as an edit": a field a user edited since the last sync and set back to
   * the value it held then is no edit. Per (side, record, field): the value before the first
   * write since the last sync and those writes; at each sync the writes of a field whose value
   * is back where it was are superseded by the user's own later write (not judged as edits).
   */
  type SinceSync = { side: Side; kind: ModelKind; id: string; field: string; before: FieldValue; writes: Write[] };
  const sinceSync = new Map<string, SinceSync>();
  const settleSinceSync = (): void => {
    for (const s of sinceSync.values()) {
      const record = world.sides[s.side].peek(s.kind, s.id);
      if (!record || record.deleted) continue;
      if (canonicalJson(record.fields[s.field] ?? null) === canonicalJson(s.before)) for (const w of s.writes) w.superseded = true;
    }
    sinceSync.clear();
  };
  const syncs: number[] = [];
  const note = (uid: string, t: 'edit' | 'delete', side: Side, write?: Write): void => {
    const list = history.get(uid) ?? [];
    list.push({ t, side, at: clock, ...(write ? { write } : {}) });
    history.set(uid, list);
  };
  /** Ids of records paired by natural key: an empty field there is filled from the other record on purpose. */
  const matched = new Set<string>();
  /**
   * Records paired by natural key are one item from then on: a later write to either supersedes
   * an earlier write of the same field to the other. The uid each record was created with, and
   * a union of the uids of paired records.
   */
  const pairs: [string, string][] = [];
  const uidOfId = new Map<string, string>();
  const root = new Map<string, string>();
  const find = (uid: string): string => {
    const up = root.get(uid);
    return up === undefined || up === uid ? uid : find(up);
  };
  const group = (uid: string): string[] => [...new Set([...writesUids(), uid])].filter((u) => find(u) === find(uid));
  const writesUids = (): string[] => [...new Set([...writes.values()].flatMap((list) => list.map((w) => w.uid)))];

  const pickLive = (side: Side, kind: ModelKind, pick: number) => {
    const live = world.sides[side].live(kind).sort((a, b) => (a.id < b.id ? -1 : 1));
    return live.length === 0 ? undefined : live[pick % live.length];
  };

  for (const command of commands) {
    clock += 1;
    switch (command.t) {
      case 'create': {
        uidSeq += 1;
        const uid = `u${uidSeq}`;
        uidOfId.set(world.sides[command.side].userCreate(command.kind, { ...command.fields, uid }), uid);
        kindOfUid.set(uid, command.kind);
        for (const [field, value] of Object.entries(command.fields)) addWrite({ uid, field, value: value as string, at: clock, side: command.side });
        break;
      }
      case 'update': {
        const record = pickLive(command.side, command.kind, command.pick);
        if (!record) break;
        world.sides[command.side].userUpdate(command.kind, record.id, { [command.field]: command.value });
        const uid = String(record.fields.uid);
        // writing the value a field already holds changes nothing anyone could lose
        if ((record.fields[command.field] ?? null) === command.value) break;
        const write: Write = { uid, field: command.field, value: command.value, at: clock, side: command.side };
        const key = `${command.side}\u0000${record.id}\u0000${command.field}`;
        const since: SinceSync = sinceSync.get(key) ?? { side: command.side, kind: command.kind, id: record.id, field: command.field, before: record.fields[command.field] ?? null, writes: [] };
        since.writes.push(write);
        sinceSync.set(key, since);
        note(uid, 'edit', command.side, write);
        addWrite(write);
        break;
      }
      case 'delete': {
        const record = pickLive(command.side, command.kind, command.pick);
        if (!record) break;
        world.sides[command.side].userDelete(command.kind, record.id);
        lastDeleteAt = clock;
        deleted.set(String(record.fields.uid), { side: command.side, kind: command.kind });
        note(String(record.fields.uid), 'delete', command.side);
        break;
      }
      case 'restore': {
        const gone = world.sides[command.side].deleted(command.kind).sort((a, b) => (a.id < b.id ? -1 : 1));
        const record = gone.length === 0 ? undefined : gone[command.pick % gone.length];
        if (!record) break;
        const restoredId = world.sides[command.side].userRestore(command.kind, record.id, { newId: command.newId ?? false });
        // the uid the record was created with (a natural-key match may have changed its uid field)
        uidOfId.set(restoredId, uidOfId.get(record.id) ?? String(record.fields.uid));
        restoredIds.add(restoredId);
        restoredAt.set(restoredId, { side: command.side, kind: command.kind, at: clock, uid: uidOfId.get(restoredId)! });
        // the user takes the delete back: the record may live again (see the restore notes below)
        restoredUids.add(String(record.fields.uid));
        deleted.delete(String(record.fields.uid));
        break;
      }
      case 'scope': {
        const all = [...world.sides.salesforce.live(command.kind)];
        const record = pickLive('salesforce', command.kind, command.pick);
        if (!record || all.length === 0) break;
        world.sides.salesforce.userScope(command.kind, record.id, false);
        scoped.add(String(record.fields.uid));
        break;
      }
      case 'sync': {
        settleSinceSync();
        syncs.push(clock);
        for (const side of ['salesforce', 'exchange'] as const) world.sides[side].faults = { duplicate: command.duplicate ?? false, reverse: command.reverse ?? false };
        await runSync(world, command.crashAt, matched, pairs);
        for (const side of ['salesforce', 'exchange'] as const) world.sides[side].faults = {};
        violations.push(...bijection(world, `after command ${clock}`));
        // a pair linked by a run that crashed later was never reported: the links tell it
        for (const l of world.store.allLinks()) pairs.push([l.salesforce.id, l.exchange.id]);
        break;
      }
    }
  }

  // quiet: two clean runs must converge, a third must write nothing
  settleSinceSync();
  await runSync(world, undefined, matched, pairs);
  await runSync(world, undefined, matched, pairs);
  violations.push(...bijection(world, 'quiescent'));
  const linksBefore = canonicalJson(world.store.allLinks().map((l) => ({ ...l })) as never);
  const third = await runSync(world);
  if (third.writes !== 0) violations.push(`third quiet run wrote ${third.writes} times (echo writes or no convergence)`);
  if (canonicalJson(world.store.allLinks().map((l) => ({ ...l })) as never) !== linksBefore) violations.push('third quiet run changed links');

  const issues = world.store.issues();
  const conflictOn = (ids: readonly string[], field?: string): boolean =>
    issues.some(
      (i) =>
        i.issueKind === 'Conflict' &&
        ((i.salesforceId !== undefined && ids.includes(i.salesforceId)) || (i.exchangeId !== undefined && ids.includes(i.exchangeId))) &&
        (field === undefined || i.message.includes(`${field}:`) || !/\w+: kept/.test(i.message)),
    );
  const liveByUid = new Map<string, { side: Side; kind: ModelKind; id: string; fields: Fields }[]>();
  for (const side of ['salesforce', 'exchange'] as const) {
    for (const kind of MODEL_KINDS) {
      for (const r of world.sides[side].live(kind)) {
        const list = liveByUid.get(String(r.fields.uid)) ?? [];
        list.push({ side, kind, id: r.id, fields: r.fields });
        liveByUid.set(String(r.fields.uid), list);
      }
    }
  }
  for (const uid of liveByUid.keys()) if (uid === 'undefined') violations.push('a live record lost its identity field (fields wiped)');
  const pairIds = (uid: string): string[] => {
    const ids = (liveByUid.get(uid) ?? []).map((r) => r.id);
    for (const l of world.store.allLinks()) if (ids.includes(l.salesforce.id) || ids.includes(l.exchange.id)) ids.push(l.salesforce.id, l.exchange.id);
    return ids;
  };
  // no resurrected delete: a deleted record is gone on both sides unless an edit beat it (recorded)
  for (const [uid, d] of deleted) {
    // a delete on the mirror side of a one-way kind is not propagated, by design
    if (scoped.has(uid) || d.side === mirror(d.kind as ModelKind)) continue;
    const live = liveByUid.get(uid) ?? [];
    if (live.length > 0 && !conflictOn(pairIds(uid))) violations.push(`${d.kind} ${uid} deleted in ${d.side} but alive (${live.map((r) => r.id).join(', ')}) with no recorded conflict`);
  }
  // edit beats delete: an edit on one side concurrent with (no sync between) a delete on the other survives
  for (const [uid, events] of history) {
    const deletes = events.filter((e) => e.t === 'delete');
    if (scoped.has(uid) || restoredUids.has(uid) || deletes.length !== 1) continue;
    const d = deletes[0]!;
    const kind = kindOfUid.get(uid);
    // an edit on the mirror side of a one-way kind never flows, so it cannot beat a delete of the source
    const flows = (side: Side): boolean => kind === undefined || side !== mirror(kind);
    const concurrent = events.some((e) => e.t === 'edit' && flows(e.side) && !e.write?.superseded && e.side !== d.side && !syncs.some((s) => s > Math.min(e.at, d.at) && s < Math.max(e.at, d.at)));
    if (concurrent && (liveByUid.get(uid) ?? []).length === 0) violations.push(`${uid}: edited in one side while deleted in the other, but the delete won`);
  }
  // every user write is on both sides, superseded, or in a recorded conflict
  for (const l of world.store.allLinks()) pairs.push([l.salesforce.id, l.exchange.id]);
  for (const [a, b] of pairs) {
    const ua = uidOfId.get(a);
    const ub = uidOfId.get(b);
    if (ua === undefined || ub === undefined || ua === ub) continue;
    // two records the user created, linked: a natural-key match (reported or not, a crash may hide it)
    matched.add(a);
    matched.add(b);
    if (find(ua) !== find(ub)) root.set(find(ua), find(ub));
  }
  const latest = new Map<string, Write>();
  /** The same, of writes made on the mirror side of a one-way kind. */
  const latestOn = new Map<string, Write>();
  for (const list of writes.values()) {
    for (const w of list) {
      if (w.superseded) continue;
      const key = `${find(w.uid)}\u0000${w.field}`;
      const previous = latest.get(key);
      if (!previous || previous.at <= w.at) latest.set(key, w);
      const kind = kindOfUid.get(w.uid);
      const previousOn = latestOn.get(key);
      if (kind !== undefined && w.side === mirror(kind) && (!previousOn || previousOn.at <= w.at)) latestOn.set(key, w);
    }
  }
  for (const w of latest.values()) {
    if (group(w.uid).some((u) => scoped.has(u))) continue;
    for (const r of group(w.uid).flatMap((u) => liveByUid.get(u) ?? [])) {
      if (restoredIds.has(r.id)) continue;
      // a write on the mirror side of a one-way kind stays there
      if (w.side === mirror(r.kind) && r.side !== w.side) continue;
      const actual = r.fields[w.field] ?? null;
      const filledIn = w.value === null && group(w.uid).flatMap(pairIds).some((id) => matched.has(id));
      if (actual !== w.value && !filledIn && !conflictOn(group(w.uid).flatMap(pairIds), w.field)) {
        violations.push(`${r.kind} ${w.uid}.${w.field}: last write ${JSON.stringify(w.value)} lost on ${r.side} (${JSON.stringify(actual)}), no conflict recorded`);
      }
    }
  }
  // one-way kinds: the mirror keeps what its user wrote last, and what its user made or deleted stays unsynced
  const mirrorDeleted = (uid: string): boolean =>
    group(uid).some((u) => (history.get(u) ?? []).some((e) => e.t === 'delete' && e.side === mirror(kindOfUid.get(u) ?? 'contact')));
  const oneWay: OneWay = {
    mirror,
    keeps: (kind, record, field) => {
      const uid = String(record.fields.uid);
      const key = `${find(uid)}\u0000${field}`;
      const last = latest.get(key);
      const own = latestOn.get(key);
      if (!own || own.side !== mirror(kind) || (record.fields[field] ?? null) !== own.value) return false;
      // a later empty source value of a natural-key pair is no write over the mirror's own (as both ways, where it is filled in)
      return last === own || (last !== undefined && last.value === null && group(uid).flatMap(pairIds).some((id) => matched.has(id)));
    },
    unlinked: (kind, side, record) => side === mirror(kind) || mirrorDeleted(String(record.fields.uid)),
  };
  violations.push(...converged(world, (uid) => group(uid).some((u) => scoped.has(u)), oneWay));
  // a restore is not undone: the restored record stays unless the user deleted after it, or
  // deleted its counterpart (a delete of the other side's record propagates to a linked restore)
  for (const [id, r] of restoredAt) {
    const now = world.sides[r.side].peek(r.kind, id);
    const counterpartDeleted = group(r.uid).some((u) => (history.get(u) ?? []).some((e) => e.t === 'delete' && e.side !== r.side));
    if (r.at > lastDeleteAt && !counterpartDeleted && now?.deleted) violations.push(`${r.kind} ${id} restored in ${r.side} but deleted again`);
  }
  return violations;
}

interface OneWay {
  mirror(kind: ModelKind): Side | undefined;
  /** The mirror record holds the last write of `field`, made on the mirror. */
  keeps(kind: ModelKind, record: { fields: Fields }, field: string): boolean;
  /** A live record of a one-way kind may stay unlinked (made on the mirror, or its mirror deleted there). */
  unlinked(kind: ModelKind, side: Side, record: { fields: Fields }): boolean;
}

function bijection(world: World, when: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const l of world.store.allLinks()) {
    for (const key of [`sf:${l.kind}:${l.salesforce.id}`, `ex:${l.kind}:${l.exchange.id}`]) {
      if (seen.has(key)) out.push(`${when}: ${key} is in two links`);
      seen.add(key);
    }
  }
  return out;
}

/** `leftScope(uid)`: a record of the uid's item (its own, or one paired with it by natural key) left scope. */
function converged(world: World, leftScope: (uid: string) => boolean, oneWay: OneWay): string[] {
  const out: string[] = [];
  const issues = world.store.issues();
  /** One-way: the sides of a link differ only where the mirror keeps its own last write. */
  const mirrorKeepsAll = (kind: ModelKind, sf: Fields, ex: Fields): boolean => {
    const side = oneWay.mirror(kind);
    if (side === undefined) return false;
    const record = { fields: side === 'salesforce' ? sf : ex };
    const names = new Set([...Object.keys(sf), ...Object.keys(ex)]);
    return [...names].every((f) => canonicalJson(sf[f] ?? null) === canonicalJson(ex[f] ?? null) || oneWay.keeps(kind, record, f));
  };
  for (const kind of MODEL_KINDS) {
    const links = world.store.allLinks().filter((l) => l.kind === kind);
    for (const l of links) {
      const sf = world.sides.salesforce.peek(kind, l.salesforce.id);
      const ex = world.sides.exchange.peek(kind, l.exchange.id);
      if (!sf || sf.deleted || !sf.inScope) out.push(`link ${l.salesforce.id}–${l.exchange.id}: Salesforce record not live`);
      else if (!ex || ex.deleted || !ex.inScope) out.push(`link ${l.salesforce.id}–${l.exchange.id}: Exchange item not live`);
      else if (canonicalJson(sf.fields) !== canonicalJson(ex.fields) && !mirrorKeepsAll(kind, sf.fields, ex.fields)) out.push(`link ${l.salesforce.id}–${l.exchange.id}: sides differ ${canonicalJson(sf.fields)} vs ${canonicalJson(ex.fields)}`);
    }
    for (const side of ['salesforce', 'exchange'] as const) {
      const linked = new Set(links.map((l) => l[side].id));
      for (const r of world.sides[side].live(kind)) {
        const reported = issues.some((i) => (side === 'salesforce' ? i.salesforceId : i.exchangeId) === r.id && i.issueKind === 'Skipped');
        // an item left behind when its record left scope stays unlinked on purpose
        const oneWayUnlinked = oneWay.mirror(kind) !== undefined && oneWay.unlinked(kind, side, r);
        if (!linked.has(r.id) && !reported && !oneWayUnlinked && !leftScope(String(r.fields.uid))) out.push(`${side} ${kind} ${r.id} ${canonicalJson(r.fields)} never linked and not reported`);
      }
    }
  }
  return out;
}
