// The Exchange side of the sync engine (core/ports.ts ExchangeSide) over Microsoft Graph for
// one provisioned mailbox.
// Contract: records cross this port already mapped: the field maps are injected (`map`), so
// this file knows Graph (containers, delta, stamps, $batch) and nothing of field semantics.
// - changesSince(kind, cursor) reads the container's delta feed to its end and returns every
//   change with the deltaLink as the cursor (committed by the driver after settling them);
//   on the first read (no cursor) contacts and tasks carrying the category outside the
//   container are added (the backstop); a 403 yields listing 'forbidden' and no changes.
// - get(kind, id): the item now, 'deleted' (404), or 'out-of-scope' (left the container and
//   does not carry the category).
// - create/update/delete go through $batch (writes.ts); concurrent calls are coalesced into
//   one batch. Stale version → 'stale', gone → 'not-found', refused values → 'rejected';
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
import { ExchangeError } from './errors.ts';
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
}

// Without a page size Graph answers delta in pages of 10: an initial read of 10,000 contacts took
// 1,000 requests in the benchmark (docs/benchmarks.md). Graph caps contact pages at 200.
const DEFAULT_PAGE_SIZE = 200;

const RESOURCE: Record<Kind, DeltaResource> = { contact: 'contacts', task: 'tasks', event: 'events', email: 'messages' };

export function createExchangeSide(options: ExchangeSideOptions): ExchangeSide & { backstop(kind: Kind): Promise<Change[]> } {
  const { client, mailbox, containers, map } = options;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
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
    for await (const entries of reader(client, mailbox, category, pageSize)) {
      for (const e of entries) {
        const list = e.type === 'upsert' ? e.item.todoListId : undefined;
        if (typeof list === 'string' && list !== containers.todoListId) taskList.set(e.id, list);
        out.push(toChange(kind, e));
      }
    }
    return out;
  }

  // Coalesces writes issued in the same tick into one writeItems call ($batch ≤20 each).
  let queue: Array<{ op: WriteOp; resolve: (o: WriteOutcome) => void; reject: (e: unknown) => void }> = [];
  function write(op: WriteOp): Promise<WriteOutcome> {
    return new Promise((resolve, reject) => {
      queue.push({ op, resolve, reject });
      if (queue.length === 1) {
        setImmediate(() => {
          const batch = queue;
          queue = [];
          writeItems(client, mailbox, batch.map((b) => b.op)).then(
            (outcomes) => batch.forEach((b, i) => b.resolve(outcomes[i]!)),
            (error: unknown) => batch.forEach((b) => b.reject(error)),
          );
        });
      }
    });
  }

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

  return {
    side: 'exchange',
    backstop,

    async changesSince(kind, cursor): Promise<FeedPage> {
      const resource = RESOURCE[kind];
      const containerId = containerOf(kind);
      const target = { mailbox, resource, ...(containerId ? { containerId } : {}), ...(kind === 'event' && options.eventWindow ? { window: options.eventWindow() } : {}) };
      const changes: Change[] = [];
      let deltaLink: string | undefined;
      try {
        for await (const page of readDelta(client, target, { cursor, pageSize })) {
          changes.push(...page.entries.map((e) => toChange(kind, e)));
          deltaLink = page.deltaLink ?? deltaLink;
        }
      } catch (error) {
        if (error instanceof ExchangeError && error.kind === 'auth' && error.status === 403) {
          return { changes: [], cursor: cursor ?? '', listing: 'forbidden' };
        }
        throw error;
      }
      if (!deltaLink) throw new ExchangeError('permanent', 200, 'NoDeltaLink', 'The delta feed ended without a deltaLink');
      if (cursor === null) changes.push(...(await backstop(kind)));
      const listing = cursor === null && changes.length === 0 ? 'empty' : 'ok';
      return { changes, cursor: deltaLink, listing };
    },

    async get(kind, id): Promise<Current> {
      const path = itemPath(kind, id);
      const select = SELECT[RESOURCE[kind]].join(',');
      const expand = encodeURIComponent(expandProperties(RESOURCE[kind]));
      let item: ExchangeItem;
      try {
        item = await client.get<ExchangeItem>(`${path}?$select=${select}&$expand=${expand}`);
      } catch (error) {
        if (error instanceof ExchangeError && error.kind === 'not-found') return 'deleted';
        throw error;
      }
      const container = containerOf(kind);
      const inContainer = kind === 'task' || kind === 'event' || !container || item.parentFolderId === undefined || item.parentFolderId === container;
      const categories = Array.isArray(item.categories) ? (item.categories as unknown[]) : [];
      const tagged = categories.some((c) => typeof c === 'string' && c.toLowerCase() === containers.categoryName.toLowerCase());
      if (!inContainer && !tagged) return 'out-of-scope';
      return toRecord(kind, item);
    },

    async candidates(kind, others): Promise<readonly SideRecord[]> {
      // Every item of the container: the planner matches by stamp, then by natural key.
      if (others.length === 0) return [];
      const containerId = containerOf(kind);
      if (!containerId) return [];
      const out: SideRecord[] = [];
      for await (const page of readDelta(client, { mailbox, resource: RESOURCE[kind], containerId }, { pageSize })) {
        for (const e of page.entries) if (e.type === 'upsert') out.push(toRecord(kind, e.item));
      }
      return out;
    },

    async create(kind, key, fields): Promise<WriteResult> {
      const containerId = containerOf(kind);
      const op: WriteOp = { op: 'create', resource: RESOURCE[kind], ...(containerId ? { containerId } : {}), salesforceId: key, fields: map.toGraph(kind, fields, 'create') };
      return settle(kind, await write(op), key);
    },

    async update(kind, id, expectedVersion, patch): Promise<WriteResult> {
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
