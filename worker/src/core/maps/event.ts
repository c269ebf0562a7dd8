// Event ↔ Outlook event. Timed events are compared as UTC instants; all-day events as
// dates (inclusive end, as Salesforce keeps them; Graph's end is exclusive). Reminders as
// minutes before start. Attendees as sorted lower-case addresses (the runtime turns them
// into EventRelation rows). Recurrence as a neutral pattern (Graph's patternedRecurrence
// shape) ↔ Salesforce Recurrence* fields. Exceptions and cancelled occurrences travel as
// their own instance events (calendarView delta returns instances) and are not mapped here.
// Attendee responses (Salesforce EventRelation.Status words) travel as `responses`, an object
// address → status holding only answered invitations. toExchange writes timed events as wall
// times in the user's zone (Windows name), so Outlook shows the meeting in that zone; it maps
// attendees too, and the runtime strips them before writing (no invitation is ever sent).
import { limit, type FieldLimits, type MapIssue } from '../limits.ts';
import { instantToDate, instantToWallTime, toIana, toWindows, wallTimeToInstant } from '../timezones.ts';
import type { FieldValue, Fields } from '../types.ts';

export interface SalesforceEvent {
  Subject?: string | null;
  Location?: string | null;
  Description?: string | null;
  StartDateTime?: string | null;
  EndDateTime?: string | null;
  IsAllDayEvent?: boolean | null;
  ActivityDate?: string | null;
  IsPrivate?: boolean | null;
  ShowAs?: string | null;
  IsReminderSet?: boolean | null;
  ReminderDateTime?: string | null;
  IsRecurrence?: boolean | null;
  RecurrenceType?: string | null;
  RecurrenceInterval?: number | null;
  RecurrenceDayOfWeekMask?: number | null;
  RecurrenceDayOfMonth?: number | null;
  RecurrenceInstance?: string | null;
  RecurrenceMonthOfYear?: string | null;
  RecurrenceStartDateTime?: string | null;
  RecurrenceEndDateOnly?: string | null;
  RecurrenceTimeZoneSidKey?: string | null;
  /** Attendee addresses, read by the runtime from EventRelation. */
  attendees?: string[];
  /** EventRelation.Status by attendee address (New is the unanswered default). */
  responses?: Record<string, string>;
}

interface DateTimeTimeZone {
  dateTime: string;
  timeZone: string;
}
export interface GraphRecurrence {
  pattern: { type: string; interval: number; daysOfWeek?: string[]; dayOfMonth?: number; month?: number; index?: string; firstDayOfWeek?: string };
  range: { type: 'endDate' | 'noEnd' | 'numbered'; startDate: string; endDate?: string; numberOfOccurrences?: number; recurrenceTimeZone?: string };
}
export interface GraphEvent {
  subject?: string | null;
  body?: { contentType: 'text' | 'html'; content: string } | null;
  start?: DateTimeTimeZone;
  end?: DateTimeTimeZone;
  isAllDay?: boolean;
  location?: { displayName?: string | null } | null;
  sensitivity?: 'normal' | 'personal' | 'private' | 'confidential';
  showAs?: 'free' | 'tentative' | 'busy' | 'oof' | 'workingElsewhere' | 'unknown';
  isReminderOn?: boolean;
  reminderMinutesBeforeStart?: number;
  attendees?: { emailAddress: { address: string; name?: string }; type: 'required' | 'optional' | 'resource'; status?: { response: string } }[];
  recurrence?: GraphRecurrence | null;
  iCalUId?: string;
  categories?: string[];
}

