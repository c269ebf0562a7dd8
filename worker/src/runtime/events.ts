// The event kind plug-in: Salesforce Events ↔ the mailbox's calendar, on the runtime's kind
// mechanism (./kinds.ts). Its `sides` hook builds, per run, the connector sides with the
// event rules: the calendar window (14 days back to the horizon ahead, both sides), invitees
// through EventRelation (./events-records.ts), writes in the user's time zone (User.TimeZoneSidKey),
// the private-event policy and the no-invitation rules (./events-sides.ts). With the run's store
// (KindRunContext) it also feeds those rules the mailbox's event links and records what they hold
// back as Skipped issues (objectType Event), which the runtime pushes to Sync_Issue__c.
import { createHash } from 'node:crypto';
import { exchangeKey } from '../core/natural-key.ts';
import type { RecordSide } from '../core/ports.ts';
import { isPendingCreateId, type FieldConflict, type Fields, type Side, type SideRecord } from '../core/types.ts';
import type { GraphClient } from '../graph/client.ts';
import { SALESFORCE_ID_PROPERTY, SELECT, expandProperties, stampOf, versionOf, type ExchangeItem } from '../graph/delta.ts';
import { createExchangeSide } from '../graph/exchange-side.ts';
import type { ProvisionedIds } from '../graph/provision.ts';
import type { FieldLimit, SalesforceRecords } from '../salesforce/records.ts';
import { createSalesforceSide } from '../salesforce/side.ts';
import type { MailboxSync } from '../salesforce/status.ts';
import { eventFieldsToGraph, eventFieldsToRow, eventItemToFields, eventSalesforceMap, stripMarkers } from './events-map.ts';
import { eventRecords } from './events-records.ts';
import { runUser, userZone, type RunUser } from './user-zone.ts';
import { winnerOf } from './mailbox-config.ts';
import { exchangeEventSide, salesforceEventSide, type HeldBack } from './events-sides.ts';
import { occurrenceSync } from './events-occurrences.ts';
import type { KindPlugin } from './kinds.ts';
import { linkStoreOf } from '../store/link-store.ts';
import type { Store } from '../store/types.ts';

export const EVENT_PAST_DAYS = 14;
export const DEFAULT_EVENT_HORIZON_DAYS = 365;
const DAY = 86_400_000;

export interface KindSidesContext {
  config: MailboxSync;
  provisioned: Omit<ProvisionedIds, 'created'>;
  records: SalesforceRecords;
  graph: GraphClient;
  now: () => Date;
  /** Days ahead mirrored for events (default 365). */
  eventHorizonDays?: number;
  /** Exchange → Salesforce for every event in the window, not only those with the category. */
  allEvents?: boolean;
  log?: (message: string, data: Record<string, unknown>) => void;
  /** The run's store and mailbox (the runtime passes them): links for scope, Skipped issues. */
  store?: Store;
  mailboxId?: string;
  /** The mailbox's Salesforce user, read once per run (default: read here). */
  user?: RunUser;
  /** The events the user is invited to, read with the run's opening reads: serves the first read of the run. */
  sharedEventIds?: Promise<readonly string[]>;
}

const FIELD_WORDS: Readonly<Record<string, string>> = {
  start: 'time', end: 'time', startDate: 'time', endDate: 'time', isAllDay: 'time',
  subject: 'subject', description: 'description', location: 'location', recurrence: 'recurrence',
};

