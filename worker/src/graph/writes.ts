// Writes to one mailbox through JSON $batch (./batch.ts: ≤20 a request, ≤4 lanes, throttled
// sub-requests retried alone after Retry-After).
// Contract: writeItems(client, mailbox, ops) returns one outcome per op, in order, never
// throwing for a single item's failure; each sub-response is mapped on its own to the
// ExchangeError vocabulary, and a failure is final for that item only. Every item we create or update carries the
// Salesforce Id as the SalesforceId extended property. Guarded updates/deletes send If-Match
// with the item's version; a stale version comes back as kind 'conflict' (HTTP 412).
// Creates are idempotent: contacts and To Do tasks have no transactionId, so each create is
// preceded by a lookup of the stamp and an item already carrying it is patched instead
// (unless the caller proved absence: `knownAbsent`); events use transactionId (derived from
// the Salesforce Id) instead.
import { createHash } from 'node:crypto';
import type { GraphClient } from './client.ts';
import { SALESFORCE_ID_PROPERTY, type ExchangeItem, versionOf } from './delta.ts';
import { executeBatch, type BatchOptions, type SubRequest, type SubResponse } from './batch.ts';
import { ExchangeError, mapGraphFailure } from './errors.ts';

export type ItemResource = 'contacts' | 'tasks' | 'events' | 'messages';

export type WriteOp =
  | {
      readonly op: 'create';
      readonly resource: ItemResource;
      /** Contact folder, To Do list or calendar id (events: optional, default calendar). */
      readonly containerId?: string;
      readonly salesforceId: string;
      readonly fields: Readonly<Record<string, unknown>>;
      /**
       * The caller listed the whole container in this run and no item carried this stamp, and
       * no earlier create of it may have reached Graph: the stamp lookup is skipped.
       */
      readonly knownAbsent?: boolean;
    }
  | {
      readonly op: 'update';
      readonly resource: ItemResource;
      /** The To Do list id (tasks are addressed through their list). */
      readonly containerId?: string;
      readonly id: string;
      /** The version last seen (changeKey / @odata.etag); absent → unguarded. */
      readonly ifMatch?: string;
      readonly fields: Readonly<Record<string, unknown>>;
      /** Re-stamped on the item (cheap, and repairs a stamp a user's client dropped). */
      readonly salesforceId?: string;
    }
  | {
      readonly op: 'delete';
      readonly resource: ItemResource;
      readonly containerId?: string;
      readonly id: string;
      readonly ifMatch?: string;
    };

export type WriteOutcome =
  | {
      readonly ok: true;
      readonly id: string;
      /** The item's new version; '' after a delete. */
      readonly version: string;
      readonly item?: ExchangeItem;
      /** A create found an item already stamped with this Salesforce Id and patched it. */
      readonly reused?: boolean;
    }
  | { readonly ok: false; readonly error: ExchangeError };

export interface WriteOptions extends BatchOptions {
  /** Skip the stamp lookup before creates (only when the caller just proved absence). */
  skipLookup?: boolean;
}

export async function writeItems(client: GraphClient, mailbox: string, ops: readonly WriteOp[], options: WriteOptions = {}): Promise<WriteOutcome[]> {
  const outcomes: Array<WriteOutcome | undefined> = new Array(ops.length).fill(undefined);
  const user = `/users/${encodeURIComponent(mailbox)}`;

  // Phase 1: for stamp-keyed creates, look for an item already carrying the stamp.
  const existing = new Map<number, ExchangeItem>();
  const lookups: Array<{ index: number; sub: SubRequest }> = [];
  if (!options.skipLookup) {
    ops.forEach((op, index) => {
      if (op.op === 'create' && op.resource !== 'events' && op.resource !== 'messages' && !op.knownAbsent) {
        lookups.push({ index, sub: { method: 'GET', url: stampLookupUrl(user, op.resource, op.containerId, op.salesforceId) } });
      }
    });
  }
  if (lookups.length > 0) {
    const responses = await executeBatch(client, mailbox, lookups.map((l) => l.sub), options);
    responses.forEach((res, i) => {
      const { index } = lookups[i]!;
      if (res.status >= 200 && res.status < 300) {
        const found = ((res.body as { value?: ExchangeItem[] })?.value ?? [])[0];
        if (found && typeof found.id === 'string') existing.set(index, found);
      } else {
        outcomes[index] = { ok: false, error: failure(client, res) };
      }
    });
  }

  // Phase 2: the writes themselves.
  const writes: Array<{ index: number; sub: SubRequest }> = [];
  const lastForItem = new Map<string, number>();
  ops.forEach((op, index) => {
    if (outcomes[index]) return;
    const sub = toSubRequest(user, op, existing.get(index));
    if (!sub) {
      outcomes[index] = { ok: false, error: new ExchangeError('permanent', 0, 'BadOp', describeBadOp(op)) };
      return;
    }
    // Two ops on one item in the same call must run in order: chain them with dependsOn.
    const itemKey = op.op === 'create' ? `create:${op.salesforceId}` : `${op.resource}:${op.id}`;
    const before = lastForItem.get(itemKey);
    if (before !== undefined) sub.after = before;
    lastForItem.set(itemKey, writes.length);
    writes.push({ index, sub });
  });
  if (writes.length > 0) {
    const responses = await executeBatch(client, mailbox, writes.map((w) => w.sub), options);
    responses.forEach((res, i) => {
      const { index } = writes[i]!;
      const op = ops[index]!;
      if (res.status >= 200 && res.status < 300) {
        const item = (res.body && typeof res.body === 'object' ? res.body : undefined) as ExchangeItem | undefined;
        const id = item?.id ?? (op.op === 'create' ? existing.get(index)?.id : op.id) ?? '';
        outcomes[index] = {
          ok: true,
          id,
          version: item ? versionOf(item) : '',
          ...(item ? { item } : {}),
          ...(existing.has(index) ? { reused: true } : {}),
        };
      } else {
        outcomes[index] = { ok: false, error: failure(client, res) };
      }
    });
  }
  return outcomes.map((o) => o ?? { ok: false, error: new ExchangeError('permanent', 0, 'NoOutcome', 'No response for this item') });
}

