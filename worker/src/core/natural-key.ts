// Natural keys used to match existing records before any insert (DESIGN.md "Identity"):
// contact by email, then first + last + company; event by iCalUId, then subject + start +
// end; task by subject + due date; email by its message key. Keys are compared after
// trimming and lower-casing, so "Ann@X.com" and "ann@x.com " match.
import type { Fields, Kind } from './types.ts';

/** One matching phase: a key per record (undefined → not matchable in this phase). */
export interface KeyPhase {
  readonly name: string;
  key(fields: Fields): string | undefined;
  /** Whether two records with equal keys may pair (e.g. a name match never pairs two different emails). */
  compatible(a: Fields, b: Fields): boolean;
}

function norm(value: unknown): string {
  return typeof value === 'string' ? value.trim().toLowerCase() : value === undefined || value === null ? '' : String(value);
}

function joined(fields: Fields, names: readonly string[], required: readonly string[]): string | undefined {
  for (const name of required) if (norm(fields[name]) === '') return undefined;
  return names.map((n) => norm(fields[n])).join('\u001f');
}

const always = (): boolean => true;

export const KEY_PHASES: Readonly<Record<Kind, readonly KeyPhase[]>> = {
  contact: [
    { name: 'email', key: (f) => joined(f, ['email'], ['email']), compatible: always },
    {
      name: 'name',
      key: (f) => joined(f, ['firstName', 'lastName', 'accountName'], ['lastName']),
      compatible: (a, b) => norm(a.email) === '' || norm(b.email) === '',
    },
  ],
  event: [
    { name: 'iCalUId', key: (f) => joined(f, ['iCalUId'], ['iCalUId']), compatible: always },
    {
      name: 'subject-start-end',
      key: (f) => joined(f, ['subject', 'start', 'end', 'startDate', 'endDate'], ['subject']),
      compatible: (a, b) => norm(a.iCalUId) === '' || norm(b.iCalUId) === '',
    },
  ],
  task: [{ name: 'subject-due', key: (f) => joined(f, ['subject', 'dueDate'], ['subject']), compatible: always }],
  email: [{ name: 'message', key: (f) => joined(f, ['messageKey'], ['messageKey']), compatible: always }],
};

/**
 * The Exchange key a Salesforce record created from an Exchange item carries in
 * SCC_Exchange_Key__c (upsert on it makes retries idempotent).
 */
export function exchangeKey(kind: Kind, mailbox: string, exchangeId: string, fields: Fields): string {
  if (kind === 'event' && typeof fields.iCalUId === 'string' && fields.iCalUId !== '') return `event:${fields.iCalUId}`;
  if (kind === 'email' && typeof fields.messageKey === 'string' && fields.messageKey !== '') return `email:${fields.messageKey}`;
  return `${kind}:${mailbox}:${exchangeId}`;
}