/** What the user reads on the Sync_Issue__c for a change the calendar rules held back. */
export function heldBackMessage(held: HeldBack): string {
  if (held.reason === 'occurrence-failed') {
    return `A change to this occurrence of a series could not be copied: ${held.error ?? 'unknown error'}. It is tried again with the occurrence's next change.`;
  }
  if (held.reason === 'meeting-occurrence') {
    const when = typeof held.fields.start === 'string' ? ` (${held.fields.start})` : typeof held.fields.startDate === 'string' ? ` (${held.fields.startDate})` : '';
    return `This occurrence${when} of a Salesforce series was changed on its own in Salesforce, but the series is a meeting with attendees in Outlook; SmartCloud Connect does not change it there, so that no invitations or updates are sent to the attendees. Edit the occurrence in Outlook; the Salesforce change was not copied.`;
  }
  const words = [...new Set(Object.keys(held.fields).map((f) => FIELD_WORDS[f] ?? f))];
  return `This meeting has attendees in Outlook; SmartCloud Connect does not change its ${words.join(', ')} there, so that no invitations or updates are sent to the attendees. Edit it in Outlook; the Salesforce change was not copied.`;
}

/** Raw Graph events overlapping [start, end): calendarView, paged. */
async function calendarView(graph: GraphClient, mailbox: string, category: string, start: string, end: string): Promise<SideRecord[]> {
  const query = `startDateTime=${encodeURIComponent(start)}&endDateTime=${encodeURIComponent(end)}&$select=${SELECT.events.join(',')}&$expand=${encodeURIComponent(expandProperties('events'))}&$top=50`;
  const out: SideRecord[] = [];
  let next: string | undefined = `/users/${encodeURIComponent(mailbox)}/calendarView?${query}`;
  // bounded: a broken nextLink chain never loops forever
  for (let pages = 0; next && pages < 1000; pages++) {
    const page: { value?: ExchangeItem[]; '@odata.nextLink'?: string } = await graph.get(next);
    for (const item of page.value ?? []) {
      const stamp = stampOf(item);
      out.push({ id: item.id, version: versionOf(item), fields: eventItemToFields(item, category), ...(stamp ? { stamp } : {}) });
    }
    next = page['@odata.nextLink'];
  }
  return out;
}

/**
 * A "stamped … but not linked" issue is moot once its event is linked: a series made again from a
 * single event (recreateAsSeries) reads that way in the run that finishes it, before its link moves.
 */
async function resolveLinkedStampIssues(store: Store, mailboxId: string, linkedSalesforce: ReadonlySet<string>): Promise<void> {
  for (const issue of await store.listIssues(mailboxId, { open: true })) {
    if (issue.kind === 'Skipped' && issue.objectType === 'Event' && issue.issueKey?.startsWith('skip:') && / but not linked$/.test(issue.message) && issue.salesforceId && linkedSalesforce.has(issue.salesforceId)) {
      await store.resolveIssue(issue.id);
    }
  }
}

/** Store link kind holding each synced occurrence pair's agreed view (the base of its merges). */
export const OCCURRENCE_LINK_KIND = 'occurrence';
const OCCURRENCE_FAILED = 'event:occurrence-failed:';

/** The Conflict issue message for an occurrence changed on both sides. */
export function occurrenceConflictMessage(fields: readonly FieldConflict[]): string {
  const side = (s: Side): string => (s === 'salesforce' ? 'Salesforce' : 'Outlook');
  const parts = fields.map((c) => {
    const [won, lost] = c.winner === 'salesforce' ? [c.salesforce, c.exchange] : [c.exchange, c.salesforce];
    return `${FIELD_WORDS[c.field] ?? c.field}: kept ${side(c.winner)} ${JSON.stringify(won)} over ${side(c.winner === 'salesforce' ? 'exchange' : 'salesforce')} ${JSON.stringify(lost)}`;
  });
  return `This occurrence of a series was changed on both sides since the last sync. ${parts.join('; ')}.`;
}

/** Open "occurrence could not be copied" issues of these rows are behind them: resolved. */
async function resolveOccurrenceFailures(store: Store, mailboxId: string, rowIds: ReadonlySet<string>): Promise<void> {
  for (const issue of await store.listIssues(mailboxId, { open: true })) {
    if (issue.issueKey?.startsWith(`${OCCURRENCE_FAILED}${mailboxId}:`) && issue.salesforceId && rowIds.has(issue.salesforceId)) await store.resolveIssue(issue.id);
  }
}

