// createRuntime(options) → the worker's moving parts for a set of mailboxes: the MailboxPorts
// behind the Worker API, the scheduler, one mailbox run (runMailbox), provisioning, the change
// feeds that turn Salesforce CDC events into hints, Graph subscription upkeep, and stop().
// A run: refresh the mailbox's Mailbox_Sync__c into the store, provision if needed, sync each
// enabled kind through core.sync, record failures as issues, push issues to Sync_Issue__c and
// write the status back to Mailbox_Sync__c. Errors follow ./errors.ts.
// A run that change hints alone started, when all of them name kinds (../scheduler/hints.ts), is
// incremental: it syncs only those kinds from the cursors, with the configuration the store holds
// (the Mailbox_Sync__c feed keeps it current), without the user and container checks (full runs —
// schedule, Sync now, retries — make them), and its status goes out in one batched update a
// second, only when it wrote something or its open issue count moved.
// Salesforce API economy (issue 11): a full run issues its opening reads (Mailbox_Sync__c, the
// user, Email_No_Match__c, the invitations, describes) in one tick and every kind's first read in
// one tick, so that each set shares one composite call (../salesforce/records.ts).
import { hashFields } from '../core/hash.ts';
import type { FeedPage, RecordSide } from '../core/ports.ts';
import { sync, type KindReport } from '../core/sync.ts';
import type { Action, Kind } from '../core/types.ts';
import type { GraphClient } from '../graph/client.ts';
import { createExchangeSide } from '../graph/exchange-side.ts';
import { provisionMailbox } from '../graph/provision.ts';
import type { MailboxPorts } from '../http/app.ts';
import { mailboxStatus } from '../http/status.ts';
import type { Logger } from '../log.ts';
import type { SalesforceConnection } from '../salesforce/connection.ts';
import { startFeed, storeReplayCursor, type Feed, type FeedChange, type FeedEntity } from '../salesforce/feed.ts';
import { SalesforceError } from '../salesforce/errors.ts';
import { createRecords, withPrefetched, type QueryPrefetch, type Ride, type SalesforceRecords } from '../salesforce/records.ts';
import { createSalesforceSide, firstReads, type SalesforceKindMap } from '../salesforce/side.ts';
import {
  readMailboxSync,
  readMailboxSyncs,
  syncIssues,
  writeMailboxStatus,
  writeMailboxStatuses,
  type IssueObject,
  type MailboxStatus,
  type MailboxStatusUpdate,
  type MailboxSync,
} from '../salesforce/status.ts';
import { hintScope, hintSource, type HintScope } from '../scheduler/hints.ts';
import { createScheduler, type RunContext, type RunReason, type RunResult, type Scheduler } from '../scheduler/index.ts';
import { linkStoreOf } from '../store/link-store.ts';
import type { Mailbox, MailboxState, Store } from '../store/types.ts';
import { addCounts, countReport, nestCounts } from './counts.ts';
import { logFiledEmails, noMatchOf, type EmailOptions, type RunNoMatch } from './email-log.ts';
import { RunError, classify } from './errors.ts';
import { DEFAULT_KINDS, type KindPlugin } from './kinds.ts';
import type { KindSides } from './record-sides.ts';
import { eventRecords } from './events-records.ts';
import { DEFAULT_EVENT_HORIZON_DAYS, EVENT_PAST_DAYS, eventReadFields } from './events.ts';
import { effectiveConfig, planOf, storedSettings, syncSettings, type StoredSettings } from './mailbox-config.ts';
import { checkRenames, checkUser, noteRunFailure, noteRunSuccess, noteScopeLeft } from './scope.ts';
import { maintainMailboxSubscriptions, onLifecycle } from './subscriptions.ts';
import { runUser, type RunUser } from './user-zone.ts';

export interface RuntimeOptions {
  store: Store;
  sf: SalesforceConnection;
  graph: GraphClient;
  /** Wall clock (ms). */
  clock?: () => number;
  log?: Logger;
  /** The worker's public base URL; with it, Graph subscriptions are created after provisioning. */
  publicUrl?: string;
  /** Name of this process in leases. */
  owner?: string;
  concurrency?: number;
  /** Runs in flight at most counting hinted (incremental) ones; see the scheduler. */
  hintedConcurrency?: number;
  leaseTtlMs?: number;
  streaming?: 'cdc' | 'pushtopic';
  kinds?: readonly KindPlugin[];
  /** Email logging options (attachment rules); false turns email logging off in this process. */
  email?: EmailOptions | false;
  /** Scheduler poll (ms) and hint coalescing delay (ms). */
  pollIntervalMs?: number;
  hintDelayMs?: number;
  /** How long incremental runs' status updates gather before one batched write (ms); default 1 s. */
  statusFlushMs?: number;
  /** Subscription maintenance period (ms); default 1 h. */
  maintenanceIntervalMs?: number;
  /** Days ahead of today mirrored for events (default 365). */
  eventHorizonDays?: number;
  /** Exchange → Salesforce for every event in the calendar window, not only those with the category. */
  allEvents?: boolean;
}

