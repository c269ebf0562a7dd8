// The Exchange side of the sync engine (core/ports.ts ExchangeSide) over Microsoft Graph for
// one provisioned mailbox.
// Contract: records cross this port already mapped: the field maps are injected (`map`), so
// this file knows Graph (containers, delta, stamps, $batch) and nothing of field semantics.
// - changesSince(kind, cursor) reads the container's delta feed to its end and returns every
//   change with the deltaLink as the cursor (committed by the driver after settling them); a
//   contact or task read from a stored cursor stops past maxChangesPerPage at a page's nextLink
//   instead, returned as the cursor with `more` (Graph resumes a delta round from its nextLink);
//   on the first read (no cursor) contacts and tasks carrying the category outside the
//   container are added (the backstop); a 403 yields listing 'forbidden' and no changes.
// - get(kind, id): the item now, 'deleted' (404), or 'out-of-scope' (left the container and
//   does not carry the category). An item the last feed read of the kind returned whole (its
//   stamp expanded, seen once) is answered from that read; others are read with GETs that
//   calls in the same tick share ($batch ≤20). A fresh events read fetches the window's items
//   once through calendarView (which takes $expand, unlike calendarView/delta).
// - candidates(kind, others, keep): after a full read of the container in this run, that read; else
//   a fresh one, streamed: only the records `keep` accepts and the stamps seen are held, never the
//   container. Creates skip the stamp lookup when that full read saw no item carrying the
//   key and the store holds no write-ahead note of an earlier create of it (`notedCreates`).
// - create/update/delete go through $batch (writes.ts); concurrent calls are coalesced into
//   groups of one $batch each, each group answered as its $batch returns. Stale version → 'stale', gone → 'not-found', refused values → 'rejected';
//   temporary, rate-limited and auth failures throw ExchangeError for the runtime's policy.
import type { ExchangeSide, Current, DeleteResult, FeedPage, WriteResult } from '../core/ports.ts';
import type { Change, Fields, Kind, SideRecord } from '../core/types.ts';
import type { GraphClient } from './client.ts';
import {
  SELECT,
  expandProperties,
  readCategorizedContacts,
  readCategorizedTasks,
  readDelta,
  stampOf,
  versionOf,
  type DeltaEntry,
  type DeltaResource,
  type ExchangeItem,
} from './delta.ts';
import { createCoalescer } from '../salesforce/coalesce.ts';
import { LANES, MAX_BATCH, executeBatch } from './batch.ts';
import { ExchangeError, mapGraphFailure } from './errors.ts';
import type { ProvisionedIds } from './provision.ts';
import { writeItems, type WriteOp, type WriteOutcome } from './writes.ts';

/** Field maps between Graph items and the engine's neutral fields, per kind. */
export interface ExchangeMaps {
  toFields(kind: Kind, item: ExchangeItem): Fields;
  /** A Graph body for a create (all fields) or a PATCH (only the patched fields). */
  toGraph(kind: Kind, fields: Fields, mode: 'create' | 'update'): Record<string, unknown>;
}

export interface ExchangeSideOptions {
  client: GraphClient;
  mailbox: string;
  containers: Pick<ProvisionedIds, 'contactFolderId' | 'todoListId' | 'mailFolderId' | 'categoryName'>;
  map: ExchangeMaps;
  /** For events: the calendar window read by calendarView/delta. */
  eventWindow?: () => { start: string; end: string };
  /** Items per delta page asked with Prefer: odata.maxpagesize (default 200). */
  pageSize?: number;
  /**
   * Soft cap on the changes of one contact or task read from a stored cursor (default 5,000): past
   * it the read stops at a page's nextLink, returned as the cursor with `more`.
   */
  maxChangesPerPage?: number;
  /**
   * Keys of creates on this side that a crashed run noted (write-ahead) and never linked: such
   * a create may have reached Graph, so it keeps its stamp lookup. Without it no lookup is skipped.
   */
  notedCreates?: (kind: Kind) => Promise<ReadonlySet<string>>;
}

