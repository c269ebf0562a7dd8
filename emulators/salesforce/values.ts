// Conversions between the JSON the REST API speaks and the values the org stores:
// datetimes as epoch ms, dates as YYYY-MM-DD, base64 bodies as Buffers, ids as 18 chars.
import type { FieldDef } from './schema.ts';

/** Salesforce's datetime rendering: 2024-05-01T10:00:00.000+0000. */
export function formatDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

export function parseDateTime(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/.test(text)) return undefined;
  const normalized = text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(/(Z|[+-]\d{2}:\d{2})$/.test(normalized) ? normalized : `${normalized}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

export function parseDate(text: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
  if (!m) return undefined;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (d.getUTCMonth() !== Number(m[2]) - 1) return undefined;
  return `${m[1]}-${m[2]}-${m[3]}`;
}

export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Stored value → JSON value for a REST response or an event payload. */
export function toApi(field: FieldDef, value: unknown, blobUrl?: string): unknown {
  if (value === undefined || value === null) return null;
  switch (field.type) {
    case 'datetime': return formatDateTime(value as number);
    case 'base64': return blobUrl ?? null;
    default: return value;
  }
}

// Intentionally loose, like the platform's check: something@something.tld without spaces.
const EMAIL_RE = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
export function isEmail(text: string): boolean {
  return EMAIL_RE.test(text) && !text.includes('..');
}