export interface Runtime {
  readonly ports: MailboxPorts;
  readonly scheduler: Scheduler;
  readonly records: SalesforceRecords;
  /** For createApp: the webhook router's hint and lifecycle hooks. */
  hint(mailboxId: string, source: string): Promise<void>;
  lifecycle(event: { mailboxId: string; subscriptionId: string; event: string }): Promise<void>;
  /** Reads every Mailbox_Sync__c into the store and provisions the enabled new ones. */
  refreshMailboxes(): Promise<Mailbox[]>;
  runMailbox(id: string, reason: RunReason, ctx?: RunContext): Promise<RunResult>;
  provision(id: string): Promise<Mailbox | undefined>;
  /** Subscriptions of every provisioned mailbox (created, renewed); needs publicUrl. */
  maintain(): Promise<void>;
  /** Scheduler loop, CDC feeds and the maintenance timer. */
  startFeeds(): Promise<void>;
  /** Resolves once every feed channel's subscription was acknowledged (or failed and was reported). */
  feedReady(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const OBJECT: Record<Kind, IssueObject> = { contact: 'Contact', task: 'Task', event: 'Event', email: 'Email' };

/** Mailboxes refreshed and provisioned at once by refreshMailboxes. */
const PROVISION_CONCURRENCY = 8;

/** Reads a full run started with its opening reads, for the kinds that use them. */
interface EarlyReads {
  noMatch?: RunNoMatch;
  sharedEventIds?: Promise<readonly string[]>;
  /** The run's records: its kinds' first query pages, asked for with the opening reads. */
  records?: SalesforceRecords;
  /** The run's clock, fixed at its start (the prefetched queries' time bounds are the side's). */
  now?: number;
}

/** One kind's sides for one run. */
interface KindRun {
  plugin: KindPlugin;
  sides: KindSides;
  /** The kind's Salesforce reads: they ride other kinds' calls while it reads ahead (see readAhead). */
  ride: Ride;
}

/** Items a run wrote on either side. */
function writtenIn(counts: Record<string, number>): number {
  return Object.entries(counts)
    .filter(([k]) => /\.(toExchange|toSalesforce)$/.test(k))
    .reduce((n, [, v]) => n + v, 0);
}

export function createRuntime(options: RuntimeOptions): Runtime {
  const { store, sf, graph, log } = options;
  const clock = options.clock ?? Date.now;
  const kinds = options.kinds ?? DEFAULT_KINDS;
  const records = createRecords(sf);
  const owner = options.owner ?? `worker-${process.pid}`;
  let feed: Feed | undefined;
  let maintenance: NodeJS.Timeout | undefined;
  let stopped = false;

  const scheduler = createScheduler({
    store,
    clock,
    owner,
    runMailbox: (id, reason, ctx) => runMailbox(id, reason, ctx),
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.hintedConcurrency !== undefined ? { hintedConcurrency: options.hintedConcurrency } : {}),
    ...(options.leaseTtlMs !== undefined ? { leaseTtlMs: options.leaseTtlMs } : {}),
    ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
    ...(options.hintDelayMs !== undefined ? { hintDelayMs: options.hintDelayMs } : {}),
    ...(log ? { log } : {}),
  });

  /** Open issue counts as last written to Mailbox_Sync__c by this process. */
  const reportedOpenIssues = new Map<string, number>();
  const pendingStatus = new Map<string, MailboxStatusUpdate>();
  let statusTimer: NodeJS.Timeout | undefined;
  let statusFlushing: Promise<void> = Promise.resolve();

  async function writeStatus(id: string, update: MailboxStatusUpdate): Promise<void> {
    // This write is newer than any deferred one for the mailbox.
    pendingStatus.delete(id);
    try {
      await writeMailboxStatus(records, id, update);
      if (update.openIssues !== undefined) reportedOpenIssues.set(id, update.openIssues);
    } catch (error) {
      // Status is a report, not the sync: a failed write-back never fails the run.
      log?.warn({ mailboxId: id, err: classify(error).message }, 'could not write Mailbox_Sync__c status');
    }
  }

  /** Incremental runs' status: gathered, then one collection update for every mailbox. */
  function deferStatus(id: string, update: MailboxStatusUpdate): void {
    pendingStatus.set(id, { ...pendingStatus.get(id), ...update });
    if (statusTimer !== undefined || stopped) return;
    statusTimer = setTimeout(() => {
      statusTimer = undefined;
      statusFlushing = statusFlushing.then(flushStatus);
    }, options.statusFlushMs ?? 1_000);
    statusTimer.unref();
  }

  async function flushStatus(): Promise<void> {
    const batch = [...pendingStatus];
    pendingStatus.clear();
    if (batch.length === 0) return;
    try {
      const outcomes = await writeMailboxStatuses(records, batch);
      for (const [n, outcome] of outcomes.entries()) {
        const [id, update] = batch[n]!;
        if (outcome.ok && update.openIssues !== undefined) reportedOpenIssues.set(id, update.openIssues);
        if (!outcome.ok) log?.warn({ mailboxId: id, err: classify(outcome.error).message }, 'could not write Mailbox_Sync__c status');
      }
    } catch (error) {
      log?.warn({ mailboxes: batch.length, err: classify(error).message }, 'could not write Mailbox_Sync__c status');
    }
  }

  /** Mailbox_Sync__c → store row; returns the row and its config (undefined if the record is gone). */
  async function refreshOne(read: MailboxSync): Promise<Mailbox> {
    const existing = await store.getMailbox(read.id);
    const previous = existing ? storedSettings(existing) : undefined;
    const { config, resumed } = effectiveConfig(read, previous?.resumed);
    const settings: StoredSettings = { config, ...(previous?.provisioned ? { provisioned: previous.provisioned } : {}), ...(resumed ? { resumed } : {}) };
    let state: MailboxState | undefined;
    if (!config.enabled) state = 'paused';
    else if (!existing) state = 'new';
    else if (existing.state === 'paused' && config.status !== 'Paused' && existing.lastError === 'disabled in Salesforce') state = previous?.provisioned ? 'active' : 'new';
    const row = await store.upsertMailbox({
      id: config.id,
      address: config.mailboxAddress,
      salesforceUserId: config.userId || null,
      settings: settings as unknown as Record<string, unknown>,
      plan: planOf(config),
      ...(state ? { state } : {}),
      ...(existing ? {} : { nextRunAt: clock() }),
    });
    if (!config.enabled && existing?.state !== 'paused') await store.updateMailbox(config.id, { lastError: 'disabled in Salesforce' });
    return row;
  }

  async function refreshMailboxes(): Promise<Mailbox[]> {
    const configs = (await readMailboxSyncs(records)).filter((config) => config.mailboxAddress);
    const out: Mailbox[] = new Array(configs.length);
    // Mailboxes are independent: several are refreshed and provisioned at once (each provisioning
    // is a dozen requests one after another; Graph's 4-in-flight limit is per mailbox). 1,000
    // mailboxes one at a time took 209 s at 10 ms a request. The first failure stops the rest.
    let next = 0;
    let failed: { error: unknown } | undefined;
    const lane = async (): Promise<void> => {
      while (!failed && next < configs.length) {
        const i = next++;
        try {
          let m = await refreshOne(configs[i]!);
          if (m.state === 'new' && storedSettings(m)?.config.enabled) m = (await provision(m.id)) ?? m;
          out[i] = m;
        } catch (error) {
          failed ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PROVISION_CONCURRENCY, configs.length) }, lane));
    if (failed) throw failed.error;
    return out;
  }

