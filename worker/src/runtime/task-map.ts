// Task field maps for the runtime until the core's maps (worker/src/core/maps) land: a
// Salesforce Task and a To Do task both become the same neutral fields, and back. Neutral
// status and priority use To Do's words; the due date is a plain date (YYYY-MM-DD), as
// Salesforce's ActivityDate is. Only fields both sides hold are mapped (round-trip fixpoint).
import type { Fields, FieldValue } from '../core/types.ts';
import type { ExchangeItem } from '../graph/delta.ts';
import type { SalesforceKindMap } from '../salesforce/side.ts';
import type { SfInput, SfRecord } from '../salesforce/records.ts';
import { soqlString } from '../salesforce/records.ts';
import { text } from './contact-map.ts';

const STATUS: Array<[string, string]> = [
  ['Not Started', 'notStarted'],
  ['In Progress', 'inProgress'],
  ['Completed', 'completed'],
  ['Waiting on someone else', 'waitingOnOthers'],
  ['Deferred', 'deferred'],
];
const PRIORITY: Array<[string, string]> = [
  ['High', 'high'],
  ['Normal', 'normal'],
  ['Low', 'low'],
];

function lookup(table: Array<[string, string]>, value: unknown, from: 0 | 1): string | null {
  const row = table.find((r) => r[from] === value);
  return row ? row[from === 0 ? 1 : 0] : null;
}

function compact(fields: Record<string, FieldValue>): Fields {
  const out: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== null && v !== undefined) out[k] = v;
  return out;
}

const isDate = (v: unknown): v is string => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v);

export const taskSalesforceMap: SalesforceKindMap = {
  sobject: 'Task',
  fields: ['Subject', 'Description', 'ActivityDate', 'Status', 'Priority'],
  toFields(r: SfRecord): Fields {
    return compact({
      subject: text(r.Subject),
      description: text(r.Description),
      dueDate: isDate(r.ActivityDate) ? r.ActivityDate.slice(0, 10) : null,
      status: lookup(STATUS, r.Status, 0) ?? 'notStarted',
      priority: lookup(PRIORITY, r.Priority, 0) ?? 'normal',
    });
  },
  toRecord(fields: Fields): SfInput {
    const out: SfInput = {};
    if ('subject' in fields) out.Subject = text(fields.subject);
    if ('description' in fields) out.Description = text(fields.description);
    if ('dueDate' in fields) out.ActivityDate = isDate(fields.dueDate) ? fields.dueDate : null;
    if ('status' in fields) out.Status = lookup(STATUS, fields.status, 1) ?? 'Not Started';
    if ('priority' in fields) out.Priority = lookup(PRIORITY, fields.priority, 1) ?? 'Normal';
    return out;
  },
  naturalKeyWhere(others) {
    const subjects = [...new Set(others.map((o) => o.fields.subject).filter((s): s is string => typeof s === 'string' && s !== ''))];
    const out: string[] = [];
    for (let i = 0; i < subjects.length; i += 100) out.push(`Subject IN (${subjects.slice(i, i + 100).map(soqlString).join(', ')})`);
    return out;
  },
};

export function taskToFields(item: ExchangeItem): Fields {
  const body = (item.body ?? {}) as { content?: unknown };
  const due = (item.dueDateTime ?? {}) as { dateTime?: unknown };
  return compact({
    subject: text(item.title),
    description: text(typeof body.content === 'string' ? body.content : null),
    dueDate: isDate(due.dateTime) ? due.dateTime.slice(0, 10) : null,
    status: typeof item.status === 'string' && lookup(STATUS, item.status, 1) ? item.status : 'notStarted',
    priority: typeof item.importance === 'string' && lookup(PRIORITY, item.importance, 1) ? item.importance : 'normal',
  });
}

export function taskToGraph(fields: Fields, mode: 'create' | 'update'): Record<string, unknown> {
  const has = (name: string): boolean => mode === 'create' || name in fields;
  const body: Record<string, unknown> = {};
  if (has('subject')) body.title = text(fields.subject) ?? '';
  if (has('description')) body.body = { content: text(fields.description) ?? '', contentType: 'text' };
  if (has('dueDate')) body.dueDateTime = isDate(fields.dueDate) ? { dateTime: `${fields.dueDate}T00:00:00.0000000`, timeZone: 'UTC' } : null;
  if (has('status')) body.status = typeof fields.status === 'string' ? fields.status : 'notStarted';
  if (has('priority')) body.importance = typeof fields.priority === 'string' ? fields.priority : 'normal';
  return body;
}
