// In-memory twin of the LinkStore port: links, cursors and issues, with all-or-nothing
// transactions (a copy is changed and swapped in only when the callback resolves), so a
// crash inside a transaction leaves nothing behind, as in the real store. Like the real store
// it looks links up by id (linksOf, notedLinks, countLinks) unless made with lookup: false.
import type { Issue, LinkStore, LinkTx } from './ports.ts';
import type { Kind, Link, Side } from './types.ts';

interface State {
  links: Map<string, Link>;
  cursors: Map<string, string>;
  issues: Map<string, Issue>;
}

export interface MemoryStore extends LinkStore {
  allLinks(): Link[];
  issues(): Issue[];
  /** Number of committed transactions that changed links or cursors. */
  readonly commits: number;
}

const linkKey = (mailbox: string, kind: Kind, salesforceId: string): string => `${mailbox}\u0000${kind}\u0000${salesforceId}`;

export function createMemoryStore(options: { readonly lookup?: boolean } = {}): MemoryStore {
  const lookup = options.lookup ?? true;
  let state: State = { links: new Map(), cursors: new Map(), issues: new Map() };
  let commits = 0;
  let queue: Promise<unknown> = Promise.resolve();
  return {
    get commits() {
      return commits;
    },
    transaction<T>(fn: (tx: LinkTx) => Promise<T>): Promise<T> {
      const run = async (): Promise<T> => {
        const draft: State = { links: new Map(state.links), cursors: new Map(state.cursors), issues: new Map(state.issues) };
        let changed = false;
        const linksOfKind = (mailbox: string, kind: Kind): Link[] => [...draft.links.values()].filter((l) => l.mailbox === mailbox && l.kind === kind);
        const tx: LinkTx = {
          async links(mailbox, kind) {
            return linksOfKind(mailbox, kind);
          },
          ...(lookup
            ? {
                async linksOf(mailbox: string, kind: Kind, ids: { readonly salesforce: readonly string[]; readonly exchange: readonly string[] }) {
                  const salesforce = new Set(ids.salesforce);
                  const exchange = new Set(ids.exchange);
                  return linksOfKind(mailbox, kind).filter((l) => salesforce.has(l.salesforce.id) || exchange.has(l.exchange.id));
                },
                async notedLinks(mailbox: string, kind: Kind) {
                  return linksOfKind(mailbox, kind).filter((l) => l.pending !== undefined);
                },
                async countLinks(mailbox: string, kind: Kind) {
                  return linksOfKind(mailbox, kind).length;
                },
              }
            : {}),
          async putLink(link) {
            // a record belongs to one link: the new link replaces any holding either id
            for (const [key, other] of draft.links) {
              if (other.mailbox === link.mailbox && other.kind === link.kind && (other.exchange.id === link.exchange.id || other.salesforce.id === link.salesforce.id)) {
                draft.links.delete(key);
              }
            }
            draft.links.set(linkKey(link.mailbox, link.kind, link.salesforce.id), link);
            changed = true;
          },
          async deleteLink(mailbox, kind, salesforceId) {
            changed = draft.links.delete(linkKey(mailbox, kind, salesforceId)) || changed;
          },
          async cursor(mailbox: string, kind: Kind, side: Side) {
            return draft.cursors.get(`${mailbox}\u0000${kind}\u0000${side}`) ?? null;
          },
          async setCursor(mailbox, kind, side, cursor) {
            const key = `${mailbox}\u0000${kind}\u0000${side}`;
            if (draft.cursors.get(key) !== cursor) changed = true;
            draft.cursors.set(key, cursor);
          },
          async recordIssue(issue) {
            draft.issues.set(issue.key, issue);
          },
        };
        const result = await fn(tx);
        state = draft;
        if (changed) commits += 1;
        return result;
      };
      const next = queue.then(run, run);
      queue = next.catch(() => undefined);
      return next;
    },
    allLinks() {
      return [...state.links.values()];
    },
    issues() {
      return [...state.issues.values()];
    },
  };
}