  async function loadConfig(id: string): Promise<MailboxSync | undefined> {
    return (await readMailboxSync(records, id))?.config;
  }

  /** Events each user was last seen invited to in this process: the guess a speculative event read is asked with. */
  const knownShared = new Map<string, readonly string[]>();

  async function provision(id: string): Promise<Mailbox | undefined> {
    const read = await loadConfig(id);
    if (!read) return store.getMailbox(id);
    let m = await refreshOne(read);
    const config = storedSettings(m)?.config ?? read;
    await writeStatus(id, { status: 'Provisioning' });
    await store.updateMailbox(id, { state: 'provisioning' });
    try {
      const ids = await provisionMailbox(graph, config.mailboxAddress, { category: config.categoryName });
      const { created: _created, ...provisioned } = ids;
      const settings: StoredSettings = { ...storedSettings(m), config, provisioned };
      m =
        (await store.updateMailbox(id, {
          settings: settings as unknown as Record<string, unknown>,
          state: config.enabled ? 'active' : 'paused',
          nextRunAt: clock(),
          retryAt: null,
          backoffAttempts: 0,
          lastError: null,
        })) ?? m;
      await writeStatus(id, { status: config.enabled ? 'Active' : 'Paused', lastError: null });
      log?.info({ mailboxId: id, created: ids.created }, 'mailbox provisioned');
      if (options.publicUrl) {
        try {
          await maintainMailboxSubscriptions(store, graph, id, config.mailboxAddress, settings, options.publicUrl);
        } catch (error) {
          // Without subscriptions the backstop poll still syncs; say so and carry on.
          log?.warn({ mailboxId: id, err: classify(error).message }, 'could not create Graph subscriptions');
        }
      }
      return m;
    } catch (error) {
      const failure = classify(error);
      await store.updateMailbox(id, { state: failure.status === 'Error' ? 'error' : 'new', lastError: failure.message });
      await writeStatus(id, { status: failure.status ?? 'Needs Attention', lastError: failure.message });
      throw new RunError(failure, { cause: error });
    }
  }

  async function pushIssues(mailboxId: string): Promise<number> {
    const pending = (await store.listIssuesToSync(1000)).filter((i) => i.mailboxId === mailboxId);
    if (pending.length > 0) {
      const outcomes = await syncIssues(
        records,
        pending.map((i) => ({
          mailboxSyncId: mailboxId,
          objectType: (['Contact', 'Task', 'Event', 'Email'].includes(i.objectType) ? i.objectType : 'Contact') as IssueObject,
          kind: i.kind,
          message: i.message,
          occurredAt: new Date(i.occurredAt),
          ...(i.salesforceId ? { salesforceId: i.salesforceId } : {}),
          ...(i.exchangeId ? { exchangeId: i.exchangeId } : {}),
          resolved: i.resolved,
          ...(i.salesforceRecordId ? { recordId: i.salesforceRecordId } : {}),
        })),
      );
      for (const [n, outcome] of outcomes.entries()) {
        if (outcome.ok) await store.markIssueSynced(pending[n]!.id, outcome.id);
      }
    }
    return store.countOpenIssues(mailboxId);
  }

