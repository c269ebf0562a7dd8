// Email logging for one mailbox: every message in its Salesforce Emails folder becomes one
// completed Salesforce Task (TaskSubtype Email) with its file attachments as ContentVersions.
// Contract of logFiledEmails(options) → counts:
// - reads the folder's message delta from the stored cursor (side exchange, channel email);
//   the cursor advances only after every message of a page is settled, so a crash re-reads
//   the page and nothing is skipped;
// - per message: the Task is found or upserted by SCC_Exchange_Key__c = email:<sha256 of
//   internetMessageId>; relations (WhoId, TaskRelation, WhatId) come from core/maps/email.ts;
//   each planned attachment is saved unless a file with its key (ContentVersion
//   SCC_Attachment_Key__c, or the older `[scc:<key>]` marker in Description) is already on
//   the task; last,
//   the category and the Task Id are stamped on the message. A message already stamped with
//   the category is done. Replays, duplicate notifications, a second move or a crash at any
//   point therefore end with one task and one file per attachment;
// - removals (the message moved out or deleted) never touch the Salesforce task;
// - a temporary failure fails the run (the scheduler retries; the page is read again); a
//   permanent one for one message or file becomes an issue and the rest carries on.
import { convert } from 'html-to-text';
import { exchangeKey, fromExchange, messageAddresses, planAttachments, relate, toSalesforce, type AttachmentInfo, type AttachmentRules, type GraphMessage, type MatchCandidate } from '../core/maps/email.ts';
import type { MapIssue } from '../core/limits.ts';
import type { GraphClient } from '../graph/client.ts';
import { ExchangeError } from '../graph/errors.ts';
import { SALESFORCE_ID_PROPERTY, readDelta, stampOf, type ExchangeItem } from '../graph/delta.ts';
import type { Logger } from '../log.ts';
import type { SalesforceConnection } from '../salesforce/connection.ts';
import { SalesforceError } from '../salesforce/errors.ts';
import { attachmentKeySupported, filesOn, insertContentVersion } from '../salesforce/files.ts';
import { EXCHANGE_KEY_FIELD, chunks, soqlString, type SalesforceRecords, type SfInput, type SfRecord } from '../salesforce/records.ts';
import type { MailboxSync } from '../salesforce/status.ts';
import type { IssueInput, Store } from '../store/types.ts';
import { runUser, type RunUser } from './user-zone.ts';

export const EMAIL_CURSOR_CHANNEL = 'email';
/** Graph serves attachment bytes in ranges of this size; also the most we hold at once. */
export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_ATTACHMENT_BYTES = 150 * 1024 * 1024;

export interface EmailOptions {
  includeInline?: boolean;
  maxAttachmentBytes?: number;
  chunkBytes?: number;
  /** Write TaskRelation rows for further matches (orgs with Shared Activities); default true. */
  sharedActivities?: boolean;
}

export interface EmailLogContext extends EmailOptions {
  store: Store;
  graph: GraphClient;
  sf: SalesforceConnection;
  records: SalesforceRecords;
  mailboxId: string;
  config: MailboxSync;
  mailFolderId: string;
  categoryName: string;
  log?: Logger;
  /** The mailbox's Salesforce user, read once per run (default: read here). */
  user?: RunUser;
  /** Email_No_Match__c, read once per run (default: read here); the runtime starts it with its opening reads. */
  noMatch?: RunNoMatch;
}

export type NoMatch = 'Log Anyway' | 'Skip';
/** The mailbox's Email_No_Match__c, read on first use and then remembered. */
export type RunNoMatch = () => Promise<NoMatch>;

/**
 * Reads Email_No_Match__c on first call (a read of its own: an org on an older package version
 * has no such field, and that must not fail the Mailbox_Sync__c read it could share a call with).
 */
/** Email_No_Match__c as a Mailbox_Sync__c row read with it holds it. */
export function noMatchOf(row: SfRecord | undefined): NoMatch {
  return row?.Email_No_Match__c === 'Skip' ? 'Skip' : 'Log Anyway';
}

export function runNoMatch(records: SalesforceRecords, mailboxId: string): RunNoMatch {
  let read: Promise<NoMatch> | undefined;
  return () =>
    (read ??= records.retrieve('Mailbox_Sync__c', [mailboxId], ['Email_No_Match__c']).then(
      ([row]): NoMatch => (row?.Email_No_Match__c === 'Skip' ? 'Skip' : 'Log Anyway'),
      (error: unknown): NoMatch => {
        // An org on an older package version has no such field: log anyway, as before.
        if (error instanceof SalesforceError && error.kind === 'permanent') return 'Log Anyway';
        throw error;
      },
    ));
}

