// The mailbox's Salesforce user, read once per run: whether it is active (scope.ts), its email
// (filed emails) and its time zone (User.TimeZoneSidKey, an IANA name). The zone only decides
// how Outlook displays what we write — event instants stay exact, To Do due dates are placed in
// it — so an unreadable zone falls back to UTC rather than failing the run.
import type { SalesforceRecords, SfRecord } from '../salesforce/records.ts';

const USER_FIELDS = ['Id', 'IsActive', 'Username', 'Email', 'TimeZoneSidKey'];

/** The run's user, read on first use and then remembered (undefined: no such user). */
export type RunUser = () => Promise<SfRecord | undefined>;

export function runUser(records: SalesforceRecords, userId: string): RunUser {
  let read: Promise<SfRecord | undefined> | undefined;
  // sObject Rows, not a query: it shares the opening composite call without counting toward its 5 queries
  return () => (read ??= records.row('User', userId, USER_FIELDS));
}

export async function userZone(user: RunUser): Promise<string> {
  try {
    const found = await user();
    return typeof found?.TimeZoneSidKey === 'string' && found.TimeZoneSidKey ? found.TimeZoneSidKey : 'UTC';
  } catch {
    return 'UTC';
  }
}
