// The event kind plug-in: Salesforce Events ↔ the mailbox's calendar, on the runtime's kind
// mechanism (./kinds.ts). Its `sides` hook builds, per run, the connector sides with the
// event rules: the calendar window (14 days back to the horizon ahead, both sides), invitees
// through EventRelation (./events-records.ts), writes in the user's time zone (User.TimeZoneSidKey),
// the private-event policy and the no-invitation rules (./events-sides.ts).
import type { RecordSide } from '../core/ports.ts';
import type { GraphClient } from '../graph/client.ts';
import type { ExchangeItem } from '../graph/delta.ts';
import { createExchangeSide } from '../graph/exchange-side.ts';
import type { ProvisionedIds } from '../graph/provision.ts';
import type { SalesforceRecords } from '../salesforce/records.ts';
import { createSalesforceSide } from '../salesforce/side.ts';
import type { MailboxSync } from '../salesforce/status.ts';
import { eventFieldsToGraph, eventItemToFields, eventSalesforceMap, stripMarkers } from './events-map.ts';
import { eventRecords } from './events-records.ts';
import { exchangeEventSide, salesforceEventSide } from './events-sides.ts';
import type { KindPlugin } from './kinds.ts';

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
}

/** The user's time zone (IANA, from User.TimeZoneSidKey); UTC when unknown. */
async function userZone(records: SalesforceRecords, userId: string): Promise<string> {
  try {
    const [user] = await records.retrieve('User', [userId], ['TimeZoneSidKey']);
    return typeof user?.TimeZoneSidKey === 'string' && user.TimeZoneSidKey ? user.TimeZoneSidKey : 'UTC';
  } catch {
    // the zone only decides how Outlook displays what we write; the instants stay exact
    return 'UTC';
  }
}

export async function eventSides(ctx: KindSidesContext): Promise<{ salesforce: RecordSide; exchange: RecordSide }> {
  const { config, provisioned } = ctx;
  const horizon = ctx.eventHorizonDays ?? DEFAULT_EVENT_HORIZON_DAYS;
  const zone = await userZone(ctx.records, config.userId);
  const records = eventRecords(ctx.records);
  // Orgs with Recurrence 2.0 keep series as an RRULE: read it where the field exists.
  const describe = await ctx.records.fieldLimits('Event').catch(() => new Map());
  const fields = describe.has('Recurrence2PatternText') ? [...eventSalesforceMap.fields, 'Recurrence2PatternText'] : eventSalesforceMap.fields;
  const salesforce = createSalesforceSide({
    records,
    maps: { event: { ...eventSalesforceMap, fields, sharedIds: (owner) => records.sharedEventIds(owner) } },
    ownerId: config.userId,
    contactScope: config.contactScope,
    now: ctx.now,
    eventWindowDays: { past: EVENT_PAST_DAYS, future: horizon },
  });
  const category = provisioned.categoryName;
  const exchange = createExchangeSide({
    client: ctx.graph,
    mailbox: config.mailboxAddress,
    containers: provisioned,
    map: {
      toFields: (_kind, item) => eventItemToFields(item, category),
      toGraph: (_kind, fields, mode) => eventFieldsToGraph(fields, mode, category, zone),
    },
    eventWindow: () => {
      const now = ctx.now().getTime();
      return { start: new Date(now - EVENT_PAST_DAYS * DAY).toISOString(), end: new Date(now + horizon * DAY).toISOString() };
    },
  });
  return {
    salesforce: salesforceEventSide(salesforce, config.eventsPrivate),
    exchange: exchangeEventSide(exchange, { policy: config.eventsPrivate, ...(ctx.allEvents ? { allEvents: true } : {}), ...(ctx.log ? { log: ctx.log } : {}) }),
  };
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
