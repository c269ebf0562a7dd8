// In-memory twin of one side (Salesforce or Exchange) behind the RecordSide port, for the
// model test and scenarios. Records are stored already mapped. It behaves like the real
// sides where the engine depends on it: versions move on every write, updates are guarded
// by version, creates are idempotent on their key (the stamp), and the change feed is a
// log read from a cursor that can be switched to duplicate and reorder entries.
import type { Current, DeleteResult, FeedPage, RecordSide, WriteResult } from './ports.ts';
import type { Change, FieldValue, Fields, Kind, ListingStatus, Side, SideRecord } from './types.ts';

interface Stored {
  id: string;
  version: string;
  fields: Fields;
  stamp?: string;
  inScope: boolean;
  deleted: boolean;
}

export interface FeedFaults {
  /** Return each touched id twice. */
  duplicate?: boolean;
  /** Reverse the order of the page. */
  reverse?: boolean;
  /** Report this listing status. */
  listing?: ListingStatus;
  /** At most this many ids a page; a cut page says `more` (a capped read, as Salesforce's). */
  pageSize?: number;
}

export interface MemorySide extends RecordSide {
  /** A user (not us) creates a record; returns its id. */
  userCreate(kind: Kind, fields: Fields): string;
  userUpdate(kind: Kind, id: string, patch: Fields): void;
  userDelete(kind: Kind, id: string): void;
  userScope(kind: Kind, id: string, inScope: boolean): void;
  /**
   * A user brings a deleted record back with its fields and stamp: a Salesforce undelete or an
   * Outlook restore from Deleted Items keep the id; `newId` restores a copy under a new id (as
   * Exchange's recoverable items do). Returns the restored record's id.
   */
  userRestore(kind: Kind, id: string, options?: { newId?: boolean }): string;
  /** Live, in-scope records of a kind. */
  live(kind: Kind): SideRecord[];
  /** Deleted records of a kind (a restore brings one back). */
  deleted(kind: Kind): SideRecord[];
  /** Any stored record, even deleted or out of scope. */
  peek(kind: Kind, id: string): (SideRecord & { deleted: boolean; inScope: boolean }) | undefined;
  /** Writes made through the port (ours, not the user's). */
  readonly writes: number;
  faults: FeedFaults;
}

function applyPatch(fields: Fields, patch: Fields): Fields {
  const next: Record<string, FieldValue> = { ...fields };
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete next[name];
    else next[name] = value;
  }
  return next;
}

export interface MemorySideOptions {
  /**
   * Whether a deleted record still tells its stamp (feed and get). Salesforce does (queryAll
   * reads SCC_Exchange_Key__c of deleted rows); Graph reports a deleted item by its id only.
   */
  readonly deleteStamps?: boolean;
}

