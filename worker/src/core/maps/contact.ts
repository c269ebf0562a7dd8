// Contact ↔ Outlook contact. Mapped fields are the neutral form both sides are compared
// in; Account.Name is read from Salesforce (companyName in Exchange) but never written
// back, because Salesforce needs an Account lookup, not a name. Fax has no Graph v1.0
// property: it rides on the MAPI business-fax extended property. Creates take every field
// (toSalesforce, toExchange); updates take a patch and write only what it names
// (salesforcePatch, exchangePatch).
import { email, limit, type FieldLimits, type MapIssue } from '../limits.ts';
import type { FieldValue, Fields } from '../types.ts';

export const FAX_PROPERTY = 'String 0x3A24';

export interface SalesforceContact {
  Salutation?: string | null;
  FirstName?: string | null;
  LastName?: string | null;
  Title?: string | null;
  Department?: string | null;
  Email?: string | null;
  Phone?: string | null;
  MobilePhone?: string | null;
  HomePhone?: string | null;
  Fax?: string | null;
  MailingStreet?: string | null;
  MailingCity?: string | null;
  MailingState?: string | null;
  MailingPostalCode?: string | null;
  MailingCountry?: string | null;
  Birthdate?: string | null;
  Description?: string | null;
  Account?: { Name?: string | null } | null;
}

export interface GraphContact {
  title?: string | null;
  displayName?: string;
  givenName?: string | null;
  middleName?: string | null;
  surname?: string | null;
  jobTitle?: string | null;
  department?: string | null;
  companyName?: string | null;
  emailAddresses?: { address: string; name?: string }[];
  businessPhones?: string[];
  mobilePhone?: string | null;
  homePhones?: string[];
  businessAddress?: { street?: string | null; city?: string | null; state?: string | null; postalCode?: string | null; countryOrRegion?: string | null };
  birthday?: string | null;
  personalNotes?: string | null;
  categories?: string[];
  singleValueExtendedProperties?: { id: string; value: string }[];
}

/** Salesforce field → mapped field (same order both ways). */
const SIMPLE: readonly (readonly [keyof SalesforceContact, string])[] = [
  ['Salutation', 'salutation'],
  ['FirstName', 'firstName'],
  ['LastName', 'lastName'],
  ['Title', 'title'],
  ['Department', 'department'],
  ['Email', 'email'],
  ['Phone', 'phone'],
  ['MobilePhone', 'mobilePhone'],
  ['HomePhone', 'homePhone'],
  ['Fax', 'fax'],
  ['MailingStreet', 'mailingStreet'],
  ['MailingCity', 'mailingCity'],
  ['MailingState', 'mailingState'],
  ['MailingPostalCode', 'mailingPostalCode'],
  ['MailingCountry', 'mailingCountry'],
  ['Birthdate', 'birthdate'],
  ['Description', 'description'],
];

function put(out: Record<string, FieldValue>, name: string, value: string | null | undefined): void {
  if (value !== null && value !== undefined && value !== '') out[name] = value;
}
const text = (fields: Fields, name: string): string | null => (typeof fields[name] === 'string' ? (fields[name] as string) : null);

export function fromSalesforce(record: SalesforceContact): Fields {
  const out: Record<string, FieldValue> = {};
  for (const [sf, name] of SIMPLE) put(out, name, record[sf] as string | null | undefined);
  put(out, 'accountName', record.Account?.Name);
  return out;
}

/** Values to write to Salesforce (accountName is read-only there); limits from describe. */
export function toSalesforce(fields: Fields, limits: FieldLimits, issues: MapIssue[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [sf, name] of SIMPLE) {
    const value = name === 'email' ? email(sf, text(fields, name), issues) : text(fields, name);
    out[sf] = limit(sf, value, limits, issues);
  }
  return out;
}

export function fromExchange(item: GraphContact): Fields {
  const out: Record<string, FieldValue> = {};
  put(out, 'salutation', item.title);
  put(out, 'firstName', item.givenName);
  put(out, 'lastName', item.surname);
  put(out, 'title', item.jobTitle);
  put(out, 'department', item.department);
  put(out, 'accountName', item.companyName);
  put(out, 'email', item.emailAddresses?.[0]?.address);
  put(out, 'phone', item.businessPhones?.[0]);
  put(out, 'mobilePhone', item.mobilePhone);
  put(out, 'homePhone', item.homePhones?.[0]);
  // Graph may answer the property id in another case ("String 0x3a24")
  put(out, 'fax', item.singleValueExtendedProperties?.find((p) => p.id.toLowerCase() === FAX_PROPERTY.toLowerCase())?.value);
  put(out, 'mailingStreet', item.businessAddress?.street);
  put(out, 'mailingCity', item.businessAddress?.city);
  put(out, 'mailingState', item.businessAddress?.state);
  put(out, 'mailingPostalCode', item.businessAddress?.postalCode);
  put(out, 'mailingCountry', item.businessAddress?.countryOrRegion);
  // Graph birthdays are datetimes at midnight UTC; Salesforce keeps the date
  put(out, 'birthdate', item.birthday ? item.birthday.slice(0, 10) : null);
  put(out, 'description', item.personalNotes);
  return out;
}