  /** One kind's sides for one run. */
  async function kindSides(mailbox: Mailbox, settings: StoredSettings, plugin: KindPlugin, backstop = true, user?: RunUser, early: EarlyReads = {}): Promise<KindRun> {
    const { config, provisioned } = settings;
    if (!provisioned) throw new Error('mailbox not provisioned');
    const { sharedEventIds } = early;
    const ride = (early.records ?? records).riding();
    const runRecords = ride.records;
    const fixed = early.now;
    const now = (): Date => new Date(fixed ?? clock());
    const salesforce = createSalesforceSide({
      records: runRecords,
      maps: { [plugin.kind]: plugin.salesforce },
      ownerId: config.userId,
      contactScope: config.contactScope,
      now,
    });
    const graphSide = createExchangeSide({
      client: graph,
      mailbox: config.mailboxAddress,
      containers: provisioned,
      map: { toFields: (_k, item) => plugin.exchange.toFields(item), toGraph: (_k, fields, mode) => plugin.exchange.toGraph(fields, mode) },
    });
    // Items given the category outside our containers send no notification from the container's
    // subscription and the side reads them only on a first read: add that backstop read to every
    // full run, and to an incremental one hinted by a whole-mailbox subscription.
    const exchange: RecordSide = {
      ...graphSide,
      async changesSince(kind, cursor) {
        const page = await graphSide.changesSince(kind, cursor);
        if (page.listing === 'forbidden') {
          // A refused container holds back every delete (the planner's valve), but with no
          // delete planned nothing would say why this kind stopped syncing: say it here.
          await store.openIssue({
            mailboxId: mailbox.id,
            kind: 'Error',
            objectType: OBJECT[kind],
            salesforceId: null,
            exchangeId: null,
            message: `Microsoft 365 refused access (403) to this mailbox's ${kind} container: nothing is deleted, and the worker tries again on every run. Check the app's permissions on the mailbox.`,
            issueKey: `forbidden:${mailbox.id}:${kind}`,
          });
          return page;
        }
        if (cursor === null || !backstop) return page;
        return { ...page, changes: [...page.changes, ...(await graphSide.backstop(kind))] };
      },
    };
    const own = plugin.sides
      ? await plugin.sides({
          mailboxId: mailbox.id,
          store,
          config,
          provisioned,
          records: runRecords,
          graph,
          now,
          ...(user ? { user } : {}),
          ...(sharedEventIds ? { sharedEventIds } : {}),
          ...(options.eventHorizonDays !== undefined ? { eventHorizonDays: options.eventHorizonDays } : {}),
          ...(options.allEvents ? { allEvents: true } : {}),
          backstop,
          ...(log ? { log: (message: string, data: Record<string, unknown>) => log.info({ mailboxId: mailbox.id, kind: plugin.kind, ...data }, message) } : {}),
        })
      : undefined;
    return { plugin, sides: own ?? { salesforce, exchange }, ride };
  }

  /**
   * Every kind's first Salesforce read of a run, started together so that their query pages
   * share composite calls (records.ts coalesces reads of one tick): each sync then takes the
   * page read for the cursor it finds (another cursor — a restart after cursor-expired — reads
   * again). Only the Salesforce side reads ahead; a page waits in memory for its kind's turn.
   * The kinds after the first read ahead riding (records.riding): a read their first page needs
   * beyond the prefetched one (invitees, query-mores) waits for room in a call the kinds before
   * them send anyway, and goes out on its own only when its kind's turn comes.
   */
  async function readAhead(mailboxId: string, runs: readonly KindRun[]): Promise<KindRun[]> {
    if (runs.length < 2) return [...runs];
    const cursors = await Promise.all(runs.map((r) => store.getCursor(mailboxId, 'salesforce', r.plugin.kind)));
    return runs.map((r, i) => {
      const cursor = cursors[i] ?? null;
      const side = r.sides.salesforce;
      if (i > 0) r.ride.arm();
      let early: Promise<FeedPage> | undefined = side.changesSince(r.plugin.kind, cursor);
      // a kind the run never reaches (an earlier one failed) leaves its read unobserved
      early.catch(() => undefined);
      const salesforce: RecordSide = {
        ...side,
        changesSince(kind, at) {
          const page = early;
          early = undefined;
          return page && kind === r.plugin.kind && at === cursor ? page : side.changesSince(kind, at);
        },
      };
      return { ...r, sides: { ...r.sides, salesforce } };
    });
  }

  async function syncKind(mailbox: Mailbox, settings: StoredSettings, { plugin, sides: own, ride }: KindRun): Promise<Record<string, number>> {
    const { config } = settings;
    // the kind's turn: reads it made ahead riding other kinds' calls go out now (see readAhead)
    ride.release();
    // each page's report is taken as the page ends: a run over 100,000 contacts keeps none of them
    const counts: Record<string, number> = {};
    let leftScope = 0;
    const onReport = async (k: KindReport): Promise<void> => {
      addCounts(counts, countReport(k));
      leftScope += k.actions.filter((a) => a.type === 'unlink' && a.situation === 'out-of-scope').length;
      await reportIssues(mailbox.id, k);
    };
    const run = () =>
      sync({
        mailbox: mailbox.id,
        salesforce: own.salesforce,
        exchange: own.exchange,
        store: linkStoreOf(store),
        settings: syncSettings(config, kinds),
        hash: hashFields,
        kinds: [plugin.kind],
        onReport,
      });
    try {
      await run();
    } catch (error) {
      const failure = classify(error);
      if (failure.kind !== 'cursor-expired') throw error;
      // The side no longer knows our cursor: read it again from the start. Links and stamps
      // turn what we already have into echoes and matches, never duplicates.
      const side = failure.side === 'salesforce' ? 'salesforce' : 'exchange';
      log?.warn({ mailboxId: mailbox.id, kind: plugin.kind, side }, 'cursor expired; full resync of this kind');
      await store.deleteCursor(mailbox.id, side, plugin.kind);
      await run();
    }
    await own.afterRun?.();
    if (leftScope > 0) await noteScopeLeft(store, mailbox.id, plugin.kind, OBJECT[plugin.kind], leftScope);
    return counts;
  }

