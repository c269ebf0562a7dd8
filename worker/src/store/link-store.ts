// linkStoreOf(store) → the core's LinkStore port (worker/src/core/ports.ts) over the real
// store: each driver transaction is one database transaction, so a cursor and the links it
// covers commit together. Cursors of a mailbox's kind live under channel = kind.
// A link's write-ahead note (Link.pending) rides as JSON in the base column under PENDING; a
// create note's copy has no id yet: the row holds null there, the core a pendingCreateId.
import type { Issue as CoreIssue, LinkStore, LinkTx } from '../core/ports.ts';
import { isPendingCreateId, pendingCreateId } from '../core/types.ts';
import type { Kind, Link as CoreLink, PendingLink } from '../core/types.ts';
import { PENDING_KEY as PENDING, type Link, type Store, type StoreOps } from './types.ts';

const OBJECT_TYPE: Record<Kind, string> = { contact: 'Contact', event: 'Event', task: 'Task', email: 'Email' };

function noteOf(l: Link): PendingLink | undefined {
  const note = l.base[PENDING];
  return note !== null && typeof note === 'object' ? (note as PendingLink) : undefined;
}

function toCore(l: Link): CoreLink | undefined {
  const { [PENDING]: _note, ...base } = l.base;
  const pending = noteOf(l);
  const create = pending?.create;
  const salesforceId = l.salesforceId ?? (create?.side === 'salesforce' ? pendingCreateId(create.key) : null);
  const exchangeId = l.exchangeId ?? (create?.side === 'exchange' ? pendingCreateId(create.key) : null);
  // Any other half-made row (one side only) is not a link the planner can reason about.
  if (salesforceId === null || exchangeId === null) return undefined;
  return {
    kind: l.kind as Kind,
    mailbox: l.mailboxId,
    salesforce: { id: salesforceId, version: l.sfVersion ?? '', hash: l.sfHash ?? '' },
    exchange: { id: exchangeId, version: l.exVersion ?? '', hash: l.exHash ?? '' },
    base: base as CoreLink['base'],
    ...(pending ? { pending } : {}),
  };
}

const realId = (id: string): string | null => (isPendingCreateId(id) ? null : id);
const toCoreLinks = (rows: readonly Link[]): CoreLink[] => rows.map(toCore).filter((l): l is CoreLink => l !== undefined);

function txOf(ops: StoreOps): LinkTx {
  return {
    async links(mailbox, kind) {
      return toCoreLinks(await ops.listLinks(mailbox, kind));
    },
    async linksOf(mailbox, kind, ids) {
      // a pending create id names no row: its note is among notedLinks
      const real = (list: readonly string[]): string[] => list.filter((id) => !isPendingCreateId(id));
      return toCoreLinks(await ops.listLinksByIds(mailbox, kind, { salesforceIds: real(ids.salesforce), exchangeIds: real(ids.exchange) }));
    },
    async notedLinks(mailbox, kind) {
      return toCoreLinks(await ops.listNotedLinks(mailbox, kind)).filter((l) => l.pending !== undefined);
    },
    countLinks: (mailbox, kind) => ops.countLinks(mailbox, kind),
    async putLink(link) {
      await ops.replaceLink({
        mailboxId: link.mailbox,
        kind: link.kind,
        salesforceId: realId(link.salesforce.id),
        exchangeId: realId(link.exchange.id),
        sfVersion: link.salesforce.version,
        exVersion: link.exchange.version,
        sfHash: link.salesforce.hash,
        exHash: link.exchange.hash,
        base: link.pending ? { ...link.base, [PENDING]: link.pending } : (link.base as Record<string, unknown>),
      });
    },
    async deleteLink(mailbox, kind, salesforceId) {
      if (!isPendingCreateId(salesforceId)) return ops.deleteLinkBySalesforceId(mailbox, kind, salesforceId);
      // a create note whose Salesforce copy was never linked: its row has no Salesforce id
      for (const row of await ops.listLinks(mailbox, kind)) {
        const create = noteOf(row)?.create;
        if (row.salesforceId === null && create?.side === 'salesforce' && pendingCreateId(create.key) === salesforceId) await ops.deleteLink(row.id);
      }
    },
    async cursor(mailbox, kind, side) {
      return (await ops.getCursor(mailbox, side, kind)) ?? null;
    },
    async setCursor(mailbox, kind, side, cursor) {
      await ops.setCursor(mailbox, side, kind, cursor);
    },
    async recordIssue(issue: CoreIssue) {
      await ops.openIssue({
        mailboxId: issue.mailbox,
        kind: issue.issueKind,
        objectType: OBJECT_TYPE[issue.kind],
        salesforceId: issue.salesforceId ?? null,
        exchangeId: issue.exchangeId ?? null,
        message: issue.message,
        issueKey: issue.key,
      });
    },
  };
}

export function linkStoreOf(store: Store): LinkStore {
  return {
    transaction: (fn) => store.transaction((ops) => fn(txOf(ops))),
  };
}
