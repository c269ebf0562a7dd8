// The Salesforce side of one mailbox behind the core's RecordSide port.
// Contract:
// - Records cross the port mapped to neutral fields by an injected per-kind map (core/maps).
// - changesSince(kind, cursor): the cursor is a SystemModstamp watermark (JSON). With no cursor
//   it reads the mailbox's scope (initial sync); afterwards it reads every record of the object
//   changed since the watermark and classifies it in or out of scope, plus deletes from
//   queryAll. Reads include the watermark's own second (same-second saves share a stamp); past
//   maxChangesPerPage a read stops at the end of a query page whose last second is past the
//   watermark's, so each page moves the watermark forward and no fetched record is wasted; such a
//   page says `more`, and the driver reads on in the same run once it settled. That read on takes
//   the open query's next pages and may cut inside a second (the query, not the watermark, moves
//   it on), so one second of records saved in bulk is no page of its own. A watermark read asks
//   for its deletes' first page together with its live one: reads of one tick share a composite
//   call (records.ts).
// - get() right after changesSince answers from what that read saw (once per id), so a run
//   costs one query per page, not one per record; later gets read Salesforce again.
// - candidates() after an initial read that reached the end of the scope costs nothing: every
//   record in scope is already among that read's changes, where the planner matches them.
//   Otherwise it queries by the fresh items' stamps (Id), their Exchange keys (with `mailbox`)
//   and the kind's natural keys, one query per chunk of values, five asked at a time; records
//   shared with the user (invitations) are those the side's last read saw.
// - create = upsert on SCC_Exchange_Key__c (a retry never duplicates); update/delete are guarded
//   by SystemModstamp (read, compare, write: Salesforce has no conditional composite write).
//   Writes of one kind issued together are coalesced (./coalesce.ts) into collection calls of
//   ≤200: one version read (updates and deletes only), one upsert/update/delete call each.
// - A written record is returned as the write made it (the input over the record as read) with
//   the version UNSEEN_VERSION: Salesforce does not return the new SystemModstamp, and the next
//   watermark read brings it (our own echo, which refreshes the link). Until then a guarded write
//   expecting UNSEEN_VERSION fails as stale: a concurrent edit is never overwritten silently.
//   An upsert that found an existing record (a retry) is read back, its other fields unknown.
// - A refused write returns {ok:false, reason}; failures the runtime should retry or escalate
//   (temporary, auth, rate-limited) are thrown as SalesforceError.
import type { Current, DeleteResult, FeedPage, SalesforceSide, WriteResult } from '../core/ports.ts';
import { exchangeKey } from '../core/natural-key.ts';
import type { Change, Fields, Kind, SideRecord } from '../core/types.ts';
import { createCoalescer, type Coalescer, type Settled } from './coalesce.ts';
import { SalesforceError } from './errors.ts';
import type { ContactScope, SalesforceRecords, SfInput, SfRecord, WriteOutcome } from './records.ts';
import {
  CHUNK_SIZE,
  COMPOSITE_MAX_QUERIES,
  EXCHANGE_KEY_FIELD,
  RECENT_TASK_DAYS,
  contactsSoql,
  deletedSoql,
  eventsSoql,
  soqlDateTime,
  soqlString,
  stampSecond,
  tasksSoql,
  watermarkClause,
} from './records.ts';

const CLOCK_SKEW_MS = 5 * 60_000;

/** The version of a record we wrote and have not read since (see the contract above). */
export const UNSEEN_VERSION = '';

export type SalesforceObject = 'Contact' | 'Task' | 'Event';

/** How one kind maps between Salesforce fields and the engine's neutral fields. */
export interface SalesforceKindMap {
  sobject: SalesforceObject;
  /** Raw fields to read (Id, SystemModstamp and the scope fields are added). */
  fields: readonly string[];
  toFields(record: SfRecord): Fields;
  /** Raw fields to write for these neutral fields (a patch maps only what it carries). */
  toRecord(fields: Fields): SfInput;
  /** SOQL conditions (OR-ed) finding natural-key matches for the other side's records. */
  naturalKeyWhere?(others: readonly SideRecord[]): string[];
  /** Ids of records the user does not own but that are in their scope (events they are invited to). */
  sharedIds?(ownerId: string): Promise<readonly string[]>;
}