/** What this run read of one kind: items by id (null: seen twice or removed, read again), and a full listing. */
interface KindRead {
  items: Map<string, ExchangeItem | null>;
  /** Set by a complete read of the container (no cursor): every item in it. */
  listing?: { records: SideRecord[] };
  /** After a complete read whose pages all carried the stamps, with the notes known: the stamps seen, and the noted keys. */
  proof?: { stamps: Set<string>; noted: ReadonlySet<string> };
}

// Without a page size Graph answers delta in pages of 10: an initial read of 10,000 contacts took
// 1,000 requests in the benchmark (docs/benchmarks.md). Graph caps contact pages at 200.
const DEFAULT_PAGE_SIZE = 200;
// A later run's read of a container (the echoes of a 100,000-contact initial sync) is cut into
// pages of about this many changes, so a run never holds the whole mailbox at once.
const DEFAULT_MAX_CHANGES_PER_PAGE = 5_000;

const RESOURCE: Record<Kind, DeltaResource> = { contact: 'contacts', task: 'tasks', event: 'events', email: 'messages' };

export function createExchangeSide(options: ExchangeSideOptions): ExchangeSide & { backstop(kind: Kind): Promise<Change[]> } {
  const { client, mailbox, containers, map } = options;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const maxPerPage = options.maxChangesPerPage ?? DEFAULT_MAX_CHANGES_PER_PAGE;
  const user = `/users/${encodeURIComponent(mailbox)}`;
  const containerOf = (kind: Kind): string | undefined =>
    kind === 'contact' ? containers.contactFolderId : kind === 'task' ? containers.todoListId : kind === 'email' ? containers.mailFolderId : undefined;

  // To Do tasks found by the category backstop live in other lists; they are addressed there.
  const taskList = new Map<string, string>();
  const listOf = (id: string): string => taskList.get(id) ?? containers.todoListId;

  const toRecord = (kind: Kind, item: ExchangeItem): SideRecord => {
    const stamp = stampOf(item);
    return { id: item.id, version: versionOf(item), fields: map.toFields(kind, item), ...(stamp ? { stamp } : {}) };
  };

  const reads = new Map<Kind, KindRead>();
  const readOf = (kind: Kind): KindRead => {
    let read = reads.get(kind);
    if (!read) reads.set(kind, (read = { items: new Map() }));
    return read;
  };
  // An item seen twice in one read may be a replay of an older state: it is read again.
  function remember(kind: Kind, item: ExchangeItem): void {
    const items = readOf(kind).items;
    const before = items.get(item.id);
    items.set(item.id, before === undefined || (before !== null && versionOf(before) === versionOf(item)) ? item : null);
  }

  const toChange = (kind: Kind, entry: DeltaEntry): Change =>
    entry.type === 'upsert'
      ? { side: 'exchange', kind, type: 'upsert', record: toRecord(kind, entry.item) }
      : // 'changed' is Graph's word for "no longer in this container" (moved, or a category view change).
        { side: 'exchange', kind, type: entry.reason === 'changed' ? 'out-of-scope' : 'delete', id: entry.id };

  async function backstop(kind: Kind): Promise<Change[]> {
    const category = containers.categoryName;
    const reader = kind === 'contact' ? readCategorizedContacts : kind === 'task' ? readCategorizedTasks : undefined;
    if (!reader) return [];
    const out: Change[] = [];
    const own = kind === 'contact' ? containers.contactFolderId : containers.todoListId;
    for await (const entries of reader(client, mailbox, category, pageSize, own)) {
      for (const e of entries) {
        const list = e.type === 'upsert' ? e.item.todoListId : undefined;
        if (typeof list === 'string' && list !== containers.todoListId) taskList.set(e.id, list);
        // listed with $select and $expand: the item as get() would read it
        if (e.type === 'upsert') remember(kind, e.item);
        out.push(toChange(kind, e));
      }
    }
    return out;
  }

  // Writes go out in groups of one $batch (20): a group is sent as soon as 20 are waiting, or on
  // the next macrotask with what gathered, and each group's callers resume as its $batch answers.
  // So while $batches are on the wire the items of the last one commit their links and queue
  // their next writes: the mailbox's 4 lanes stay busy (the client's limiter queues the groups).
  // A group takes the lanes the groups already out leave (at least 1): under a backlog each
  // $batch is one dependsOn chain and four run side by side, each answered on its own; a lone
  // group still runs 4 lanes wide. Writes to one item never overlap (the driver runs an item's
  // writes one after another).
  let groupsOut = 0;
  const writes = createCoalescer<WriteOp, WriteOutcome>({
    maxBatch: MAX_BATCH,
    run: async (ops) => {
      const lanes = Math.max(1, LANES - groupsOut);
      groupsOut += 1;
      try {
        return (await writeItems(client, mailbox, ops, { lanes })).map((value) => ({ value }));
      } finally {
        groupsOut -= 1;
      }
    },
  });
  const write = (op: WriteOp): Promise<WriteOutcome> => writes.submit(op);

  // Graph echoes extended properties only when expanded: the stamp we wrote is the stamp.
  function settle(kind: Kind, outcome: WriteOutcome, stamp?: string): WriteResult {
    if (outcome.ok) {
      if (!outcome.item) throw new ExchangeError('permanent', 200, 'NoItem', 'Graph answered a write without the item');
      const record = toRecord(kind, outcome.item);
      return { ok: true, record: stamp ? { ...record, stamp } : record };
    }
    return failure(outcome.error);
  }

  function failure(error: ExchangeError): { ok: false; reason: 'stale' | 'not-found' | 'rejected'; message: string } {
    if (error.kind === 'conflict') return { ok: false, reason: 'stale', message: error.message };
    if (error.kind === 'not-found') return { ok: false, reason: 'not-found', message: error.message };
    if (error.kind === 'permanent') return { ok: false, reason: 'rejected', message: error.message };
    throw error;
  }

  // Our own write makes what the feed said of an item stale.
  function forget(kind: Kind, id: string): void {
    reads.get(kind)?.items.delete(id);
  }

  function currentOf(kind: Kind, item: ExchangeItem): Current {
    const container = containerOf(kind);
    const inContainer = kind === 'task' || kind === 'event' || !container || item.parentFolderId === undefined || item.parentFolderId === container;
    const categories = Array.isArray(item.categories) ? (item.categories as unknown[]) : [];
    const tagged = categories.some((c) => typeof c === 'string' && c.toLowerCase() === containers.categoryName.toLowerCase());
    if (!inContainer && !tagged) return 'out-of-scope';
    return toRecord(kind, item);
  }

  function readPath(kind: Kind, id: string): string {
    const select = SELECT[RESOURCE[kind]].join(',');
    const expand = encodeURIComponent(expandProperties(RESOURCE[kind]));
    return `${itemPath(kind, id)}?$select=${select}&$expand=${expand}`;
  }

  // Reads issued in the same tick share a $batch (≤20 a request); a lone read is a plain GET.
  let reading: Array<{ kind: Kind; id: string; resolve: (r: ExchangeItem | 'not-found') => void; reject: (e: unknown) => void }> = [];
  function fetchItem(kind: Kind, id: string): Promise<ExchangeItem | 'not-found'> {
    return new Promise((resolve, reject) => {
      reading.push({ kind, id, resolve, reject });
      if (reading.length === 1) setImmediate(() => void flushReads());
    });
  }
  async function flushReads(): Promise<void> {
    const batch = reading;
    reading = [];
    if (batch.length === 1) {
      const only = batch[0]!;
      try {
        only.resolve(await client.get<ExchangeItem>(readPath(only.kind, only.id)));
      } catch (error) {
        if (error instanceof ExchangeError && error.kind === 'not-found') only.resolve('not-found');
        else only.reject(error);
      }
      return;
    }
    try {
      const responses = await executeBatch(client, mailbox, batch.map((b) => ({ method: 'GET' as const, url: readPath(b.kind, b.id) })));
      responses.forEach((res, i) => {
        const b = batch[i]!;
        if (res.status >= 200 && res.status < 300) b.resolve(res.body as ExchangeItem);
        else {
          const error = mapGraphFailure({ status: res.status, body: res.body, retryAfter: res.headers['retry-after'], now: client.clock.now() });
          if (error.kind === 'not-found') b.resolve('not-found');
          else b.reject(error);
        }
      });
    } catch (error) {
      batch.forEach((b) => b.reject(error));
    }
  }

  // calendarView/delta takes no $expand, so its items lack the stamp: a fresh read of the
  // window lists it once more through calendarView, which does, instead of a GET per event.
  async function readWindow(window: { start: string; end: string }): Promise<void> {
    const query =
      `startDateTime=${encodeURIComponent(window.start)}&endDateTime=${encodeURIComponent(window.end)}` +
      `&$select=${SELECT.events.join(',')}&$expand=${encodeURIComponent(expandProperties('events'))}`;
    let next: string | undefined = `${user}/calendarView?${query}`;
    for (let page = 0; next && page < 10_000; page++) {
      const body: { value?: ExchangeItem[]; '@odata.nextLink'?: string } = await client.get(next, { Prefer: `odata.maxpagesize=${pageSize}` });
      for (const item of body?.value ?? []) if (typeof item.id === 'string') remember('event', item);
      next = body?.['@odata.nextLink'];
    }
  }

  return {
    side: 'exchange',
    backstop,

    async changesSince(kind, cursor): Promise<FeedPage> {
      const resource = RESOURCE[kind];
      const containerId = containerOf(kind);
      const target = { mailbox, resource, ...(containerId ? { containerId } : {}), ...(kind === 'event' && options.eventWindow ? { window: options.eventWindow() } : {}) };
      const changes: Change[] = [];
      let deltaLink: string | undefined;
      // a read from a stored cursor may stop at a nextLink (Graph resumes a delta round from it)
      let resumeAt: string | undefined;
      const cappable = cursor !== null && (kind === 'contact' || kind === 'task');
      const read: KindRead = { items: new Map() };
      reads.set(kind, read);
      const listed: SideRecord[] = [];
      let allExpanded = true;
      try {
        for await (const page of readDelta(client, target, { cursor, pageSize })) {
          for (const e of page.entries) {
            const change = toChange(kind, e);
            changes.push(change);
            if (e.type === 'removed') read.items.set(e.id, null);
            else if (page.expanded) remember(kind, e.item);
            if (change.type === 'upsert' && cursor === null) listed.push(change.record);
          }
          allExpanded &&= page.expanded;
          deltaLink = page.deltaLink ?? deltaLink;
          if (cappable && !page.deltaLink && page.nextLink && changes.length >= maxPerPage) {
            resumeAt = page.nextLink;
            break;
          }
        }
      } catch (error) {
        if (error instanceof ExchangeError && error.kind === 'auth' && error.status === 403) {
          return { changes: [], cursor: cursor ?? '', listing: 'forbidden' };
        }
        throw error;
      }
      if (resumeAt) return { changes, cursor: resumeAt, listing: 'ok', more: true };
      if (!deltaLink) throw new ExchangeError('permanent', 200, 'NoDeltaLink', 'The delta feed ended without a deltaLink');
      if (cursor === null && containerId) {
        // without the stamps (Graph refused $expand) the listing proves nothing about them
        const noted = allExpanded ? await options.notedCreates?.(kind) : undefined;
        const stamps = new Set(listed.flatMap((r) => (r.stamp !== undefined ? [r.stamp] : [])));
        read.listing = { records: listed };
        if (noted) read.proof = { stamps, noted };
      }
      if (cursor === null && kind === 'event' && target.window && listed.length > 0) await readWindow(target.window);
      if (cursor === null) changes.push(...(await backstop(kind)));
      const listing = cursor === null && changes.length === 0 ? 'empty' : 'ok';
      return { changes, cursor: deltaLink, listing };
    },

    async get(kind, id): Promise<Current> {
      const seen = reads.get(kind)?.items.get(id);
      if (seen) return currentOf(kind, seen);
      const item = await fetchItem(kind, id);
      return item === 'not-found' ? 'deleted' : currentOf(kind, item);
    },

    async candidates(kind, others, keep): Promise<readonly SideRecord[]> {
      // Every item of the container: the planner matches by stamp, then by natural key.
      if (others.length === 0) return [];
      const containerId = containerOf(kind);
      if (!containerId) return [];
      const listing = reads.get(kind)?.listing;
      if (listing) return keep ? listing.records.filter(keep) : listing.records;
      // the container streams past: only the records the driver keeps and the stamps seen stay
      const out: SideRecord[] = [];
      const stamps = new Set<string>();
      let allExpanded = true;
      for await (const page of readDelta(client, { mailbox, resource: RESOURCE[kind], containerId }, { pageSize })) {
        for (const e of page.entries) {
          if (e.type !== 'upsert') continue;
          const record = toRecord(kind, e.item);
          if (record.stamp !== undefined) stamps.add(record.stamp);
          if (!keep || keep(record)) out.push(record);
        }
        allExpanded &&= page.expanded;
      }
      // this read listed the whole container as well: it proves absence for this run's creates
      // as an initial read does (so a later run's creates skip their stamp lookup too)
      const noted = allExpanded ? await options.notedCreates?.(kind) : undefined;
      // only the proof is kept: holding the records would keep the whole container for the run
      const read: KindRead = reads.get(kind) ?? { items: new Map() };
      reads.set(kind, read);
      if (noted) read.proof = { stamps, noted };
      return out;
    },

    async create(kind, key, fields): Promise<WriteResult> {
      const containerId = containerOf(kind);
      const proof = reads.get(kind)?.proof;
      const knownAbsent = proof !== undefined && !proof.stamps.has(key) && !proof.noted.has(key);
      // from now on this key may exist: a second create of it in this run looks it up
      proof?.stamps.add(key);
      const op: WriteOp = {
        op: 'create',
        resource: RESOURCE[kind],
        ...(containerId ? { containerId } : {}),
        salesforceId: key,
        fields: map.toGraph(kind, fields, 'create'),
        ...(knownAbsent ? { knownAbsent } : {}),
      };
      return settle(kind, await write(op), key);
    },

    async update(kind, id, expectedVersion, patch): Promise<WriteResult> {
      forget(kind, id);
      const containerId = kind === 'task' ? listOf(id) : containerOf(kind);
      const op: WriteOp = {
        op: 'update',
        resource: RESOURCE[kind],
        ...(containerId ? { containerId } : {}),
        id,
        ...(expectedVersion ? { ifMatch: expectedVersion } : {}),
        fields: map.toGraph(kind, patch, 'update'),
      };
      return settle(kind, await write(op));
    },

    async delete(kind, id, expectedVersion): Promise<DeleteResult> {
      forget(kind, id);
      const containerId = kind === 'task' ? listOf(id) : containerOf(kind);
      const op: WriteOp = { op: 'delete', resource: RESOURCE[kind], ...(containerId ? { containerId } : {}), id, ...(expectedVersion ? { ifMatch: expectedVersion } : {}) };
      const outcome = await write(op);
      if (outcome.ok) return { ok: true };
      // Already gone is what we wanted.
      if (outcome.error.kind === 'not-found') return { ok: true };
      return failure(outcome.error);
    },
  };

  function itemPath(kind: Kind, id: string): string {
    const enc = encodeURIComponent(id);
    switch (kind) {
      case 'contact':
        return `${user}/contacts/${enc}`;
      case 'task':
        return `${user}/todo/lists/${encodeURIComponent(listOf(id))}/tasks/${enc}`;
      case 'event':
        return `${user}/events/${enc}`;
      case 'email':
        return `${user}/messages/${enc}`;
    }
  }
}
