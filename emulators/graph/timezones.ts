// Time zones as Exchange names them: Windows ids ("Pacific Standard Time") or IANA ids, mapped to
// IANA for Intl, plus wall-clock ↔ UTC conversion. Graph accepts either form in start/end and in
// Prefer: outlook.timezone; it answers in UTC when no preference is sent.
import { badRequest } from './errors.ts';

const WINDOWS_TO_IANA: Record<string, string> = {
  'UTC': 'UTC', 'Coordinated Universal Time': 'UTC', 'GMT Standard Time': 'Europe/London', 'Greenwich Standard Time': 'Atlantic/Reykjavik',
  'W. Europe Standard Time': 'Europe/Berlin', 'Romance Standard Time': 'Europe/Paris', 'Central Europe Standard Time': 'Europe/Budapest',
  'Central European Standard Time': 'Europe/Warsaw', 'E. Europe Standard Time': 'Europe/Chisinau', 'FLE Standard Time': 'Europe/Kiev',
  'GTB Standard Time': 'Europe/Bucharest', 'Russian Standard Time': 'Europe/Moscow', 'Turkey Standard Time': 'Europe/Istanbul',
  'Israel Standard Time': 'Asia/Jerusalem', 'Egypt Standard Time': 'Africa/Cairo', 'South Africa Standard Time': 'Africa/Johannesburg',
  'W. Central Africa Standard Time': 'Africa/Lagos', 'Arabian Standard Time': 'Asia/Dubai', 'Arab Standard Time': 'Asia/Riyadh',
  'Pakistan Standard Time': 'Asia/Karachi', 'India Standard Time': 'Asia/Kolkata', 'Bangladesh Standard Time': 'Asia/Dhaka',
  'SE Asia Standard Time': 'Asia/Bangkok', 'Singapore Standard Time': 'Asia/Singapore', 'China Standard Time': 'Asia/Shanghai',
  'Taipei Standard Time': 'Asia/Taipei', 'Tokyo Standard Time': 'Asia/Tokyo', 'Korea Standard Time': 'Asia/Seoul',
  'W. Australia Standard Time': 'Australia/Perth', 'Cen. Australia Standard Time': 'Australia/Adelaide',
  'E. Australia Standard Time': 'Australia/Brisbane', 'AUS Eastern Standard Time': 'Australia/Sydney',
  'New Zealand Standard Time': 'Pacific/Auckland', 'Hawaiian Standard Time': 'Pacific/Honolulu', 'Alaskan Standard Time': 'America/Anchorage',
  'Pacific Standard Time': 'America/Los_Angeles', 'US Mountain Standard Time': 'America/Phoenix', 'Mountain Standard Time': 'America/Denver',
  'Central Standard Time': 'America/Chicago', 'Central Standard Time (Mexico)': 'America/Mexico_City', 'Canada Central Standard Time': 'America/Regina',
  'Eastern Standard Time': 'America/New_York', 'SA Pacific Standard Time': 'America/Bogota', 'Atlantic Standard Time': 'America/Halifax',
  'Newfoundland Standard Time': 'America/St_Johns', 'E. South America Standard Time': 'America/Sao_Paulo', 'Argentina Standard Time': 'America/Buenos_Aires',
};

const IANA_TO_WINDOWS: Record<string, string> = Object.fromEntries(Object.entries(WINDOWS_TO_IANA).reverse().map(([w, i]) => [i, w]));
IANA_TO_WINDOWS['UTC'] = 'UTC';

// Zones Intl accepted: building a DateTimeFormat to check one took half the emulator's CPU in
// an events benchmark, as every rendered event date went through here.
const validZones = new Set<string>(['UTC']);

export function toIana(zone: string): string {
  const iana = WINDOWS_TO_IANA[zone] ?? zone;
  if (validZones.has(iana)) return iana;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: iana });
  } catch {
    throw badRequest(`A valid TimeZone value must be specified. The following TimeZone value is not supported: '${zone}'.`, 'TimeZoneNotSupportedException');
  }
  validZones.add(iana);
  return iana;
}

export function toWindows(zone: string): string {
  return WINDOWS_TO_IANA[zone] ? zone : IANA_TO_WINDOWS[zone] ?? zone;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function fmt(iana: string) {
  let f = formatters.get(iana);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: iana, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(iana, f);
  }
  return f;
}

/** Wall-clock fields of an instant in a zone. */
export function wall(ms: number, zone: string): { y: number; m: number; d: number; h: number; mi: number; s: number } {
  const iana = toIana(zone);
  if (iana === 'UTC') {
    const t = new Date(ms);
    return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate(), h: t.getUTCHours(), mi: t.getUTCMinutes(), s: t.getUTCSeconds() };
  }
  const parts: Record<string, number> = {};
  for (const p of fmt(iana).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { y: parts.year!, m: parts.month!, d: parts.day!, h: parts.hour!, mi: parts.minute!, s: parts.second! };
}

function offsetAt(ms: number, zone: string): number {
  const w = wall(ms, zone);
  return Date.UTC(w.y, w.m - 1, w.d, w.h, w.mi, w.s) - Math.floor(ms / 1000) * 1000;
}

/** UTC instant of a wall-clock time in a zone (the earlier instant when ambiguous). */
export function fromWall(y: number, m: number, d: number, h: number, mi: number, s: number, zone: string): number {
  const asUtc = Date.UTC(y, m - 1, d, h, mi, s);
  let t = asUtc - offsetAt(asUtc, zone);
  t = asUtc - offsetAt(t, zone);
  return t;
}

/** Parses Graph's dateTimeTimeZone {dateTime:'2026-01-05T09:00:00.0000000', timeZone} → UTC ms. */
export function parseDateTimeTimeZone(v: unknown, field: string): number {
  const o = v as { dateTime?: unknown; timeZone?: unknown } | null;
  if (!o || typeof o.dateTime !== 'string') throw badRequest(`${field}.dateTime is required.`, 'ErrorInvalidRequest');
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(o.dateTime);
  if (!m) throw badRequest(`${field}.dateTime '${o.dateTime}' is not a valid date-time.`, 'ErrorInvalidRequest');
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  if (m[7]) return Date.parse(o.dateTime);
  return fromWall(y, mo, d, h, mi, s, typeof o.timeZone === 'string' && o.timeZone ? o.timeZone : 'UTC');
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** UTC ms → Graph's dateTimeTimeZone in a zone ('2026-01-05T09:00:00.0000000'). */
export function formatDateTimeTimeZone(ms: number, zone: string): { dateTime: string; timeZone: string } {
  const w = wall(ms, zone);
  return { dateTime: `${w.y}-${pad(w.m)}-${pad(w.d)}T${pad(w.h)}:${pad(w.mi)}:${pad(w.s)}.0000000`, timeZone: zone };
}