export interface SalesforceSideOptions {
  records: SalesforceRecords;
  maps: Partial<Record<Kind, SalesforceKindMap>>;
  ownerId: string;
  contactScope: ContactScope;
  now: () => Date;
  /** Calendar window mirrored for events, relative to now (days). */
  eventWindowDays?: { past: number; future: number };
  /** Soft cap on the changes of one page (the page still ends with a query page, ≤2,000 more). */
  maxChangesPerPage?: number;
  /**
   * The mailbox as the sync's Exchange keys name it: candidates() then also finds records
   * stamped with the Exchange key of a fresh item (a restored item whose content no longer
   * matches by natural key is still seen next to the record carrying its key).
   */
  mailbox?: string;
}

/** Values per `IN (…)` of a candidate query: Exchange keys run to ~200 characters, ids to 18. */
const KEYS_PER_QUERY = 200;
const IDS_PER_QUERY = 500;

/** `field IN (…)` conditions of at most `size` values each (one query each, well under SOQL's 100,000 characters). */
function inChunks(field: string, values: readonly string[], size: number): string[] {
  const unique = [...new Set(values)];
  const out: string[] = [];
  for (let i = 0; i < unique.length; i += size) out.push(`${field} IN (${unique.slice(i, i + size).map(soqlString).join(', ')})`);
  return out;
}

type WriteRequest =
  | { readonly op: 'create'; readonly key: string; readonly fields: Fields }
  | { readonly op: 'update'; readonly id: string; readonly expectedVersion: string; readonly patch: Fields }
  | { readonly op: 'delete'; readonly id: string; readonly expectedVersion: string };

interface Watermark {
  /** Last SystemModstamp fully read for live records. */
  m: string | null;
  /** Last SystemModstamp fully read for deleted records. */
  d: string | null;
}

const SCOPE_FIELDS: Record<SalesforceObject, string[]> = {
  Contact: ['OwnerId', EXCHANGE_KEY_FIELD],
  Task: ['OwnerId', 'IsClosed', 'ActivityDate', 'LastModifiedDate', EXCHANGE_KEY_FIELD],
  Event: ['OwnerId', 'StartDateTime', 'EndDateTime', EXCHANGE_KEY_FIELD],
};

type ScopeOptions = Pick<SalesforceSideOptions, 'ownerId' | 'contactScope' | 'now' | 'eventWindowDays'>;

const readFields = (map: SalesforceKindMap): string[] => [...new Set([...map.fields, ...SCOPE_FIELDS[map.sobject]])];

function eventRangeOf(options: ScopeOptions): { from: Date; to: Date } {
  const window = options.eventWindowDays ?? DEFAULT_EVENT_WINDOW;
  const now = options.now().getTime();
  return { from: new Date(now - window.past * 86_400_000), to: new Date(now + window.future * 86_400_000) };
}

/** The initial read of a kind's scope (`shared`: the ids of records shared with the user). */
function scopeQuery(options: ScopeOptions, map: SalesforceKindMap, shared: readonly string[]): string {
  const fields = readFields(map);
  if (map.sobject === 'Contact') return contactsSoql({ fields, scope: options.contactScope, ownerId: options.ownerId, since: null });
  if (map.sobject === 'Task') return tasksSoql({ fields, ownerId: options.ownerId, now: options.now(), since: null });
  return eventsSoql({ fields, ownerId: options.ownerId, ...eventRangeOf(options), since: null, alsoIds: shared });
}

/** Every record of the object changed since the watermark's second (classified after). */
function changedQuery(map: SalesforceKindMap, since: string | null): string {
  const where = watermarkClause(since);
  return `SELECT ${[...new Set(['Id', 'SystemModstamp', ...readFields(map)])].join(', ')} FROM ${map.sobject}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY SystemModstamp, Id`;
}