const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
const INSTANCES: Readonly<Record<string, string>> = { First: 'first', Second: 'second', Third: 'third', Fourth: 'fourth', Last: 'last' };
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const SHOW_AS_TO_GRAPH: Readonly<Record<string, NonNullable<GraphEvent['showAs']>>> = { Busy: 'busy', Free: 'free', OutOfOffice: 'oof' };
const SHOW_AS_FROM_GRAPH: Readonly<Record<string, string>> = { busy: 'Busy', free: 'Free', oof: 'OutOfOffice', tentative: 'Busy', workingElsewhere: 'Busy', unknown: 'Busy' };
/** Graph attendee response → Salesforce EventRelation.Status (unanswered ones stay New). */
export const RESPONSE_TO_STATUS: Readonly<Record<string, string>> = { accepted: 'Accepted', declined: 'Declined', tentativelyAccepted: 'Maybe' };
/** The subject a private event shows on the other side under the Busy Placeholder setting. */
export const PLACEHOLDER_SUBJECT = 'Busy';

/** Salesforce's day mask (Sun=1 … Sat=64) → Graph day names, Sunday first. */
export function maskToDays(mask: number): string[] {
  return DAYS.filter((_, i) => (mask & (1 << i)) !== 0);
}
export function daysToMask(days: readonly string[]): number {
  return days.reduce((mask, day) => mask | (1 << DAYS.indexOf(day.toLowerCase() as (typeof DAYS)[number])), 0);
}

const MS_DAY = 86_400_000;
const addDays = (date: string, n: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + n * MS_DAY).toISOString().slice(0, 10);
const iso = (instant: string): string => new Date(instant).toISOString();
const text = (fields: Fields, name: string): string | null => (typeof fields[name] === 'string' ? (fields[name] as string) : null);

function recurrenceFromSalesforce(r: SalesforceEvent): Fields | undefined {
  if (!r.IsRecurrence || !r.RecurrenceType || !r.RecurrenceStartDateTime) return undefined;
  const days = maskToDays(r.RecurrenceDayOfWeekMask ?? 0);
  const interval = r.RecurrenceInterval ?? 1;
  const base: Record<string, FieldValue> = {};
  switch (r.RecurrenceType) {
    case 'RecursDaily':
      Object.assign(base, { type: 'daily', interval });
      break;
    case 'RecursEveryWeekday':
      Object.assign(base, { type: 'weekly', interval: 1, daysOfWeek: maskToDays(62) });
      break;
    case 'RecursWeekly':
      Object.assign(base, { type: 'weekly', interval, daysOfWeek: days });
      break;
    case 'RecursMonthly':
      Object.assign(base, { type: 'absoluteMonthly', interval, dayOfMonth: r.RecurrenceDayOfMonth ?? 1 });
      break;
    case 'RecursMonthlyNth':
      Object.assign(base, { type: 'relativeMonthly', interval, daysOfWeek: days, index: INSTANCES[r.RecurrenceInstance ?? 'First'] ?? 'first' });
      break;
    case 'RecursYearly':
      Object.assign(base, { type: 'absoluteYearly', interval: 1, dayOfMonth: r.RecurrenceDayOfMonth ?? 1, month: MONTHS.indexOf(r.RecurrenceMonthOfYear ?? 'January') + 1 });
      break;
    case 'RecursYearlyNth':
      Object.assign(base, {
        type: 'relativeYearly',
        interval: 1,
        daysOfWeek: days,
        index: INSTANCES[r.RecurrenceInstance ?? 'First'] ?? 'first',
        month: MONTHS.indexOf(r.RecurrenceMonthOfYear ?? 'January') + 1,
      });
      break;
    default:
      return undefined;
  }
  base.startDate = r.RecurrenceStartDateTime.slice(0, 10);
  if (r.RecurrenceEndDateOnly) base.endDate = r.RecurrenceEndDateOnly;
  if (r.RecurrenceTimeZoneSidKey) base.timeZone = r.RecurrenceTimeZoneSidKey;
  return base;
}

