// The sync driver: one run for one mailbox over the ports. Per kind it reads both feeds
// from the stored cursors, resolves every touched id to its current state, gathers
// candidates for matching, plans (./planner.ts), applies each item's writes and commits
// its link in a store transaction (many items at once, each in its own order, so the sides
// can batch their writes, and the store writes of items resumed together share a transaction), and advances the cursors only when every item of the kind settled. A crash anywhere leaves a state the next run finishes: creates are
// idempotent on their key, our own writes come back as echoes, conflicts are recorded
// before the writes that apply their winner.
import { canonicalJson } from './hash.ts';
import { KEY_PHASES, exchangeKey } from './natural-key.ts';
import { plan } from './planner.ts';
import type { FeedPage, Issue, LinkStore, LinkTx, RecordSide, WriteFailure } from './ports.ts';
import type { Action, Change, Fields, Kind, Link, MailboxSettings, Side, SideRecord, SideState } from './types.ts';
import { KINDS, otherSide, pendingCreateId } from './types.ts';

/** Current-state reads in flight per side while resolving a feed's ids. */
const READS_IN_FLIGHT = 8;
/** Items applied at once per kind by default: one full Salesforce collection call (200). */
const ITEMS_IN_FLIGHT = 200;

export interface SyncOptions {
  readonly mailbox: string;
  readonly salesforce: RecordSide;
  readonly exchange: RecordSide;
  readonly store: LinkStore;
  readonly settings: MailboxSettings;
  readonly hash: (fields: Fields) => string;
  readonly kinds?: readonly Kind[];
  /** Called before every effect (a side write or a store transaction); throw to simulate a crash. */
  readonly beforeEffect?: () => void;
  /**
   * Items applied at once per kind (default 200, a Salesforce collection call's size: fewer
   * leave every call part-filled); 1 applies them one after another.
   */
  readonly itemsInFlight?: number;
  /**
   * Takes each page's report as the page ends (a kind read in several pages reports each page).
   * When given, no page's actions are kept once reported, so a run over 100,000 records never
   * holds them all, and SyncReport.kinds lists each kind with its settled flag only (no actions
   * or failures). Without it, a kind's report gathers every page's.
   */
  readonly onReport?: (report: KindReport) => Promise<void> | void;
}

export interface KindReport {
  readonly kind: Kind;
  readonly actions: readonly Action[];
  readonly failures: readonly (WriteFailure & { readonly action: Action })[];
  /** Cursors advanced: every item settled. */
  readonly settled: boolean;
}

export interface SyncReport {
  readonly kinds: readonly KindReport[];
  /** Side writes made (creates, updates, deletes). */
  readonly writes: number;
}

