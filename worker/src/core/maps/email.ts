// Filed email (Graph message) → completed Salesforce Task (TaskSubtype Email). One way.
// The message key is the SHA-256 of the internetMessageId, so the same message filed
// twice (or retried after a crash) upserts one Task (SCC_Exchange_Key__c = email:<key>).
// Also pure here: who the task relates to (address order, owner excluded, WhoId/WhatId/
// further relations), which attachments are saved (inline and size rules) and the key each
// saved file carries, so a retry finds the files it already wrote instead of adding more.
import { sha256Hex } from '../hash.ts';
import { email as validEmail, limit, truncate, type FieldLimits, type MapIssue } from '../limits.ts';
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

/** The Task's External ID value for a message: `email:<sha256 of internetMessageId>`. */
export function exchangeKey(internetMessageId: string): string {
  return `email:${sha256Hex(internetMessageId)}`;
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
  const description = text('description');
  const max = limits.Description;
  return {
    Subject: limit('Subject', text('subject'), limits, issues),
    Description: description !== null && max !== undefined ? withTruncationNote(description, max, issues) : description,
    Status: 'Completed',
    TaskSubtype: 'Email',
    ActivityDate: text('dueDate'),
  };
}

/**
 * Cut a long description to `max` (UTF-16 units, never inside a surrogate pair) and end it
 * with a note the user can see, saying how much was left out: a silent cut would read as
 * the whole email.
 */
export function withTruncationNote(text: string, max: number, issues: MapIssue[]): string {
  if (text.length <= max) return text;
  const total = [...text].length;
  // The note's own length depends on the number it names; the longest such number is `total`.
  const note = (omitted: number): string => `\n\n[Truncated by SmartCloud Connect: ${omitted} of ${total} characters omitted; the full email is in Outlook.]`;
  const room = Math.max(0, max - note(total).length);
  const kept = truncate(text, room);
  const out = kept + note(total - [...kept].length);
  issues.push({ field: 'Description', code: 'truncated', message: `Description cut from ${total} to ${[...kept].length} characters (limit ${max}) with a note` });
  return out.length <= max ? out : truncate(out, max);
}

/** Sender, then To, then Cc, lower-cased, each once: the order matches are tried for WhoId. */
export function messageAddresses(m: GraphMessage): string[] {
  const all = [m.from, ...(m.toRecipients ?? []), ...(m.ccRecipients ?? [])];
  const out: string[] = [];
  for (const r of all) {
    const a = r?.emailAddress?.address?.trim().toLowerCase();
    if (a && !out.includes(a)) out.push(a);
  }
  return out;
}

export interface MatchCandidate {
  id: string;
  email: string;
  type: 'Contact' | 'Lead';
  accountId?: string | null;
}

export interface Relations {
  whoId: string | null;
  /** Further contacts (TaskRelation rows when Shared Activities is on). */
  others: string[];
  whatId: string | null;
  /** Addresses matched by nothing (the owner's own excluded). */
  unmatched: string[];
  /** Matches left unrelated by Salesforce's rule (one lead, or up to 50 contacts). */
  unrelated: string[];
}

/** Salesforce relates a task to one lead or to up to 50 contacts (TaskRelation). */
export const MAX_TASK_CONTACTS = 50;

/**
 * Who a filed email relates to. The mailbox owner's addresses never match (they are the
 * user, not a customer). Per address a contact wins over a lead. A task holds one lead or up
 * to 50 contacts, never both: contacts when any matched (the first matched address, sender
 * first, gives WhoId), else the first lead. WhatId is the contacts' account when they all
 * share one.
 */
export function relate(addresses: readonly string[], owner: readonly string[], candidates: readonly MatchCandidate[]): Relations {
  const mine = new Set(owner.map((a) => a.toLowerCase()));
  const contacts: MatchCandidate[] = [];
  const leads: MatchCandidate[] = [];
  const unmatched: string[] = [];
  const byId = (a: MatchCandidate, b: MatchCandidate): number => a.id.localeCompare(b.id);
  for (const address of addresses) {
    if (mine.has(address)) continue;
    const hits = candidates.filter((c) => c.email.toLowerCase() === address);
    const c = hits.filter((h) => h.type === 'Contact').sort(byId);
    const l = hits.filter((h) => h.type === 'Lead').sort(byId);
    if (c.length === 0 && l.length === 0) unmatched.push(address);
    for (const x of c.length > 0 ? c : l) {
      const list = x.type === 'Contact' ? contacts : leads;
      if (!list.some((y) => y.id === x.id)) list.push(x);
    }
  }
  const chosen = contacts.length > 0 ? contacts.slice(0, MAX_TASK_CONTACTS) : leads.slice(0, 1);
  const accounts = new Set(chosen.map((c) => c.accountId).filter((a): a is string => typeof a === 'string' && a !== ''));
  const unrelated = [...contacts, ...leads].filter((x) => !chosen.includes(x)).map((x) => x.id);
  return {
    whoId: chosen[0]?.id ?? null,
    others: chosen.slice(1).map((c) => c.id),
    whatId: contacts.length > 0 && accounts.size === 1 ? [...accounts][0]! : null,
    unmatched,
    unrelated,
  };
}

export interface AttachmentInfo {
  id: string;
  name: string;
  contentType: string;
  size: number;
  isInline: boolean;
  /** '#microsoft.graph.fileAttachment', itemAttachment or referenceAttachment. */
  odataType: string;
}

export interface AttachmentRules {
  includeInline: boolean;
  maxBytes: number;
}

export interface PlannedFile extends AttachmentInfo {
  /** Carried by the ContentVersion so a retry recognises a file it already saved. */
  key: string;
}

/**
 * Which attachments become files. The key is derived from what the attachment is (name,
 * size, type, and its rank among identical ones), not from Graph's attachment id, so the
 * same email filed again from another copy maps to the same files.
 */
export function planAttachments(list: readonly AttachmentInfo[], rules: AttachmentRules): { files: PlannedFile[]; skipped: Array<{ name: string; reason: string }> } {
  const files: PlannedFile[] = [];
  const skipped: Array<{ name: string; reason: string }> = [];
  const seen = new Map<string, number>();
  for (const a of list) {
    if (a.odataType && !/fileAttachment$/i.test(a.odataType)) {
      skipped.push({ name: a.name, reason: 'it is not a file (an attached item or a cloud link)' });
      continue;
    }
    if (a.isInline && !rules.includeInline) continue;
    if (a.size > rules.maxBytes) {
      skipped.push({ name: a.name, reason: `it is ${a.size} bytes, over the ${rules.maxBytes}-byte limit` });
      continue;
    }
    const identity = `${a.name}\n${a.size}\n${a.contentType}`;
    const rank = (seen.get(identity) ?? 0) + 1;
    seen.set(identity, rank);
    files.push({ ...a, key: `att:${sha256Hex(`${identity}\n${rank}`).slice(0, 40)}` });
  }
  return { files, skipped };
}
