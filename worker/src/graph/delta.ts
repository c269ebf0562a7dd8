// Delta readers for one mailbox's synced containers (a contact folder, a To Do list, a mail
// folder, the calendar view), plus the category backstop queries.
// Contract: readDelta(...) is an async iterator of pages. It starts from the stored cursor
// (a deltaLink, or a nextLink saved mid-way) or, without one, from the container's delta
// URL, and follows @odata.nextLink until @odata.deltaLink. Only the last page carries
// `deltaLink`: the caller stores it as the new cursor after it has settled every page, so a
// crash mid-way replays pages (duplicates are harmless) and never skips one. `@removed`
// entries become removals. A token Graph forgot (410 Gone, syncStateNotFound) throws an
// ExchangeError of kind 'cursor-expired': the runtime drops the cursor and resyncs.
import { FAX_PROPERTY } from '../core/maps/contact.ts';
import type { GraphClient } from './client.ts';
import { ExchangeError } from './errors.ts';

/** The Graph extended property holding the Salesforce Id stamped on every item we write. */
export const SALESFORCE_ID_PROPERTY = 'String {8ECCC264-6880-4EBE-992F-8888D2EEAA1D} Name SalesforceId';

export type DeltaResource = 'contacts' | 'tasks' | 'messages' | 'events';

/** Fields each resource's readers ask for: what the field maps use, plus ids and versions. */
export const SELECT: Readonly<Record<DeltaResource, readonly string[]>> = {
  contacts: [
    'id', 'changeKey', 'parentFolderId', 'title', 'givenName', 'surname', 'displayName', 'emailAddresses', 'businessPhones',
    'mobilePhone', 'homePhones', 'companyName', 'jobTitle', 'department', 'businessAddress', 'homeAddress',
    'personalNotes', 'birthday', 'categories', 'lastModifiedDateTime',
  ],
  tasks: [
    'id', 'title', 'status', 'importance', 'dueDateTime', 'startDateTime', 'reminderDateTime', 'isReminderOn', 'body',
    'completedDateTime', 'categories', 'createdDateTime', 'lastModifiedDateTime',
  ],
  messages: [
    'id', 'changeKey', 'parentFolderId', 'subject', 'from', 'sender', 'toRecipients', 'ccRecipients', 'bccRecipients',
    'receivedDateTime', 'sentDateTime', 'internetMessageId', 'hasAttachments', 'body', 'bodyPreview', 'categories',
    'conversationId', 'lastModifiedDateTime',
  ],
  events: [
    'id', 'changeKey', 'iCalUId', 'transactionId', 'subject', 'body', 'start', 'end', 'isAllDay', 'location', 'showAs',
    'sensitivity', 'attendees', 'organizer', 'type', 'seriesMasterId', 'categories', 'lastModifiedDateTime',
    'isReminderOn', 'reminderMinutesBeforeStart', 'recurrence', 'originalStart', 'isCancelled',
  ],
};

export type ExchangeItem = Record<string, unknown> & { id: string };

export type DeltaEntry =
  | {
      readonly type: 'upsert';
      readonly id: string;
      /** changeKey, or the To Do task's @odata.etag: opaque, compared for equality only. */
      readonly version: string;
      /** The stamped Salesforce Id, if the item carries one. */
      readonly salesforceId?: string;
      readonly item: ExchangeItem;
    }
  | { readonly type: 'removed'; readonly id: string; readonly reason: 'deleted' | 'changed' };

export interface DeltaPage {
  readonly entries: readonly DeltaEntry[];
  /** Where to resume if this page is the last one settled before a crash (a nextLink). */
  readonly nextLink?: string;
  /** Present on the last page only: the cursor for the next run. */
  readonly deltaLink?: string;
  /**
   * The page's items carry their expanded extended properties (the stamp): an item without
   * one has none. False when Graph refused $expand on delta (calendarView/delta never takes
   * it), or when a page read from a stored cursor shows no expanded property at all.
   */
  readonly expanded: boolean;
}

export interface DeltaTarget {
  mailbox: string;
  resource: DeltaResource;
  /** Contact folder, To Do list or mail folder id; unused for events (the calendar view). */
  containerId?: string;
  /** For events: the calendar window (ISO date-times). */
  window?: { start: string; end: string };
}

export interface DeltaOptions {
  /** A stored deltaLink or nextLink; absent → a full initial read. */
  cursor?: string | null;
  /** Hint to Graph for page size (odata.maxpagesize). */
  pageSize?: number;
  select?: readonly string[];
  /** Bound on pages per call, so a runaway feed cannot loop forever. */
  maxPages?: number;
}

