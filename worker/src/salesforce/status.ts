// Status back to Salesforce, and the Mailbox_Sync__c configuration the worker runs from.
// Contract:
// - readMailboxSyncs() reads every Mailbox_Sync__c (paged) into typed settings.
// - writeMailboxStatus() updates Status__c, Last_Sync__c, Last_Error__c, Items_Synced__c,
//   Open_Issues__c of one Mailbox_Sync__c (only the fields given).
// - syncIssues() writes one Sync_Issue__c per conflict/error/skip. Sync_Issue__c has no
//   External ID, so repeats are matched to the open issue with the same natural key
//   (object, Salesforce id, Exchange id, kind) and updated instead of duplicated; resolved
//   issues get Resolved__c = true. Returns the Sync_Issue__c id per input, in order.
import { SalesforceError } from './errors.ts';
import type { SalesforceRecords, SfInput, SfRecord, WriteOutcome } from './records.ts';
import { soqlString } from './records.ts';

export type MailboxStatus = 'New' | 'Provisioning' | 'Active' | 'Paused' | 'Needs Attention' | 'Error';
export type IssueKind = 'Conflict' | 'Error' | 'Skipped';
export type IssueObject = 'Contact' | 'Event' | 'Task' | 'Email';
export type DirectionValue = 'Both' | 'Salesforce to Exchange' | 'Exchange to Salesforce';

// LongTextArea(32768) on both objects; cut with a marker rather than be rejected.
const LONG_TEXT = 32_768;

export interface MailboxSync {
  id: string;
  userId: string;
  mailboxAddress: string;
  enabled: boolean;
  status: MailboxStatus | string;
  syncContacts: boolean;
  syncEvents: boolean;
  syncTasks: boolean;
  syncEmails: boolean;
  contactsDirection: DirectionValue;
  eventsDirection: DirectionValue;
  tasksDirection: DirectionValue;
  contactScope: 'My Contacts' | 'All Contacts';
  /** Events_Private__c: what private events become on the other side. */
  eventsPrivate: 'Sync' | 'Skip' | 'Busy Placeholder';
  categoryName: string;
  /** Conflict_Winner__c: the side whose value stays when one field changed on both (absent in configs stored before it was read: Salesforce). */
  conflictWinner?: 'Salesforce' | 'Exchange';
  plan: 'Basic' | 'Professional' | 'Real-time' | string;
  lastSync: string | null;
}

export const MAILBOX_SYNC_FIELDS = [
  'User__c',
  'Mailbox_Address__c',
  'Enabled__c',
  'Status__c',
  'Sync_Contacts__c',
  'Sync_Events__c',
  'Sync_Tasks__c',
  'Sync_Emails__c',
  'Contacts_Direction__c',
  'Events_Direction__c',
  'Tasks_Direction__c',
  'Contact_Scope__c',
  'Events_Private__c',
  'Category_Name__c',
  'Conflict_Winner__c',
  'Plan__c',
  'Last_Sync__c',
];

export async function readMailboxSyncs(records: SalesforceRecords, ids?: readonly string[]): Promise<MailboxSync[]> {
  const out: MailboxSync[] = [];
  const rows: SfRecord[] = [];
  if (ids) {
    rows.push(...(await records.retrieve('Mailbox_Sync__c', ids, MAILBOX_SYNC_FIELDS)));
  } else {
    for await (const page of records.pages(`SELECT Id, ${MAILBOX_SYNC_FIELDS.join(', ')} FROM Mailbox_Sync__c ORDER BY Id`)) {
      rows.push(...page);
    }
  }
  for (const r of rows) out.push(toMailboxSync(r));
  return out;
}

/**
 * One Mailbox_Sync__c by id through the sObject Rows resource (not a query: it shares a composite
 * call without counting toward its 5 queries), with `extra` raw fields beside the settings;
 * undefined when the record is gone. The row is returned too, for the extra fields.
 */
export async function readMailboxSync(records: SalesforceRecords, id: string, extra: readonly string[] = []): Promise<{ config: MailboxSync; row: SfRecord } | undefined> {
  const row = await records.row('Mailbox_Sync__c', id, [...MAILBOX_SYNC_FIELDS, ...extra]);
  return row ? { config: toMailboxSync(row), row } : undefined;
}