const MESSAGE_SELECT = [
  'id', 'changeKey', 'parentFolderId', 'subject', 'from', 'toRecipients', 'ccRecipients', 'receivedDateTime', 'sentDateTime',
  'internetMessageId', 'hasAttachments', 'body', 'categories',
];

export function htmlToText(html: string): string {
  return convert(html, { wordwrap: false, selectors: [{ selector: 'img', format: 'skip' }, { selector: 'a', options: { hideLinkHrefIfSameAsText: true } }] }).trim();
}

export async function logFiledEmails(ctx: EmailLogContext): Promise<Record<string, number>> {
  const counts: Record<string, number> = { 'email.toSalesforce': 0, 'email.created': 0, 'email.toSalesforce.created': 0, 'email.issues': 0, 'email.files': 0 };
  const add = (k: string, n = 1): void => {
    counts[`email.${k}`] = (counts[`email.${k}`] ?? 0) + n;
  };
  // issued together: one API call between them (records.ts coalesces reads of one tick)
  const [settings, limits] = await Promise.all([mailboxEmailSettings(ctx), ctx.records.fieldLimits('Task')]);
  const fieldLimits = { Subject: limits.get('Subject')?.length || 255, Description: limits.get('Description')?.length || 32_000 };
  const rules: AttachmentRules = { includeInline: ctx.includeInline ?? false, maxBytes: ctx.maxAttachmentBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES };

  const read = async (cursor: string | undefined): Promise<void> => {
    for await (const page of readDelta(ctx.graph, { mailbox: ctx.config.mailboxAddress, resource: 'messages', containerId: ctx.mailFolderId }, { cursor: cursor ?? null, select: MESSAGE_SELECT })) {
      for (const entry of page.entries) {
        // Moved out of the folder or deleted: the Salesforce task stays (it is the record of the email).
        if (entry.type !== 'upsert') continue;
        const outcome = await logOne(ctx, entry.item, { settings, fieldLimits, rules, add });
        // The runtime's count names (runtime/counts.ts): a logged email is a create in Salesforce; skips are issues.
        if (outcome === 'logged') {
          add('toSalesforce');
          add('created');
          add('toSalesforce.created');
        } else if (outcome !== 'unchanged') add('issues');
      }
      const next = page.deltaLink ?? page.nextLink;
      if (next) await ctx.store.setCursor(ctx.mailboxId, 'exchange', EMAIL_CURSOR_CHANNEL, next);
    }
  };
  const cursor = await ctx.store.getCursor(ctx.mailboxId, 'exchange', EMAIL_CURSOR_CHANNEL);
  try {
    await read(cursor);
  } catch (error) {
    if (!(error instanceof ExchangeError && error.kind === 'cursor-expired')) throw error;
    // Graph forgot the delta token: read the folder again; stamped messages are skipped.
    ctx.log?.warn({ mailboxId: ctx.mailboxId }, 'email delta token expired; reading the folder again');
    await ctx.store.deleteCursor(ctx.mailboxId, 'exchange', EMAIL_CURSOR_CHANNEL);
    await read(undefined);
  }
  return counts;
}

interface MailboxEmailSettings {
  noMatch: NoMatch;
  ownerAddresses: string[];
  zone: string;
}

async function mailboxEmailSettings(ctx: EmailLogContext): Promise<MailboxEmailSettings> {
  const [noMatch, user] = await Promise.all([
    (ctx.noMatch ?? runNoMatch(ctx.records, ctx.mailboxId))(),
    ctx.config.userId ? (ctx.user ?? runUser(ctx.records, ctx.config.userId))() : undefined,
  ]);
  const ownerAddresses = [ctx.config.mailboxAddress.toLowerCase()];
  let zone = 'UTC';
  if (ctx.config.userId) {
    if (typeof user?.Email === 'string') ownerAddresses.push(user.Email.toLowerCase());
    if (typeof user?.TimeZoneSidKey === 'string' && user.TimeZoneSidKey) zone = user.TimeZoneSidKey;
  }
  return { noMatch, ownerAddresses, zone };
}

interface PerRun {
  settings: MailboxEmailSettings;
  fieldLimits: { Subject: number; Description: number };
  rules: AttachmentRules;
  add: (k: string, n?: number) => void;
}

type Outcome = 'logged' | 'unchanged' | 'skipped' | 'failed';