export async function sync(options: SyncOptions): Promise<SyncReport> {
  const { mailbox, store, settings, hash } = options;
  const sides: Record<Side, RecordSide> = { salesforce: options.salesforce, exchange: options.exchange };
  const effect = (): void => options.beforeEffect?.();
  const itemsInFlight = Math.max(1, options.itemsInFlight ?? ITEMS_IN_FLIGHT);
  const commitTogether = groupCommit(store);
  const reports: KindReport[] = [];
  let writes = 0;

  for (const kind of options.kinds ?? KINDS) {
    if (!settings.kinds[kind].enabled) continue;
    // A side whose page says more follows (a capped read) is read again in this run once the
    // page settled, so the initial sync of a large scope ends in one run. The other side is not
    // read again: its cursor stays where it was, and its next run reads our writes as echoes.
    const kindActions: Action[] = [];
    const kindFailures: (WriteFailure & { action: Action })[] = [];
    let more: Record<Side, boolean> | undefined;
    for (;;) {
      const start = await store.transaction(async (tx) => ({
        ...(await linksAtStart(tx, mailbox, kind)),
        cursors: { salesforce: await tx.cursor(mailbox, kind, 'salesforce'), exchange: await tx.cursor(mailbox, kind, 'exchange') },
      }));
      const { cursors, linkCount } = start;
      const read = async (side: Side): Promise<FeedPage> =>
        !more || more[side] || cursors[side] === null ? sides[side].changesSince(kind, cursors[side]) : { changes: [], cursor: cursors[side], listing: 'ok' };
      const pages = { salesforce: await read('salesforce'), exchange: await read('exchange') };
      // with a store that looks links up by id, a run holds the links of the ids it touches
      const idsOfPage = (side: Side): string[] => pages[side].changes.map((c) => (c.type === 'upsert' ? c.record.id : c.id));
      let links = start.lookup ? await withLinksOf(start.links, kind, { salesforce: idsOfPage('salesforce'), exchange: idsOfPage('exchange') }) : start.links;
      const changes: Change[] = [];
      const fresh: Record<Side, SideRecord[]> = { salesforce: [], exchange: [] };
      // a create note (a crash between a create and its link) is not a link: its pair is still new
      const linked = links.filter((l) => !l.pending?.create);
      const notes = links.filter((l) => l.pending?.create);
      const linkedIds: Record<Side, Set<string>> = {
        salesforce: new Set(linked.map((l) => l.salesforce.id)),
        exchange: new Set(linked.map((l) => l.exchange.id)),
      };
      for (const side of ['salesforce', 'exchange'] as const) {
        // feeds may repeat and reorder entries: read each touched id once, as it is now; the
        // sources of create notes are read too, so the planner sees them as they are now
        const touched = pages[side].changes.map((c) => (c.type === 'upsert' ? c.record.id : c.id));
        const sources = notes.filter((l) => l.pending!.create!.side !== side).map((l) => l[side].id);
        // both records of a noted natural-key match are read, so the planner can keep the pair
        const matches = linked.filter((l) => l.pending?.match).map((l) => l[side].id);
        const ids = [...new Set([...touched, ...sources, ...matches])].sort();
        // read several at once (each side bounds its own concurrency), then use them in id order
        const states = await mapBounded(ids, READS_IN_FLIGHT, (id) => sides[side].get(kind, id));
        for (const [i, id] of ids.entries()) {
          const current = states[i]!;
          if (current === 'deleted') changes.push({ side, kind, type: 'delete', id });
          else if (current !== 'out-of-scope' && 'deleted' in current) changes.push({ side, kind, type: 'delete', id, stamp: current.stamp });
          else if (current === 'out-of-scope') changes.push({ side, kind, type: 'out-of-scope', id });
          else {
            changes.push({ side, kind, type: 'upsert', record: current });
            if (!linkedIds[side].has(id)) fresh[side].push(current);
          }
        }
      }
      const noteKeys = new Set(notes.map((l) => l.pending!.create!.key));
      // only candidates that can meet a fresh record are kept (a side may list a whole container):
      // the run then holds, and looks up the links of, those alone
      // the side gets the filter too, so one that lists a container keeps no more than it while reading
      const candidatesOf = async (side: Side): Promise<SideRecord[]> => {
        const others = fresh[otherSide(side)];
        if (others.length === 0) return [];
        const keep = relevance(kind, side, others, noteKeys);
        return (await sides[side].candidates(kind, others, keep)).filter(keep);
      };
      const candidates = { salesforce: await candidatesOf('salesforce'), exchange: await candidatesOf('exchange') };
      // a linked candidate must be known as linked, or the planner would pair it again
      if (start.lookup) {
        const idsOf = (records: readonly SideRecord[]): string[] => records.map((r) => r.id);
        links = await withLinksOf(links, kind, { salesforce: idsOf(candidates.salesforce), exchange: idsOf(candidates.exchange) });
      }
      const actions = plan({
        mailbox,
        links,
        ...(linkCount !== undefined ? { linkCount } : {}),
        changes,
        candidates,
        listing: { salesforce: pages.salesforce.listing, exchange: pages.exchange.listing },
        settings,
        hash,
      });
      const failures: (WriteFailure & { action: Action })[] = options.onReport ? [] : kindFailures;
      if (!options.onReport) kindActions.push(...actions);
      /** This page's report to onReport, and the kind's to the run's report once the kind is done. */
      const report = async (settled: boolean, last: boolean): Promise<void> => {
        if (options.onReport) await options.onReport({ kind, actions, failures, settled });
        if (last) reports.push(options.onReport ? { kind, actions: [], failures: [], settled } : { kind, actions: kindActions, failures: kindFailures, settled });
      };
      const valve = actions.find((a) => a.type === 'valve');
      if (valve) {
        effect();
        await store.transaction(async (tx) => {
          await tx.recordIssue({ key: `valve:${mailbox}:${kind}:${valve.reason}`, mailbox, kind, issueKind: 'Error', message: valve.message });
        });
        await report(false, true);
        break;
      }

      const linkedNow = links.filter((l) => !l.pending?.create);
      const linkBySf = new Map(linkedNow.map((l) => [l.salesforce.id, l]));
      const linkByEx = new Map(linkedNow.map((l) => [l.exchange.id, l]));

      // Items are independent: each applies its own actions in order (write-ahead note → writes →
      // link commit) while up to itemsInFlight items run at once, so the writes of many items
      // share a tick and each side batches them. An item waits for earlier items touching one of
      // its ids. The first error (a crash, a thrown side failure) stops every item at its next
      // effect, and the run ends only when none is still in flight.
      const segments = itemsOf(actions);
      const done = segments.map(() => {
        let resolve!: () => void;
        const promise = new Promise<void>((r) => (resolve = r));
        return { promise, resolve };
      });
      const lastById = new Map<string, number>();
      const waitsFor = segments.map((segment, i) => {
        const before = new Set<number>();
        for (const id of idsOf(segment)) {
          const previous = lastById.get(id);
          if (previous !== undefined) before.add(previous);
          lastById.set(id, i);
        }
        return [...before].map((j) => done[j]!.promise);
      });
      let aborted: { readonly error: unknown } | undefined;
      const step = (): void => {
        if (aborted) throw aborted.error;
        try {
          effect();
        } catch (error) {
          aborted = { error };
          throw error;
        }
      };
      const apply = async (segment: readonly Action[]): Promise<void> => {
        const written: Partial<Record<Side, SideRecord>> = {};
        let noted = false;
        let failed = false;
        for (const [index, action] of segment.entries()) {
          if (action.type === 'update' && !noted) {
            // write-ahead: note the link this item will commit, so a crash mid-item is recognisable
            const stored = action.item.salesforceId !== undefined ? linkBySf.get(action.item.salesforceId) : undefined;
            const commit = segment.slice(index).find((a) => a.type === 'link' || a.type === 'unlink');
            // the link as the plan settled it (an earlier crash's note adopted), else as stored
            const from = commit?.type === 'link' ? commit.target.from : undefined;
            const existing = stored && from ? { ...stored, ...from } : stored;
            if (existing && commit?.type === 'link') {
              const expected = commit.target.base;
              const sideOf = (side: Side): SideState =>
                commit.target[side] ?? { id: existing[side].id, version: '', hash: hash(expected) };
              const pendingLink: Link = {
                ...existing,
                pending: {
                  base: expected,
                  salesforce: sideOf('salesforce'),
                  exchange: sideOf('exchange'),
                  written: (['salesforce', 'exchange'] as const).filter((s) => commit.target[s] === undefined),
                  ...(existing.pending?.match ? { match: existing.pending.match } : {}),
                },
              };
              step();
              await commitTogether((tx) => tx.putLink(pendingLink));
            } else if (!existing && commit?.type === 'link' && commit.target.matched && action.item.salesforceId !== undefined && action.item.exchangeId !== undefined) {
              // an unlinked pair matched by natural key: note it before its first update, so a crash
              // and then a user edit that breaks the natural key do not split the pair into two copies
              const matched = commit.target.matched;
              const ids = { salesforce: action.item.salesforceId, exchange: action.item.exchangeId };
              const updates = segment.filter((a): a is Extract<Action, { type: 'update' }> => a.type === 'update');
              const before = (side: Side): SideState =>
                commit.target[side] ?? { id: ids[side], version: updates.find((u) => u.side === side)?.expectedVersion ?? '', hash: hash(matched[side]) };
              const after = (side: Side): SideState => commit.target[side] ?? { id: ids[side], version: '', hash: hash(commit.target.base) };
              const matchNote: Link = {
                kind,
                mailbox,
                salesforce: before('salesforce'),
                exchange: before('exchange'),
                base: commit.target.base,
                pending: {
                  base: commit.target.base,
                  salesforce: after('salesforce'),
                  exchange: after('exchange'),
                  written: (['salesforce', 'exchange'] as const).filter((s) => commit.target[s] === undefined),
                  match: matched,
                },
              };
              step();
              await commitTogether((tx) => tx.putLink(matchNote));
            }
            noted = true;
          }
          if (action.type === 'create' && !noted) {
            // write-ahead for a create: note the source as we copy it and the create key, so after a
            // crash between the create and the link the next run tells later edits from this state
            const existing =
              (action.item.salesforceId !== undefined ? linkBySf.get(action.item.salesforceId) : undefined) ??
              (action.item.exchangeId !== undefined ? linkByEx.get(action.item.exchangeId) : undefined);
            const commit = segment.slice(index).find((a) => a.type === 'link' || a.type === 'unlink');
            const source = commit?.type === 'link' ? commit.target[otherSide(action.side)] : undefined;
            if (commit?.type === 'link' && source) {
              const copy: SideState = { id: pendingCreateId(action.key), version: '', hash: hash(commit.target.base) };
              const states = action.side === 'salesforce' ? { salesforce: copy, exchange: source } : { salesforce: source, exchange: copy };
              const note: Link = {
                kind,
                mailbox,
                ...states,
                base: commit.target.base,
                pending: {
                  base: commit.target.base,
                  ...states,
                  written: [action.side],
                  // an edit beat a delete: the note takes the place of the old link until the copy is linked
                  create: { side: action.side, key: action.key, ...(existing ? { replaces: existing[action.side].id } : {}) },
                },
              };
              step();
              await commitTogether((tx) => tx.putLink(note));
            }
            noted = true;
          }
          if (failed) {
            // the rest of a failed item waits for the next run
            if (action.type === 'link' || action.type === 'unlink') {
              failed = false;
              noted = false;
            }
            continue;
          }
          switch (action.type) {
            case 'create':
            case 'update': {
              step();
              writes += 1;
              const side = sides[action.side];
              const result =
                action.type === 'create'
                  ? await side.create(kind, action.key, action.fields)
                  : await side.update(kind, action.id, action.expectedVersion, action.patch);
              if (result.ok) written[action.side] = result.record;
              else {
                failures.push({ ...result, action });
                failed = true;
              }
              break;
            }
            case 'delete': {
              step();
              writes += 1;
              const result = await sides[action.side].delete(kind, action.id, action.expectedVersion);
              if (!result.ok) {
                failures.push({ ...result, action });
                failed = true;
              }
              break;
            }
            case 'link': {
              const state = (side: Side): SideState | undefined => {
                const record = written[side];
                return record ? { id: record.id, version: record.version, hash: hash(record.fields) } : action.target[side];
              };
              const salesforce = state('salesforce');
              const exchange = state('exchange');
              if (!salesforce || !exchange) throw new Error(`plan bug: link for ${canonicalJson({ ...action.item })} lacks a side`);
              const link: Link = { kind, mailbox, salesforce, exchange, base: action.target.base };
              step();
              await commitTogether((tx) => tx.putLink(link));
              delete written.salesforce;
              delete written.exchange;
              noted = false;
              break;
            }
            case 'unlink': {
              const id = action.item.salesforceId;
              step();
              if (id !== undefined) await commitTogether((tx) => tx.deleteLink(mailbox, kind, id));
              noted = false;
              break;
            }
            case 'conflict':
            case 'skip': {
              if (action.type === 'skip' && !action.report) break;
              step();
              await commitTogether((tx) => record(tx, issueOf(action)));
              break;
            }
          }
        }
      };
      let next = 0;
      const runner = async (): Promise<void> => {
        while (!aborted && next < segments.length) {
          const i = next++;
          try {
            await Promise.all(waitsFor[i]!);
            if (!aborted) await apply(segments[i]!);
          } catch (error) {
            aborted ??= { error };
          } finally {
            done[i]!.resolve();
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(itemsInFlight, segments.length) }, runner));
      if (aborted) throw aborted.error;
      const settled = failures.length === 0;
      if (settled) {
        effect();
        await store.transaction(async (tx) => {
          await tx.setCursor(mailbox, kind, 'salesforce', pages.salesforce.cursor);
          await tx.setCursor(mailbox, kind, 'exchange', pages.exchange.cursor);
        });
      }
      if (settled && (pages.salesforce.more === true || pages.exchange.more === true)) {
        more = { salesforce: pages.salesforce.more === true, exchange: pages.exchange.more === true };
        await report(settled, false);
        continue;
      }
      await report(settled, true);
      break;
    }
  }
  return { kinds: reports, writes };

  /** `have` plus the stored links holding any of these ids (one lookup transaction). */
  async function withLinksOf(have: readonly Link[], kind: Kind, ids: { salesforce: readonly string[]; exchange: readonly string[] }): Promise<readonly Link[]> {
    if (ids.salesforce.length === 0 && ids.exchange.length === 0) return have;
    const found = await store.transaction(async (tx) => tx.linksOf!(mailbox, kind, ids));
    // a link is one row: its Salesforce id (or a create note's pending id) names it
    const bySalesforceId = new Map(have.map((l) => [l.salesforce.id, l]));
    for (const l of found) if (!bySalesforceId.has(l.salesforce.id)) bySalesforceId.set(l.salesforce.id, l);
    return [...bySalesforceId.values()];
  }

  /**
   * Whether a candidate of `side` is one the planner can pair with, or weigh against, a fresh record of the
   * other side: by stamp either way (the candidate names a fresh record, or is named by one), by a
   * create note's key, or by a natural key. Any other candidate changes no plan.
   */
  function relevance(kind: Kind, side: Side, others: readonly SideRecord[], noteKeys: ReadonlySet<string>): (candidate: SideRecord) => boolean {
    const identity = (s: Side, r: SideRecord): string => (s === 'salesforce' ? r.id : exchangeKey(kind, mailbox, r.id, r.fields));
    const otherIdentities = new Set(others.map((r) => identity(otherSide(side), r)));
    const otherStamps = new Set(others.flatMap((r) => (r.stamp !== undefined ? [r.stamp] : [])));
    const phases = KEY_PHASES[kind].map((phase) => ({ phase, keys: new Set(others.flatMap((r) => phase.key(r.fields) ?? [])) }));
    return (c) =>
      (c.stamp !== undefined && (otherIdentities.has(c.stamp) || noteKeys.has(c.stamp))) ||
      otherStamps.has(identity(side, c)) ||
      phases.some(({ phase, keys }) => {
        const key = phase.key(c.fields);
        return key !== undefined && keys.has(key);
      });
  }

  function issueOf(action: Extract<Action, { type: 'conflict' | 'skip' }>): Issue {
    const { kind, salesforceId, exchangeId } = action.item;
    const detail = action.type === 'conflict' ? canonicalJson({ fields: action.fields.map((f) => ({ ...f })), deletedOn: action.deletedOn ?? null }) : action.message;
    return {
      key: `${action.type}:${mailbox}:${kind}:${salesforceId ?? ''}:${exchangeId ?? ''}:${hash({ detail })}`,
      mailbox,
      kind,
      issueKind: action.type === 'conflict' ? 'Conflict' : 'Skipped',
      ...(salesforceId !== undefined ? { salesforceId } : {}),
      ...(exchangeId !== undefined ? { exchangeId } : {}),
      message: action.message,
    };
  }
}