export function fromSalesforce(r: SalesforceEvent): Fields {
  const out: Record<string, FieldValue> = {};
  if (r.Subject) out.subject = r.Subject;
  if (r.Location) out.location = r.Location;
  if (r.Description) out.description = r.Description;
  if (r.IsAllDayEvent) {
    // all-day: Salesforce keeps midnight-GMT datetimes whose dates are the first and last day
    const start = r.ActivityDate ?? r.StartDateTime?.slice(0, 10);
    if (start) out.startDate = start;
    out.endDate = r.EndDateTime ? r.EndDateTime.slice(0, 10) : (start ?? null);
    out.isAllDay = true;
  } else {
    if (r.StartDateTime) out.start = iso(r.StartDateTime);
    if (r.EndDateTime) out.end = iso(r.EndDateTime);
  }
  if (r.IsPrivate) out.isPrivate = true;
  out.showAs = r.ShowAs ?? 'Busy';
  if (r.IsReminderSet && r.ReminderDateTime && r.StartDateTime) {
    out.reminderMinutes = Math.round((Date.parse(r.StartDateTime) - Date.parse(r.ReminderDateTime)) / 60000);
  }
  if (r.attendees && r.attendees.length > 0) out.attendees = [...new Set(r.attendees.map((a) => a.trim().toLowerCase()))].sort();
  const responses = answered(Object.entries(r.responses ?? {}));
  if (responses) out.responses = responses;
  const recurrence = recurrenceFromSalesforce(r);
  if (recurrence) out.recurrence = recurrence;
  return out;
}

export function toSalesforce(fields: Fields, limits: FieldLimits, issues: MapIssue[]): SalesforceEvent {
  const allDay = fields.isAllDay === true;
  const start = allDay ? `${text(fields, 'startDate')}T00:00:00.000Z` : text(fields, 'start');
  const end = allDay ? `${text(fields, 'endDate') ?? text(fields, 'startDate')}T00:00:00.000Z` : text(fields, 'end');
  const minutes = typeof fields.reminderMinutes === 'number' ? fields.reminderMinutes : null;
  const out: SalesforceEvent = {
    Subject: limit('Subject', text(fields, 'subject'), limits, issues),
    Location: limit('Location', text(fields, 'location'), limits, issues),
    Description: limit('Description', text(fields, 'description'), limits, issues),
    IsAllDayEvent: allDay,
    StartDateTime: start,
    EndDateTime: end,
    ActivityDate: allDay ? text(fields, 'startDate') : start ? start.slice(0, 10) : null,
    IsPrivate: fields.isPrivate === true,
    ShowAs: text(fields, 'showAs') ?? 'Busy',
    IsReminderSet: minutes !== null,
    ReminderDateTime: minutes !== null && start ? new Date(Date.parse(start) - minutes * 60000).toISOString() : null,
    IsRecurrence: false,
  };
  const rec = fields.recurrence as Record<string, FieldValue> | undefined;
  if (rec && typeof rec === 'object' && !Array.isArray(rec)) {
    const days = Array.isArray(rec.daysOfWeek) ? (rec.daysOfWeek as string[]) : [];
    const instance = Object.entries(INSTANCES).find(([, g]) => g === rec.index)?.[0] ?? null;
    const month = typeof rec.month === 'number' ? (MONTHS[rec.month - 1] ?? null) : null;
    const weekday = rec.type === 'weekly' && rec.interval === 1 && daysToMask(days) === 62;
    const type: Record<string, string> = {
      daily: 'RecursDaily',
      weekly: weekday ? 'RecursEveryWeekday' : 'RecursWeekly',
      absoluteMonthly: 'RecursMonthly',
      relativeMonthly: 'RecursMonthlyNth',
      absoluteYearly: 'RecursYearly',
      relativeYearly: 'RecursYearlyNth',
    };
    Object.assign(out, {
      IsRecurrence: true,
      RecurrenceType: type[String(rec.type)] ?? null,
      RecurrenceInterval: rec.type === 'absoluteYearly' || rec.type === 'relativeYearly' || weekday ? null : (rec.interval as number),
      RecurrenceDayOfWeekMask: days.length > 0 && !weekday ? daysToMask(days) : null,
      RecurrenceDayOfMonth: typeof rec.dayOfMonth === 'number' ? rec.dayOfMonth : null,
      RecurrenceInstance: instance,
      RecurrenceMonthOfYear: month,
      RecurrenceStartDateTime: start,
      RecurrenceEndDateOnly: typeof rec.endDate === 'string' ? rec.endDate : null,
      RecurrenceTimeZoneSidKey: typeof rec.timeZone === 'string' ? rec.timeZone : null,
    });
  }
  return out;
}