async function logOne(ctx: EmailLogContext, item: ExchangeItem, run: PerRun): Promise<Outcome> {
  const categories = Array.isArray(item.categories) ? (item.categories as string[]) : [];
  if (stampOf(item) && categories.includes(ctx.categoryName)) return 'unchanged';
  const message = item as unknown as GraphMessage & { id: string };
  const issue = (kind: IssueInput['kind'], text: string, key: string, salesforceId?: string): Promise<unknown> =>
    ctx.store.openIssue({
      mailboxId: ctx.mailboxId,
      kind,
      objectType: 'Email',
      exchangeId: message.id,
      ...(salesforceId ? { salesforceId } : {}),
      message: text,
      issueKey: `email:${ctx.mailboxId}:${message.id}:${key}`,
    });
  const subject = message.subject ?? '(no subject)';
  if (!message.internetMessageId) {
    await issue('Skipped', `The email "${subject}" has no Internet message id (a draft?) and was not logged.`, 'no-id');
    return 'skipped';
  }
  const key = exchangeKey(message.internetMessageId);
  const relations = relate(messageAddresses(message), run.settings.ownerAddresses, await candidates(ctx.records, messageAddresses(message)));
  const matched = relations.whoId !== null;

  let taskId = await findTask(ctx.records, key);
  if (!taskId) {
    if (!matched && run.settings.noMatch === 'Skip') {
      await issue('Skipped', `The email "${subject}" was not logged: no contact or lead matched its addresses (Email Without Match is Skip).`, 'no-match');
      return 'skipped';
    }
    const mapIssues: MapIssue[] = [];
    const fields = fromExchange(message, run.settings.zone, htmlToText, mapIssues);
    const task: SfInput = {
      ...toSalesforce(fields, run.fieldLimits, mapIssues),
      [EXCHANGE_KEY_FIELD]: key,
      ...(ctx.config.userId ? { OwnerId: ctx.config.userId } : {}),
      ...(relations.whoId ? { WhoId: relations.whoId } : {}),
      ...(relations.whatId ? { WhatId: relations.whatId } : {}),
    };
    const [outcome] = await ctx.records.upsert('Task', [task]);
    if (!outcome?.ok) {
      const error = outcome?.error ?? new SalesforceError('temporary', 'MISSING_RESULT', 'no result');
      if (error.kind !== 'permanent') throw error;
      await issue('Error', `The email "${subject}" could not be logged: ${error.message}`, 'task');
      return 'failed';
    }
    taskId = outcome.id;
  }
  if (!matched) await issue('Skipped', `No contact or lead matched the addresses of the email "${subject}"; it was logged without a related record.`, 'no-match', taskId);
  if (relations.others.length > 0 && ctx.sharedActivities !== false) await relateOthers(ctx, taskId, relations.others, (t) => issue('Error', t, 'relations', taskId));

  if (message.hasAttachments === true || run.rules.includeInline) {
    await saveAttachments(ctx, message.id, taskId, run, (t, k) => issue('Skipped', t, k, taskId));
  }
  await ctx.graph.request('PATCH', `/users/${encodeURIComponent(ctx.config.mailboxAddress)}/messages/${encodeURIComponent(message.id)}`, {
    body: {
      categories: [...new Set([...categories, ctx.categoryName])],
      singleValueExtendedProperties: [{ id: SALESFORCE_ID_PROPERTY, value: taskId }],
    },
  });
  return 'logged';
}

async function findTask(records: SalesforceRecords, key: string): Promise<string | undefined> {
  for await (const page of records.pages(`SELECT Id FROM Task WHERE ${EXCHANGE_KEY_FIELD} = ${soqlString(key)}`)) {
    if (page[0]) return page[0].Id;
  }
  return undefined;
}

async function candidates(records: SalesforceRecords, addresses: readonly string[]): Promise<MatchCandidate[]> {
  const out: MatchCandidate[] = [];
  const valid = addresses.filter((a) => /^[^\s@]+@[^\s@]+$/.test(a));
  for (const part of chunks(valid, 100)) {
    const list = part.map(soqlString).join(', ');
    const rows = async (soql: string): Promise<SfRecord[]> => {
      const all: SfRecord[] = [];
      for await (const page of records.pages(soql)) all.push(...page);
      return all;
    };
    for (const r of await rows(`SELECT Id, Email, AccountId FROM Contact WHERE Email IN (${list})`)) {
      if (typeof r.Email === 'string') out.push({ id: r.Id, email: r.Email, type: 'Contact', accountId: typeof r.AccountId === 'string' ? r.AccountId : null });
    }
    for (const r of await rows(`SELECT Id, Email FROM Lead WHERE Email IN (${list}) AND IsConverted = false`)) {
      if (typeof r.Email === 'string') out.push({ id: r.Id, email: r.Email, type: 'Lead' });
    }
  }
  return out;
}

