// Time zones: the Windows names Exchange uses ↔ IANA names (Salesforce TimeZoneSidKey and
// Intl), and the conversion between a wall time in a zone and an instant, done with Intl
// so daylight saving time is right. Pure: no clock is read.

/** Windows zone id → IANA zone (the CLDR "001" territory mapping for the common zones). */
export const WINDOWS_TO_IANA: Readonly<Record<string, string>> = {
  UTC: 'Etc/UTC',
  'GMT Standard Time': 'Europe/London',
  'Greenwich Standard Time': 'Atlantic/Reykjavik',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Romance Standard Time': 'Europe/Paris',
  'Central Europe Standard Time': 'Europe/Budapest',
  'Central European Standard Time': 'Europe/Warsaw',
  'E. Europe Standard Time': 'Europe/Chisinau',
  'FLE Standard Time': 'Europe/Kiev',
  'GTB Standard Time': 'Europe/Bucharest',
  'Russian Standard Time': 'Europe/Moscow',
  'Turkey Standard Time': 'Europe/Istanbul',
  'Israel Standard Time': 'Asia/Jerusalem',
  'South Africa Standard Time': 'Africa/Johannesburg',
  'Egypt Standard Time': 'Africa/Cairo',
  'Arabian Standard Time': 'Asia/Dubai',
  'Arab Standard Time': 'Asia/Riyadh',
  'India Standard Time': 'Asia/Calcutta',
  'China Standard Time': 'Asia/Shanghai',
  'Singapore Standard Time': 'Asia/Singapore',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'Korea Standard Time': 'Asia/Seoul',
  'AUS Eastern Standard Time': 'Australia/Sydney',
  'E. Australia Standard Time': 'Australia/Brisbane',
  'W. Australia Standard Time': 'Australia/Perth',
  'New Zealand Standard Time': 'Pacific/Auckland',
  'Eastern Standard Time': 'America/New_York',
  'Central Standard Time': 'America/Chicago',
  'Mountain Standard Time': 'America/Denver',
  'US Mountain Standard Time': 'America/Phoenix',
  'Pacific Standard Time': 'America/Los_Angeles',
  'Alaskan Standard Time': 'America/Anchorage',
  'Hawaiian Standard Time': 'Pacific/Honolulu',
  'Atlantic Standard Time': 'America/Halifax',
  'Canada Central Standard Time': 'America/Regina',
  'Central Standard Time (Mexico)': 'America/Mexico_City',
  'SA Pacific Standard Time': 'America/Bogota',
  'E. South America Standard Time': 'America/Sao_Paulo',
  'Argentina Standard Time': 'America/Buenos_Aires',
};

const IANA_TO_WINDOWS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(WINDOWS_TO_IANA).map(([windows, iana]) => [iana, windows]),
);
const IANA_ALIASES: Readonly<Record<string, string>> = {
  UTC: 'Etc/UTC',
  'Etc/GMT': 'Etc/UTC',
  GMT: 'Etc/UTC',
  'Asia/Kolkata': 'Asia/Calcutta',
  'Europe/Kyiv': 'Europe/Kiev',
  'America/Argentina/Buenos_Aires': 'America/Buenos_Aires',
};

/** IANA name for a Windows or IANA zone name; undefined when unknown to us and to Intl. */
export function toIana(zone: string): string | undefined {
  const known = WINDOWS_TO_IANA[zone] ?? IANA_ALIASES[zone];
  if (known) return known;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** Windows name for an IANA zone, for Graph's Prefer: outlook.timezone and timeZone fields. */
export function toWindows(zone: string): string | undefined {
  const iana = IANA_ALIASES[zone] ?? zone;
  return IANA_TO_WINDOWS[iana] ?? (WINDOWS_TO_IANA[zone] ? zone : undefined);
}

const WALL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/;

/** Offset of `zone` from UTC at `instantMs`, in minutes. */
// One formatter per zone: building one per call was the largest CPU cost of an events sync.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterOf(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(zone, f);
  }
  return f;
}

const UTC_ZONES: ReadonlySet<string> = new Set(['Etc/UTC', 'UTC', 'Etc/GMT', 'GMT', 'Etc/Universal', 'Etc/Zulu']);
// formatToParts was the largest CPU cost of mapping tasks and events, so a zone's offset is kept
// per quarter hour (UTC) — only for a quarter hour whose first and last millisecond have the same
// offset as the instant asked: most transitions fall on a quarter hour, but not all (Goose Bay
// changed at 00:01 local until 2010), and a quarter hour holding a transition is never cached.
const QUARTER_HOUR = 15 * 60_000;
const offsets = new Map<string, number>();

function offsetMinutes(zone: string, instantMs: number): number {
  if (UTC_ZONES.has(zone)) return 0;
  const quarter = Math.floor(instantMs / QUARTER_HOUR);
  const key = `${zone}\n${quarter}`;
  const hit = offsets.get(key);
  if (hit !== undefined) return hit;
  const offset = formattedOffset(zone, instantMs);
  const start = quarter * QUARTER_HOUR;
  if (formattedOffset(zone, start) === offset && formattedOffset(zone, start + QUARTER_HOUR - 1) === offset) {
    if (offsets.size >= 100_000) offsets.clear();
    offsets.set(key, offset);
  }
  return offset;
}

function formattedOffset(zone: string, instantMs: number): number {
  const parts = formatterOf(zone).formatToParts(new Date(instantMs));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(instantMs / 1000) * 1000) / 60000);
}

/**
 * The instant of a wall time ("2026-03-29T02:30:00[.0000000]") in a zone (Windows or IANA),
 * as an ISO string in UTC. A wall time skipped by a DST jump is read with the offset before
 * the jump (as Outlook does); a repeated one takes the earlier instant.
 */
export function wallTimeToInstant(wallTime: string, zone: string): string {
  const m = WALL.exec(wallTime);
  if (!m) throw new Error(`not a wall time: ${JSON.stringify(wallTime)}`);
  const iana = toIana(zone);
  if (!iana) throw new Error(`unknown time zone: ${JSON.stringify(zone)}`);
  const asUtc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  // try the offsets in force a day either side; keep the earliest instant that shows this wall time
  const candidates = [...new Set([offsetMinutes(iana, asUtc - 86400000), offsetMinutes(iana, asUtc + 86400000)])]
    .map((offset) => asUtc - offset * 60000)
    .filter((instant) => instant + offsetMinutes(iana, instant) * 60000 === asUtc)
    .sort((a, b) => a - b);
  const instant = candidates[0] ?? asUtc - offsetMinutes(iana, asUtc - 86400000) * 60000;
  return new Date(instant).toISOString();
}

/** The wall time ("YYYY-MM-DDTHH:mm:ss") of an instant in a zone (Windows or IANA). */
export function instantToWallTime(instant: string, zone: string): string {
  const iana = toIana(zone);
  if (!iana) throw new Error(`unknown time zone: ${JSON.stringify(zone)}`);
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new Error(`not an instant: ${JSON.stringify(instant)}`);
  return new Date(ms + offsetMinutes(iana, ms) * 60000).toISOString().slice(0, 19);
}

/** The calendar date of an instant in a zone. */
export function instantToDate(instant: string, zone: string): string {
  return instantToWallTime(instant, zone).slice(0, 10);
}
