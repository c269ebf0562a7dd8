// Single occurrences of a series created in Salesforce, both ways.
// Salesforce keeps a series as its master row (IsRecurrence) plus one Event row per occurrence
// (RecurrenceActivityId = the master); editing or deleting one of those rows is an exception of
// the series. Outlook keeps it as one series master whose occurrences are virtual instances:
// PATCH an instance and it becomes an exception, DELETE it and the occurrence is cancelled.
// The series itself travels as one linked record (its master); this file pairs the occurrence
// rows with the instances of the linked Outlook series and copies single-occurrence changes:
// - Each pair is merged field by field against its base (the conflict policy, DESIGN): the
//   occurrence both sides agreed on at its last sync (`bases`), or, for a pair never synced as
//   an exception, what the series gives it (the master's texts and time at the instance's slot).
//   A field changed on one side goes to the other; changed on both to different values, the
//   winner (default Salesforce) is kept and the loser reported through `conflict`. The times
//   merge as one field (written whole). A row reverted to its series' value is an edit too.
// - Salesforce → Outlook: a changed occurrence row is merged with its instance; a deleted row
//   cancels its instance. A row older than its master's last edit only lags a whole-series edit
//   (some orgs update the rows late): the master carries that edit, the row's values do not count.
// - Outlook → Salesforce: an exception of the series is merged with its row; an instance
//   cancelled in Outlook deletes its row (only when the feed reported removed instances).
// - A pair whose writes landed (or a row gone) is reported through `settled`, so its earlier
//   write failures close.
// - A series that is a meeting in Outlook (attendees) is never changed there: Exchange would mail
//   every attendee. Such an edit is reported through `skipped`, as before.
// Pairing (pure, `pairOccurrences`): same start; else the row's day is the instance's original
// day; else the one row and the one instance left over. Anything less certain is left alone.
import type { Direction, FieldConflict, Fields, FieldValue, Side } from '../core/types.ts';
import type { GraphClient } from '../graph/client.ts';
import { SELECT, type ExchangeItem } from '../graph/delta.ts';
import type { SalesforceRecords, SfRecord } from '../salesforce/records.ts';
import { soqlString } from '../salesforce/records.ts';
import { eventFieldsToGraph, eventFieldsToRow, eventItemToFields, eventRowToFields, markers, stripMarkers } from './events-map.ts';
import type { HeldBack, PrivatePolicy } from './events-sides.ts';
import { placeholder } from '../core/maps/event.ts';

/** The fields an occurrence may change on its own. */
export const OCCURRENCE_FIELDS = ['subject', 'location', 'description', 'start', 'end', 'isAllDay', 'startDate', 'endDate'] as const;
const ROW_FIELDS = ['Id', 'SystemModstamp', 'Subject', 'Location', 'Description', 'IsPrivate', 'StartDateTime', 'EndDateTime', 'IsAllDayEvent', 'ActivityDate', 'DurationInMinutes', 'IsRecurrence', 'RecurrenceActivityId'];
/** Recurrence 2.0 (orgs whose Event has them): the series record and its rows share ActivityRecurrence2Id. */
const RECURRENCE2_FIELDS = ['ActivityRecurrence2Id', 'GroupEventType', 'Recurrence2PatternText'];
const R2 = 'r2:';

/**
 * The series an Event row belongs to, as a key: the master's Id (classic series, the rows'
 * RecurrenceActivityId) or `r2:<ActivityRecurrence2Id>` (Recurrence 2.0). Undefined for a row
 * of no series. `asMaster`: the row is the series itself (master or series record).
 */
export function seriesKeyOf(r: SfRecord, asMaster = false): string | undefined {
  const r2 = typeof r.ActivityRecurrence2Id === 'string' && r.ActivityRecurrence2Id !== '' ? r.ActivityRecurrence2Id : undefined;
  const seriesRecord = r.GroupEventType === '3' || (typeof r.Recurrence2PatternText === 'string' && r.Recurrence2PatternText !== '');
  if (asMaster) return r2 && seriesRecord ? R2 + r2 : r.Id;
  if (typeof r.RecurrenceActivityId === 'string' && r.RecurrenceActivityId !== r.Id && r.IsRecurrence !== true) return r.RecurrenceActivityId;
  return r2 && !seriesRecord ? R2 + r2 : undefined;
}