export function fromExchange(e: GraphEvent): Fields {
  const out: Record<string, FieldValue> = {};
  if (e.subject) out.subject = e.subject;
  if (e.location?.displayName) out.location = e.location.displayName;
  if (e.body?.content) out.description = e.body.content;
  if (e.isAllDay && e.start && e.end) {
    out.isAllDay = true;
    out.startDate = e.start.dateTime.slice(0, 10);
    // Graph's end is exclusive: the day after the last day
    out.endDate = addDays(e.end.dateTime.slice(0, 10), -1);
  } else {
    if (e.start) out.start = wallTimeToInstant(e.start.dateTime.slice(0, 19), e.start.timeZone);
    if (e.end) out.end = wallTimeToInstant(e.end.dateTime.slice(0, 19), e.end.timeZone);
  }
  if (e.sensitivity === 'private' || e.sensitivity === 'confidential') out.isPrivate = true;
  out.showAs = SHOW_AS_FROM_GRAPH[e.showAs ?? 'busy'] ?? 'Busy';
  if (e.isReminderOn && typeof e.reminderMinutesBeforeStart === 'number') out.reminderMinutes = e.reminderMinutesBeforeStart;
  const attendees = (e.attendees ?? []).map((a) => a.emailAddress.address.trim().toLowerCase());
  if (attendees.length > 0) out.attendees = [...new Set(attendees)].sort();
  const responses = answered((e.attendees ?? []).map((a) => [a.emailAddress.address, RESPONSE_TO_STATUS[a.status?.response ?? ''] ?? 'New']));
  if (responses) out.responses = responses;
  if (e.recurrence) {
    const { pattern, range } = e.recurrence;
    const rec: Record<string, FieldValue> = { type: pattern.type, interval: pattern.interval };
    if (pattern.daysOfWeek && pattern.daysOfWeek.length > 0) rec.daysOfWeek = DAYS.filter((d) => pattern.daysOfWeek!.includes(d));
    if (pattern.dayOfMonth) rec.dayOfMonth = pattern.dayOfMonth;
    if (pattern.month) rec.month = pattern.month;
    if (pattern.type === 'relativeMonthly' || pattern.type === 'relativeYearly') rec.index = pattern.index ?? 'first';
    if (pattern.type === 'absoluteYearly' || pattern.type === 'relativeYearly') rec.interval = 1;
    rec.startDate = range.startDate;
    if (range.type === 'endDate' && range.endDate) rec.endDate = range.endDate;
    if (range.type === 'numbered' && typeof range.numberOfOccurrences === 'number') rec.count = range.numberOfOccurrences;
    if (range.recurrenceTimeZone) rec.timeZone = toIana(range.recurrenceTimeZone) ?? range.recurrenceTimeZone;
    out.recurrence = rec;
  }
  return out;
}