/**
 * The links a run starts from: every link of the kind, or, when the store looks links up by
 * id, only the noted ones and the count (the rest are looked up by the ids the run touches,
 * so a mailbox of 100,000 contacts is never held whole).
 */
async function linksAtStart(
  tx: LinkTx,
  mailbox: string,
  kind: Kind,
): Promise<{ links: readonly Link[]; lookup: boolean; linkCount: number | undefined }> {
  if (tx.linksOf && tx.notedLinks && tx.countLinks) {
    return { links: await tx.notedLinks(mailbox, kind), lookup: true, linkCount: await tx.countLinks(mailbox, kind) };
  }
  return { links: await tx.links(mailbox, kind), lookup: false, linkCount: undefined };
}

/**
 * The items' store writes (write-ahead notes, link commits, unlinks, issues) issued in the same
 * macrotask share one store transaction: the items resumed by one $batch or collection call
 * commit together, instead of one transaction each. Each caller resumes only once its group
 * committed, so a note is still durable before its item's write and a link only after it; a
 * group that fails fails every caller in it (and with them the run, as one failed item would).
 */
export function groupCommit(store: LinkStore): (fn: (tx: LinkTx) => Promise<void>) => Promise<void> {
  let queue: { fn: (tx: LinkTx) => Promise<void>; resolve: () => void; reject: (error: unknown) => void }[] = [];
  const flush = async (): Promise<void> => {
    const group = queue;
    queue = [];
    try {
      await store.transaction(async (tx) => {
        for (const entry of group) await entry.fn(tx);
      });
    } catch (error) {
      for (const entry of group) entry.reject(error);
      return;
    }
    for (const entry of group) entry.resolve();
  };
  return (fn) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ fn, resolve, reject });
      if (queue.length === 1) setImmediate(() => void flush());
    });
}