  /** A page's failures as Error issues; the earlier errors of items it linked cleanly resolved. */
  async function reportIssues(mailboxId: string, k: KindReport): Promise<void> {
    for (const f of k.failures) {
      if (f.action.type === 'valve') continue;
      const item = f.action.item;
      await store.openIssue({
        mailboxId,
        kind: 'Error',
        objectType: OBJECT[k.kind],
        salesforceId: item.salesforceId ?? null,
        exchangeId: item.exchangeId ?? null,
        message: `Could not ${f.action.type} this ${k.kind} in ${'side' in f.action && f.action.side === 'exchange' ? 'Outlook' : 'Salesforce'}: ${f.message}`,
        issueKey: `error:${mailboxId}:${k.kind}:${item.salesforceId ?? ''}:${item.exchangeId ?? ''}:${f.reason}`,
      });
    }
    // An item that now linked cleanly has its earlier write errors behind it. A planned link
    // whose item failed in this run was never committed: its error stays open.
    const failedItem = (a: Extract<Action, { type: 'link' }>): boolean =>
      k.failures.some((f) => f.action.type !== 'valve' && ((a.item.salesforceId !== undefined && f.action.item.salesforceId === a.item.salesforceId) || (a.item.exchangeId !== undefined && f.action.item.exchangeId === a.item.exchangeId)));
    const linked = k.actions.filter((a): a is Extract<Action, { type: 'link' }> => a.type === 'link' && !failedItem(a));
    if (linked.length > 0) {
      const open = (await store.listIssues(mailboxId, { open: true })).filter((i) => i.kind === 'Error' && i.objectType === OBJECT[k.kind] && i.issueKey?.startsWith('error:'));
      for (const issue of open) {
        if (linked.some((a) => (a.item.salesforceId && a.item.salesforceId === issue.salesforceId) || (a.item.exchangeId && a.item.exchangeId === issue.exchangeId))) {
          await store.resolveIssue(issue.id);
        }
      }
    }
  }

  /** The stored mailbox when a hinted run can be incremental: provisioned, enabled, last run clean. */
  async function incrementalMailbox(id: string, reason: RunReason, ctx: RunContext | undefined): Promise<{ mailbox: Mailbox; scope: HintScope } | undefined> {
    const scope = reason === 'hint' ? hintScope((ctx?.hints ?? []).map((h) => h.source)) : undefined;
    if (!scope) return undefined;
    const mailbox = await store.getMailbox(id);
    const settings = mailbox ? storedSettings(mailbox) : undefined;
    // Anything unusual (not provisioned, disabled, an error or a held-back user) gets the full
    // run, which re-reads Mailbox_Sync__c and the user and reports.
    if (!mailbox || mailbox.state !== 'active' || mailbox.lastError !== null || !settings?.provisioned || !settings.config.enabled) return undefined;
    return { mailbox, scope };
  }

  async function runMailbox(id: string, reason: RunReason, ctx?: RunContext): Promise<RunResult> {
    const incremental = await incrementalMailbox(id, reason, ctx);
    return incremental ? runIncremental(incremental.mailbox, incremental.scope, reason) : runFull(id, reason);
  }

  /** Reports a failed run (log, state, issues, status back to Salesforce) and throws it as a RunError. */
  async function failRun(id: string, reason: RunReason, error: unknown, options: { noteIssue: boolean }): Promise<never> {
    const failure = classify(error);
    log?.warn({ mailboxId: id, reason, kind: failure.kind, err: failure.message }, 'mailbox run failed');
    if (failure.status === 'Error') await store.updateMailbox(id, { state: 'error' });
    if (options.noteIssue) await noteRunFailure(store, id, failure).catch(() => undefined);
    const openIssues = await pushIssues(id).catch(() => undefined);
    await writeStatus(id, {
      ...(failure.status ? { status: failure.status as MailboxStatus } : {}),
      lastError: failure.message,
      ...(openIssues !== undefined ? { openIssues } : {}),
    });
    throw new RunError(failure, { cause: error });
  }

  /**
   * A full run's opening Salesforce reads, issued in one tick so that they share one API call
   * (records.ts coalesces them into a composite request): Mailbox_Sync__c with Email_No_Match__c
   * and the user (sObject Rows, no queries), and, as the store last knew the mailbox, the
   * describes of its enabled kinds, the events the user is invited to and each enabled kind's
   * first query pages from its cursor (at most 5 queries a composite call). The first pages are
   * speculative: a side takes one only when it asks the same SOQL, so a fresh Mailbox_Sync__c that
   * changes what the queries depend on (user, scope, kinds, fields, invitations) reads again.
   */
  async function openingReads(id: string, now: number): Promise<{ config: Promise<MailboxSync | undefined>; user: (userId: string) => RunUser; noMatch: RunNoMatch; sharedEventIds: (userId: string) => Promise<readonly string[]> | undefined; records: SalesforceRecords }> {
    const stored = await store.getMailbox(id);
    const prior = stored ? storedSettings(stored)?.config : undefined;
    const guessedKinds = prior?.enabled && prior.userId ? kinds.filter((k) => k.enabled(prior)) : [];
    const cursors = await Promise.all(guessedKinds.map((k) => store.getCursor(id, 'salesforce', k.kind)));
    // from here on, one tick: every read below joins the same composite call(s)
    const fresh = readMailboxSync(records, id, ['Email_No_Match__c']).then(
      (read) => (read ? { ...read, noMatch: noMatchOf(read.row) } : undefined),
      async (error: unknown) => {
        // an org on an older package version has no Email_No_Match__c: read without it, log anyway
        if (!(error instanceof SalesforceError) || error.kind !== 'permanent') throw error;
        const read = await readMailboxSync(records, id);
        return read ? { ...read, noMatch: 'Log Anyway' as const } : undefined;
      },
    );
    const config = fresh.then((read) => read?.config);
    const noMatch: RunNoMatch = () => fresh.then((read) => read?.noMatch ?? 'Log Anyway');
    const guessed = prior?.userId ? { userId: prior.userId, read: runUser(records, prior.userId) } : undefined;
    if (prior) {
      // failures here are the later callers' to see (each read is remembered or retried)
      guessed?.read().catch(() => undefined);
      const described = new Set(kinds.filter((k) => k.enabled(prior) && k.entity !== undefined && k.entity !== 'Mailbox_Sync__c').map((k) => k.entity as string));
      if (prior.syncEmails && options.email !== false) described.add('Task');
      for (const sobject of described) records.fieldLimits(sobject).catch(() => undefined);
    }
    // the events the user is invited to: the event kind's first read needs them before its query
    const shared = prior?.syncEvents && prior.userId ? { userId: prior.userId, read: eventRecords(records).sharedEventIds(prior.userId) } : undefined;
    shared?.read.then((ids) => knownShared.set(shared.userId, ids), () => undefined);
    const prefetched: QueryPrefetch[] = [];
    for (const [i, plugin] of guessedKinds.entries()) {
      try {
        const map = firstReadMap(plugin);
        const scope = {
          ownerId: prior!.userId,
          contactScope: prior!.contactScope,
          now: () => new Date(now),
          eventWindowDays: { past: EVENT_PAST_DAYS, future: options.eventHorizonDays ?? DEFAULT_EVENT_HORIZON_DAYS },
        };
        const invited = plugin.kind === 'event' ? (knownShared.get(prior!.userId) ?? []) : [];
        for (const q of firstReads(scope, map, cursors[i] ?? null, invited)) prefetched.push(records.prefetch(q.soql, { all: q.all }));
      } catch {
        // a guess that cannot even be written (a malformed user id, an unreadable cursor): the side says why
      }
    }
    return {
      config,
      noMatch,
      user: (userId) => (guessed && guessed.userId === userId ? guessed.read : runUser(records, userId)),
      sharedEventIds: (userId) => (shared && shared.userId === userId ? shared.read : undefined),
      records: prefetched.length > 0 ? withPrefetched(records, prefetched) : records,
    };
  }