/** The Graph body for a create or PATCH; `category` is the mailbox's Salesforce category. */
export function toExchange(fields: Fields, category: string, issues: MapIssue[]): GraphContact {
  const address = email('Email', text(fields, 'email'), issues);
  const phone = text(fields, 'phone');
  const home = text(fields, 'homePhone');
  const name = [text(fields, 'firstName'), text(fields, 'lastName')].filter(Boolean).join(' ');
  const birthdate = text(fields, 'birthdate');
  return {
    title: text(fields, 'salutation'),
    // Graph names a contact by displayName; without one the folder lists a blank row
    ...(name ? { displayName: name } : {}),
    givenName: text(fields, 'firstName'),
    surname: text(fields, 'lastName'),
    jobTitle: text(fields, 'title'),
    department: text(fields, 'department'),
    companyName: text(fields, 'accountName'),
    emailAddresses: address ? [{ address, name: name || address }] : [],
    businessPhones: phone ? [phone] : [],
    mobilePhone: text(fields, 'mobilePhone'),
    homePhones: home ? [home] : [],
    businessAddress: {
      street: text(fields, 'mailingStreet'),
      city: text(fields, 'mailingCity'),
      state: text(fields, 'mailingState'),
      postalCode: text(fields, 'mailingPostalCode'),
      countryOrRegion: text(fields, 'mailingCountry'),
    },
    birthday: birthdate ? `${birthdate}T00:00:00Z` : null,
    personalNotes: text(fields, 'description'),
    categories: [category],
    singleValueExtendedProperties: [{ id: FAX_PROPERTY, value: text(fields, 'fax') ?? '' }],
  };
}

/** The Salesforce values for an update: only the fields `patch` names (accountName never). */
export function salesforcePatch(patch: Fields, limits: FieldLimits, issues: MapIssue[]): Record<string, string | null> {
  // fields the patch does not name are null here and report nothing
  const all = toSalesforce(patch, limits, issues);
  const out: Record<string, string | null> = {};
  for (const [sf, name] of SIMPLE) if (name in patch) out[sf] = all[sf] ?? null;
  return out;
}

/** The Salesforce fields toSalesforce writes and fromSalesforce reads (Account.Name aside). */
export const SALESFORCE_FIELDS: readonly string[] = SIMPLE.map(([sf]) => sf);

/** Graph property (of toExchange's body) that carries each mapped field. */
const GRAPH_PROPERTY: Readonly<Record<string, keyof GraphContact>> = {
  salutation: 'title',
  firstName: 'givenName',
  lastName: 'surname',
  title: 'jobTitle',
  department: 'department',
  accountName: 'companyName',
  email: 'emailAddresses',
  phone: 'businessPhones',
  mobilePhone: 'mobilePhone',
  homePhone: 'homePhones',
  fax: 'singleValueExtendedProperties',
  mailingStreet: 'businessAddress',
  mailingCity: 'businessAddress',
  mailingState: 'businessAddress',
  mailingPostalCode: 'businessAddress',
  mailingCountry: 'businessAddress',
  birthdate: 'birthday',
  description: 'personalNotes',
};

/**
 * The Graph PATCH body for `patch`, given the item's `current` mapped fields: only the
 * properties the patch touches. businessAddress is one complex property, so a changed line
 * sends the whole address (the other lines from `current`); a changed name also renames
 * displayName and the email entry. A cleared accountName leaves companyName alone: a
 * Salesforce contact without an Account says nothing about the company written in Outlook.
 */
export function exchangePatch(patch: Fields, current: Fields, issues: MapIssue[]): GraphContact {
  const merged: Fields = { ...current, ...patch };
  const names = Object.keys(patch).filter((n) => n in GRAPH_PROPERTY && !(n === 'accountName' && text(patch, n) === null));
  if (names.length === 0) return {};
  const full = toExchange(merged, '', names.includes('email') ? issues : []);
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const property = GRAPH_PROPERTY[name]!;
    out[property] = full[property];
  }
  if (names.includes('firstName') || names.includes('lastName')) {
    if (full.displayName) out.displayName = full.displayName;
    if (text(merged, 'email') !== null && !names.includes('email')) out.emailAddresses = full.emailAddresses;
  }
  return out as GraphContact;
}