async function relateOthers(ctx: EmailLogContext, taskId: string, others: readonly string[], report: (text: string) => Promise<unknown>): Promise<void> {
  const existing = new Set<string>();
  for await (const page of ctx.records.pages(`SELECT RelationId FROM TaskRelation WHERE TaskId = ${soqlString(taskId)}`)) {
    for (const r of page) if (typeof r.RelationId === 'string') existing.add(r.RelationId);
  }
  const missing = others.filter((id) => !existing.has(id));
  if (missing.length === 0) return;
  const outcomes = await ctx.records.create('TaskRelation', missing.map((RelationId) => ({ TaskId: taskId, RelationId, IsWhat: false })));
  const failed = outcomes.filter((o) => !o.ok);
  for (const o of failed) if (!o.ok && o.error.kind !== 'permanent') throw o.error;
  if (failed.length > 0) {
    const first = failed[0]!;
    await report(`${failed.length} further contact(s) or lead(s) could not be related to the task (is Shared Activities on?): ${first.ok ? '' : first.error.message}`);
  }
}

async function saveAttachments(
  ctx: EmailLogContext,
  messageId: string,
  taskId: string,
  run: PerRun,
  report: (text: string, key: string) => Promise<unknown>,
): Promise<void> {
  const base = `/users/${encodeURIComponent(ctx.config.mailboxAddress)}/messages/${encodeURIComponent(messageId)}/attachments`;
  const list: AttachmentInfo[] = [];
  let url: string | undefined = `${base}?$select=id,name,contentType,size,isInline`;
  for (let i = 0; url && i < 100; i++) {
    const body: { value?: Array<Record<string, unknown>>; '@odata.nextLink'?: string } = await ctx.graph.get(url);
    for (const a of body?.value ?? []) {
      list.push({
        id: String(a.id),
        name: typeof a.name === 'string' && a.name ? a.name : 'attachment',
        contentType: typeof a.contentType === 'string' ? a.contentType : 'application/octet-stream',
        size: typeof a.size === 'number' ? a.size : 0,
        isInline: a.isInline === true,
        odataType: typeof a['@odata.type'] === 'string' ? a['@odata.type'] : '',
      });
    }
    url = body?.['@odata.nextLink'];
  }
  const plan = planAttachments(list, run.rules);
  for (const s of plan.skipped) await report(`The attachment "${s.name}" was not saved to Salesforce: ${s.reason}.`, `attachment:${s.name}`);
  if (plan.files.length === 0) return;
  const stored = await filesOn(ctx.records, taskId);
  const keyField = await attachmentKeySupported(ctx.records);
  const chunkBytes = ctx.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  for (const file of plan.files) {
    // The marker stays in Description for files saved before the key field and for orgs on an
    // older package version; the field is the sturdy key (users can edit a description).
    const marker = `[scc:${file.key}]`;
    if (stored.some((s) => (s.attachmentKey === file.key || s.description.includes(marker)) && s.size === file.size)) continue;
    try {
      await insertContentVersion(ctx.sf, {
        title: file.name.replace(/\.[^.]+$/, '') || file.name,
        pathOnClient: file.name,
        firstPublishLocationId: taskId,
        description: `Attachment of a filed Outlook email, saved by SmartCloud Connect ${marker}`,
        contentType: file.contentType,
        ...(keyField ? { attachmentKey: file.key } : {}),
        open: () => download(ctx.graph, `${base}/${encodeURIComponent(file.id)}/$value`, file.size, chunkBytes),
      });
      run.add('files');
    } catch (error) {
      if (error instanceof SalesforceError && error.kind === 'permanent') {
        await report(`The attachment "${file.name}" could not be saved to Salesforce: ${error.message}`, `attachment:${file.name}`);
        continue;
      }
      throw error;
    }
  }
}

/** The attachment's bytes in Range requests of `chunkBytes`; a server ignoring Range sends it whole once. */
async function* download(graph: GraphClient, url: string, size: number, chunkBytes: number): AsyncGenerator<Uint8Array> {
  if (size === 0) return;
  for (let start = 0; start < size; ) {
    const end = Math.min(size, start + chunkBytes) - 1;
    const res = await graph.raw('GET', url, { headers: { Range: `bytes=${start}-${end}` }, binary: true });
    if (res.status === 200 && start === 0) {
      yield res.body as Buffer;
      return;
    }
    if (res.status !== 206 || !Buffer.isBuffer(res.body) || res.body.length === 0) {
      throw new ExchangeError(res.status >= 500 || res.status === 429 ? 'temporary' : 'permanent', res.status, 'AttachmentRead', `Reading attachment bytes ${start}-${end} failed (HTTP ${res.status})`);
    }
    yield res.body;
    start += res.body.length;
  }
}
