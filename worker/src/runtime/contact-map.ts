// Contact field maps for the runtime until the core's maps (worker/src/core/maps) land: a
// Salesforce Contact and an Outlook contact both become the same neutral fields, and back.
// Only fields both sides hold are mapped, so a round trip (SF → EX → SF) is a fixpoint and
// the content hashes of a synced pair agree. Empty strings and empty lists are null. The
// mailing address is one neutral value (an object) because Graph's businessAddress is one
// complex property: a patch of one line must carry the others.
import type { Fields, FieldValue } from '../core/types.ts';
import type { ExchangeItem } from '../graph/delta.ts';
import type { SalesforceKindMap } from '../salesforce/side.ts';
import type { SfInput, SfRecord } from '../salesforce/records.ts';
import { soqlString } from '../salesforce/records.ts';

/** Neutral name → Salesforce Contact field. */
const SF: Record<string, string> = {
  firstName: 'FirstName',
  lastName: 'LastName',
  title: 'Title',
  department: 'Department',
  email: 'Email',
  phone: 'Phone',
  mobilePhone: 'MobilePhone',
  homePhone: 'HomePhone',
  description: 'Description',
};

/** Neutral address line → Salesforce Mailing* field and Graph businessAddress property. */
const ADDRESS: Array<[string, string, string]> = [
  ['street', 'MailingStreet', 'street'],
  ['city', 'MailingCity', 'city'],
  ['state', 'MailingState', 'state'],
  ['postalCode', 'MailingPostalCode', 'postalCode'],
  ['country', 'MailingCountry', 'countryOrRegion'],
];

function address(read: (raw: string, graph: string) => unknown): FieldValue {
  const out: Record<string, FieldValue> = {};
  for (const [neutral, raw, graph] of ADDRESS) {
    const v = text(read(raw, graph));
    if (v !== null) out[neutral] = v;
  }
  return Object.keys(out).length > 0 ? out : null;
}

function addressLine(fields: Fields, line: string): string | null {
  const a = fields.address;
  if (a === null || typeof a !== 'object' || Array.isArray(a)) return null;
  const v = a[line];
  return typeof v === 'string' ? v : null;
}

export function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  return value === '' ? null : value;
}

function compact(fields: Record<string, FieldValue>): Fields {
  const out: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== null && v !== undefined) out[k] = v;
  return out;
}

export const contactSalesforceMap: SalesforceKindMap = {
  sobject: 'Contact',
  fields: [...Object.values(SF), ...ADDRESS.map(([, raw]) => raw)],
  toFields(record: SfRecord): Fields {
    const out: Record<string, FieldValue> = {};
    for (const [neutral, raw] of Object.entries(SF)) out[neutral] = text(record[raw]);
    out.address = address((raw) => record[raw]);
    return compact(out);
  },
  toRecord(fields: Fields): SfInput {
    const out: SfInput = {};
    for (const [neutral, raw] of Object.entries(SF)) {
      if (!(neutral in fields)) continue;
      const v = fields[neutral];
      out[raw] = typeof v === 'string' ? v : null;
    }
    if ('address' in fields) for (const [line, raw] of ADDRESS) out[raw] = addressLine(fields, line);
    return out;
  },
  naturalKeyWhere(others) {
    const emails = [...new Set(others.map((o) => o.fields.email).filter((e): e is string => typeof e === 'string' && e !== ''))];
    const names = [...new Set(others.map((o) => o.fields.lastName).filter((e): e is string => typeof e === 'string' && e !== ''))];
    const out: string[] = [];
    for (let i = 0; i < emails.length; i += 100) out.push(`Email IN (${emails.slice(i, i + 100).map(soqlString).join(', ')})`);
    for (let i = 0; i < names.length; i += 100) out.push(`LastName IN (${names.slice(i, i + 100).map(soqlString).join(', ')})`);
    return out;
  },
};

function first(list: unknown): string | null {
  return Array.isArray(list) && typeof list[0] === 'string' ? text(list[0]) : null;
}

export function contactToFields(item: ExchangeItem): Fields {
  const emails = Array.isArray(item.emailAddresses) ? (item.emailAddresses as Array<{ address?: unknown }>) : [];
  const business = (item.businessAddress ?? {}) as Record<string, unknown>;
  return compact({
    firstName: text(item.givenName),
    lastName: text(item.surname),
    title: text(item.jobTitle),
    department: text(item.department),
    email: text(emails[0]?.address),
    phone: first(item.businessPhones),
    mobilePhone: text(item.mobilePhone),
    homePhone: first(item.homePhones),
    address: address((_raw, graph) => business[graph]),
    description: text(item.personalNotes),
  });
}

export function contactToGraph(fields: Fields, mode: 'create' | 'update'): Record<string, unknown> {
  const has = (name: string): boolean => mode === 'create' || name in fields;
  const s = (name: string): string | null => (typeof fields[name] === 'string' ? (fields[name] as string) : null);
  const body: Record<string, unknown> = {};
  if (has('firstName')) body.givenName = s('firstName');
  if (has('lastName')) body.surname = s('lastName');
  if (has('firstName') || has('lastName')) {
    const display = [s('firstName'), s('lastName')].filter(Boolean).join(' ');
    if (display) body.displayName = display;
  }
  if (has('title')) body.jobTitle = s('title');
  if (has('department')) body.department = s('department');
  if (has('email')) body.emailAddresses = s('email') ? [{ address: s('email'), name: [s('firstName'), s('lastName')].filter(Boolean).join(' ') || s('email') }] : [];
  if (has('phone')) body.businessPhones = s('phone') ? [s('phone')] : [];
  if (has('mobilePhone')) body.mobilePhone = s('mobilePhone');
  if (has('homePhone')) body.homePhones = s('homePhone') ? [s('homePhone')] : [];
  if (has('address')) body.businessAddress = Object.fromEntries(ADDRESS.map(([line, , graph]) => [graph, addressLine(fields, line) ?? '']));
  if (has('description')) body.personalNotes = s('description') ?? '';
  return body;
}