/**
 * The queries a side built with these options asks first for a kind read from `cursor` (a fresh
 * read, not one going on with an open query): the runtime asks them ahead with its opening reads
 * (records.prefetch), and the side takes those pages when its SOQL is the same text.
 */
export function firstReads(options: ScopeOptions, map: SalesforceKindMap, cursor: string | null, shared: readonly string[] = []): { soql: string; all: boolean }[] {
  if (cursor === null) return [{ soql: scopeQuery(options, map, shared), all: false }];
  const mark = parseWatermark(cursor);
  const out = [{ soql: changedQuery(map, mark.m), all: false }];
  if (mark.d !== null) out.push({ soql: deletedSoql(map.sobject, mark.d, [EXCHANGE_KEY_FIELD]), all: true });
  return out;
}

const DEFAULT_EVENT_WINDOW = { past: 30, future: 365 };

export function createSalesforceSide(options: SalesforceSideOptions): SalesforceSide {
  const { records } = options;
  const maxPerPage = options.maxChangesPerPage ?? 5000;

  const mapFor = (kind: Kind): SalesforceKindMap => {
    const map = options.maps[kind];
    if (!map) throw new SalesforceError('permanent', 'KIND_NOT_MAPPED', `No Salesforce field map for ${kind}`);
    return map;
  };
  const eventRange = () => eventRangeOf(options);

  const scopeSoql = (map: SalesforceKindMap): string => scopeQuery(options, map, [...shared]);

  // Records shared with the user (events they are invited to), refreshed at each read.
  let shared = new Set<string>();
  let sharedRead = false;
  async function refreshShared(map: SalesforceKindMap): Promise<void> {
    if (!map.sharedIds) return;
    shared = new Set(await map.sharedIds(options.ownerId));
    sharedRead = true;
  }

  function inScope(map: SalesforceKindMap, r: SfRecord): boolean {
    if (map.sobject === 'Contact') return options.contactScope === 'All Contacts' || r.OwnerId === options.ownerId;
    if (r.OwnerId !== options.ownerId && !shared.has(r.Id)) return false;
    if (map.sobject === 'Task') {
      const from = options.now().getTime() - RECENT_TASK_DAYS * 86_400_000;
      const due = typeof r.ActivityDate === 'string' ? Date.parse(`${r.ActivityDate}T23:59:59Z`) : NaN;
      const modified = typeof r.LastModifiedDate === 'string' ? Date.parse(fixOffset(r.LastModifiedDate)) : NaN;
      return r.IsClosed !== true || due >= from || modified >= from;
    }
    const { from, to } = eventRange();
    const start = typeof r.StartDateTime === 'string' ? Date.parse(fixOffset(r.StartDateTime)) : NaN;
    const end = typeof r.EndDateTime === 'string' ? Date.parse(fixOffset(r.EndDateTime)) : NaN;
    return end >= from.getTime() && start <= to.getTime();
  }

  function view(map: SalesforceKindMap, r: SfRecord): SideRecord {
    const stamp = r[EXCHANGE_KEY_FIELD];
    const base = { id: r.Id, version: String(r.SystemModstamp ?? ''), fields: map.toFields(r) };
    return typeof stamp === 'string' && stamp ? { ...base, stamp } : base;
  }

  /**
   * Read a query to its end, or past maxPerPage records to the end of a query page. A cut comes
   * only at the end of a page (every record a call fetched is used: one call per 2,000 read) and
   * only past the watermark's own second, so each cut moves the watermark forward. The next read
   * starts at the last record's second (watermarks are inclusive): the few records of that
   * second read twice are unchanged to the engine. A cut at the very end of the result reports
   * `complete: false`, which costs the next read one short query.
   */
  async function readUntilBoundary(
    pages: Pages,
    from: string | null,
    onRecord: (r: SfRecord) => void,
  ): Promise<{ last: string | null; complete: boolean; rest?: Pages }> {
    let count = 0;
    let last: string | null = null;
    const startSecond = from ? stampSecond(from) : -Infinity;
    for (;;) {
      const next = await pages.next();
      if (next.done === true) return { last, complete: true };
      for (const r of next.value) {
        onRecord(r);
        count += 1;
        last = String(r.SystemModstamp ?? '');
      }
      // the query stays open: a read on from this cut in the same run takes its next page
      if (count >= maxPerPage && last !== null && stampSecond(last) > startSecond) return { last, complete: false, rest: pages };
    }
  }

  // A capped live read of this run, per kind: the cursor it returned and its open query. The
  // driver's read on from that cursor takes the query's next page (one call per 2,000 records)
  // instead of querying again from the cut's second, which re-reads every record of that second
  // (thousands, for records loaded in bulk). Another cursor closes it.
  const continuing = new Map<Kind, { cursor: string; initial: boolean; rest: Pages }>();

  // What the last changesSince read, so the driver's get() right after it costs no API call.
  // Each entry is used once; later gets read Salesforce again.
  const recent = new Map<string, Current>();
  const recentKey = (kind: Kind, id: string) => `${kind}:${id}`;

  async function readOne(map: SalesforceKindMap, id: string): Promise<SfRecord | undefined> {
    const [r] = await records.retrieve(map.sobject, [id], [...readFields(map), 'IsDeleted'], { all: true });
    return r;
  }

  /** A record as our write left it: the written row over the record as last read. */
  function writtenView(map: SalesforceKindMap, r: SfRecord): SideRecord {
    return view(map, { ...r, SystemModstamp: UNSEEN_VERSION });
  }

  // Kinds whose initial read (no cursor) in this run reached the end of the scope: every record
  // in scope is among that read's changes, so candidates() has nothing more to find.
  const scopeReadWhole = new Set<Kind>();

  function deletedView(r: SfRecord | undefined): Current {
    const stamp = r?.[EXCHANGE_KEY_FIELD];
    return typeof stamp === 'string' && stamp ? { deleted: true, stamp } : 'deleted';
  }

  /** Records by id as they are now, deleted ones included (one query per 200 ids). */
  async function readMany(map: SalesforceKindMap, ids: readonly string[]): Promise<Map<string, SfRecord>> {
    const found = ids.length ? await records.retrieve(map.sobject, ids, [...readFields(map), 'IsDeleted'], { all: true }) : [];
    // 15- and 18-character forms of one Id share their first 15 characters
    return new Map(found.map((r) => [r.Id.slice(0, 15), r]));
  }

  // Writes of one kind issued together (the driver runs many items at once) share collection
  // calls: one read of the versions the guarded writes expect, and one upsert, update and delete
  // call per 200 records, instead of 2–3 calls a record.
  const coalescers = new Map<Kind, Coalescer<WriteRequest, WriteResult | DeleteResult>>();
  function writes(kind: Kind): Coalescer<WriteRequest, WriteResult | DeleteResult> {
    let coalescer = coalescers.get(kind);
    if (!coalescer) {
      const map = mapFor(kind);
      coalescer = createCoalescer({
        maxBatch: CHUNK_SIZE,
        keyOf: (w) => (w.op === 'create' ? `key:${w.key}` : `id:${w.id.slice(0, 15)}`),
        run: (group) => writeGroup(map, group),
      });
      coalescers.set(kind, coalescer);
    }
    return coalescer;
  }

  async function writeGroup(map: SalesforceKindMap, group: readonly WriteRequest[]): Promise<Settled<WriteResult | DeleteResult>[]> {
    const out: Settled<WriteResult | DeleteResult>[] = new Array(group.length);
    // Salesforce has no conditional collection write: read the versions, compare, then write
    // (creates guard nothing: the upsert key makes them idempotent).
    const before = await readMany(
      map,
      group.flatMap((w) => (w.op === 'create' ? [] : [w.id])),
    );
    const creates: { index: number; row: SfInput }[] = [];
    const updates: { index: number; row: SfInput & { Id: string } }[] = [];
    const deletes: { index: number; id: string }[] = [];
    for (const [index, w] of group.entries()) {
      if (w.op === 'create') {
        const row: SfInput = { ...map.toRecord(w.fields), [EXCHANGE_KEY_FIELD]: w.key };
        if (map.sobject !== 'Contact' || options.contactScope === 'My Contacts') row.OwnerId ??= options.ownerId;
        creates.push({ index, row: (await records.fitToLimits(map.sobject, row)).record });
        continue;
      }
      const now = before.get(w.id.slice(0, 15));
      if (!now || now.IsDeleted === true) {
        // a delete of a record already gone has happened; an update of one has not
        out[index] = { value: w.op === 'delete' ? { ok: true } : { ok: false, reason: 'not-found', message: `${map.sobject} ${w.id} was deleted` } };
      } else if (String(now.SystemModstamp) !== w.expectedVersion) {
        out[index] = { value: { ok: false, reason: 'stale', message: `${map.sobject} ${w.id} changed since ${w.expectedVersion}` } };
      } else if (w.op === 'update') {
        const { record } = await records.fitToLimits(map.sobject, map.toRecord(w.patch));
        updates.push({ index, row: { ...record, Id: w.id } });
      } else {
        deletes.push({ index, id: w.id });
      }
    }
    // the three calls touch disjoint records: send them together
    const [created, updated, deleted] = await Promise.all([
      creates.length ? records.upsert(map.sobject, creates.map((c) => c.row)) : [],
      updates.length ? records.update(map.sobject, updates.map((u) => u.row)) : [],
      deletes.length ? records.destroy(deletes.map((d) => d.id)) : [],
    ]);
    // only an upsert that landed on an existing record (a retry after a crash, or a record that
    // already carried the key) is read back: its fields outside the row are unknown
    const reread: { index: number; id: string }[] = [];
    const settle = (index: number, outcome: WriteOutcome | undefined, onOk: (done: { id: string; created: boolean }) => void): void => {
      try {
        const failure = writeFailure(outcome);
        if (failure) out[index] = { value: failure };
        else onOk(outcome as { id: string; created: boolean });
      } catch (error) {
        out[index] = { error };
      }
    };
    creates.forEach((c, i) =>
      settle(c.index, created[i], ({ id, created: made }) => {
        if (made) out[c.index] = { value: { ok: true, record: writtenView(map, { ...c.row, Id: id }) } };
        else reread.push({ index: c.index, id });
      }),
    );
    updates.forEach((u, i) =>
      settle(u.index, updated[i], () => {
        const read = before.get(u.row.Id.slice(0, 15))!;
        out[u.index] = { value: { ok: true, record: writtenView(map, { ...read, ...u.row, Id: read.Id }) } };
      }),
    );
    deletes.forEach((d, i) => {
      const outcome = deleted[i];
      if (outcome && !outcome.ok && outcome.error.kind === 'not-found') out[d.index] = { value: { ok: true } };
      else settle(d.index, outcome, () => (out[d.index] = { value: { ok: true } }));
    });
    const after = await readMany(
      map,
      reread.map((r) => r.id),
    );
    for (const { index, id } of reread) {
      const r = after.get(id.slice(0, 15));
      out[index] =
        !r || r.IsDeleted === true
          ? { value: { ok: false, reason: 'not-found', message: `${map.sobject} ${id} was deleted` } }
          : { value: { ok: true, record: view(map, r) } };
    }
    return out;
  }

  return {
    side: 'salesforce',

    async changesSince(kind: Kind, cursor: string | null): Promise<FeedPage> {
      const map = mapFor(kind);
      await refreshShared(map);
      for (const key of [...recent.keys()]) if (key.startsWith(`${kind}:`)) recent.delete(key);
      const mark = parseWatermark(cursor);
      const changes: Change[] = [];
      scopeReadWhole.delete(kind);
      let live: { last: string | null; complete: boolean; rest?: Pages };
      const open = continuing.get(kind);
      continuing.delete(kind);
      const goesOn = open !== undefined && cursor !== null && open.cursor === cursor;
      if (open && !goesOn) await open.rest.return();
      // the deletes read's first page is asked for with the live read's (one composite call)
      const deletes =
        cursor !== null && mark.d !== null && !goesOn ? askedNow(records.pages(deletedSoql(map.sobject, mark.d, [EXCHANGE_KEY_FIELD]), { all: true })) : undefined;
      const scoped = (r: SfRecord): void => {
        const record = view(map, r);
        recent.set(recentKey(kind, r.Id), record);
        changes.push({ side: 'salesforce', kind, type: 'upsert', record });
      };
      const classified = (r: SfRecord): void => {
        if (inScope(map, r)) scoped(r);
        else {
          recent.set(recentKey(kind, r.Id), 'out-of-scope');
          changes.push({ side: 'salesforce', kind, type: 'out-of-scope', id: r.Id });
        }
      };
      if (goesOn) {
        // the open query moves on by itself: its next cut may fall inside a second (from null), so a
        // second of 60,000 bulk-saved records is read in pages too; the cursor then names that second
        // again, and a fresh read from it (after a crash) reads the whole second at once
        live = await readUntilBoundary(open.rest, null, open.initial ? scoped : classified);
      } else if (cursor === null) {
        live = await readUntilBoundary(askedNow(records.pages(scopeSoql(map))), null, scoped);
      } else {
        live = await readUntilBoundary(askedNow(records.pages(changedQuery(map, mark.m))), mark.m, classified);
      }
      if (cursor === null && live.complete) scopeReadWhole.add(kind);
      let deletedLast = mark.d;
      let deletedComplete = true;
      // a read going on with an open query leaves deletes to the next fresh read (its `d` stays)
      if (deletes && mark.d !== null) {
        const del = await readUntilBoundary(deletes, mark.d, (r) => {
          const gone = deletedView(r);
          recent.set(recentKey(kind, r.Id), gone);
          changes.push(
            gone === 'deleted'
              ? { side: 'salesforce', kind, type: 'delete', id: r.Id }
              : { side: 'salesforce', kind, type: 'delete', id: r.Id, stamp: (gone as { stamp: string }).stamp },
          );
        });
        deletedLast = del.last ?? mark.d;
        deletedComplete = del.complete;
        // a capped deletes read is read again from its watermark
        await del.rest?.return();
      }
      // With nothing read yet the watermark starts at "now" minus a margin for clock skew between
      // us and Salesforce: re-reading a few minutes is harmless, missing a record is not.
      // Deletes before the initial sync do not matter.
      const startMark = soqlDateTime(new Date(options.now().getTime() - CLOCK_SKEW_MS));
      const next: Watermark = {
        m: live.last ?? mark.m ?? (cursor === null ? startMark : null),
        d: deletedLast ?? startMark,
      };
      const nextCursor = JSON.stringify(next);
      if (live.rest) continuing.set(kind, { cursor: nextCursor, initial: goesOn ? open.initial : cursor === null, rest: live.rest });
      return {
        changes,
        cursor: nextCursor,
        listing: cursor === null && changes.length === 0 ? 'empty' : 'ok',
        // a capped read: the driver reads on from `next` in the same run once this page settled
        ...(!live.complete || !deletedComplete ? { more: true } : {}),
      };
    },

    async get(kind: Kind, id: string): Promise<Current> {
      const map = mapFor(kind);
      const cached = recent.get(recentKey(kind, id));
      if (cached !== undefined) {
        recent.delete(recentKey(kind, id));
        return cached;
      }
      const r = await readOne(map, id);
      if (!r || r.IsDeleted === true) return deletedView(r);
      return inScope(map, r) ? view(map, r) : 'out-of-scope';
    },

    async candidates(kind: Kind, others: readonly SideRecord[]): Promise<readonly SideRecord[]> {
      // the whole scope was just read: the planner already holds every record that could match
      if (scopeReadWhole.has(kind)) return [];
      const map = mapFor(kind);
      // the invitations as this run's read just had them (candidates follow a read)
      if (!sharedRead) await refreshShared(map);
      const stamped = others.map((o) => o.stamp).filter((s): s is string => typeof s === 'string' && /^[a-zA-Z0-9]{15,18}$/.test(s));
      const { mailbox } = options;
      const keys = mailbox === undefined ? [] : others.map((o) => exchangeKey(kind, mailbox, o.id, o.fields));
      const where = [...inChunks('Id', stamped, IDS_PER_QUERY), ...inChunks(EXCHANGE_KEY_FIELD, keys, KEYS_PER_QUERY), ...(map.naturalKeyWhere?.(others) ?? [])];
      if (where.length === 0) return [];
      const out = new Map<string, SideRecord>();
      // One query per condition keeps each SOQL statement well under the 100,000-character limit;
      // five at a time (one composite call: records.ts), answers kept in condition order.
      const readAll = async (condition: string): Promise<SfRecord[]> => {
        const rows: SfRecord[] = [];
        const soql = `SELECT ${[...new Set(['Id', 'SystemModstamp', ...readFields(map)])].join(', ')} FROM ${map.sobject} WHERE ${condition}`;
        for await (const page of records.pages(soql)) for (const r of page) if (inScope(map, r)) rows.push(r);
        return rows;
      };
      for (let i = 0; i < where.length; i += COMPOSITE_MAX_QUERIES) {
        for (const rows of await Promise.all(where.slice(i, i + COMPOSITE_MAX_QUERIES).map(readAll))) {
          for (const r of rows) out.set(r.Id, view(map, r));
        }
      }
      return [...out.values()];
    },

    create: (kind: Kind, key: string, fields: Fields): Promise<WriteResult> =>
      writes(kind).submit({ op: 'create', key, fields }) as Promise<WriteResult>,

    update(kind: Kind, id: string, expectedVersion: string, patch: Fields): Promise<WriteResult> {
      recent.delete(recentKey(kind, id));
      return writes(kind).submit({ op: 'update', id, expectedVersion, patch }) as Promise<WriteResult>;
    },

    delete(kind: Kind, id: string, expectedVersion: string): Promise<DeleteResult> {
      recent.delete(recentKey(kind, id));
      return writes(kind).submit({ op: 'delete', id, expectedVersion });
    },
  };
}

