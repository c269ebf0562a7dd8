// Task ↔ Microsoft To Do task. The due date is a date in the user's time zone (To Do
// stores dueDateTime as midnight in a zone); status and priority cover every standard
// Salesforce value; a custom Salesforce status maps to notStarted and is reported.
import { limit, type FieldLimits, type MapIssue } from '../limits.ts';
import { instantToWallTime, wallTimeToInstant } from '../timezones.ts';
import type { FieldValue, Fields } from '../types.ts';

export interface SalesforceTask {
  Subject?: string | null;
  Description?: string | null;
  ActivityDate?: string | null;
  Status?: string | null;
  Priority?: string | null;
  IsReminderSet?: boolean | null;
  ReminderDateTime?: string | null;
}

export interface GraphTodoTask {
  title?: string | null;
  body?: { content: string; contentType: 'text' | 'html' } | null;
  importance?: 'low' | 'normal' | 'high';
  status?: 'notStarted' | 'inProgress' | 'completed' | 'waitingOnOthers' | 'deferred';
  dueDateTime?: { dateTime: string; timeZone: string } | null;
  reminderDateTime?: { dateTime: string; timeZone: string } | null;
  isReminderOn?: boolean;
  categories?: string[];
}

export const STATUS_TO_GRAPH: Readonly<Record<string, NonNullable<GraphTodoTask['status']>>> = {
  'Not Started': 'notStarted',
  'In Progress': 'inProgress',
  Completed: 'completed',
  'Waiting on someone else': 'waitingOnOthers',
  Deferred: 'deferred',
};
const STATUS_FROM_GRAPH = Object.fromEntries(Object.entries(STATUS_TO_GRAPH).map(([sf, g]) => [g, sf])) as Record<string, string>;
const PRIORITY_TO_GRAPH: Readonly<Record<string, 'low' | 'normal' | 'high'>> = { High: 'high', Normal: 'normal', Low: 'low' };
const PRIORITY_FROM_GRAPH: Readonly<Record<string, string>> = { high: 'High', normal: 'Normal', low: 'Low' };

const text = (fields: Fields, name: string): string | null => (typeof fields[name] === 'string' ? (fields[name] as string) : null);

export function fromSalesforce(record: SalesforceTask): Fields {
  const out: Record<string, FieldValue> = {};
  if (record.Subject) out.subject = record.Subject;
  if (record.Description) out.description = record.Description;
  if (record.ActivityDate) out.dueDate = record.ActivityDate;
  if (record.Status) out.status = record.Status;
  if (record.Priority) out.priority = record.Priority;
  if (record.IsReminderSet && record.ReminderDateTime) out.reminder = new Date(record.ReminderDateTime).toISOString();
  return out;
}

export function toSalesforce(fields: Fields, limits: FieldLimits, issues: MapIssue[]): SalesforceTask {
  const reminder = text(fields, 'reminder');
  return {
    Subject: limit('Subject', text(fields, 'subject'), limits, issues),
    Description: limit('Description', text(fields, 'description'), limits, issues),
    ActivityDate: text(fields, 'dueDate'),
    Status: text(fields, 'status') ?? 'Not Started',
    Priority: text(fields, 'priority') ?? 'Normal',
    IsReminderSet: reminder !== null,
    ReminderDateTime: reminder,
  };
}

/** `zone` is the user's time zone (IANA or Windows), in which the due date is a date. */
export function fromExchange(item: GraphTodoTask, zone: string): Fields {
  const out: Record<string, FieldValue> = {};
  if (item.title) out.subject = item.title;
  if (item.body?.content) out.description = item.body.content;
  if (item.dueDateTime) {
    const due = item.dueDateTime;
    out.dueDate = readable('due date', due, () => instantToWallTime(wallTimeToInstant(due.dateTime.slice(0, 19), due.timeZone), zone).slice(0, 10));
  }
  if (item.status) out.status = STATUS_FROM_GRAPH[item.status] ?? 'Not Started';
  if (item.importance) out.priority = PRIORITY_FROM_GRAPH[item.importance] ?? 'Normal';
  if (item.isReminderOn && item.reminderDateTime) {
    const at = item.reminderDateTime;
    out.reminder = readable('reminder', at, () => wallTimeToInstant(at.dateTime.slice(0, 19), at.timeZone));
  }
  return out;
}

