// Graph JSON for stored items: id (REST or immutable, as the client asked), @odata.etag and
// changeKey, timestamps, parent ids, and the kind's defaults. Also turns incoming bodies into
// stored data, splitting off singleValueExtendedProperties and read-only properties.
import { badRequest } from './errors.ts';
import type { Predicate } from './query.ts';
import type { Item, Json, Kind, Mailbox } from './state.ts';

export interface View {
  immutable: boolean;
  mailbox: Mailbox;
  expandExt?: Predicate | null | undefined; // undefined: not expanded; null: expanded unfiltered
  expandAttachments?: boolean;
}

export const ODATA_TYPE: Record<Kind, string> = {
  contactFolder: '#microsoft.graph.contactFolder',
  contact: '#microsoft.graph.contact',
  mailFolder: '#microsoft.graph.mailFolder',
  message: '#microsoft.graph.message',
  todoList: '#microsoft.graph.todoTaskList',
  todoTask: '#microsoft.graph.todoTask',
  calendar: '#microsoft.graph.calendar',
  event: '#microsoft.graph.event',
  category: '#microsoft.graph.outlookCategory',
};

const READ_ONLY = new Set([
  'id', 'changeKey', 'createdDateTime', 'lastModifiedDateTime', 'parentFolderId', '@odata.etag', '@odata.type',
  '@odata.context', 'childFolderCount', 'totalItemCount', 'unreadItemCount', 'seriesMasterId', 'type',
  'occurrenceId', 'hasAttachments', 'webLink', 'iCalUId', 'uid',
]);

export const iso = (t: number) => new Date(t).toISOString().replace(/\.(\d{3})Z$/, 'Z');
export const isoFrac = (t: number) => new Date(t).toISOString().replace(/Z$/, '0000Z');

export function restId(view: View, item: Item): string {
  return view.immutable ? item.immutableId : item.id;
}

function refId(view: View, immutableId: string | null): string | null {
  if (!immutableId) return null;
  const it = view.mailbox.items.get(immutableId);
  return it ? restId(view, it) : immutableId;
}

/** Splits a POST/PATCH body into stored data and extended properties. */
export function acceptBody(body: unknown): { data: Json; ext: Map<string, string> | undefined } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('Empty Payload. JSON content expected.', 'BadRequest');
  }
  const data: Json = {};
  let ext: Map<string, string> | undefined;
  for (const [k, v] of Object.entries(body as Json)) {
    if (k === 'singleValueExtendedProperties') {
      if (!Array.isArray(v)) throw badRequest('singleValueExtendedProperties must be an array.', 'BadRequest');
      ext = new Map();
      for (const p of v as Json[]) {
        if (typeof p?.id !== 'string' || typeof p.value !== 'string') {
          throw badRequest('Each singleValueExtendedProperty needs string id and value.', 'BadRequest');
        }
        ext.set(normalizePropId(p.id), p.value);
      }
      continue;
    }
    if (READ_ONLY.has(k) || k.startsWith('@odata')) continue;
    data[k] = v;
  }
  return { data, ext };
}

/** Exchange returns property ids with the GUID in lower case; comparisons are case-insensitive. */
export function normalizePropId(id: string): string {
  return id.replace(/\{([0-9A-Fa-f-]{36})\}/, (_m, g: string) => `{${g.toLowerCase()}}`);
}