  /** The Salesforce map a kind's side reads with, as far as it is known before the run's describes. */
  function firstReadMap(plugin: KindPlugin): SalesforceKindMap {
    if (plugin.kind !== 'event') return plugin.salesforce;
    return { ...plugin.salesforce, fields: eventReadFields(records.knownLimits('Event')) };
  }

  async function runFull(id: string, reason: RunReason): Promise<RunResult> {
    const started = clock();
    const opening = await openingReads(id, started);
    const read = await opening.config;
    if (!read) {
      await store.updateMailbox(id, { state: 'paused', lastError: 'Mailbox_Sync__c record not found' });
      return { ok: true, counts: {} };
    }
    let mailbox = await refreshOne(read);
    if (!storedSettings(mailbox)?.config.enabled) return { ok: true, counts: {} };
    // An inactive (or deleted) Salesforce user: no sync at all (its records are out of reach,
    // and their absence must not read as deletes); say so, and look again on the next run.
    const user = opening.user(read.userId);
    const inactive = await checkUser(store, user, id, read.userId);
    if (inactive) {
      await store.updateMailbox(id, { lastError: inactive });
      const openIssues = await pushIssues(id).catch(() => undefined);
      await writeStatus(id, { status: 'Needs Attention', lastError: inactive, ...(openIssues !== undefined ? { openIssues } : {}) });
      log?.warn({ mailboxId: id, reason }, 'Salesforce user inactive; sync paused');
      return { ok: true, counts: {} };
    }
    if (!storedSettings(mailbox)?.provisioned) mailbox = (await provision(id)) ?? mailbox;
    const settings = storedSettings(mailbox);
    if (!settings?.provisioned) throw new Error('provisioning did not complete');
    const config = settings.config;
    const counts: Record<string, number> = {};
    try {
      await checkRenames(store, graph, id, config.mailboxAddress, settings.provisioned, { contacts: config.syncContacts, tasks: config.syncTasks });
      const sharedEventIds = opening.sharedEventIds(read.userId);
      addCounts(counts, await syncKinds(mailbox, settings, undefined, user, { noMatch: opening.noMatch, ...(sharedEventIds ? { sharedEventIds } : {}), records: opening.records, now: started }));
    } catch (error) {
      return failRun(id, reason, error, { noteIssue: true });
    }
    const written = writtenIn(counts);
    await noteRunSuccess(store, id);
    const openIssues = await pushIssues(id);
    const after = await store.getMailbox(id);
    await writeStatus(id, {
      status: 'Active',
      lastSync: new Date(clock()),
      lastError: null,
      itemsSynced: (after?.itemsSynced ?? 0) + written,
      openIssues,
    });
    log?.info({ mailboxId: id, reason, ms: clock() - started, written, openIssues }, 'mailbox synced');
    return { ok: true, counts, itemsSynced: written };
  }

  /** Every enabled kind, or only `scope`'s kinds; filed emails last. */
  async function syncKinds(mailbox: Mailbox, settings: StoredSettings, scope?: HintScope, given?: RunUser, early: EarlyReads = {}): Promise<Record<string, number>> {
    const { noMatch } = early;
    const { config, provisioned } = settings;
    if (!provisioned) throw new Error('mailbox not provisioned');
    // one read of the mailbox's user serves every kind of the run
    const user = given ?? runUser(records, config.userId);
    const counts: Record<string, number> = {};
    const plugins = kinds.filter((plugin) => plugin.enabled(config) && (!scope || scope.kinds.has(plugin.kind)));
    // sides built together (their reads — describes, the user — share a call), then every kind's
    // first Salesforce read at once; the kinds still sync one after another
    const built = await Promise.all(plugins.map((plugin) => kindSides(mailbox, settings, plugin, !scope || scope.wholeMailbox.has(plugin.kind), user, early)));
    try {
      for (const run of await readAhead(mailbox.id, built)) addCounts(counts, await syncKind(mailbox, settings, run));
    } finally {
      // reads ahead of a kind the run never reached go out (and are dropped) rather than wait
      for (const run of built) run.ride.release();
    }
    // Filed emails are one-way and item-by-item (task, relations, files, stamp): their own run.
    if (config.syncEmails && options.email !== false && (!scope || scope.kinds.has('email'))) {
      addCounts(counts, await logFiledEmails({ ...options.email, store, graph, sf, records, mailboxId: mailbox.id, config, mailFolderId: provisioned.mailFolderId, categoryName: provisioned.categoryName, user, ...(noMatch ? { noMatch } : {}), ...(log ? { log } : {}) }));
    }
    return counts;
  }