/**
 * Open occurrence failures whose row is gone (deleted with its series, or by the user in a way
 * no feed of ours reported): nothing is left to copy, so they are resolved.
 */
async function resolveGoneOccurrenceFailures(store: Store, records: SalesforceRecords, mailboxId: string): Promise<void> {
  const open = (await store.listIssues(mailboxId, { open: true })).filter((i) => i.issueKey?.startsWith(`${OCCURRENCE_FAILED}${mailboxId}:`) && i.salesforceId);
  if (open.length === 0) return;
  const ids = [...new Set(open.map((i) => i.salesforceId!))];
  const alive = new Set((await records.retrieve('Event', ids, ['Id'])).map((r) => r.Id));
  const gone = new Set(ids.filter((id) => !alive.has(id)));
  if (gone.size > 0) await resolveOccurrenceFailures(store, mailboxId, gone);
}

/** Writes the SalesforceId extended property alone on an Outlook event; its new changeKey. */
async function stampEvent(graph: GraphClient, mailbox: string, id: string, salesforceId: string): Promise<string | undefined> {
  const item = await graph.request<ExchangeItem>('PATCH', `/users/${encodeURIComponent(mailbox)}/events/${encodeURIComponent(id)}`, {
    body: { singleValueExtendedProperties: [{ id: SALESFORCE_ID_PROPERTY, value: salesforceId }] },
  });
  return versionOf(item) || undefined;
}

async function iCalUIdOf(graph: GraphClient, mailbox: string, id: string): Promise<string | undefined> {
  const item = await graph.get<ExchangeItem>(`/users/${encodeURIComponent(mailbox)}/events/${encodeURIComponent(id)}?$select=id,iCalUId`);
  return typeof item.iCalUId === 'string' && item.iCalUId !== '' ? item.iCalUId : undefined;
}

const RECURRENCE2_FIELDS = ['Recurrence2PatternText', 'ActivityRecurrence2Id', 'GroupEventType'];

/**
 * The Event fields the side reads: the map's, plus Recurrence 2.0's where the describe has them.
 * Before the describe is known (a process's first run guesses its first query) it guesses they
 * exist: a wrong guess is a query that fails or goes unused, never a wrong read.
 */
export function eventReadFields(describe: ReadonlyMap<string, unknown> | undefined): readonly string[] {
  if (describe === undefined) return [...eventSalesforceMap.fields, ...RECURRENCE2_FIELDS];
  const recurrence2 = RECURRENCE2_FIELDS.filter((f) => describe.has(f));
  return describe.has('Recurrence2PatternText') ? [...eventSalesforceMap.fields, ...recurrence2] : eventSalesforceMap.fields;
}