/** fn over items with at most `limit` calls in flight; results in input order. */
async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!);
      } catch (error) {
        // the first failure ends the read: the other lanes take nothing more
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

/** The plan's actions cut into items: an item ends with its link or unlink commit. */
function itemsOf(actions: readonly Action[]): Action[][] {
  const items: Action[][] = [];
  let open: Action[] = [];
  for (const action of actions) {
    open.push(action);
    if (action.type === 'link' || action.type === 'unlink') {
      items.push(open);
      open = [];
    }
  }
  if (open.length > 0) items.push(open);
  return items;
}

/** Every record id or create key an item's actions name (items sharing one keep plan order). */
function idsOf(item: readonly Action[]): Set<string> {
  const ids = new Set<string>();
  const add = (id: string | undefined): void => {
    if (id !== undefined) ids.add(id);
  };
  for (const action of item) {
    if (action.type === 'valve') continue;
    add(action.item.salesforceId);
    add(action.item.exchangeId);
    if (action.type === 'update' || action.type === 'delete') add(action.id);
    if (action.type === 'create') add(action.key);
    if (action.type === 'link') {
      add(action.target.salesforce?.id);
      add(action.target.exchange?.id);
    }
  }
  return ids;
}

async function record(tx: LinkTx, issue: Issue): Promise<void> {
  await tx.recordIssue(issue);
}
