// patternedRecurrence expansion as Outlook does it: the six pattern types (daily, weekly,
// absoluteMonthly, relativeMonthly, absoluteYearly, relativeYearly) and three range types
// (endDate inclusive, numbered, noEnd), evaluated on local dates in the recurrence time zone,
// each occurrence keeping the series' local start time. Returns original start instants.
import { badRequest } from './errors.ts';
import { fromWall, wall } from './timezones.ts';

export interface Pattern {
  type: string;
  interval?: number;
  month?: number;
  dayOfMonth?: number;
  daysOfWeek?: string[];
  firstDayOfWeek?: string;
  index?: string;
}
export interface Range { type: string; startDate?: string; endDate?: string; numberOfOccurrences?: number; recurrenceTimeZone?: string }
export interface Recurrence { pattern: Pattern; range: Range }

const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const INDEX = ['first', 'second', 'third', 'fourth', 'last'];
const MAX_OCCURRENCES = 5000;

type D = { y: number; m: number; d: number };
const dayNum = (x: D) => Math.floor(Date.UTC(x.y, x.m - 1, x.d) / 86_400_000);
const fromDayNum = (n: number): D => {
  const dt = new Date(n * 86_400_000);
  return { y: dt.getUTCFullYear(), m: dt.getUTCMonth() + 1, d: dt.getUTCDate() };
};
const daysInMonth = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();
const weekday = (x: D) => new Date(Date.UTC(x.y, x.m - 1, x.d)).getUTCDay();

function parseDate(s: string | undefined, field: string): D {
  const m = s ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(s) : null;
  if (!m) throw badRequest(`recurrence.range.${field} must be a date (yyyy-mm-dd).`, 'ErrorInvalidRequest');
  return { y: Number(m[1]), m: Number(m[2]), d: Number(m[3]) };
}

export function validateRecurrence(r: unknown): Recurrence {
  const rec = r as Recurrence | null;
  if (!rec?.pattern || !rec.range) throw badRequest('recurrence needs pattern and range.', 'ErrorInvalidRequest');
  const p = rec.pattern;
  if (!['daily', 'weekly', 'absoluteMonthly', 'relativeMonthly', 'absoluteYearly', 'relativeYearly'].includes(p.type)) {
    throw badRequest(`Unknown recurrence pattern type '${p.type}'.`, 'ErrorInvalidRequest');
  }
  if (p.interval !== undefined && (!Number.isInteger(p.interval) || p.interval < 1)) throw badRequest('recurrence.pattern.interval must be ≥ 1.', 'ErrorInvalidRequest');
  if (['weekly', 'relativeMonthly', 'relativeYearly'].includes(p.type) && !p.daysOfWeek?.length) {
    throw badRequest(`recurrence.pattern.daysOfWeek is required for ${p.type}.`, 'ErrorInvalidRequest');
  }
  for (const d of p.daysOfWeek ?? []) if (!DAYS.includes(d.toLowerCase())) throw badRequest(`Invalid day of week '${d}'.`, 'ErrorInvalidRequest');
  if (['absoluteMonthly', 'absoluteYearly'].includes(p.type) && !p.dayOfMonth) throw badRequest('recurrence.pattern.dayOfMonth is required.', 'ErrorInvalidRequest');
  if (p.type.endsWith('Yearly') && !p.month) throw badRequest('recurrence.pattern.month is required.', 'ErrorInvalidRequest');
  if (!['endDate', 'numbered', 'noEnd'].includes(rec.range.type)) throw badRequest(`Unknown recurrence range type '${rec.range.type}'.`, 'ErrorInvalidRequest');
  parseDate(rec.range.startDate, 'startDate');
  if (rec.range.type === 'endDate') parseDate(rec.range.endDate, 'endDate');
  if (rec.range.type === 'numbered' && !(Number(rec.range.numberOfOccurrences) >= 1)) throw badRequest('recurrence.range.numberOfOccurrences must be ≥ 1.', 'ErrorInvalidRequest');
  return rec;
}