const enc = encodeURIComponent;

/** The extended properties a read expands: the stamp, and for contacts the business fax the contact map reads. */
export function expandProperties(resource: DeltaResource): string {
  const ids = resource === 'contacts' ? [SALESFORCE_ID_PROPERTY, FAX_PROPERTY] : [SALESFORCE_ID_PROPERTY];
  return `singleValueExtendedProperties($filter=${ids.map((id) => `id eq '${id}'`).join(' or ')})`;
}

/** The initial delta URL (a Graph path) for a container. */
export function deltaPath(target: DeltaTarget, select: readonly string[] = SELECT[target.resource]): string {
  const user = `/users/${enc(target.mailbox)}`;
  const query = `$select=${select.join(',')}&$expand=${expandProperties(target.resource)}`;
  switch (target.resource) {
    case 'contacts':
      return `${user}/contactFolders/${enc(required(target.containerId, 'containerId'))}/contacts/delta?${query}`;
    case 'tasks':
      return `${user}/todo/lists/${enc(required(target.containerId, 'containerId'))}/tasks/delta?${query}`;
    case 'messages':
      return `${user}/mailFolders/${enc(required(target.containerId, 'containerId'))}/messages/delta?${query}`;
    case 'events': {
      const window = target.window;
      if (!window) throw new ExchangeError('permanent', 0, 'MissingWindow', 'An events delta needs a calendar window');
      // calendarView/delta takes no $select/$expand: stamps are read per item (get) instead.
      return `${user}/calendarView/delta?startDateTime=${enc(window.start)}&endDateTime=${enc(window.end)}`;
    }
  }
}

/** Reads the delta feed page by page; see the file header for the cursor contract. */
export async function* readDelta(client: GraphClient, target: DeltaTarget, options: DeltaOptions = {}): AsyncGenerator<DeltaPage> {
  let url = options.cursor || deltaPath(target, options.select);
  // a fresh read knows what it asked for; a stored cursor's query is sealed in Graph's token
  let asked: boolean | undefined = options.cursor ? undefined : url.includes('$expand=');
  const headers: Record<string, string> = options.pageSize ? { Prefer: `odata.maxpagesize=${options.pageSize}` } : {};
  const maxPages = options.maxPages ?? 10_000;
  for (let page = 0; page < maxPages; page++) {
    let body: ODataPage;
    try {
      body = await client.get<ODataPage>(url, headers);
    } catch (error) {
      // Not every workload documents $expand on delta; if the first request is refused for
      // it, read without the stamp (the runtime then reads stamps per item with get()).
      if (page === 0 && !options.cursor && error instanceof ExchangeError && error.kind === 'permanent' && error.status === 400 && url.includes('$expand=')) {
        url = url.replace(/&\$expand=.*$/, '');
        asked = false;
        body = await client.get<ODataPage>(url, headers);
      } else {
        throw error;
      }
    }
    const entries = (body?.value ?? []).map(toEntry).filter((e): e is DeltaEntry => e !== undefined);
    const expanded = asked ?? entries.some((e) => e.type === 'upsert' && Array.isArray(e.item.singleValueExtendedProperties));
    const nextLink = body?.['@odata.nextLink'];
    const deltaLink = body?.['@odata.deltaLink'];
    if (deltaLink) {
      yield { entries, deltaLink, expanded };
      return;
    }
    if (!nextLink) {
      throw new ExchangeError('permanent', 200, 'NoDeltaLink', 'A delta page carried neither @odata.nextLink nor @odata.deltaLink');
    }
    yield { entries, nextLink, expanded };
    url = nextLink;
  }
  throw new ExchangeError('temporary', 0, 'TooManyPages', `The delta feed did not end within ${maxPages} pages`);
}

/** Reads a whole delta feed into memory: convenient for small containers and tests. */
export async function collectDelta(client: GraphClient, target: DeltaTarget, options: DeltaOptions = {}): Promise<{ entries: DeltaEntry[]; deltaLink: string }> {
  const entries: DeltaEntry[] = [];
  for await (const page of readDelta(client, target, options)) {
    entries.push(...page.entries);
    if (page.deltaLink) return { entries, deltaLink: page.deltaLink };
  }
  throw new ExchangeError('permanent', 200, 'NoDeltaLink', 'The delta feed ended without a deltaLink');
}