export async function eventSides(ctx: KindSidesContext): Promise<{ salesforce: RecordSide; exchange: RecordSide }> {
  const { config, provisioned } = ctx;
  const horizon = ctx.eventHorizonDays ?? DEFAULT_EVENT_HORIZON_DAYS;
  const zone = await userZone(ctx.user ?? runUser(ctx.records, config.userId));
  const records = eventRecords(ctx.records);
  // the opening reads' invitation lookup, once, for this user (later reads look again)
  let opening = ctx.sharedEventIds;
  const early = (owner: string): Promise<readonly string[]> | undefined => {
    const read = owner === config.userId ? opening : undefined;
    opening = undefined;
    return read;
  };
  // Orgs with Recurrence 2.0 keep series as an RRULE: read it where the field exists.
  const describe = await ctx.records.fieldLimits('Event').catch(() => new Map<string, FieldLimit>());
  const recurrence2 = RECURRENCE2_FIELDS.filter((f) => describe.has(f));
  const fields = eventReadFields(describe);
  const salesforce = createSalesforceSide({
    records,
    maps: { event: { ...eventSalesforceMap, fields, sharedIds: (owner) => early(owner) ?? records.sharedEventIds(owner) } },
    ownerId: config.userId,
    contactScope: config.contactScope,
    now: ctx.now,
    eventWindowDays: { past: EVENT_PAST_DAYS, future: horizon },
  });
  const category = provisioned.categoryName;
  const eventWindow = (): { start: string; end: string } => {
    const now = ctx.now().getTime();
    return { start: new Date(now - EVENT_PAST_DAYS * DAY).toISOString(), end: new Date(now + horizon * DAY).toISOString() };
  };
  const exchange = createExchangeSide({
    client: ctx.graph,
    mailbox: config.mailboxAddress,
    containers: provisioned,
    map: {
      toFields: (_kind, item) => eventItemToFields(item, category),
      toGraph: (_kind, fields, mode) => eventFieldsToGraph(fields, mode, category, zone),
    },
    eventWindow,
  });
  const { store, mailboxId } = ctx;
  // Exchange id → Salesforce id of this mailbox's event links, as of the last feed read
  let links = new Map<string, string>();
  let loaded = false;
  async function loadLinks(): Promise<Map<string, string>> {
    if (!store || !mailboxId) return links;
    const rows = await linkStoreOf(store).transaction((tx) => tx.links(mailboxId, 'event'));
    // a create noted before a crash has no Outlook item yet (its id is a stand-in): not a series to read
    links = new Map(rows.filter((l) => !isPendingCreateId(l.exchange.id)).map((l) => [l.exchange.id, l.salesforce.id]));
    loaded = true;
    return links;
  }
  const currentLinks = async (): Promise<Map<string, string>> => (loaded ? links : loadLinks());
  const hooks =
    store && mailboxId
      ? {
          async linked(): Promise<ReadonlySet<string>> {
            const current = await loadLinks();
            await resolveLinkedStampIssues(store, mailboxId, new Set(current.values()));
            await resolveGoneOccurrenceFailures(store, ctx.records, mailboxId);
            return new Set(current.keys());
          },
          async skipped(held: HeldBack): Promise<void> {
            // once per item and change: the key names the held-back values
            const digest = createHash('sha256').update(JSON.stringify(Object.entries(held.fields).sort())).digest('hex').slice(0, 16);
            await store.openIssue({
              mailboxId,
              kind: held.reason === 'occurrence-failed' ? 'Error' : 'Skipped',
              objectType: 'Event',
              salesforceId: held.salesforceId ?? (held.exchangeId ? links.get(held.exchangeId) : undefined) ?? null,
              exchangeId: held.exchangeId ?? null,
              message: heldBackMessage(held),
              issueKey: `event:${held.reason}:${mailboxId}:${held.exchangeId ?? held.salesforceId ?? ''}:${digest}`,
            });
          },
        }
      : {};
  const occurrences =
    store && mailboxId
      ? occurrenceSync({
          graph: ctx.graph,
          mailbox: config.mailboxAddress,
          category,
          zone,
          records: ctx.records,
          window: eventWindow,
          outlookSeriesOf: async (salesforceId) => [...(await currentLinks())].find(([, sf]) => sf === salesforceId)?.[0],
          salesforceSeriesOf: async (exchangeId) => (await currentLinks()).get(exchangeId),
          ...(hooks.skipped ? { skipped: hooks.skipped } : {}),
          ...(ctx.log ? { log: ctx.log } : {}),
          policy: config.eventsPrivate,
          recurrence2: recurrence2.length === 3,
          winner: winnerOf(config),
          direction: config.eventsDirection,
          bases: {
            get: async (rowId) => (await store.getLinkBySalesforceId(mailboxId, OCCURRENCE_LINK_KIND, rowId))?.base as Fields | undefined,
            put: async (rowId, exchangeId, base) => void (await store.replaceLink({ mailboxId, kind: OCCURRENCE_LINK_KIND, salesforceId: rowId, exchangeId, base })),
            drop: async (rowIds) => {
              for (const id of rowIds) await store.deleteLinkBySalesforceId(mailboxId, OCCURRENCE_LINK_KIND, id);
            },
          },
          conflict: async ({ salesforceId, exchangeId, fields: lost }) => {
            const digest = createHash('sha256').update(JSON.stringify(lost)).digest('hex').slice(0, 16);
            await store.openIssue({
              mailboxId,
              kind: 'Conflict',
              objectType: 'Event',
              salesforceId,
              exchangeId,
              message: occurrenceConflictMessage(lost),
              issueKey: `conflict:${mailboxId}:occurrence:${salesforceId}:${digest}`,
            });
          },
          settled: (rowIds) => resolveOccurrenceFailures(store, mailboxId, new Set(rowIds)),
        })
      : undefined;
  return {
    salesforce: salesforceEventSide(salesforce, config.eventsPrivate, {
      ...(occurrences ? { occurrences } : {}),
      recreateAsSeries: async (id, fields) => {
        const exchangeId = [...(await currentLinks())].find(([, sf]) => sf === id)?.[0];
        // the series is keyed by the Outlook series' iCalUId, so a retry after a crash upserts
        // the series it already made (the old event's key may have been cleared by then)
        const uid = typeof fields.iCalUId === 'string' ? fields.iCalUId : exchangeId ? await iCalUIdOf(ctx.graph, config.mailboxAddress, exchangeId) : undefined;
        const outcome = await records.recreateAsSeries(id, eventFieldsToRow(uid ? { ...fields, iCalUId: uid } : fields));
        if (!outcome.ok) return { ok: false, reason: outcome.error.kind === 'not-found' ? 'not-found' : 'rejected', message: outcome.error.message };
        // the Outlook series still names the old event: stamp it with the new one
        if (exchangeId) await stampEvent(ctx.graph, config.mailboxAddress, exchangeId, outcome.id);
        const created = await salesforce.get('event', outcome.id);
        return typeof created === 'object' && !('deleted' in created) ? { ok: true, record: created } : { ok: false, reason: 'not-found', message: `series ${outcome.id} is gone` };
      },
    }),
    exchange: lookingAhead(
      exchangeEventSide(exchange, {
        policy: config.eventsPrivate,
        ...(ctx.allEvents ? { allEvents: true } : {}),
        ...(ctx.log ? { log: ctx.log } : {}),
        calendarView: (start, end) => calendarView(ctx.graph, config.mailboxAddress, category, start, end),
        ...hooks,
        ...(occurrences ? { occurrences } : {}),
        stamp: (id, salesforceId) => stampEvent(ctx.graph, config.mailboxAddress, id, salesforceId),
      }),
    ),
  };

  /**
   * The Exchange side, telling the event records the upsert keys of each feed page's unlinked
   * events as the page is read: their owner lookups go out together (five queries a composite
   * call) instead of one call per group of 200 upserts (see events-records.ts).
   */
  function lookingAhead(side: RecordSide): RecordSide {
    if (!store || !mailboxId || config.eventsDirection === 'Salesforce to Exchange') return side;
    return {
      ...side,
      async changesSince(kind, cursor) {
        const page = await side.changesSince(kind, cursor);
        const linked = await currentLinks();
        const keys = page.changes.flatMap((c) => (c.type === 'upsert' && !linked.has(c.record.id) ? [exchangeKey('event', mailboxId, c.record.id, c.record.fields)] : []));
        if (keys.length > 0) records.lookAhead(keys);
        return page;
      },
    };
  }
}

export const EVENT_KIND: KindPlugin = {
  kind: 'event',
  entity: 'Event',
  salesforce: eventSalesforceMap,
  exchange: {
    toFields: (item: ExchangeItem) => stripMarkers(eventItemToFields(item, 'Salesforce')),
    toGraph: (fields, mode) => eventFieldsToGraph(fields, mode, 'Salesforce', 'UTC'),
  },
  enabled: (c) => c.syncEvents,
  direction: (c) => c.eventsDirection,
  sides: eventSides,
};