  async function runIncremental(mailbox: Mailbox, scope: HintScope, reason: RunReason): Promise<RunResult> {
    const id = mailbox.id;
    const settings = storedSettings(mailbox)!;
    const started = clock();
    let counts: Record<string, number>;
    try {
      counts = await syncKinds(mailbox, settings, scope);
    } catch (error) {
      // reported as a full run reports it, without its run-failed issue; the next run is a full
      // one (the scheduler records the error, and a mailbox with an error never runs incrementally)
      return failRun(id, reason, error, { noteIssue: false });
    }
    const written = writtenIn(counts);
    const openIssues = await pushIssues(id);
    if (written > 0 || reportedOpenIssues.get(id) !== openIssues) {
      deferStatus(id, { status: 'Active', lastSync: new Date(clock()), lastError: null, itemsSynced: mailbox.itemsSynced + written, openIssues });
    }
    log?.debug({ mailboxId: id, reason, kinds: [...scope.kinds], ms: clock() - started, written, openIssues }, 'mailbox synced (incremental)');
    return { ok: true, counts, itemsSynced: written, incremental: true };
  }

  /** CDC change → the mailboxes it concerns: the owner's, plus every All Contacts mailbox for contacts. */
  async function onChange(change: FeedChange): Promise<void> {
    if (change.entity === 'Mailbox_Sync__c') return onConfigChange(change);
    const plugin = kinds.find((k) => k.entity === change.entity);
    if (!plugin) return;
    const mailboxes = (await store.listMailboxes()).filter((m) => {
      const s = storedSettings(m);
      return s !== undefined && m.state === 'active' && plugin.enabled(s.config);
    });
    let owners = change.ownerIds;
    if (change.entity === 'Event' && owners && owners.length > 0 && change.recordIds.length > 0) {
      // an event is also its invitees' (EventRelation): their mailboxes mirror it too
      owners = [...owners, ...(await eventInvitees(change.recordIds))];
    }
    const targets = mailboxes.filter((m) => {
      if (!owners || owners.length === 0 || change.changeType === 'GAP_OVERFLOW') return true;
      if (change.entity === 'Contact' && storedSettings(m)?.config.contactScope === 'All Contacts') return true;
      return m.salesforceUserId !== null && owners.includes(m.salesforceUserId);
    });
    // Our own write comes back as an echo; it matters only to the other mailboxes that see it.
    if (change.ours && targets.length <= 1) return;
    for (const m of targets) await scheduler.hint(m.id, hintSource('salesforce', plugin.kind));
  }

  /**
   * An admin changed Mailbox_Sync__c records: read them into the store now, so a mailbox paused by
   * Enabled__c = false starts again (and an active one stops) without waiting for a run that a
   * paused mailbox never gets. Our own status writes come back as echoes and are skipped.
   */
  async function onConfigChange(change: FeedChange): Promise<void> {
    if (change.ours) return;
    if (change.recordIds.length === 0 || change.changeType === 'GAP_OVERFLOW') {
      for (const m of await refreshMailboxes()) if (m.state === 'active') await scheduler.hint(m.id, 'salesforce');
      return;
    }
    for (const id of change.recordIds) {
      try {
        const before = await store.getMailbox(id);
        const read = change.changeType === 'DELETE' || change.changeType === 'GAP_DELETE' ? undefined : await loadConfig(id);
        if (!read) {
          if (before) await store.updateMailbox(id, { state: 'paused', lastError: 'Mailbox_Sync__c record not found' });
          continue;
        }
        if (!read.mailboxAddress) continue;
        let m = await refreshOne(read);
        if (m.state === 'new' && storedSettings(m)?.config.enabled) m = (await provision(id)) ?? m;
        if (m.state !== 'active') continue;
        // PushTopic events carry no origin: our own status writes (Status__c, Last_Sync__c) come
        // back too. A change that alters nothing the worker applies schedules nothing.
        if (before?.state === 'active' && sameConfig(before, m)) continue;
        // Just switched on: run now on any plan; otherwise a hint (Real-time runs on it).
        if (before?.state !== 'active') await scheduler.resume(id);
        else await scheduler.hint(id, 'salesforce');
      } catch (error) {
        // The next run reads the record again; a failed early read only delays the change.
        log?.warn({ mailboxId: id, err: classify(error).message }, 'could not apply a Mailbox_Sync__c change');
      }
    }
  }

  function sameConfig(a: Mailbox, b: Mailbox): boolean {
    const applied = (m: Mailbox): string => {
      const c = storedSettings(m)?.config;
      return c ? JSON.stringify({ ...c, status: null, lastSync: null }) : '';
    };
    return applied(a) === applied(b);
  }