export function toMailboxSync(r: SfRecord): MailboxSync {
  const s = (name: string, fallback = ''): string => (typeof r[name] === 'string' ? (r[name] as string) : fallback);
  const b = (name: string, fallback: boolean): boolean => (typeof r[name] === 'boolean' ? (r[name] as boolean) : fallback);
  const dir = (name: string): DirectionValue => {
    const v = s(name, 'Both');
    return v === 'Salesforce to Exchange' || v === 'Exchange to Salesforce' ? v : 'Both';
  };
  return {
    id: r.Id,
    userId: s('User__c'),
    mailboxAddress: s('Mailbox_Address__c'),
    enabled: b('Enabled__c', false),
    status: s('Status__c', 'New'),
    syncContacts: b('Sync_Contacts__c', true),
    syncEvents: b('Sync_Events__c', false),
    syncTasks: b('Sync_Tasks__c', true),
    syncEmails: b('Sync_Emails__c', false),
    contactsDirection: dir('Contacts_Direction__c'),
    eventsDirection: dir('Events_Direction__c'),
    tasksDirection: dir('Tasks_Direction__c'),
    contactScope: s('Contact_Scope__c') === 'All Contacts' ? 'All Contacts' : 'My Contacts',
    eventsPrivate: s('Events_Private__c') === 'Sync' || s('Events_Private__c') === 'Skip' ? (s('Events_Private__c') as 'Sync' | 'Skip') : 'Busy Placeholder',
    categoryName: s('Category_Name__c') || 'Salesforce',
    conflictWinner: s('Conflict_Winner__c') === 'Exchange' ? 'Exchange' : 'Salesforce',
    plan: s('Plan__c', 'Basic'),
    lastSync: typeof r.Last_Sync__c === 'string' ? r.Last_Sync__c : null,
  };
}

export interface MailboxStatusUpdate {
  status?: MailboxStatus;
  lastSync?: Date;
  /** null clears the last error. */
  lastError?: string | null;
  itemsSynced?: number;
  openIssues?: number;
}

function statusRow(mailboxSyncId: string, update: MailboxStatusUpdate): SfInput & { Id: string } {
  const row: SfInput & { Id: string } = { Id: mailboxSyncId };
  if (update.status !== undefined) row.Status__c = update.status;
  if (update.lastSync !== undefined) row.Last_Sync__c = update.lastSync.toISOString();
  if (update.lastError !== undefined) row.Last_Error__c = update.lastError === null ? null : clip(update.lastError);
  if (update.itemsSynced !== undefined) row.Items_Synced__c = update.itemsSynced;
  if (update.openIssues !== undefined) row.Open_Issues__c = update.openIssues;
  return row;
}

export async function writeMailboxStatus(
  records: SalesforceRecords,
  mailboxSyncId: string,
  update: MailboxStatusUpdate,
): Promise<void> {
  const [outcome] = await records.update('Mailbox_Sync__c', [statusRow(mailboxSyncId, update)]);
  if (outcome && !outcome.ok) throw outcome.error;
}

/** Several mailboxes' status in one collection update (≤200 a call); one outcome per update. */
export async function writeMailboxStatuses(
  records: SalesforceRecords,
  updates: ReadonlyArray<readonly [mailboxSyncId: string, update: MailboxStatusUpdate]>,
): Promise<WriteOutcome[]> {
  if (updates.length === 0) return [];
  return records.update('Mailbox_Sync__c', updates.map(([id, update]) => statusRow(id, update)));
}

export interface IssueInput {
  mailboxSyncId: string;
  objectType: IssueObject;
  kind: IssueKind;
  message: string;
  occurredAt: Date;
  salesforceId?: string;
  exchangeId?: string;
  resolved?: boolean;
  /** The Sync_Issue__c id if the caller already knows it (from its store). */
  recordId?: string;
}

const ISSUE_FIELDS = ['Mailbox_Sync__c', 'Object_Type__c', 'Salesforce_Id__c', 'Exchange_Id__c', 'Kind__c', 'Resolved__c'];

function naturalKey(i: {
  objectType: string;
  salesforceId?: string | null;
  exchangeId?: string | null;
  kind: string;
}): string {
  return JSON.stringify([i.objectType, i.salesforceId ?? '', i.exchangeId ?? '', i.kind]);
}