export function createMemorySide(side: Side, options: MemorySideOptions = {}): MemorySide {
  const deleteStamps = options.deleteStamps ?? true;
  const prefix = side === 'salesforce' ? 'sf' : 'ex';
  const store = new Map<Kind, Map<string, Stored>>();
  const log: { kind: Kind; id: string }[] = [];
  let seq = 0;
  let writes = 0;
  let nextId = 0;

  const table = (kind: Kind): Map<string, Stored> => {
    let t = store.get(kind);
    if (!t) store.set(kind, (t = new Map()));
    return t;
  };
  const touch = (kind: Kind, s: Stored): void => {
    seq += 1;
    s.version = `${prefix}v${seq}`;
    log.push({ kind, id: s.id });
  };
  const view = (s: Stored): SideRecord => (s.stamp === undefined ? { id: s.id, version: s.version, fields: s.fields } : { id: s.id, version: s.version, fields: s.fields, stamp: s.stamp });
  const insert = (kind: Kind, fields: Fields, stamp?: string): Stored => {
    nextId += 1;
    const s: Stored = { id: `${prefix}-${kind}-${nextId}`, version: '', fields: applyPatch({}, fields), inScope: true, deleted: false };
    if (stamp !== undefined) s.stamp = stamp;
    table(kind).set(s.id, s);
    touch(kind, s);
    return s;
  };
  const live = (kind: Kind, id: string): Stored | undefined => {
    const s = table(kind).get(id);
    return s && !s.deleted ? s : undefined;
  };

  const twin: MemorySide = {
    side,
    faults: {},
    get writes() {
      return writes;
    },
    async changesSince(kind: Kind, cursor: string | null): Promise<FeedPage> {
      const from = cursor === null ? 0 : Number(cursor);
      const ids: string[] = [];
      const cap = twin.faults.pageSize ?? Infinity;
      const distinct = new Set<string>();
      let end = from;
      for (; end < log.length && distinct.size < cap; end++) {
        if (log[end]!.kind !== kind) continue;
        ids.push(log[end]!.id);
        distinct.add(log[end]!.id);
      }
      // the rest of the log may hold other kinds only: more says only that the read stopped short
      const more = end < log.length && log.slice(end).some((e) => e.kind === kind);
      let order = [...new Set(ids)];
      if (twin.faults.duplicate) order = order.flatMap((id) => [id, id]);
      if (twin.faults.reverse) order.reverse();
      const changes: Change[] = order.map((id) => {
        const s = table(kind).get(id)!;
        if (s.deleted) return s.stamp === undefined || !deleteStamps ? { side, kind, type: 'delete', id } : { side, kind, type: 'delete', id, stamp: s.stamp };
        if (!s.inScope) return { side, kind, type: 'out-of-scope', id };
        return { side, kind, type: 'upsert', record: view(s) };
      });
      return { changes, cursor: String(end), listing: twin.faults.listing ?? 'ok', ...(more ? { more } : {}) };
    },
    async get(kind: Kind, id: string): Promise<Current> {
      const s = table(kind).get(id);
      if (!s) return 'deleted';
      if (s.deleted) return s.stamp === undefined || !deleteStamps ? 'deleted' : { deleted: true, stamp: s.stamp };
      if (!s.inScope) return 'out-of-scope';
      return view(s);
    },
    async candidates(kind: Kind): Promise<readonly SideRecord[]> {
      return twin.live(kind);
    },
    async create(kind: Kind, key: string, fields: Fields): Promise<WriteResult> {
      writes += 1;
      const existing = [...table(kind).values()].find((s) => !s.deleted && s.stamp === key);
      if (existing) {
        // a retry after a crash: the first attempt's record, brought up to date
        existing.fields = applyPatch({}, fields);
        existing.inScope = true;
        touch(kind, existing);
        return { ok: true, record: view(existing) };
      }
      return { ok: true, record: view(insert(kind, fields, key)) };
    },
    async update(kind: Kind, id: string, expectedVersion: string, patch: Fields): Promise<WriteResult> {
      writes += 1;
      const s = live(kind, id);
      if (!s) return { ok: false, reason: 'not-found', message: `${id} not found` };
      if (s.version !== expectedVersion) return { ok: false, reason: 'stale', message: `${id} is at ${s.version}, expected ${expectedVersion}` };
      s.fields = applyPatch(s.fields, patch);
      touch(kind, s);
      return { ok: true, record: view(s) };
    },
    async delete(kind: Kind, id: string, expectedVersion: string): Promise<DeleteResult> {
      writes += 1;
      const s = live(kind, id);
      // already gone: the delete we wanted has happened
      if (!s) return { ok: true };
      if (s.version !== expectedVersion) return { ok: false, reason: 'stale', message: `${id} is at ${s.version}, expected ${expectedVersion}` };
      s.deleted = true;
      touch(kind, s);
      return { ok: true };
    },
    userCreate(kind, fields) {
      return insert(kind, fields).id;
    },
    userUpdate(kind, id, patch) {
      const s = live(kind, id);
      if (!s) throw new Error(`no live ${kind} ${id}`);
      s.fields = applyPatch(s.fields, patch);
      touch(kind, s);
    },
    userDelete(kind, id) {
      const s = live(kind, id);
      if (!s) throw new Error(`no live ${kind} ${id}`);
      s.deleted = true;
      touch(kind, s);
    },
    userScope(kind, id, inScope) {
      const s = live(kind, id);
      if (!s) throw new Error(`no live ${kind} ${id}`);
      s.inScope = inScope;
      touch(kind, s);
    },
    userRestore(kind, id, restoreOptions = {}) {
      const s = table(kind).get(id);
      if (!s || !s.deleted) throw new Error(`no deleted ${kind} ${id}`);
      if (restoreOptions.newId) return insert(kind, s.fields, s.stamp).id;
      s.deleted = false;
      touch(kind, s);
      return s.id;
    },
    live(kind) {
      return [...table(kind).values()].filter((s) => !s.deleted && s.inScope).map(view);
    },
    deleted(kind) {
      return [...table(kind).values()].filter((s) => s.deleted).map(view);
    },
    peek(kind, id) {
      const s = table(kind).get(id);
      return s ? { ...view(s), deleted: s.deleted, inScope: s.inScope } : undefined;
    },
  };
  return twin;
}
