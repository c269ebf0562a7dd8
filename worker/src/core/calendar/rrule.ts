// RFC 5545 RRULE text (as Salesforce's Recurrence 2.0 keeps it in Event.Recurrence2PatternText)
// ↔ the neutral recurrence of core/maps/event.ts (Graph's patternedRecurrence shape:
// type, interval, daysOfWeek, dayOfMonth, month, index, startDate, endDate, count).
// Pure. Only what patternedRecurrence can express is accepted; anything else (BYHOUR,
// BYSETPOS lists, FREQ=HOURLY, several BYMONTHDAY) is refused with a clear error rather than
// synced wrongly.
import type { FieldValue } from '../types.ts';

const DAY_CODES: Readonly<Record<string, string>> = { SU: 'sunday', MO: 'monday', TU: 'tuesday', WE: 'wednesday', TH: 'thursday', FR: 'friday', SA: 'saturday' };
const CODES_BY_DAY: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(DAY_CODES).map(([c, d]) => [d, c]));
const DAY_ORDER = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const INDEX: Readonly<Record<string, string>> = { '1': 'first', '2': 'second', '3': 'third', '4': 'fourth', '-1': 'last' };
const INDEX_NUMBER: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(INDEX).map(([n, w]) => [w, n]));

export class RruleError extends Error {}

/**
 * Neutral recurrence of an RRULE. `startDate` is the series' first local date (from DTSTART,
 * which Salesforce keeps in its own fields). UNTIL becomes the inclusive endDate.
 */
export function fromRrule(text: string, startDate: string): Record<string, FieldValue> {
  const body = text.trim().replace(/^RRULE:/i, '');
  const parts = new Map<string, string>();
  for (const pair of body.split(';')) {
    if (!pair) continue;
    const [k, v] = pair.split('=');
    if (!k || v === undefined) throw new RruleError(`malformed RRULE part ${JSON.stringify(pair)}`);
    parts.set(k.toUpperCase(), v.toUpperCase());
  }
  const known = new Set(['FREQ', 'INTERVAL', 'BYDAY', 'BYMONTHDAY', 'BYMONTH', 'BYSETPOS', 'UNTIL', 'COUNT', 'WKST']);
  for (const k of parts.keys()) if (!known.has(k)) throw new RruleError(`RRULE ${k} has no Outlook equivalent`);
  const freq = parts.get('FREQ');
  const interval = Number(parts.get('INTERVAL') ?? '1');
  if (!Number.isInteger(interval) || interval < 1) throw new RruleError(`bad INTERVAL ${parts.get('INTERVAL')}`);
  const byDay = (parts.get('BYDAY') ?? '').split(',').filter(Boolean);
  const ordinal = byDay.map((d) => /^([+-]?\d)?([A-Z]{2})$/.exec(d));
  if (ordinal.some((m) => !m || !DAY_CODES[m[2]!])) throw new RruleError(`bad BYDAY ${parts.get('BYDAY')}`);
  const days = DAY_ORDER.filter((d) => ordinal.some((m) => DAY_CODES[m![2]!] === d));
  const positions = [...new Set(ordinal.map((m) => m![1]?.replace('+', '')).filter((p): p is string => p !== undefined))];
  const setpos = parts.get('BYSETPOS');
  const position = positions[0] ?? setpos;
  if (positions.length > 1 || (setpos !== undefined && setpos.includes(','))) throw new RruleError('several BYDAY positions have no Outlook equivalent');
  const monthDay = parts.get('BYMONTHDAY');
  if (monthDay?.includes(',')) throw new RruleError('several BYMONTHDAY values have no Outlook equivalent');
  const month = parts.get('BYMONTH') ? Number(parts.get('BYMONTH')) : undefined;
  const out: Record<string, FieldValue> = {};
  switch (freq) {
    case 'DAILY':
      Object.assign(out, { type: 'daily', interval });
      break;
    case 'WEEKLY':
      Object.assign(out, { type: 'weekly', interval, daysOfWeek: days.length ? days : [DAY_ORDER[new Date(`${startDate}T00:00:00Z`).getUTCDay()]!] });
      break;
    case 'MONTHLY':
    case 'YEARLY': {
      const yearly = freq === 'YEARLY';
      const rel = days.length > 0;
      if (rel && (!position || !INDEX[position])) throw new RruleError(`BYDAY without a position (1..4 or -1) in ${freq}`);
      Object.assign(out, { type: `${rel ? 'relative' : 'absolute'}${yearly ? 'Yearly' : 'Monthly'}`, interval: yearly ? 1 : interval });
      if (rel) Object.assign(out, { daysOfWeek: days, index: INDEX[position!]! });
      else out.dayOfMonth = monthDay ? Number(monthDay) : Number(startDate.slice(8, 10));
      if (yearly) out.month = month ?? Number(startDate.slice(5, 7));
      break;
    }
    default:
      throw new RruleError(`RRULE FREQ=${freq ?? '(none)'} has no Outlook equivalent`);
  }
  out.startDate = startDate;
  const until = parts.get('UNTIL');
  if (until) {
    const m = /^(\d{4})(\d{2})(\d{2})/.exec(until);
    if (!m) throw new RruleError(`bad UNTIL ${until}`);
    out.endDate = `${m[1]}-${m[2]}-${m[3]}`;
  }
  const count = parts.get('COUNT');
  if (count) {
    const n = Number(count);
    if (!Number.isInteger(n) || n < 1) throw new RruleError(`bad COUNT ${count}`);
    out.count = n;
  }
  return out;
}

/** RRULE text (without the "RRULE:" prefix) of a neutral recurrence. */
export function toRrule(rec: Readonly<Record<string, FieldValue>>): string {
  const days = Array.isArray(rec.daysOfWeek) ? (rec.daysOfWeek as string[]) : [];
  const codes = days.map((d) => CODES_BY_DAY[d.toLowerCase()]).filter(Boolean);
  const interval = typeof rec.interval === 'number' ? rec.interval : 1;
  const parts: string[] = [];
  switch (rec.type) {
    case 'daily':
      parts.push('FREQ=DAILY', `INTERVAL=${interval}`);
      break;
    case 'weekly':
      parts.push('FREQ=WEEKLY', `INTERVAL=${interval}`, `BYDAY=${codes.join(',')}`);
      break;
    case 'absoluteMonthly':
      parts.push('FREQ=MONTHLY', `INTERVAL=${interval}`, `BYMONTHDAY=${String(rec.dayOfMonth)}`);
      break;
    case 'relativeMonthly':
      parts.push('FREQ=MONTHLY', `INTERVAL=${interval}`, `BYDAY=${codes.map((c) => `${INDEX_NUMBER[String(rec.index)] ?? '1'}${c}`).join(',')}`);
      break;
    case 'absoluteYearly':
      parts.push('FREQ=YEARLY', `BYMONTH=${String(rec.month)}`, `BYMONTHDAY=${String(rec.dayOfMonth)}`);
      break;
    case 'relativeYearly':
      parts.push('FREQ=YEARLY', `BYMONTH=${String(rec.month)}`, `BYDAY=${codes.map((c) => `${INDEX_NUMBER[String(rec.index)] ?? '1'}${c}`).join(',')}`);
      break;
    default:
      throw new RruleError(`unknown recurrence type ${String(rec.type)}`);
  }
  if (typeof rec.endDate === 'string') parts.push(`UNTIL=${rec.endDate.replace(/-/g, '')}`);
  else if (typeof rec.count === 'number') parts.push(`COUNT=${rec.count}`);
  return parts.join(';');
}