export interface OccurrenceRow {
  readonly id: string;
  readonly fields: Fields;
  /** SystemModstamp (ms), when read. */
  readonly modified?: number;
}
export interface OccurrenceInstance {
  readonly id: string;
  /** The instant the pattern put it at (Graph originalStart). */
  readonly originalStart: string;
  readonly exception: boolean;
  readonly meeting: boolean;
  readonly fields: Fields;
}

/** The instant a neutral event starts (all-day: its first day at 00:00Z), or NaN. */
function startOf(fields: Fields): number {
  const v = fields.isAllDay === true ? (typeof fields.startDate === 'string' ? `${fields.startDate}T00:00:00Z` : '') : fields.start;
  return typeof v === 'string' ? Date.parse(v) : NaN;
}
const dayOf = (t: number): string => (Number.isNaN(t) ? '' : new Date(t).toISOString().slice(0, 10));

/** Rows ↔ instances of one series; what pairs and what is left over on each side. */
export function pairOccurrences(
  rows: readonly OccurrenceRow[],
  instances: readonly OccurrenceInstance[],
  options: { leftovers?: boolean } = {},
): { pairs: Map<string, OccurrenceInstance>; rows: OccurrenceRow[]; instances: OccurrenceInstance[] } {
  const pairs = new Map<string, OccurrenceInstance>();
  let leftRows = [...rows];
  let leftInstances = [...instances];
  const take = (match: (r: OccurrenceRow, i: OccurrenceInstance) => boolean): void => {
    for (const row of [...leftRows]) {
      const found = leftInstances.filter((i) => match(row, i));
      // a day or start shared by two instances says nothing about which one: leave it
      if (found.length !== 1) continue;
      pairs.set(row.id, found[0]!);
      leftRows = leftRows.filter((r) => r !== row);
      leftInstances = leftInstances.filter((i) => i !== found[0]);
    }
  };
  // in step on both sides (unchanged, or synced since): the same start
  take((r, i) => startOf(r.fields) === startOf(i.fields));
  // moved on one side within its day: the row's day is the instance's original day
  take((r, i) => dayOf(startOf(r.fields)) === dayOf(Date.parse(i.originalStart)));
  if (options.leftovers !== false && leftRows.length === 1 && leftInstances.length === 1) {
    pairs.set(leftRows[0]!.id, leftInstances[0]!);
    leftRows = [];
    leftInstances = [];
  }
  return { pairs, rows: leftRows, instances: leftInstances };
}

/** The occurrence fields of a record, for comparing (times only in the form the event has). */
export function occurrenceView(fields: Fields): Fields {
  const out: Record<string, FieldValue> = {};
  const allDay = fields.isAllDay === true;
  for (const name of OCCURRENCE_FIELDS) {
    if (allDay ? name === 'start' || name === 'end' : name === 'startDate' || name === 'endDate') continue;
    const v = fields[name];
    out[name] = v === undefined || v === '' ? null : v;
  }
  out.isAllDay = allDay;
  return out;
}

/** What merges as one unit: each text on its own, the times together (written whole). */
const GROUPS: Readonly<Record<string, readonly string[]>> = {
  subject: ['subject'],
  location: ['location'],
  description: ['description'],
  time: ['start', 'end', 'startDate', 'endDate', 'isAllDay'],
};