  async function eventInvitees(eventIds: readonly string[]): Promise<string[]> {
    try {
      const out: string[] = [];
      const ids = eventIds.filter((id) => /^[a-zA-Z0-9]{15,18}$/.test(id));
      for (let i = 0; i < ids.length; i += 200) {
        const list = ids.slice(i, i + 200).map((id) => `'${id}'`).join(', ');
        for await (const page of records.pages(`SELECT RelationId FROM EventRelation WHERE EventId IN (${list})`)) out.push(...page.map((r) => String(r.RelationId)));
      }
      return out;
    } catch (error) {
      // a hint is an optimisation: the invitee's next scheduled run still reads the change
      log?.warn({ err: classify(error).message }, 'could not read event invitees for hints');
      return [];
    }
  }

  async function onCursorExpired(entity: FeedEntity): Promise<void> {
    // The SystemModstamp watermarks are the truth; a lost replay only means: look now.
    await onChange({ entity, channel: '', recordIds: [], changeType: 'GAP_OVERFLOW', ours: false, replayId: -1 });
  }

  async function maintain(): Promise<void> {
    if (!options.publicUrl) return;
    for (const m of await store.listMailboxes()) {
      const s = storedSettings(m);
      if (!s?.provisioned || m.state !== 'active') continue;
      try {
        await maintainMailboxSubscriptions(store, graph, m.id, m.address, s, options.publicUrl);
      } catch (error) {
        log?.warn({ mailboxId: m.id, err: classify(error).message }, 'subscription maintenance failed');
      }
    }
  }

  async function startFeeds(): Promise<void> {
    const entities = [...new Set([...kinds.map((k) => k.entity).filter((e): e is FeedEntity => e !== undefined), 'Mailbox_Sync__c' as const])];
    feed = await startFeed({
      sf,
      entities,
      cursor: storeReplayCursor(store),
      records,
      mode: options.streaming ?? 'cdc',
      onChange,
      onCursorExpired,
      onError: (error, channel) => log?.warn({ channel, err: error.message }, 'Salesforce feed error'),
    });
    maintenance = setInterval(() => void maintain(), options.maintenanceIntervalMs ?? 3_600_000);
    maintenance.unref();
  }

  const ports: MailboxPorts = {
    async status(id) {
      const doc = await mailboxStatus(store, id);
      if (!doc) return undefined;
      const totals: Record<string, number> = {};
      for (const run of await store.listRuns(id, 1000)) addCounts(totals, run.counts);
      return { ...doc, counts: nestCounts(totals) };
    },
    async provision(id) {
      const m = await provision(id);
      return m ? { id: m.id, state: m.state } : undefined;
    },
    async sync(id, { full }) {
      if (!(await store.getMailbox(id))) {
        const config = await loadConfig(id);
        if (!config) return undefined;
        await refreshOne(config);
      }
      if (full) for (const c of await store.listCursors(id)) await store.deleteCursor(id, c.side, c.channel);
      const m = await scheduler.syncNow(id);
      return m ? { id: m.id, state: m.state, queued: true, full } : undefined;
    },
    async pause(id) {
      const m = await scheduler.pause(id);
      const s = m ? storedSettings(m) : undefined;
      if (s?.resumed) {
        const { resumed: _resumed, ...rest } = s;
        await store.updateMailbox(id, { settings: rest as unknown as Record<string, unknown> });
      }
      if (m) await writeStatus(id, { status: 'Paused' });
      return m ? { id: m.id, state: m.state } : undefined;
    },
    async resume(id) {
      const before = await store.getMailbox(id);
      const s = before ? storedSettings(before) : undefined;
      if (s) {
        // The resume wins over Enabled__c as Salesforce holds it now; only a later change of
        // Enabled__c overrides it. Unreadable now → assume false: a true one just ends the override.
        const read = await loadConfig(id).catch(() => undefined);
        const resumed = { enabledSeen: read?.enabled ?? false, at: clock() };
        const settings: StoredSettings = { ...s, config: { ...(read ?? s.config), enabled: true }, resumed };
        await store.updateMailbox(id, { settings: settings as unknown as Record<string, unknown> });
      }
      const m = await scheduler.resume(id);
      if (m) await writeStatus(id, { status: 'Active' });
      return m ? { id: m.id, state: m.state } : undefined;
    },
    async test(id) {
      const config = await loadConfig(id);
      if (!config) return undefined;
      try {
        await graph.get(`/users/${encodeURIComponent(config.mailboxAddress)}/contactFolders?$top=1`);
        return { id, ok: true, mailbox: config.mailboxAddress };
      } catch (error) {
        return { id, ok: false, mailbox: config.mailboxAddress, error: classify(error).message };
      }
    },
  };

  return {
    ports,
    scheduler,
    records,
    hint: (mailboxId, source) => scheduler.hint(mailboxId, source),
    async lifecycle(event) {
      const m = await store.getMailbox(event.mailboxId);
      if (!m || !options.publicUrl) return;
      try {
        await onLifecycle(store, graph, event.event, event.subscriptionId, m.address, options.publicUrl);
      } catch (error) {
        log?.warn({ mailboxId: m.id, err: classify(error).message }, 'lifecycle handling failed');
      }
    },
    refreshMailboxes,
    runMailbox: (id, reason, ctx) => runMailbox(id, reason, ctx),
    provision,
    maintain,
    startFeeds,
    feedReady: () => feed?.ready ?? Promise.resolve(),
    async start() {
      await refreshMailboxes();
      await startFeeds();
      scheduler.start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (maintenance) clearInterval(maintenance);
      await scheduler.stop();
      if (statusTimer !== undefined) clearTimeout(statusTimer);
      statusTimer = undefined;
      await statusFlushing;
      await flushStatus();
      await feed?.close();
    },
  };
}
