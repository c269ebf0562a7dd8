// The dates a neutral recurrence (Graph's patternedRecurrence shape, see core/maps/event.ts)
// puts its occurrences on, as local calendar dates. Pure. Used where one side needs an end date
// the other keeps as a count: Outlook's "end after N occurrences" has no Salesforce equivalent
// (RecurrenceEndDateOnly is required), so the series ends on the date of its N-th occurrence.
import type { FieldValue } from '../types.ts';

const DAY = 86_400_000;
const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const INDEX = ['first', 'second', 'third', 'fourth'];
/** The platforms cap a series well below this many days (Salesforce: 100 occurrences). */
const MAX_DAYS = 3700;

const asDate = (t: number): string => new Date(t).toISOString().slice(0, 10);

/** Whether `t` (a UTC midnight) is the index-th (or last) of its month's `days`. */
function nthWeekday(t: number, days: readonly string[], index: string): boolean {
  const d = new Date(t);
  if (!days.includes(DAYS[d.getUTCDay()]!)) return false;
  if (index === 'last') return new Date(t + 7 * DAY).getUTCMonth() !== d.getUTCMonth();
  return Math.floor((d.getUTCDate() - 1) / 7) === INDEX.indexOf(index);
}

/** Whether the pattern has an occurrence on day `t`, the series starting on `first`. */
function occursOn(rec: Readonly<Record<string, FieldValue>>, first: number, t: number): boolean {
  const d = new Date(t);
  const f = new Date(first);
  const interval = typeof rec.interval === 'number' && rec.interval > 0 ? rec.interval : 1;
  const days = Array.isArray(rec.daysOfWeek) ? (rec.daysOfWeek as string[]) : [DAYS[f.getUTCDay()]!];
  const months = (d.getUTCFullYear() - f.getUTCFullYear()) * 12 + d.getUTCMonth() - f.getUTCMonth();
  const dayOfMonth = typeof rec.dayOfMonth === 'number' ? rec.dayOfMonth : f.getUTCDate();
  const month = typeof rec.month === 'number' ? rec.month : f.getUTCMonth() + 1;
  const index = typeof rec.index === 'string' ? rec.index : 'first';
  switch (rec.type) {
    case 'daily':
      return Math.round((t - first) / DAY) % interval === 0;
    case 'weekly': {
      // weeks counted from the Sunday-first week of the first occurrence
      const weeks = Math.floor((t - (first - f.getUTCDay() * DAY)) / (7 * DAY));
      return days.includes(DAYS[d.getUTCDay()]!) && weeks % interval === 0;
    }
    case 'absoluteMonthly':
      return d.getUTCDate() === dayOfMonth && months % interval === 0;
    case 'relativeMonthly':
      return nthWeekday(t, days, index) && months % interval === 0;
    case 'absoluteYearly':
      return d.getUTCMonth() + 1 === month && d.getUTCDate() === dayOfMonth;
    case 'relativeYearly':
      return d.getUTCMonth() + 1 === month && nthWeekday(t, days, index);
    default:
      return false;
  }
}

/** The date of the `count`-th occurrence from `startDate` (inclusive), or undefined if none is found. */
export function nthOccurrenceDate(rec: Readonly<Record<string, FieldValue>>, startDate: string, count: number): string | undefined {
  const first = Date.parse(`${startDate}T00:00:00Z`);
  if (Number.isNaN(first) || count < 1) return undefined;
  let seen = 0;
  for (let i = 0; i < MAX_DAYS; i++) {
    const t = first + i * DAY;
    if (occursOn(rec, first, t) && ++seen === count) return asDate(t);
  }
  return undefined;
}