function groupOf(view: Fields, group: string): Fields | undefined {
  const out: Record<string, FieldValue> = {};
  for (const name of GROUPS[group]!) if (name in view) out[name] = view[name]!;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A group's value as the user reads it on a Conflict issue (times as start/end). */
function shown(value: Fields | undefined, group: string): FieldValue {
  if (!value) return null;
  if (group !== 'time') return value[group] ?? null;
  return value.isAllDay === true ? `${String(value.startDate)}/${String(value.endDate)}` : `${String(value.start)}/${String(value.end)}`;
}

export interface OccurrenceMerge {
  /** Occurrence fields to write to the Salesforce row, and to the Outlook instance. */
  readonly toRow: Fields;
  readonly toInstance: Fields;
  /** Groups changed on both sides to different values: the winner kept, the loser reported. */
  readonly conflicts: readonly FieldConflict[];
  /** The agreed occurrence view once both writes land (the next base); groups not agreed are left out. */
  readonly merged: Fields;
}

/**
 * Field-level three-way merge of one occurrence pair (the conflict policy, per group of
 * fields): changed on one side → that side's value; on both to the same value → agreed; on
 * both to different values → `winner`, the loser recorded. A group whose base is unknown counts
 * as changed on each side that may have changed (`rowEdited`, `instanceEdited`) when they differ.
 */
export function mergeOccurrence(input: { base: Fields; row: Fields; instance: Fields; rowEdited: boolean; instanceEdited: boolean; winner: Side }): OccurrenceMerge {
  const row = occurrenceView(input.row);
  const instance = occurrenceView(input.instance);
  const base = occurrenceView(input.base);
  // a base without times (no slot to place the series' time at) knows nothing of them
  const timeKnown = ['start', 'startDate'].some((n) => typeof input.base[n] === 'string');
  const toRow: Record<string, FieldValue> = {};
  const toInstance: Record<string, FieldValue> = {};
  const merged: Record<string, FieldValue> = {};
  const conflicts: FieldConflict[] = [];
  const same = (a: Fields | undefined, b: Fields | undefined): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  for (const group of Object.keys(GROUPS)) {
    const r = groupOf(row, group);
    const i = groupOf(instance, group);
    const b = group === 'time' && !timeKnown ? undefined : groupOf(base, group);
    let value: Fields | undefined;
    if (same(r, i)) value = r; // in step
    else {
      const rChanged = input.rowEdited && (b === undefined || !same(r, b));
      const iChanged = input.instanceEdited && (b === undefined || !same(i, b));
      let settled = true;
      if (rChanged && !iChanged) value = r; // changed in Salesforce only
      else if (!rChanged && iChanged) value = i; // changed in Outlook only
      else if (rChanged && iChanged) {
        // changed on both to different values: the configured winner, the loser recorded
        value = input.winner === 'salesforce' ? r : i;
        conflicts.push({ field: group, base: shown(b, group), salesforce: shown(r, group), exchange: shown(i, group), winner: input.winner });
      } else if (!input.rowEdited && input.instanceEdited) value = i; // a row lagging a series edit takes the exception as it is
      else {
        // no change of either side counts (a plain instance, a lagging row): left as it is
        value = b;
        settled = false;
      }
      if (value && settled && !same(value, r)) Object.assign(toRow, value);
      if (value && settled && !same(value, i)) Object.assign(toInstance, value);
    }
    if (value) Object.assign(merged, value);
  }
  return { toRow, toInstance, conflicts, merged };
}

/**
 * The base of a pair never synced as an exception: what the series gives that occurrence —
 * the master's texts, and the master's time of day and length at the instance's slot
 * (Graph originalStart). Without a slot the time has no base.
 */
export function seriesBase(master: Fields, originalStart: string): Fields {
  const view = occurrenceView(master);
  const base: Record<string, FieldValue> = { subject: view.subject ?? null, location: view.location ?? null, description: view.description ?? null };
  const slot = Date.parse(originalStart);
  if (Number.isNaN(slot)) return base;
  if (master.isAllDay === true) {
    const days = Math.round((Date.parse(String(master.endDate ?? master.startDate)) - Date.parse(String(master.startDate))) / 86_400_000);
    if (Number.isNaN(days)) return base;
    return { ...base, isAllDay: true, startDate: dayOf(slot), endDate: dayOf(slot + days * 86_400_000) };
  }
  const length = Date.parse(String(master.end)) - Date.parse(String(master.start));
  if (Number.isNaN(length)) return base;
  return { ...base, isAllDay: false, start: new Date(slot).toISOString(), end: new Date(slot + length).toISOString() };
}

function rowOf(r: SfRecord): OccurrenceRow {
  const modified = typeof r.SystemModstamp === 'string' ? Date.parse(r.SystemModstamp.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : NaN;
  return { id: r.Id, fields: stripMarkers(eventRowToFields(r)), ...(Number.isNaN(modified) ? {} : { modified }) };
}

export interface OccurrenceOptions {
  graph: GraphClient;
  mailbox: string;
  category: string;
  /** The user's zone for writes to Outlook (IANA). */
  zone: string;
  /** Raw Salesforce records (no invitee enrichment needed here). */
  records: SalesforceRecords;
  /** The window both sides read, as ISO instants. */
  window: () => { start: string; end: string };
  /** Exchange id of the Outlook series linked to this Salesforce master, and the reverse. */
  outlookSeriesOf: (salesforceId: string) => Promise<string | undefined>;
  salesforceSeriesOf: (exchangeId: string) => Promise<string | undefined>;
  skipped?: (held: HeldBack) => Promise<void>;
  log?: (message: string, data: Record<string, unknown>) => void;
  /** Events_Private__c: a private occurrence is compared and written as the other side sees it. */
  policy?: PrivatePolicy;
  /** The org's Event has the Recurrence 2.0 fields (describe). */
  recurrence2?: boolean;
  /** Which side keeps a field changed on both sides of one occurrence (default Salesforce). */
  winner?: Side;
  /** Events_Direction__c: a one-way series copies its occurrences from the source only (default Both). */
  direction?: Direction;
  /** The agreed occurrence views of pairs synced before: the base of their merges. */
  bases?: OccurrenceBases;
  /** Records the losing values of an occurrence changed on both sides (a Conflict issue). */
  conflict?: (found: { salesforceId: string; exchangeId: string; fields: readonly FieldConflict[] }) => Promise<void>;
  /** Occurrence rows now in step on both sides (or gone): their earlier write failures are behind them. */
  settled?: (rowIds: readonly string[]) => Promise<void>;
}

/** Per occurrence row: the occurrence view both sides agreed on at its last sync. */
export interface OccurrenceBases {
  get(rowId: string): Promise<Fields | undefined>;
  put(rowId: string, exchangeId: string, base: Fields): Promise<void>;
  drop(rowIds: readonly string[]): Promise<void>;
}

export interface OccurrenceSync {
  /** Occurrence rows changed (fields with markers) or deleted (ids) in Salesforce. */
  fromSalesforce(changed: readonly { id: string; fields: Fields }[], deleted: readonly string[]): Promise<void>;
  /** Outlook series (exchange ids of masters we wrote) whose instances changed; `removed`: instances reported gone. */
  fromOutlook(seriesIds: readonly string[], removed: number): Promise<void>;
}

/**
 * A private occurrence as the private policy shows it on the other side: Sync as it is, Busy
 * Placeholder as its placeholder (times only: details never travel), Skip not at all.
 */
export function privateView<T extends { fields: Fields }>(record: T, policy: PrivatePolicy = 'Sync'): T | undefined {
  if (record.fields.isPrivate !== true || policy === 'Sync') return record;
  return policy === 'Skip' ? undefined : { ...record, fields: placeholder(record.fields) };
}

export function occurrenceSync(o: OccurrenceOptions): OccurrenceSync {
  const users = `/users/${encodeURIComponent(o.mailbox)}`;
  const visible = <T extends { fields: Fields }>(list: readonly T[]): T[] => list.flatMap((r) => privateView(r, o.policy) ?? []);
  const fields = o.recurrence2 ? [...ROW_FIELDS, ...RECURRENCE2_FIELDS] : ROW_FIELDS;
  const seriesWhere = (key: string, rows: boolean): string =>
    key.startsWith(R2)
      ? `ActivityRecurrence2Id = ${soqlString(key.slice(R2.length))} AND GroupEventType ${rows ? '!=' : '='} '3'`
      : rows
        ? `RecurrenceActivityId = ${soqlString(key)} AND Id != ${soqlString(key)} AND IsRecurrence = false`
        : `Id = ${soqlString(key)}`;

  async function rowsOf(key: string): Promise<OccurrenceRow[]> {
    const { start, end } = o.window();
    const soql = `SELECT ${fields.join(', ')} FROM Event WHERE ${seriesWhere(key, true)} AND StartDateTime < ${end.replace(/\.\d{3}Z$/, 'Z')} AND EndDateTime >= ${start.replace(/\.\d{3}Z$/, 'Z')} ORDER BY StartDateTime, Id`;
    const out: OccurrenceRow[] = [];
    for await (const page of o.records.pages(soql)) for (const r of page) out.push(rowOf(r));
    return visible(out);
  }

  async function instancesOf(seriesId: string): Promise<OccurrenceInstance[]> {
    const { start, end } = o.window();
    const select = [...SELECT.events].join(',');
    let next: string | undefined = `${users}/events/${encodeURIComponent(seriesId)}/instances?startDateTime=${encodeURIComponent(start)}&endDateTime=${encodeURIComponent(end)}&$select=${select}&$top=100`;
    const out: OccurrenceInstance[] = [];
    // bounded: a broken nextLink chain never loops forever
    for (let pages = 0; next && pages < 100; pages++) {
      const page: { value?: ExchangeItem[]; '@odata.nextLink'?: string } = await o.graph.get(next);
      for (const item of page.value ?? []) {
        const fields = eventItemToFields(item, o.category);
        out.push({
          id: item.id,
          originalStart: typeof item.originalStart === 'string' ? new Date(item.originalStart).toISOString() : '',
          exception: item.type === 'exception',
          meeting: markers(fields).__meeting === true,
          fields: stripMarkers(fields),
        });
      }
      next = page['@odata.nextLink'];
    }
    return visible(out);
  }

  async function masterOf(key: string): Promise<OccurrenceRow | undefined> {
    for await (const page of o.records.pages(`SELECT ${fields.join(', ')} FROM Event WHERE ${seriesWhere(key, false)} ORDER BY Id LIMIT 1`)) {
      if (page[0]) return rowOf(page[0]);
    }
    return undefined;
  }

  /** One occurrence write; a failure is reported (and retried with the row's next change), the others go on. */
  async function attempt(what: string, rowId: string, exchangeId: string | undefined, fields: Fields, write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (error) {
      o.log?.('occurrence not copied', { what, rowId, error: String(error) });
      await o.skipped?.({ reason: 'occurrence-failed', salesforceId: rowId, ...(exchangeId ? { exchangeId } : {}), fields, error: error instanceof Error ? error.message : String(error) });
      return false;
    }
  }

  /** One pair's merge against its stored base, or the series' base for a pair never synced as an exception. */
  async function planPair(row: OccurrenceRow, instance: OccurrenceInstance, master: OccurrenceRow): Promise<OccurrenceMerge & { stored?: Fields }> {
    const stored = await o.bases?.get(row.id);
    // a row older than its master's last edit only lags a series edit (the master carries it)
    const lagging = row.modified !== undefined && master.modified !== undefined && row.modified < master.modified;
    const plan = mergeOccurrence({
      base: stored ?? seriesBase(master.fields, instance.originalStart),
      row: row.fields,
      instance: instance.fields,
      // one way: the mirror's own edits stay there and never travel back
      rowEdited: !lagging && o.direction !== 'Exchange to Salesforce',
      // a plain occurrence follows its master: only an exception holds an Outlook edit of its own
      instanceEdited: instance.exception && o.direction !== 'Salesforce to Exchange',
      winner: o.winner ?? 'salesforce',
    });
    return { ...plan, ...(stored ? { stored } : {}) };
  }

  /**
   * Applies the merges of one series: conflicts recorded, instances patched one by one, rows
   * updated in one call; a pair whose writes all landed gets its new base and is settled.
   */
  async function applyPlans(planned: readonly { row: OccurrenceRow; instance: OccurrenceInstance; plan: OccurrenceMerge & { stored?: Fields } }[]): Promise<void> {
    const done: typeof planned[number][] = [];
    const rowWrites: (typeof planned[number])[] = [];
    for (const item of planned) {
      const { row, instance, plan } = item;
      if (plan.conflicts.length > 0) await o.conflict?.({ salesforceId: row.id, exchangeId: instance.id, fields: plan.conflicts });
      if (Object.keys(plan.toInstance).length > 0) {
        if (instance.meeting) {
          await holdBack(instance, row.id, occurrenceView(row.fields));
          continue;
        }
        const patched = await attempt('update in Outlook', row.id, instance.id, plan.toInstance, () =>
          o.graph.request('PATCH', `${users}/events/${encodeURIComponent(instance.id)}`, { body: eventFieldsToGraph(plan.toInstance, 'update', o.category, o.zone) }),
        );
        if (!patched) continue;
      }
      (Object.keys(plan.toRow).length > 0 ? rowWrites : done).push(item);
    }
    const updates = rowWrites.map(({ row, plan }) => ({ ...eventFieldsToRow(plan.toRow), Id: row.id }));
    for (const [i, outcome] of (updates.length > 0 ? await o.records.update('Event', updates) : []).entries()) {
      if (outcome.ok) done.push(rowWrites[i]!);
      else await o.skipped?.({ reason: 'occurrence-failed', salesforceId: rowWrites[i]!.row.id, fields: rowWrites[i]!.plan.toRow, error: outcome.error.message });
    }
    for (const { row, instance, plan } of done) {
      const wrote = Object.keys(plan.toRow).length > 0 || Object.keys(plan.toInstance).length > 0;
      if (wrote || (plan.stored && JSON.stringify(plan.stored) !== JSON.stringify(plan.merged))) await o.bases?.put(row.id, instance.id, plan.merged);
    }
    if (done.length > 0) await o.settled?.(done.map((d) => d.row.id));
  }

  async function holdBack(instance: OccurrenceInstance, rowId: string, fields: Fields): Promise<void> {
    o.log?.('occurrence of a meeting not changed in Outlook', { rowId, instance: instance.id });
    await o.skipped?.({ reason: 'meeting-occurrence', exchangeId: instance.id, salesforceId: rowId, fields });
  }

  async function toOutlook(key: string, changed: readonly string[], deleted: readonly OccurrenceRow[]): Promise<void> {
    if (o.direction === 'Exchange to Salesforce') return;
    const read = await masterOf(key);
    const seriesId = read ? await o.outlookSeriesOf(read.id) : undefined;
    const master = read && seriesId ? privateView(read, o.policy) : undefined;
    if (!master || !seriesId) return;
    const rows = await rowsOf(key);
    const instances = await instancesOf(seriesId);
    const { pairs, instances: spare } = pairOccurrences(rows, instances);
    const planned = [];
    for (const row of rows.filter((r) => changed.includes(r.id))) {
      const instance = pairs.get(row.id);
      if (instance) planned.push({ row, instance, plan: await planPair(row, instance, master) });
    }
    await applyPlans(planned);
    if (deleted.length === 0) return;
    // a deleted row's earlier failures and base go with it
    await o.settled?.(deleted.map((r) => r.id));
    await o.bases?.drop(deleted.map((r) => r.id));
    // a deleted row pairs with an instance that no live row holds, by its start or day only
    // (the row may be one we deleted for a cancelled instance: a guess could cancel another)
    const gone = pairOccurrences(deleted, spare, { leftovers: false }).pairs;
    for (const row of deleted) {
      const instance = gone.get(row.id);
      if (!instance) continue;
      if (instance.meeting) {
        await holdBack(instance, row.id, occurrenceView(row.fields));
        continue;
      }
      await attempt('cancel in Outlook', row.id, instance.id, occurrenceView(row.fields), () => o.graph.request('DELETE', `${users}/events/${encodeURIComponent(instance.id)}`));
    }
  }

  return {
    async fromSalesforce(changed, deleted) {
      const bySeries = new Map<string, { changed: string[]; deleted: OccurrenceRow[] }>();
      const slot = (master: string) => {
        let s = bySeries.get(master);
        if (!s) bySeries.set(master, (s = { changed: [], deleted: [] }));
        return s;
      };
      for (const row of changed) {
        const master = markers(row.fields).__seriesOf;
        if (master) slot(master).changed.push(row.id);
      }
      if (deleted.length > 0) {
        // a deleted row still names its series (queryAll)
        for (const r of await o.records.retrieve('Event', deleted, fields, { all: true })) {
          const master = seriesKeyOf(r);
          const row = privateView(rowOf(r), o.policy);
          if (master && row) slot(master).deleted.push(row);
        }
      }
      for (const [master, rows] of bySeries) await toOutlook(master, rows.changed, rows.deleted);
    },

    async fromOutlook(seriesIds, removed) {
      if (o.direction === 'Salesforce to Exchange') return;
      for (const seriesId of new Set(seriesIds)) {
        const masterId = await o.salesforceSeriesOf(seriesId);
        const [master] = masterId ? await o.records.retrieve('Event', [masterId], fields) : [];
        if (!master) continue;
        const rows = await rowsOf(seriesKeyOf(master, true)!);
        if (rows.length === 0) continue;
        const instances = await instancesOf(seriesId);
        const { pairs, rows: orphans } = pairOccurrences(rows, instances);
        const planned = [];
        for (const row of rows) {
          const instance = pairs.get(row.id);
          // only what Outlook changed on its own: a plain occurrence follows its master
          if (instance?.exception) planned.push({ row, instance, plan: await planPair(row, instance, rowOf(master)) });
        }
        await applyPlans(planned);
        // rows left without an instance: cancelled in Outlook, if the feed said instances went
        // (a row moved out of the window, or a pattern the two sides expand differently, is kept)
        if (orphans.length > 0 && orphans.length <= removed) {
          o.log?.('occurrences cancelled in Outlook deleted in Salesforce', { seriesId, rows: orphans.length });
          const gone: string[] = [];
          for (const [i, outcome] of (await o.records.destroy(orphans.map((r) => r.id))).entries()) {
            if (outcome.ok || outcome.error.code === 'ENTITY_IS_DELETED') gone.push(orphans[i]!.id);
            else await o.skipped?.({ reason: 'occurrence-failed', salesforceId: orphans[i]!.id, fields: {}, error: outcome.error.message });
          }
          await o.settled?.(gone);
          await o.bases?.drop(gone);
        }
      }
    },
  };
}
