// Salesforce field limits, applied when mapped values are written to Salesforce. The
// lengths come from describe (an input, never hard-coded here); over-long text is cut by
// code points, never inside a surrogate pair, and every cut or refused value is reported.

/** Salesforce field API name → maximum length in characters, from describe. */
export type FieldLimits = Readonly<Record<string, number>>;

export interface MapIssue {
  readonly field: string;
  readonly code: 'truncated' | 'invalid-email' | 'unmapped-value';
  readonly message: string;
}

/**
 * Cut `text` to at most `max` UTF-16 units (Salesforce counts string length in UTF-16
 * units) without splitting a surrogate pair.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const codePoint of text) {
    if (out.length + codePoint.length > max) break;
    out += codePoint;
  }
  return out;
}

/** Apply the limit of `field` (if describe gave one), reporting a cut. */
export function limit(field: string, value: string | null | undefined, limits: FieldLimits, issues: MapIssue[]): string | null {
  if (value === null || value === undefined) return null;
  const max = limits[field];
  if (max === undefined || value.length <= max) return value;
  const cut = truncate(value, max);
  issues.push({ field, code: 'truncated', message: `${field} cut from ${value.length} to ${cut.length} characters (limit ${max})` });
  return cut;
}

// Deliberately plain (local@domain.tld, no spaces): what both Salesforce's Email type and Exchange accept.
const EMAIL = /^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+\.[^\s@<>()[\],;:".]{2,}$/;

export function isEmail(value: string): boolean {
  return EMAIL.test(value) && value.length <= 254;
}

/** Keep a valid address, report and drop an invalid one (the address itself is not logged). */
export function email(field: string, value: string | null | undefined, issues: MapIssue[]): string | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const trimmed = value.trim();
  if (isEmail(trimmed)) return trimmed;
  issues.push({ field, code: 'invalid-email', message: `${field} is not a valid email address; not sent` });
  return null;
}
