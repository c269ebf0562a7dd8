// The mailbox user's time zone as Salesforce knows it (User.TimeZoneSidKey, an IANA name).
// It only decides how Outlook displays what we write — event instants stay exact, To Do due
// dates are placed in it — so an unreadable zone falls back to UTC rather than failing the run.
import type { SalesforceRecords } from '../salesforce/records.ts';

export async function userZone(records: SalesforceRecords, userId: string): Promise<string> {
  try {
    const [user] = await records.retrieve('User', [userId], ['TimeZoneSidKey']);
    return typeof user?.TimeZoneSidKey === 'string' && user.TimeZoneSidKey ? user.TimeZoneSidKey : 'UTC';
  } catch {
    return 'UTC';
  }
}