/**
 * Backstop for contacts carrying the category outside the folder: Graph gives no delta across
 * folders, and /contacts lists the default folder only, so this lists the default folder and
 * then every top-level contact folder, filtered by category, paged like any collection.
 */
export async function* readCategorizedContacts(client: GraphClient, mailbox: string, category: string, pageSize = 100, exceptFolderId?: string): AsyncGenerator<DeltaEntry[]> {
  const user = `/users/${enc(mailbox)}`;
  const query = `$filter=${enc(categoryFilter(category))}&$select=${SELECT.contacts.join(',')}&$expand=${expandProperties('contacts')}&$top=${pageSize}`;
  yield* pages(client, `${user}/contacts?${query}`);
  for await (const folders of pagesRaw(client, `${user}/contactFolders`)) {
    // the synced folder is read by its delta feed already: listing it again costs a request a run
    for (const folder of folders) {
      if (exceptFolderId !== undefined && folder.id === exceptFolderId) continue;
      yield* pages(client, `${user}/contactFolders/${enc(String(folder.id))}/contacts?${query}`);
    }
  }
}

/** The same backstop for To Do: every list's tasks carrying the category. */
export async function* readCategorizedTasks(client: GraphClient, mailbox: string, category: string, pageSize = 100, exceptListId?: string): AsyncGenerator<DeltaEntry[]> {
  for await (const lists of pagesRaw(client, `/users/${enc(mailbox)}/todo/lists`)) {
    for (const list of lists) {
      if (exceptListId !== undefined && list.id === exceptListId) continue;
      const path =
        `/users/${enc(mailbox)}/todo/lists/${enc(String(list.id))}/tasks?$filter=${enc(categoryFilter(category))}` +
        `&$expand=${expandProperties('tasks')}&$top=${pageSize}`;
      for await (const entries of pages(client, path)) {
        yield entries.map((e) => (e.type === 'upsert' ? { ...e, item: { ...e.item, todoListId: String(list.id) } } : e));
      }
    }
  }
}

export function categoryFilter(category: string): string {
  return `categories/any(c: c eq '${category.replace(/'/g, "''")}')`;
}

/** The stamped Salesforce Id of an item read with the stamp expanded, if any. */
export function stampOf(item: Record<string, unknown>): string | undefined {
  const props = item.singleValueExtendedProperties;
  if (!Array.isArray(props)) return undefined;
  for (const p of props as Array<{ id?: unknown; value?: unknown }>) {
    if (typeof p.id === 'string' && p.id.toLowerCase() === SALESFORCE_ID_PROPERTY.toLowerCase() && typeof p.value === 'string' && p.value !== '') {
      return p.value;
    }
  }
  return undefined;
}

/** The item's version: changeKey for Outlook items, @odata.etag for To Do tasks. */
export function versionOf(item: Record<string, unknown>): string {
  for (const key of ['changeKey', '@odata.etag', 'lastModifiedDateTime']) {
    const v = item[key];
    if (typeof v === 'string' && v !== '') return v;
  }
  return '';
}

interface ODataPage {
  value?: Array<Record<string, unknown>>;
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

function toEntry(raw: Record<string, unknown>): DeltaEntry | undefined {
  const id = raw.id;
  if (typeof id !== 'string' || id === '') return undefined;
  const removed = raw['@removed'] as { reason?: unknown } | undefined;
  if (removed) return { type: 'removed', id, reason: removed.reason === 'changed' ? 'changed' : 'deleted' };
  const salesforceId = stampOf(raw);
  return { type: 'upsert', id, version: versionOf(raw), ...(salesforceId ? { salesforceId } : {}), item: raw as ExchangeItem };
}

async function* pagesRaw(client: GraphClient, path: string, maxPages = 10_000): AsyncGenerator<Array<Record<string, unknown>>> {
  let url: string | undefined = path;
  for (let i = 0; url && i < maxPages; i++) {
    const body: ODataPage = await client.get<ODataPage>(url);
    yield body?.value ?? [];
    url = body?.['@odata.nextLink'];
  }
}

async function* pages(client: GraphClient, path: string): AsyncGenerator<DeltaEntry[]> {
  for await (const raw of pagesRaw(client, path)) {
    yield raw.map(toEntry).filter((e): e is DeltaEntry => e !== undefined);
  }
}

function required(value: string | undefined, name: string): string {
  if (!value) throw new ExchangeError('permanent', 0, 'MissingContainer', `A delta read needs ${name}`);
  return value;
}