/** The nth (or last) given weekday of a month. */
function nthWeekday(y: number, m: number, dow: number, index: string): number | null {
  const dim = daysInMonth(y, m);
  if (index === 'last') {
    for (let d = dim; d > 0; d--) if (weekday({ y, m, d }) === dow) return d;
    return null;
  }
  const n = INDEX.indexOf(index);
  let seen = -1;
  for (let d = 1; d <= dim; d++) if (weekday({ y, m, d }) === dow && ++seen === n) return d;
  return null;
}

/**
 * Original start instants of a series whose first occurrence starts at `seriesStart` (UTC ms),
 * limited to [from, to). `zone` is the recurrence time zone.
 */
export function expand(rec: Recurrence, seriesStart: number, zone: string, from: number, to: number): number[] {
  const p = rec.pattern;
  const interval = p.interval ?? 1;
  const start = parseDate(rec.range.startDate, 'startDate');
  const startN = dayNum(start);
  const endN = rec.range.type === 'endDate' ? dayNum(parseDate(rec.range.endDate, 'endDate')) : Infinity;
  const limit = rec.range.type === 'numbered' ? Number(rec.range.numberOfOccurrences) : Infinity;
  const t = wall(seriesStart, zone);
  const at = (x: D) => fromWall(x.y, x.m, x.d, t.h, t.mi, t.s, zone);
  const dows = (p.daysOfWeek ?? []).map((d) => DAYS.indexOf(d.toLowerCase())).sort((a, b) => a - b);
  const out: number[] = [];
  let count = 0;
  // returns false when the range or window is exhausted
  const emit = (x: D): boolean => {
    const n = dayNum(x);
    if (n < startN) return true;
    if (n > endN || count >= limit || count >= MAX_OCCURRENCES) return false;
    const ms = at(x);
    if (ms >= to) return false;
    count++;
    if (ms >= from) out.push(ms);
    return true;
  };
  const guard = 50_000;
  switch (p.type) {
    case 'daily':
      for (let n = startN, i = 0; i < guard; n += interval, i++) if (!emit(fromDayNum(n))) break;
      break;
    case 'weekly': {
      const fdw = DAYS.indexOf((p.firstDayOfWeek ?? 'sunday').toLowerCase());
      const weekStart = startN - ((weekday(start) - fdw + 7) % 7);
      const order = [...dows].sort((a, b) => ((a - fdw + 7) % 7) - ((b - fdw + 7) % 7));
      outer: for (let w = weekStart, i = 0; i < guard; w += 7 * interval, i++) {
        for (const dow of order) {
          if (!emit(fromDayNum(w + ((dow - fdw + 7) % 7)))) break outer;
        }
      }
      break;
    }
    case 'absoluteMonthly':
    case 'relativeMonthly':
    case 'absoluteYearly':
    case 'relativeYearly': {
      const yearly = p.type.endsWith('Yearly');
      const step = yearly ? 12 * interval : interval;
      let y = start.y, m = yearly ? p.month! : start.m;
      if (yearly && m < start.m) y++; // first matching month on or after the start
      outer: for (let i = 0; i < guard; i++) {
        const days: number[] = [];
        if (p.type.startsWith('absolute')) days.push(Math.min(p.dayOfMonth!, daysInMonth(y, m)));
        else {
          // several weekdays with one index: Outlook picks the earliest matching day
          const cands = dows.map((dow) => nthWeekday(y, m, dow, p.index ?? 'first')).filter((d): d is number => d !== null);
          if (cands.length) days.push((p.index ?? 'first') === 'last' ? Math.max(...cands) : Math.min(...cands));
        }
        for (const d of days) if (!emit({ y, m, d })) break outer;
        m += step;
        while (m > 12) { m -= 12; y++; }
      }
      break;
    }
  }
  return out;
}
