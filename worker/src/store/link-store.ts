// linkStoreOf(store) → the core's LinkStore port (worker/src/core/ports.ts) over the real
// store: each driver transaction is one database transaction, so a cursor and the links it
// covers commit together. Cursors of a mailbox's kind live under channel = kind.
import type { Issue as CoreIssue, LinkStore, LinkTx } from '../core/ports.ts';
import type { Kind, Link as CoreLink } from '../core/types.ts';
import type { Link, Store, StoreOps } from './types.ts';

const OBJECT_TYPE: Record<Kind, string> = { contact: 'Contact', event: 'Event', task: 'Task', email: 'Email' };

function toCore(l: Link): CoreLink | undefined {
  // A half-made row (one side only) is not a link the planner can reason about.
  if (l.salesforceId === null || l.exchangeId === null) return undefined;
  return {
    kind: l.kind as Kind,
    mailbox: l.mailboxId,
    salesforce: { id: l.salesforceId, version: l.sfVersion ?? '', hash: l.sfHash ?? '' },
    exchange: { id: l.exchangeId, version: l.exVersion ?? '', hash: l.exHash ?? '' },
    base: l.base as CoreLink['base'],
  };
}

function txOf(ops: StoreOps): LinkTx {
  return {
    async links(mailbox, kind) {
      return (await ops.listLinks(mailbox, kind)).map(toCore).filter((l): l is CoreLink => l !== undefined);
    },
    async putLink(link) {
      await ops.replaceLink({
        mailboxId: link.mailbox,
        kind: link.kind,
        salesforceId: link.salesforce.id,
        exchangeId: link.exchange.id,
        sfVersion: link.salesforce.version,
        exVersion: link.exchange.version,
        sfHash: link.salesforce.hash,
        exHash: link.exchange.hash,
        base: link.base as Record<string, unknown>,
      });
    },
    async deleteLink(mailbox, kind, salesforceId) {
      await ops.deleteLinkBySalesforceId(mailbox, kind, salesforceId);
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