/** Answered invitations only (address lower-cased, sorted), or undefined when none. */
function answered(pairs: ReadonlyArray<readonly [string, string]>): Record<string, FieldValue> | undefined {
  const out: Record<string, FieldValue> = {};
  for (const [address, status] of [...pairs].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (status && status !== 'New') out[address.trim().toLowerCase()] = status;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * A private event as the other side sees it under the Busy Placeholder setting: the time it
 * blocks (and its series), no subject, body, location, attendees or reminder.
 */
export function placeholder(fields: Fields): Fields {
  const out: Record<string, FieldValue> = { subject: PLACEHOLDER_SUBJECT, isPrivate: true, showAs: text(fields, 'showAs') ?? 'Busy' };
  for (const name of ['start', 'end', 'startDate', 'endDate', 'isAllDay', 'recurrence', 'iCalUId']) {
    const v = fields[name];
    if (v !== undefined && v !== null) out[name] = v;
  }
  return out;
}

/** Graph dateTimeTimeZone of an instant as a wall time in `zone` (IANA or Windows; UTC if unknown to Windows). */
function zoned(instant: string, zone: string): DateTimeTimeZone {
  const windows = zone === 'UTC' ? undefined : toWindows(zone);
  if (!instant || !windows) return { dateTime: instant.replace(/Z$/, ''), timeZone: 'UTC' };
  return { dateTime: instantToWallTime(instant, windows), timeZone: windows };
}

export function toExchange(fields: Fields, category: string, zone = 'UTC'): GraphEvent {
  const allDay = fields.isAllDay === true;
  const startDate = text(fields, 'startDate');
  const minutes = typeof fields.reminderMinutes === 'number' ? fields.reminderMinutes : null;
  const out: GraphEvent = {
    subject: text(fields, 'subject') ?? '',
    body: { contentType: 'text', content: text(fields, 'description') ?? '' },
    isAllDay: allDay,
    start: allDay
      ? { dateTime: `${startDate}T00:00:00.0000000`, timeZone: 'UTC' }
      : zoned(text(fields, 'start') ?? '', zone),
    end: allDay
      ? { dateTime: `${addDays(text(fields, 'endDate') ?? startDate ?? '', 1)}T00:00:00.0000000`, timeZone: 'UTC' }
      : zoned(text(fields, 'end') ?? '', zone),
    location: { displayName: text(fields, 'location') ?? '' },
    sensitivity: fields.isPrivate === true ? 'private' : 'normal',
    showAs: SHOW_AS_TO_GRAPH[text(fields, 'showAs') ?? 'Busy'] ?? 'busy',
    isReminderOn: minutes !== null,
    ...(minutes !== null ? { reminderMinutesBeforeStart: minutes } : {}),
    attendees: (Array.isArray(fields.attendees) ? (fields.attendees as string[]) : []).map((address) => ({ emailAddress: { address }, type: 'required' as const })),
    categories: [category],
    recurrence: null,
  };
  const rec = fields.recurrence as Record<string, FieldValue> | undefined;
  if (rec && typeof rec === 'object' && !Array.isArray(rec)) {
    const pattern: GraphRecurrence['pattern'] = { type: String(rec.type), interval: Number(rec.interval ?? 1), firstDayOfWeek: 'sunday' };
    if (Array.isArray(rec.daysOfWeek)) pattern.daysOfWeek = rec.daysOfWeek as string[];
    if (typeof rec.dayOfMonth === 'number') pattern.dayOfMonth = rec.dayOfMonth;
    if (typeof rec.month === 'number') pattern.month = rec.month;
    if (typeof rec.index === 'string') pattern.index = rec.index;
    const range: GraphRecurrence['range'] = typeof rec.endDate === 'string'
      ? { type: 'endDate', startDate: String(rec.startDate), endDate: rec.endDate }
      : typeof rec.count === 'number'
        ? { type: 'numbered', startDate: String(rec.startDate), numberOfOccurrences: rec.count }
        : { type: 'noEnd', startDate: String(rec.startDate) };
    if (typeof rec.timeZone === 'string') range.recurrenceTimeZone = toWindows(rec.timeZone) ?? rec.timeZone;
    out.recurrence = { pattern, range };
  }
  return out;
}

/** Date of an instant in the user's zone (Salesforce ActivityDate for timed events). */
export function activityDate(instant: string, zone: string): string {
  return instantToDate(instant, zone);
}