function failure(client: GraphClient, res: SubResponse): ExchangeError {
  if (res.status === 424) return new ExchangeError('temporary', 424, 'FailedDependency', 'An earlier write to the same item failed');
  return mapGraphFailure({ status: res.status, body: res.body, retryAfter: res.headers['retry-after'], now: client.clock.now() });
}

function stampLookupUrl(user: string, resource: ItemResource, containerId: string | undefined, salesforceId: string): string {
  const filter = encodeURIComponent(
    `singleValueExtendedProperties/any(ep: ep/id eq '${SALESFORCE_ID_PROPERTY}' and ep/value eq '${salesforceId.replace(/'/g, "''")}')`,
  );
  const expand = encodeURIComponent(`singleValueExtendedProperties($filter=id eq '${SALESFORCE_ID_PROPERTY}')`);
  // The container our create targets: where a create that reached Graph before a crash put it.
  const collection =
    resource === 'tasks'
      ? `${user}/todo/lists/${encodeURIComponent(containerId ?? '')}/tasks`
      : `${user}/contactFolders/${encodeURIComponent(containerId ?? '')}/contacts`;
  return `${collection}?$filter=${filter}&$expand=${expand}&$top=1`;
}

/** The body's own extended properties (a contact's fax) plus the stamp, which replaces any stamp in the body. */
function withStamp(fields: Readonly<Record<string, unknown>>, salesforceId: string): Array<{ id: string; value: string }> {
  const own = Array.isArray(fields.singleValueExtendedProperties) ? (fields.singleValueExtendedProperties as Array<{ id: string; value: string }>) : [];
  return [...own.filter((p) => p.id.toLowerCase() !== SALESFORCE_ID_PROPERTY.toLowerCase()), { id: SALESFORCE_ID_PROPERTY, value: salesforceId }];
}

/** A stable transactionId for an event create: Graph dedupes retries of the same one. */
export function eventTransactionId(mailbox: string, salesforceId: string): string {
  return createHash('sha256').update(`${mailbox.toLowerCase()}\n${salesforceId}`).digest('hex').slice(0, 32);
}

function itemPath(user: string, resource: ItemResource, id: string, containerId?: string): string | undefined {
  const enc = encodeURIComponent(id);
  switch (resource) {
    case 'contacts':
      return `${user}/contacts/${enc}`;
    case 'events':
      return `${user}/events/${enc}`;
    case 'messages':
      return `${user}/messages/${enc}`;
    case 'tasks':
      return containerId ? `${user}/todo/lists/${encodeURIComponent(containerId)}/tasks/${enc}` : undefined;
  }
}

function toSubRequest(user: string, op: WriteOp, found: ExchangeItem | undefined): SubRequest | undefined {
  if (op.op === 'create') {
    const body = { ...op.fields, singleValueExtendedProperties: withStamp(op.fields, op.salesforceId) };
    if (found) {
      const path = itemPath(user, op.resource, found.id, op.containerId);
      return path ? { method: 'PATCH', url: path, body } : undefined;
    }
    switch (op.resource) {
      case 'contacts':
        return op.containerId ? { method: 'POST', url: `${user}/contactFolders/${encodeURIComponent(op.containerId)}/contacts`, body } : undefined;
      case 'tasks':
        return op.containerId ? { method: 'POST', url: `${user}/todo/lists/${encodeURIComponent(op.containerId)}/tasks`, body } : undefined;
      case 'events': {
        const collection = op.containerId ? `${user}/calendars/${encodeURIComponent(op.containerId)}/events` : `${user}/events`;
        return { method: 'POST', url: collection, body: { ...body, transactionId: eventTransactionId(decodeURIComponent(user.slice('/users/'.length)), op.salesforceId) } };
      }
      case 'messages':
        return undefined;
    }
  }
  const path = itemPath(user, op.resource, op.id, op.containerId);
  if (!path) return undefined;
  const headers = op.ifMatch ? { 'If-Match': asEtag(op.ifMatch) } : undefined;
  if (op.op === 'update') {
    const body = op.salesforceId ? { ...op.fields, singleValueExtendedProperties: withStamp(op.fields, op.salesforceId) } : { ...op.fields };
    return { method: 'PATCH', url: path, body, ...(headers ? { headers } : {}) };
  }
  return { method: 'DELETE', url: path, ...(headers ? { headers } : {}) };
}

// Outlook items are versioned by changeKey and their ETag is W/"<changeKey>"; To Do tasks
// already hand us an @odata.etag. Either way If-Match gets an ETag.
export function asEtag(version: string): string {
  if (version.startsWith('W/"') || version.startsWith('"')) return version;
  return `W/"${version}"`;
}

function describeBadOp(op: WriteOp): string {
  if (op.op === 'create' && op.resource === 'messages') return 'Messages are never created by the sync';
  return `A ${op.op} of ${op.resource} needs its container id`;
}
