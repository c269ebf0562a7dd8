// Filed email (Graph message) → completed Salesforce Task (TaskSubtype Email). One way.
// The message key is the SHA-256 of the internetMessageId, so the same message filed
// twice (or retried after a crash) upserts one Task (SCC_Exchange_Key__c = email:<key>).
import { sha256Hex } from '../hash.ts';
import { email as validEmail, limit, type FieldLimits, type MapIssue } from '../limits.ts';
import { instantToDate } from '../timezones.ts';
import type { FieldValue, Fields } from '../types.ts';

interface Recipient {
  emailAddress: { address: string; name?: string };
}
export interface GraphMessage {
  subject?: string | null;
  body?: { contentType: 'text' | 'html'; content: string };
  from?: Recipient;
  toRecipients?: Recipient[];
  ccRecipients?: Recipient[];
  sentDateTime?: string;
  receivedDateTime?: string;
  internetMessageId?: string;
  hasAttachments?: boolean;
}

/**
 * `zone`: the user's time zone for the task date; `toText`: HTML → text (the runtime
 * passes html-to-text; the core stays free of it).
 */
export function fromExchange(m: GraphMessage, zone: string, toText: (html: string) => string, issues: MapIssue[]): Fields {
  const addresses = (list: Recipient[] | undefined, field: string): string[] =>
    (list ?? []).map((r) => validEmail(field, r.emailAddress.address, issues)).filter((a): a is string => a !== null).map((a) => a.toLowerCase());
  const from = m.from ? validEmail('from', m.from.emailAddress.address, issues) : null;
  const body = m.body ? (m.body.contentType === 'html' ? toText(m.body.content) : m.body.content) : '';
  const when = m.sentDateTime ?? m.receivedDateTime;
  const to = addresses(m.toRecipients, 'toRecipients');
  const cc = addresses(m.ccRecipients, 'ccRecipients');
  const header = [`From: ${from ?? ''}`, `To: ${to.join(', ')}`, ...(cc.length > 0 ? [`Cc: ${cc.join(', ')}`] : [])].join('\n');
  const out: Record<string, FieldValue> = {
    subject: `Email: ${m.subject ?? ''}`,
    status: 'Completed',
    taskSubtype: 'Email',
    description: `${header}\n\n${body}`,
    participants: [...new Set([...(from ? [from.toLowerCase()] : []), ...to, ...cc])].sort(),
    hasAttachments: m.hasAttachments === true,
  };
  if (when) out.dueDate = instantToDate(when, zone);
  if (m.internetMessageId) out.messageKey = sha256Hex(m.internetMessageId);
  return out;
}

/** The Task to upsert; WhoId/WhatId are resolved by the runtime from `participants`. */
export function toSalesforce(fields: Fields, limits: FieldLimits, issues: MapIssue[]): Record<string, string | null> {
  const text = (name: string): string | null => (typeof fields[name] === 'string' ? (fields[name] as string) : null);
  return {
    Subject: limit('Subject', text('subject'), limits, issues),
    Description: limit('Description', text('description'), limits, issues),
    Status: 'Completed',
    TaskSubtype: 'Email',
    ActivityDate: text('dueDate'),
  };
}
