// Event field maps for the runtime: raw Salesforce Event rows and Graph events ↔ the neutral
// fields of worker/src/core/maps/event.ts, plus a few scope markers (`__…` fields) that the
// event sides (./events-sides.ts) read and strip before the engine sees the record.
// Contract:
// - A Salesforce row carries its invitees as `__attendees` (JSON [{address, status}]), added by
//   ./events-records.ts from EventRelation; writing `attendees`/`responses` sends `__attendees`
//   back the same way. The Exchange key (SCC_Exchange_Key__c = event:<iCalUId>) is the neutral
//   `iCalUId`, so one meeting seen in several mailboxes pairs with one Salesforce event.
// - A Graph occurrence or exception is its own record; its iCalUId (shared by the whole series)
//   is suffixed with its original start, so each occurrence has its own key.
// - toGraph never writes attendees: Exchange mails attendees on every organizer write that
//   carries them (see docs/events.md).
import { convert } from 'html-to-text';
import { fromExchange, fromSalesforce, toExchange, toSalesforce, type GraphEvent, type SalesforceEvent } from '../core/maps/event.ts';
import { fromRrule } from '../core/calendar/rrule.ts';
import { nthOccurrenceDate } from '../core/calendar/expand.ts';
import type { Fields, FieldValue } from '../core/types.ts';
import type { ExchangeItem } from '../graph/delta.ts';
import type { SfInput, SfRecord } from '../salesforce/records.ts';
import { EXCHANGE_KEY_FIELD, soqlString } from '../salesforce/records.ts';
import type { SalesforceKindMap } from '../salesforce/side.ts';

export const ATTENDEES_FIELD = '__attendees';
const DAY = 86_400_000;

/** Markers the sides read; never part of the hashed fields. */
export interface EventMarkers {
  /** Graph: carries the mailbox's category. */
  __tagged?: boolean;
  /** Graph: singleInstance | occurrence | exception | seriesMaster. */
  __type?: string;
  /** Graph: the series master of an occurrence or exception. */
  __master?: string;
  /** Graph: has attendees (a meeting): writes to it would mail them. */
  __meeting?: boolean;
  /** Salesforce: an occurrence row of a Salesforce series (the series is synced through its master). */
  __child?: boolean;
  /** Salesforce: the series of an occurrence row: its RecurrenceActivityId, or `r2:<ActivityRecurrence2Id>`. */
  __seriesOf?: string;
}

export const MARKERS = ['__tagged', '__type', '__master', '__meeting', '__child', '__seriesOf'] as const;

export function stripMarkers(fields: Fields): Fields {
  if (!MARKERS.some((m) => m in fields)) return fields;
  const out: Record<string, FieldValue> = { ...fields };
  for (const m of MARKERS) delete out[m];
  return out;
}

export function markers(fields: Fields): EventMarkers {
  return fields as EventMarkers;
}