/** Create, update or resolve Sync_Issue__c records for one mailbox; one outcome per input. */
export async function syncIssues(records: SalesforceRecords, issues: readonly IssueInput[]): Promise<WriteOutcome[]> {
  const mailboxes = [...new Set(issues.map((i) => i.mailboxSyncId))];
  const open = new Map<string, string>();
  for (const mailbox of mailboxes) {
    const soql = `SELECT Id, ${ISSUE_FIELDS.join(', ')} FROM Sync_Issue__c WHERE Mailbox_Sync__c = ${soqlString(mailbox)} AND Resolved__c = false`;
    for await (const page of records.pages(soql)) {
      for (const r of page) {
        open.set(
          mailbox +
            naturalKey({
              objectType: String(r.Object_Type__c ?? ''),
              salesforceId: (r.Salesforce_Id__c as string | null) ?? '',
              exchangeId: (r.Exchange_Id__c as string | null) ?? '',
              kind: String(r.Kind__c ?? ''),
            }),
          r.Id,
        );
      }
    }
  }
  const creates: { index: number; row: SfInput }[] = [];
  const updates: { index: number; row: SfInput & { Id: string } }[] = [];
  issues.forEach((issue, index) => {
    const fields: SfInput = {
      Object_Type__c: issue.objectType,
      Kind__c: issue.kind,
      Message__c: clip(issue.message),
      Occurred_At__c: issue.occurredAt.toISOString(),
      Salesforce_Id__c: issue.salesforceId ?? null,
      Exchange_Id__c: issue.exchangeId ? clipTo(issue.exchangeId, 255) : null,
      Resolved__c: issue.resolved ?? false,
    };
    const existing = issue.recordId ?? open.get(issue.mailboxSyncId + naturalKey(issue));
    if (existing) {
      updates.push({ index, row: { Id: existing, ...fields } });
    } else if (issue.resolved) {
      // Resolving an issue that was never written (or is already resolved): nothing to do.
      updates.push({ index, row: { Id: '' } });
    } else {
      creates.push({ index, row: { Mailbox_Sync__c: issue.mailboxSyncId, ...fields } });
      // A second input with the same key in this batch updates the first instead of duplicating.
      open.set(issue.mailboxSyncId + naturalKey(issue), `pending:${index}`);
    }
  });
  const out: WriteOutcome[] = new Array(issues.length);
  const created = await records.create('Sync_Issue__c', creates.map((c) => c.row));
  creates.forEach((c, i) => {
    out[c.index] = created[i] ?? { ok: false, error: new SalesforceError('temporary', 'MISSING_RESULT', 'no result') };
  });
  const resolvedIds = (id: string): string => {
    const m = /^pending:(\d+)$/.exec(id);
    if (!m) return id;
    const first = out[Number(m[1])];
    return first?.ok ? first.id : '';
  };
  const realUpdates = updates.map((u) => ({ ...u, row: { ...u.row, Id: resolvedIds(u.row.Id) } }));
  const toSend = realUpdates.filter((u) => u.row.Id !== '');
  const updated = await records.update('Sync_Issue__c', toSend.map((u) => u.row));
  toSend.forEach((u, i) => {
    out[u.index] = updated[i] ?? { ok: false, error: new SalesforceError('temporary', 'MISSING_RESULT', 'no result') };
  });
  updates.forEach((u, i) => {
    if (realUpdates[i]?.row.Id !== '') return;
    const pending = /^pending:(\d+)$/.exec(u.row.Id);
    // A duplicate of a failed create shares its failure; resolving a never-written issue is a no-op.
    out[u.index] = (pending && out[Number(pending[1])]) || { ok: true, id: '', created: false };
  });
  return out;
}

/** Open (unresolved) Sync_Issue__c records of a mailbox, for Open_Issues__c. */
export async function countOpenIssues(records: SalesforceRecords, mailboxSyncId: string): Promise<number> {
  let n = 0;
  const soql = `SELECT Id FROM Sync_Issue__c WHERE Mailbox_Sync__c = ${soqlString(mailboxSyncId)} AND Resolved__c = false`;
  for await (const page of records.pages(soql)) n += page.length;
  return n;
}

function clip(text: string): string {
  return clipTo(text, LONG_TEXT);
}

function clipTo(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