/** A To Do date-time the maps cannot read: names the field and the value, so the item can be reported alone. */
export class UnreadableFieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'UnreadableFieldError';
  }
}

function readable(field: string, value: { dateTime: string; timeZone: string }, read: () => string): string {
  try {
    return read();
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new UnreadableFieldError(field, `${field} "${String(value.dateTime).slice(0, 60)}" in time zone "${String(value.timeZone).slice(0, 60)}" is not a valid date and time (${why})`);
  }
}

export function toExchange(fields: Fields, zone: string, category: string, issues: MapIssue[]): GraphTodoTask {
  const status = text(fields, 'status');
  const mapped = status === null ? 'notStarted' : STATUS_TO_GRAPH[status];
  if (status !== null && !mapped) issues.push({ field: 'Status', code: 'unmapped-value', message: `Salesforce status "${status}" has no To Do equivalent; sent as notStarted` });
  const due = text(fields, 'dueDate');
  const reminder = text(fields, 'reminder');
  const description = text(fields, 'description');
  return {
    title: text(fields, 'subject') ?? '',
    body: description === null ? { content: '', contentType: 'text' } : { content: description, contentType: 'text' },
    importance: PRIORITY_TO_GRAPH[text(fields, 'priority') ?? 'Normal'] ?? 'normal',
    status: mapped ?? 'notStarted',
    dueDateTime: due ? { dateTime: `${due}T00:00:00.0000000`, timeZone: zone } : null,
    isReminderOn: reminder !== null,
    reminderDateTime: reminder ? { dateTime: reminder.replace(/Z$/, '').replace(/(\.\d{3})?$/, '.0000000'), timeZone: 'UTC' } : null,
    categories: [category],
  };
}

/** Salesforce fields written for each mapped field. */
const SALESFORCE_OF: Readonly<Record<string, readonly (keyof SalesforceTask)[]>> = {
  subject: ['Subject'],
  description: ['Description'],
  dueDate: ['ActivityDate'],
  status: ['Status'],
  priority: ['Priority'],
  reminder: ['IsReminderSet', 'ReminderDateTime'],
};

/** The Salesforce fields toSalesforce writes and fromSalesforce reads. */
export const SALESFORCE_FIELDS: readonly string[] = [...new Set(Object.values(SALESFORCE_OF).flat())];

/** The Salesforce values for an update: only the fields `patch` names. */
export function salesforcePatch(patch: Fields, limits: FieldLimits, issues: MapIssue[]): SalesforceTask {
  const all = toSalesforce(patch, limits, issues);
  const out: Record<string, unknown> = {};
  for (const [name, sf] of Object.entries(SALESFORCE_OF)) if (name in patch) for (const f of sf) out[f] = all[f];
  return out as SalesforceTask;
}

/** Graph properties written for each mapped field. */
const GRAPH_OF: Readonly<Record<string, readonly (keyof GraphTodoTask)[]>> = {
  subject: ['title'],
  description: ['body'],
  dueDate: ['dueDateTime'],
  status: ['status'],
  priority: ['importance'],
  reminder: ['isReminderOn', 'reminderDateTime'],
};

/** The Graph PATCH body for `patch`: only the properties it touches (categories stay the user's). */
export function exchangePatch(patch: Fields, zone: string, issues: MapIssue[]): GraphTodoTask {
  const all = toExchange(patch, zone, '', issues);
  const out: Record<string, unknown> = {};
  for (const [name, graph] of Object.entries(GRAPH_OF)) if (name in patch) for (const p of graph) out[p] = all[p];
  return out as GraphTodoTask;
}