/** "2026-03-29T07:00:00.000+0000" (Salesforce) → ISO with a colon offset that Date parses. */
function instant(v: unknown): string | null {
  if (typeof v !== 'string' || v === '') return null;
  const ms = Date.parse(v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const addDays = (date: string, n: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);

export interface Attendee {
  address: string;
  status: string;
}

export function parseAttendees(v: unknown): Attendee[] {
  if (typeof v !== 'string' || v === '') return [];
  try {
    const list = JSON.parse(v) as unknown;
    return Array.isArray(list) ? list.filter((a): a is Attendee => typeof a?.address === 'string').map((a) => ({ address: a.address, status: String(a.status ?? 'New') })) : [];
  } catch {
    return [];
  }
}

const READ_FIELDS = [
  'Subject', 'Location', 'Description', 'StartDateTime', 'EndDateTime', 'IsAllDayEvent', 'ActivityDate', 'DurationInMinutes',
  'IsPrivate', 'ShowAs', 'IsReminderSet', 'ReminderDateTime', 'IsRecurrence', 'RecurrenceActivityId', 'RecurrenceType',
  'RecurrenceInterval', 'RecurrenceDayOfWeekMask', 'RecurrenceDayOfMonth', 'RecurrenceInstance', 'RecurrenceMonthOfYear',
  'RecurrenceStartDateTime', 'RecurrenceEndDateOnly', 'RecurrenceTimeZoneSidKey',
];

export function eventRowToFields(r: SfRecord): Fields {
  const attendees = parseAttendees(r[ATTENDEES_FIELD]);
  const allDay = r.IsAllDayEvent === true;
  const activityDate = str(r.ActivityDate)?.slice(0, 10) ?? null;
  const duration = num(r.DurationInMinutes);
  // An all-day event's last day: from its whole-day duration, the platform's own measure.
  const lastDay = allDay && activityDate && duration ? addDays(activityDate, Math.max(1, Math.round(duration / 1440)) - 1) : null;
  const input: SalesforceEvent = {
    Subject: str(r.Subject),
    Location: str(r.Location),
    Description: str(r.Description),
    StartDateTime: instant(r.StartDateTime),
    EndDateTime: lastDay ? `${lastDay}T00:00:00.000Z` : instant(r.EndDateTime),
    IsAllDayEvent: allDay,
    ActivityDate: activityDate,
    IsPrivate: r.IsPrivate === true,
    ShowAs: str(r.ShowAs),
    IsReminderSet: r.IsReminderSet === true,
    ReminderDateTime: instant(r.ReminderDateTime),
    IsRecurrence: r.IsRecurrence === true,
    RecurrenceType: str(r.RecurrenceType),
    RecurrenceInterval: num(r.RecurrenceInterval),
    RecurrenceDayOfWeekMask: num(r.RecurrenceDayOfWeekMask),
    RecurrenceDayOfMonth: num(r.RecurrenceDayOfMonth),
    RecurrenceInstance: str(r.RecurrenceInstance),
    RecurrenceMonthOfYear: str(r.RecurrenceMonthOfYear),
    RecurrenceStartDateTime: instant(r.RecurrenceStartDateTime) ?? instant(r.StartDateTime),
    RecurrenceEndDateOnly: str(r.RecurrenceEndDateOnly)?.slice(0, 10) ?? null,
    RecurrenceTimeZoneSidKey: str(r.RecurrenceTimeZoneSidKey),
    attendees: attendees.map((a) => a.address),
    responses: Object.fromEntries(attendees.map((a) => [a.address, a.status])),
  };
  const out: Record<string, FieldValue> = { ...fromSalesforce(input) };
  const rrule = str(r.Recurrence2PatternText);
  const first = out.startDate ?? out.start;
  if (rrule && !out.recurrence && typeof first === 'string') {
    // Recurrence 2.0 (RRULE) series: read into the same neutral pattern; an RRULE Outlook
    // cannot express leaves the event single (the error names the part)
    try {
      out.recurrence = fromRrule(rrule, first.slice(0, 10));
    } catch {
      // kept single: only the series' first occurrence is mirrored
    }
  }
  const key = str(r[EXCHANGE_KEY_FIELD]);
  if (key?.startsWith('event:')) out.iCalUId = key.slice('event:'.length);
  if (typeof r.RecurrenceActivityId === 'string' && r.RecurrenceActivityId !== r.Id && r.IsRecurrence !== true) {
    out.__child = true;
    out.__seriesOf = r.RecurrenceActivityId;
  } else if (typeof r.ActivityRecurrence2Id === 'string' && r.ActivityRecurrence2Id !== '' && r.GroupEventType !== '3' && !rrule) {
    // an occurrence row of a Recurrence 2.0 series: its series record (GroupEventType 3, the
    // RRULE) carries the series; the rows share its ActivityRecurrence2Id
    out.__child = true;
    out.__seriesOf = `r2:${r.ActivityRecurrence2Id}`;
  }
  return out;
}

/**
 * Raw fields for these neutral fields; a patch maps only what it carries (times need their
 * partners: the event sides complete a patch with them). IsRecurrence is written with a
 * pattern; ./events-records.ts drops it from updates, where Salesforce refuses it.
 */
export function eventFieldsToRow(fields: Fields): SfInput {
  const out: SfInput = {};
  const has = (n: string): boolean => n in fields;
  const s = (n: string): string | null => (typeof fields[n] === 'string' ? (fields[n] as string) : null);
  if (has('subject')) out.Subject = s('subject');
  if (has('location')) out.Location = s('location');
  if (has('description')) out.Description = s('description');
  if (has('isPrivate')) out.IsPrivate = fields.isPrivate === true;
  if (has('showAs')) out.ShowAs = s('showAs') ?? 'Busy';
  const allDay = fields.isAllDay === true;
  if (has('isAllDay')) out.IsAllDayEvent = allDay;
  let start: string | null = null;
  if (allDay && s('startDate')) {
    const first = s('startDate')!;
    const last = s('endDate') ?? first;
    start = `${first}T00:00:00.000Z`;
    out.ActivityDate = first;
    out.StartDateTime = start;
    out.EndDateTime = `${last}T00:00:00.000Z`;
    out.DurationInMinutes = Math.max(1, Math.round((Date.parse(`${last}T00:00:00Z`) - Date.parse(start)) / DAY) + 1) * 1440;
  } else if (!allDay) {
    if (has('start') && s('start')) {
      start = s('start');
      out.StartDateTime = start;
      out.ActivityDateTime = start;
    }
    if (has('end') && s('end')) out.EndDateTime = s('end');
    if (s('start') && s('end')) out.DurationInMinutes = Math.round((Date.parse(s('end')!) - Date.parse(s('start')!)) / 60_000);
  }
  if (has('reminderMinutes')) {
    const minutes = typeof fields.reminderMinutes === 'number' ? fields.reminderMinutes : null;
    out.IsReminderSet = minutes !== null && start !== null;
    out.ReminderDateTime = minutes !== null && start ? new Date(Date.parse(start) - minutes * 60_000).toISOString() : null;
  }
  if (has('recurrence')) Object.assign(out, recurrenceRow(fields, start));
  if (has('iCalUId') && s('iCalUId')) out[EXCHANGE_KEY_FIELD] = `event:${s('iCalUId')}`;
  if (has('attendees') || has('responses')) {
    const responses = (fields.responses && typeof fields.responses === 'object' && !Array.isArray(fields.responses) ? fields.responses : {}) as Record<string, FieldValue>;
    // a patch may carry only the responses: relations are added or updated, never removed, so the union is enough
    const list = [...new Set([...(Array.isArray(fields.attendees) ? (fields.attendees as string[]) : []), ...Object.keys(responses)])];
    out[ATTENDEES_FIELD] = JSON.stringify(list.map((address) => ({ address, status: typeof responses[address] === 'string' ? responses[address] : 'New' })));
  }
  return out;
}

const RECURRENCE_FIELDS = ['RecurrenceType', 'RecurrenceInterval', 'RecurrenceDayOfWeekMask', 'RecurrenceDayOfMonth', 'RecurrenceInstance', 'RecurrenceMonthOfYear', 'RecurrenceStartDateTime', 'RecurrenceEndDateOnly', 'RecurrenceTimeZoneSidKey'];

function recurrenceRow(fields: Fields, start: string | null): SfInput {
  const rec = fields.recurrence;
  if (!rec || typeof rec !== 'object' || Array.isArray(rec)) {
    // the series became a single event: clear the pattern (the start stays)
    return Object.fromEntries(RECURRENCE_FIELDS.filter((k) => k !== 'RecurrenceStartDateTime').map((k) => [k, null]));
  }
  // The core map knows the pattern ↔ Recurrence* rules.
  const row = toSalesforce({ ...fields, start: start ?? fields.start ?? null }, {}, []) as Record<string, unknown>;
  const out: SfInput = { IsRecurrence: true };
  for (const k of RECURRENCE_FIELDS) out[k] = (row[k] as SfInput[string] | undefined) ?? null;
  if (out.RecurrenceEndDateOnly === null && typeof rec.count === 'number' && typeof rec.startDate === 'string') {
    // Salesforce needs an end date: "end after N occurrences" ends on the N-th occurrence's date
    out.RecurrenceEndDateOnly = nthOccurrenceDate(rec, rec.startDate, rec.count) ?? null;
  }
  return out;
}

export const eventSalesforceMap: SalesforceKindMap = {
  sobject: 'Event',
  fields: READ_FIELDS,
  toFields: eventRowToFields,
  toRecord: (fields) => eventFieldsToRow(fields),
  naturalKeyWhere(others) {
    const keys = [...new Set(others.map((o) => o.fields.iCalUId).filter((k): k is string => typeof k === 'string' && k !== ''))];
    const out: string[] = [];
    for (let i = 0; i < keys.length; i += 100) out.push(`${EXCHANGE_KEY_FIELD} IN (${keys.slice(i, i + 100).map((k) => soqlString(`event:${k}`)).join(', ')})`);
    return out;
  },
};

/** Graph event → neutral fields plus the markers the Exchange event side reads. */
export function eventItemToFields(item: ExchangeItem, category: string): Fields {
  const out: Record<string, FieldValue> = { ...fromExchange(item as unknown as GraphEvent) };
  const body = item.body as { contentType?: unknown; content?: unknown } | undefined;
  if (body?.contentType === 'html' && typeof body.content === 'string') {
    // Outlook keeps bodies as HTML; Salesforce's Description is plain text
    const plain = convert(body.content, { wordwrap: false }).trim();
    if (plain) out.description = plain;
    else delete out.description;
  }
  const type = typeof item.type === 'string' ? item.type : 'singleInstance';
  const uid = typeof item.iCalUId === 'string' && item.iCalUId !== '' ? item.iCalUId : null;
  const original = typeof item.originalStart === 'string' ? new Date(item.originalStart).toISOString() : null;
  if (uid) out.iCalUId = (type === 'occurrence' || type === 'exception') && original ? `${uid}:${original}` : uid;
  const categories = Array.isArray(item.categories) ? (item.categories as unknown[]) : [];
  out.__tagged = categories.some((c) => typeof c === 'string' && c.toLowerCase() === category.toLowerCase());
  out.__type = type;
  if (typeof item.seriesMasterId === 'string' && item.seriesMasterId) out.__master = item.seriesMasterId;
  out.__meeting = Array.isArray(item.attendees) && item.attendees.length > 0;
  return out;
}

const GRAPH_KEYS: Readonly<Record<string, readonly string[]>> = {
  subject: ['subject'],
  description: ['body'],
  location: ['location'],
  start: ['start', 'end', 'isAllDay'],
  end: ['start', 'end', 'isAllDay'],
  startDate: ['start', 'end', 'isAllDay'],
  endDate: ['start', 'end', 'isAllDay'],
  isAllDay: ['start', 'end', 'isAllDay'],
  isPrivate: ['sensitivity'],
  showAs: ['showAs'],
  reminderMinutes: ['isReminderOn', 'reminderMinutesBeforeStart'],
  recurrence: ['recurrence'],
};

/** A Graph body: the whole event on create (with the category), only the patched properties on update. Never attendees. */
export function eventFieldsToGraph(fields: Fields, mode: 'create' | 'update', category: string, zone: string): Record<string, unknown> {
  const full = toExchange(fields, category, zone) as Record<string, unknown>;
  delete full.attendees;
  if (!('reminderMinutesBeforeStart' in full)) full.reminderMinutesBeforeStart = 0;
  if (mode === 'create') {
    if (full.recurrence === null) delete full.recurrence;
    return full;
  }
  const body: Record<string, unknown> = {};
  for (const name of Object.keys(fields)) for (const key of GRAPH_KEYS[name] ?? []) body[key] = full[key];
  return body;
}