/** Query pages read one at a time; return() closes the query. */
interface Pages {
  next(): Promise<IteratorResult<SfRecord[], void>>;
  return(): Promise<unknown>;
}

/** Pages whose first page is asked for now (reads asked in one tick share one composite call). */
function askedNow(pages: AsyncGenerator<SfRecord[], void>): Pages {
  const first = pages.next();
  // a read never taken (the live read failed first) must not surface as unhandled
  first.catch(() => undefined);
  let taken = false;
  return {
    next: () => {
      if (taken) return pages.next();
      taken = true;
      return first;
    },
    return: () => pages.return(undefined),
  };
}

function writeFailure(outcome: WriteOutcome | undefined): { ok: false; reason: 'not-found' | 'rejected'; message: string } | null {
  if (!outcome) throw new SalesforceError('temporary', 'MISSING_RESULT', 'Salesforce returned no result');
  if (outcome.ok) return null;
  const e = outcome.error;
  if (e.kind === 'not-found') return { ok: false, reason: 'not-found', message: e.message };
  if (e.kind === 'permanent') return { ok: false, reason: 'rejected', message: `${e.code}: ${e.message}` };
  throw e;
}

function parseWatermark(cursor: string | null): Watermark {
  if (cursor === null) return { m: null, d: null };
  try {
    const v = JSON.parse(cursor) as Partial<Watermark>;
    return { m: typeof v.m === 'string' ? v.m : null, d: typeof v.d === 'string' ? v.d : null };
  } catch {
    throw new SalesforceError('cursor-expired', 'INVALID_WATERMARK', 'Unreadable Salesforce watermark');
  }
}

function fixOffset(s: string): string {
  return s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
}