export function render(view: View, item: Item): Json {
  const base: Json = {
    '@odata.etag': `W/"${item.changeKey}"`,
    id: restId(view, item),
  };
  const stamps: Json = {
    createdDateTime: iso(item.created),
    lastModifiedDateTime: iso(item.modified),
    changeKey: item.changeKey,
  };
  let out: Json;
  switch (item.kind) {
    case 'contact':
      out = {
        ...base, ...stamps, categories: [], parentFolderId: refId(view, item.parentId),
        givenName: null, surname: null, middleName: null, displayName: '', companyName: null, jobTitle: null,
        department: null, emailAddresses: [], businessPhones: [], homePhones: [], mobilePhone: null,
        businessAddress: {}, homeAddress: {}, personalNotes: '', fileAs: '', birthday: null,
        ...item.data,
      };
      if (!out.displayName) out.displayName = [out.givenName, out.surname].filter(Boolean).join(' ');
      break;
    case 'message': {
      const bodyContent = String((item.data.body as Json | undefined)?.content ?? '');
      out = {
        ...base, ...stamps, categories: [], parentFolderId: refId(view, item.parentId),
        receivedDateTime: iso(item.created), sentDateTime: iso(item.created), hasAttachments: item.attachments.some((a) => !a.isInline),
        subject: '', bodyPreview: bodyContent.replace(/<[^>]*>/g, '').slice(0, 255), importance: 'normal',
        isRead: false, isDraft: false, body: { contentType: 'text', content: '' }, from: null, sender: null,
        toRecipients: [], ccRecipients: [], bccRecipients: [], replyTo: [], flag: { flagStatus: 'notFlagged' },
        ...item.data,
      };
      break;
    }
    case 'todoTask':
      // To Do tasks carry an etag but no changeKey property
      out = {
        '@odata.etag': base['@odata.etag'], importance: 'normal', isReminderOn: false, status: 'notStarted',
        title: '', createdDateTime: isoFrac(item.created), lastModifiedDateTime: isoFrac(item.modified),
        hasAttachments: false, categories: [], id: base.id, body: { content: '', contentType: 'text' },
        ...item.data,
      };
      break;
    case 'todoList':
      out = { '@odata.etag': base['@odata.etag'], displayName: '', isOwner: true, isShared: false, wellknownListName: 'none', id: base.id, ...item.data };
      break;
    case 'contactFolder':
      out = { id: base.id, displayName: '', parentFolderId: refId(view, item.parentId), ...item.data };
      delete out.isRoot;
      break;
    case 'mailFolder': {
      let childFolderCount = 0, totalItemCount = 0, unreadItemCount = 0;
      for (const id of view.mailbox.members.get(item.immutableId) ?? []) {
        const c = view.mailbox.items.get(id)!;
        if (c.deleted) continue;
        if (c.kind === 'mailFolder') childFolderCount++;
        else if (c.kind === 'message') { totalItemCount++; if (!c.data.isRead) unreadItemCount++; }
      }
      out = {
        id: base.id, displayName: '', parentFolderId: refId(view, item.parentId), childFolderCount,
        unreadItemCount, totalItemCount, sizeInBytes: 0, isHidden: false, ...item.data,
      };
      delete out.isRoot;
      delete out.wellKnownName;
      break;
    }
    case 'calendar':
      out = {
        id: base.id, name: '', color: 'auto', hexColor: '', isDefaultCalendar: false, changeKey: item.changeKey,
        canShare: true, canViewPrivateItems: true, canEdit: true, allowedOnlineMeetingProviders: ['teamsForBusiness'],
        defaultOnlineMeetingProvider: 'teamsForBusiness', isTallyingResponses: true, isRemovable: !item.data.isDefaultCalendar,
        owner: { name: view.mailbox.displayName, address: view.mailbox.address }, ...item.data,
      };
      break;
    case 'category':
      out = { id: base.id, displayName: '', color: 'none', ...item.data };
      break;
    case 'event':
      out = { ...base, ...stamps, ...item.data };
      break;
  }
  if (view.expandExt !== undefined) {
    const props = [...item.ext].map(([id, value]) => ({ id, value }));
    const filter = view.expandExt;
    const chosen = filter ? props.filter((p) => filter(p)) : props;
    // Graph omits the navigation property when the filter matches nothing
    if (chosen.length) out.singleValueExtendedProperties = chosen;
  }
  if (view.expandAttachments) {
    out.attachments = item.attachments.map((a) => renderAttachment(a, true));
  }
  return out;
}

export function renderAttachment(a: import('./state.ts').Attachment, withBytes: boolean): Json {
  const out: Json = {
    '@odata.type': '#microsoft.graph.fileAttachment',
    id: a.id,
    lastModifiedDateTime: a.lastModifiedDateTime,
    name: a.name,
    contentType: a.contentType,
    size: a.size,
    isInline: a.isInline,
    contentId: a.contentId ?? null,
    contentLocation: null,
  };
  if (withBytes) out.contentBytes = a.bytes.toString('base64');
  return out;
}

/** Test view for $filter over extended properties: items expose them as an array. */
export function filterView(view: View, item: Item): Json {
  const out = render({ ...view, expandExt: undefined }, item);
  out.singleValueExtendedProperties = [...item.ext].map(([id, value]) => ({ id, value }));
  return out;
}
