// Graph v1.0 resources for users, contacts, mail, To Do and categories. Handlers are plain
// functions over the tenant state; the server (server.ts) has already authenticated, throttled
// and resolved the mailbox. Calendar lives in calendar.ts, subscriptions in subscriptions.ts.
import { GraphError, badRequest, conflict, notFound, preconditionFailed } from './errors.ts';
import { guid, opaque } from './ids.ts';
import { acceptBody, renderAttachment, iso } from './render.ts';
import { delta, list, one, contextUrl } from './paging.ts';
import { applySelect } from './query.ts';
import type { Ctx, Handler, Res } from './context.ts';
import type { Router } from './router.ts';
import type { Item, Json, Kind, Mailbox } from './state.ts';

export function checkIfMatch(ctx: Ctx, item: Item): void {
  const ifMatch = ctx.req.headers['if-match'];
  if (!ifMatch || ifMatch === '*') return;
  const tag = ifMatch.replace(/^W\//, '').replace(/"/g, '');
  if (tag !== item.changeKey) throw preconditionFailed();
}

export function itemOf(ctx: Ctx, id: string | undefined, kind: Kind, parentId?: string | null): Item {
  const item = id ? ctx.core.tenant.get(ctx.mb, id) : undefined;
  if (!item || item.kind !== kind || (parentId !== undefined && item.parentId !== parentId)) throw notFound();
  return item;
}

export function wellKnown(mb: Mailbox, name: string): string {
  const id = mb.wellKnown.get(name);
  if (!id) throw notFound();
  return id;
}

/** A folder id or a well-known name ('inbox', 'Inbox', …) → immutable id. */
export function folderOf(ctx: Ctx, key: string | undefined, kind: Kind): Item {
  if (!key) throw notFound();
  const wk = ctx.mb.wellKnown.get(key.toLowerCase()) ?? ctx.mb.wellKnown.get(key);
  return itemOf(ctx, wk ?? key, kind);
}

function assertUniqueName(ctx: Ctx, kind: Kind, parentId: string | null, name: unknown, field = 'displayName', except?: Item) {
  if (typeof name !== 'string' || !name.trim()) throw badRequest(`${field} is required.`, 'ErrorInvalidParameter');
  for (const sib of ctx.core.tenant.children(ctx.mb, kind, parentId)) {
    if (sib !== except && String(sib.data[field]).toLowerCase() === name.toLowerCase()) {
      throw conflict(kind === 'category'
        ? `The category with the name '${name}' already exists.`
        : 'A folder with the specified name already exists.', kind === 'category' ? 'ErrorItemWithSameNameAlreadyExists' : 'ErrorFolderExists');
    }
  }
}

const noContent: Res = { status: 204 };

/** GET/PATCH/DELETE of one item, shared by every kind. */
function itemRoutes(r: Router<Handler>, base: string, kind: Kind, parent?: (ctx: Ctx) => string | null) {
  r.add('GET', base, (ctx) => one(ctx, itemOf(ctx, ctx.params.id, kind, parent?.(ctx))));
  r.add('PATCH', base, (ctx) => {
    const item = itemOf(ctx, ctx.params.id, kind, parent?.(ctx));
    checkIfMatch(ctx, item);
    const { data, ext } = acceptBody(ctx.req.body);
    prepare(kind, data, ctx, item);
    if (kind.endsWith('Folder') && data.displayName !== undefined) assertUniqueName(ctx, kind, item.parentId, data.displayName, 'displayName', item);
    ctx.core.tenant.update(ctx.mb, item, data, ext);
    return one(ctx, item);
  });
  r.add('DELETE', base, (ctx) => {
    const item = itemOf(ctx, ctx.params.id, kind, parent?.(ctx));
    checkIfMatch(ctx, item);
    if (item.data.isRoot || item.data.wellKnownName || item.data.wellknownListName === 'defaultList') {
      throw new GraphError(403, 'ErrorDeleteDistinguishedFolder', 'Distinguished folders cannot be deleted.');
    }
    const trash = ctx.mb.wellKnown.get('deleteditems');
    // deleting a message moves it to Deleted Items; deleting it there removes it
    if (kind === 'message' && trash && item.parentId !== trash) ctx.core.tenant.move(ctx.mb, item, trash);
    else ctx.core.tenant.remove(ctx.mb, item);
    return noContent;
  });
  if (kind === 'message') {
    r.add('POST', `${base}/permanentDelete`, (ctx) => {
      ctx.core.tenant.remove(ctx.mb, itemOf(ctx, ctx.params.id, kind));
      return noContent;
    });
  }
}

/** Kind-specific rules applied to incoming data on create and update. */
function prepare(kind: Kind, data: Json, ctx: Ctx, existing?: Item): void {
  if (kind === 'todoTask') {
    if (data.status !== undefined && !['notStarted', 'inProgress', 'completed', 'waitingOnOthers', 'deferred'].includes(String(data.status))) {
      throw badRequest(`Invalid status '${String(data.status)}'.`, 'invalidRequest');
    }
    const wasDone = existing?.data.status === 'completed';
    if (data.status === 'completed' && !wasDone && data.completedDateTime === undefined) {
      data.completedDateTime = { dateTime: iso(ctx.core.now()).replace('Z', '.0000000'), timeZone: 'UTC' };
    }
    if (data.status !== undefined && data.status !== 'completed') data.completedDateTime = null;
  }
  if (kind === 'message' && data.body !== undefined) {
    const b = data.body as Json;
    if (!b || typeof b !== 'object') throw badRequest('body must be an itemBody.', 'BadRequest');
  }
  if (kind === 'contact' && data.emailAddresses !== undefined && !Array.isArray(data.emailAddresses)) {
    throw badRequest('emailAddresses must be an array.', 'BadRequest');
  }
}

function create(ctx: Ctx, kind: Kind, parentId: string | null, defaults: Json = {}): Item {
  const { data, ext } = acceptBody(ctx.req.body);
  prepare(kind, data, ctx);
  return ctx.core.tenant.create(ctx.mb, kind, parentId, { ...defaults, ...data }, ext);
}

function userJson(mb: Mailbox): Json {
  return {
    id: mb.id, displayName: mb.displayName, mail: mb.address, userPrincipalName: mb.address,
    givenName: null, surname: null, jobTitle: null, businessPhones: [], mobilePhone: null, officeLocation: null,
    preferredLanguage: 'en-US',
  };
}

export function addCoreRoutes(r: Router<Handler>) {
  // users
  r.add('GET', 'users/:u', (ctx) => ({ status: 200, body: { '@odata.context': `${ctx.core.baseUrl}/$metadata#users/$entity`, ...userJson(ctx.mb) } }));
  r.add('GET', 'users/:u/mailboxSettings', (ctx) => ({
    status: 200,
    body: { '@odata.context': contextUrl(ctx), timeZone: ctx.mb.timeZone, language: { locale: 'en-US' }, workingHours: { timeZone: { name: ctx.mb.timeZone } } },
  }));

  // contact folders
  const contactsRoot = (ctx: Ctx) => wellKnown(ctx.mb, 'contacts');
  r.add('GET', 'users/:u/contactFolders', (ctx) => list(ctx, ctx.core.tenant.children(ctx.mb, 'contactFolder', contactsRoot(ctx))));
  r.add('POST', 'users/:u/contactFolders', (ctx) => {
    const parent = contactsRoot(ctx);
    assertUniqueName(ctx, 'contactFolder', parent, (ctx.req.body as Json | null)?.displayName);
    return one(ctx, create(ctx, 'contactFolder', parent), 201);
  });
  r.add('GET', 'users/:u/contactFolders/delta', (ctx) => delta(ctx, { collection: contactsRoot(ctx), kind: 'contactFolder' }));
  itemRoutes(r, 'users/:u/contactFolders/:id', 'contactFolder');
  r.add('GET', 'users/:u/contactFolders/:f/childFolders', (ctx) => list(ctx, ctx.core.tenant.children(ctx.mb, 'contactFolder', folderOf(ctx, ctx.params.f, 'contactFolder').immutableId)));
  r.add('POST', 'users/:u/contactFolders/:f/childFolders', (ctx) => {
    const parent = folderOf(ctx, ctx.params.f, 'contactFolder').immutableId;
    assertUniqueName(ctx, 'contactFolder', parent, (ctx.req.body as Json | null)?.displayName);
    return one(ctx, create(ctx, 'contactFolder', parent), 201);
  });
  // contacts: in a folder, and in the default folder
  const cf = (ctx: Ctx) => folderOf(ctx, ctx.params.f, 'contactFolder').immutableId;
  for (const [prefix, parent] of [['users/:u/contactFolders/:f/contacts', cf], ['users/:u/contacts', contactsRoot]] as const) {
    r.add('GET', prefix, (ctx) => list(ctx, { kind: 'contact', parentId: parent(ctx) }));
    r.add('POST', prefix, (ctx) => one(ctx, create(ctx, 'contact', parent(ctx)), 201));
    r.add('GET', `${prefix}/delta`, (ctx) => delta(ctx, { collection: parent(ctx), kind: 'contact' }));
    itemRoutes(r, `${prefix}/:id`, 'contact', prefix === 'users/:u/contacts' ? undefined : parent);
  }

  // mail folders
  const msgRoot = (ctx: Ctx) => wellKnown(ctx.mb, 'msgfolderroot');
  r.add('GET', 'users/:u/mailFolders', (ctx) => list(ctx, ctx.core.tenant.children(ctx.mb, 'mailFolder', msgRoot(ctx)).filter((f) => ctx.req.query.get('includeHiddenFolders') === 'true' || !f.data.isHidden)));
  r.add('POST', 'users/:u/mailFolders', (ctx) => {
    assertUniqueName(ctx, 'mailFolder', msgRoot(ctx), (ctx.req.body as Json | null)?.displayName);
    return one(ctx, create(ctx, 'mailFolder', msgRoot(ctx), { isHidden: false }), 201);
  });
  r.add('GET', 'users/:u/mailFolders/delta', (ctx) => delta(ctx, { collection: msgRoot(ctx), kind: 'mailFolder' }));
  r.add('GET', 'users/:u/mailFolders/:id', (ctx) => one(ctx, folderOf(ctx, ctx.params.id, 'mailFolder')));
  r.add('PATCH', 'users/:u/mailFolders/:id', (ctx) => {
    const f = folderOf(ctx, ctx.params.id, 'mailFolder');
    const { data } = acceptBody(ctx.req.body);
    if (data.displayName !== undefined) assertUniqueName(ctx, 'mailFolder', f.parentId, data.displayName, 'displayName', f);
    ctx.core.tenant.update(ctx.mb, f, data);
    return one(ctx, f);
  });
  r.add('DELETE', 'users/:u/mailFolders/:id', (ctx) => {
    const f = folderOf(ctx, ctx.params.id, 'mailFolder');
    if (f.data.wellKnownName || f.data.isRoot) throw new GraphError(403, 'ErrorDeleteDistinguishedFolder', 'Distinguished folders cannot be deleted.');
    ctx.core.tenant.remove(ctx.mb, f);
    return noContent;
  });
  r.add('GET', 'users/:u/mailFolders/:f/childFolders', (ctx) => list(ctx, ctx.core.tenant.children(ctx.mb, 'mailFolder', folderOf(ctx, ctx.params.f, 'mailFolder').immutableId)));
  r.add('POST', 'users/:u/mailFolders/:f/childFolders', (ctx) => {
    const parent = folderOf(ctx, ctx.params.f, 'mailFolder').immutableId;
    assertUniqueName(ctx, 'mailFolder', parent, (ctx.req.body as Json | null)?.displayName);
    return one(ctx, create(ctx, 'mailFolder', parent, { isHidden: false }), 201);
  });
  // messages
  const mf = (ctx: Ctx) => folderOf(ctx, ctx.params.f, 'mailFolder').immutableId;
  const byReceived = (a: Item, b: Item) => b.created - a.created;
  r.add('GET', 'users/:u/mailFolders/:f/messages', (ctx) => list(ctx, ctx.core.tenant.children(ctx.mb, 'message', mf(ctx)), { defaultOrder: byReceived }));
  r.add('POST', 'users/:u/mailFolders/:f/messages', (ctx) => one(ctx, createMessage(ctx, mf(ctx)), 201));
  r.add('GET', 'users/:u/mailFolders/:f/messages/delta', (ctx) => delta(ctx, { collection: mf(ctx), kind: 'message' }));
  r.add('GET', 'users/:u/messages', (ctx) => list(ctx, [...ctx.mb.items.values()].filter((i) => !i.deleted && i.kind === 'message'), { defaultOrder: byReceived }));
  r.add('POST', 'users/:u/messages', (ctx) => one(ctx, createMessage(ctx, wellKnown(ctx.mb, 'drafts')), 201));
  for (const prefix of ['users/:u/messages/:id', 'users/:u/mailFolders/:f/messages/:id']) {
    itemRoutes(r, prefix, 'message');
    r.add('POST', `${prefix}/move`, (ctx) => {
      const item = itemOf(ctx, ctx.params.id, 'message');
      const dest = (ctx.req.body as Json | null)?.destinationId;
      if (typeof dest !== 'string') throw badRequest('destinationId is required.', 'ErrorInvalidParameter');
      const folder = folderOf(ctx, dest, 'mailFolder');
      ctx.core.tenant.move(ctx.mb, item, folder.immutableId);
      return one(ctx, item, 201);
    });
    r.add('GET', `${prefix}/attachments`, (ctx) => {
      const item = itemOf(ctx, ctx.params.id, 'message');
      const select = ctx.req.query.get('$select') ?? undefined;
      const withBytes = !select || select.split(',').includes('contentBytes');
      return { status: 200, body: { '@odata.context': contextUrl(ctx), value: item.attachments.map((a) => applySelect(renderAttachment(a, withBytes), select)) } };
    });
    r.add('POST', `${prefix}/attachments`, (ctx) => {
      const item = itemOf(ctx, ctx.params.id, 'message');
      const b = ctx.req.body as Json | null;
      if (b?.['@odata.type'] !== '#microsoft.graph.fileAttachment' || typeof b.contentBytes !== 'string' || typeof b.name !== 'string') {
        throw badRequest('A #microsoft.graph.fileAttachment with name and contentBytes is required.', 'ErrorInvalidParameter');
      }
      const bytes = Buffer.from(b.contentBytes, 'base64');
      if (bytes.length > 3 * 1024 * 1024) {
        throw new GraphError(413, 'ErrorRequestEntityTooLarge', 'The attachment is larger than 3 MB: use an upload session.');
      }
      const att = addAttachment(ctx, item, { name: b.name, contentType: String(b.contentType ?? 'application/octet-stream'), isInline: Boolean(b.isInline), bytes, ...(typeof b.contentId === 'string' ? { contentId: b.contentId } : {}) });
      return { status: 201, body: { '@odata.context': contextUrl(ctx, true), ...renderAttachment(att, true) } };
    });
    r.add('GET', `${prefix}/attachments/:a`, (ctx) => {
      const att = attachmentOf(ctx);
      const select = ctx.req.query.get('$select') ?? undefined;
      const withBytes = !select || select.split(',').includes('contentBytes');
      return { status: 200, body: { '@odata.context': contextUrl(ctx, true), ...applySelect(renderAttachment(att, withBytes), select) } };
    });
    r.add('DELETE', `${prefix}/attachments/:a`, (ctx) => {
      const item = itemOf(ctx, ctx.params.id, 'message');
      const att = attachmentOf(ctx);
      item.attachments = item.attachments.filter((a) => a !== att);
      ctx.core.tenant.update(ctx.mb, item, {});
      return noContent;
    });
    r.add('GET', `${prefix}/attachments/:a/$value`, (ctx) => rangeResponse(ctx, attachmentOf(ctx)));
    r.add('POST', `${prefix}/attachments/createUploadSession`, (ctx) => createUploadSession(ctx, itemOf(ctx, ctx.params.id, 'message')));
  }

  // To Do
  r.add('GET', 'users/:u/todo/lists', (ctx) => list(ctx, ctx.core.tenant.children(ctx.mb, 'todoList', null)));
  r.add('POST', 'users/:u/todo/lists', (ctx) => {
    const b = ctx.req.body as Json | null;
    if (typeof b?.displayName !== 'string' || !b.displayName) throw badRequest('displayName is required.', 'invalidRequest');
    return one(ctx, create(ctx, 'todoList', null, { wellknownListName: 'none', isOwner: true, isShared: false }), 201);
  });
  r.add('GET', 'users/:u/todo/lists/delta', (ctx) => delta(ctx, { collection: 'root:todoList', kind: 'todoList' }));
  itemRoutes(r, 'users/:u/todo/lists/:id', 'todoList');
  const tl = (ctx: Ctx) => itemOf(ctx, ctx.params.l, 'todoList').immutableId;
  r.add('GET', 'users/:u/todo/lists/:l/tasks', (ctx) => list(ctx, { kind: 'todoTask', parentId: tl(ctx) }));
  r.add('POST', 'users/:u/todo/lists/:l/tasks', (ctx) => {
    const b = ctx.req.body as Json | null;
    if (typeof b?.title !== 'string') throw badRequest('title is required.', 'invalidRequest');
    return one(ctx, create(ctx, 'todoTask', tl(ctx)), 201);
  });
  r.add('GET', 'users/:u/todo/lists/:l/tasks/delta', (ctx) => delta(ctx, { collection: tl(ctx), kind: 'todoTask' }));
  itemRoutes(r, 'users/:u/todo/lists/:l/tasks/:id', 'todoTask', tl);

  // master categories
  r.add('GET', 'users/:u/outlook/masterCategories', (ctx) => list(ctx, ctx.core.tenant.children(ctx.mb, 'category', null), { pageSize: 1000 }));
  r.add('POST', 'users/:u/outlook/masterCategories', (ctx) => {
    const b = ctx.req.body as Json | null;
    assertUniqueName(ctx, 'category', null, b?.displayName);
    if (b?.color !== undefined && !/^(none|preset([0-9]|1[0-9]|2[0-4]))$/.test(String(b.color))) {
      throw badRequest(`Invalid color '${String(b.color)}'.`, 'ErrorInvalidParameter');
    }
    // categories have GUID ids, the same whatever id type is asked for
    const item = ctx.core.tenant.create(ctx.mb, 'category', null, { displayName: b!.displayName, color: b?.color ?? 'none' }, undefined, guid());
    return one(ctx, item, 201);
  });
  itemRoutes(r, 'users/:u/outlook/masterCategories/:id', 'category');
}

function createMessage(ctx: Ctx, folderId: string): Item {
  const { data, ext } = acceptBody(ctx.req.body);
  prepare('message', data, ctx);
  const defaults: Json = {
    isDraft: folderId === ctx.mb.wellKnown.get('drafts'),
    internetMessageId: `<${opaque(12)}@emulator.outlook.local>`,
    conversationId: 'AAQk' + opaque(30),
    from: { emailAddress: { name: ctx.mb.displayName, address: ctx.mb.address } },
  };
  return ctx.core.tenant.create(ctx.mb, 'message', folderId, { ...defaults, ...data }, ext);
}

export function addAttachment(ctx: Pick<Ctx, 'core' | 'mb'>, item: Item, a: { name: string; contentType: string; isInline: boolean; bytes: Buffer; contentId?: string }) {
  const att = {
    id: 'AAMkA' + opaque(60) + '=',
    name: a.name, contentType: a.contentType, size: a.bytes.length, isInline: a.isInline,
    bytes: a.bytes, lastModifiedDateTime: iso(ctx.core.now()),
    ...(a.contentId ? { contentId: a.contentId } : {}),
  };
  item.attachments.push(att);
  ctx.core.tenant.update(ctx.mb, item, {});
  return att;
}

function attachmentOf(ctx: Ctx) {
  const item = itemOf(ctx, ctx.params.id, 'message');
  const att = item.attachments.find((a) => a.id === ctx.params.a);
  if (!att) throw notFound();
  return att;
}

/** Raw attachment bytes with single-range support (Range: bytes=a-b). */
function rangeResponse(ctx: Ctx, att: { bytes: Buffer; contentType: string }): Res {
  const range = ctx.req.headers['range'];
  const total = att.bytes.length;
  if (range) {
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    if (!m || (!m[1] && !m[2])) throw new GraphError(416, 'InvalidRange', 'The requested range is not satisfiable.');
    let start = m[1] ? Number(m[1]) : total - Number(m[2]);
    let end = m[1] && m[2] ? Number(m[2]) : total - 1;
    start = Math.max(0, start);
    end = Math.min(end, total - 1);
    if (start > end || start >= total) {
      throw new GraphError(416, 'InvalidRange', 'The requested range is not satisfiable.', { 'Content-Range': `bytes */${total}` });
    }
    return {
      status: 206,
      headers: { 'Content-Type': att.contentType, 'Content-Range': `bytes ${start}-${end}/${total}`, 'Accept-Ranges': 'bytes' },
      body: att.bytes.subarray(start, end + 1),
    };
  }
  return { status: 200, headers: { 'Content-Type': att.contentType, 'Accept-Ranges': 'bytes' }, body: att.bytes };
}

export interface UploadSession {
  mailbox: Mailbox;
  itemId: string;
  name: string;
  contentType: string;
  isInline: boolean;
  size: number;
  received: Buffer[];
  next: number;
  expires: number;
}

function createUploadSession(ctx: Ctx, item: Item): Res {
  const b = (ctx.req.body as Json | null)?.AttachmentItem as Json | undefined;
  if (!b || b.attachmentType !== 'file' || typeof b.name !== 'string' || typeof b.size !== 'number') {
    throw badRequest('AttachmentItem with attachmentType "file", name and size is required.', 'ErrorInvalidParameter');
  }
  if (b.size > 150 * 1024 * 1024) throw new GraphError(413, 'ErrorAttachmentSizeLimitExceeded', 'The attachment exceeds the 150 MB limit.');
  const token = opaque(32);
  const expires = ctx.core.now() + 15 * 60_000;
  const session: UploadSession = {
    mailbox: ctx.mb, itemId: item.immutableId, name: b.name, contentType: String(b.contentType ?? 'application/octet-stream'),
    isInline: Boolean(b.isInline), size: b.size, received: [], next: 0, expires,
  };
  ctx.core.pages.set('u:' + token, session);
  return {
    status: 201,
    body: {
      '@odata.context': `${ctx.core.baseUrl}/$metadata#microsoft.graph.uploadSession`,
      uploadUrl: `${ctx.core.url}/__upload/${token}`,
      expirationDateTime: iso(expires),
      nextExpectedRanges: ['0-'],
    },
  };
}

/** PUT of one chunk to an upload URL (no bearer token: the URL itself authorizes). */
export function uploadChunk(core: Ctx['core'], token: string, headers: Record<string, string>, raw: Buffer): Res {
  const session = core.pages.get('u:' + token) as UploadSession | undefined;
  if (!session || session.expires < core.now()) throw notFound('The upload session was not found or has expired.');
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(headers['content-range'] ?? '');
  if (!m) throw badRequest('Content-Range header "bytes a-b/total" is required.', 'InvalidContentRange');
  const [start, end, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (total !== session.size) throw badRequest('Content-Range total does not match the session size.', 'InvalidContentRange');
  if (start !== session.next || end < start || end - start + 1 !== raw.length) {
    throw new GraphError(416, 'InvalidRange', `Expected the range starting at ${session.next}.`);
  }
  if (raw.length > 4 * 1024 * 1024) throw new GraphError(413, 'ErrorRequestEntityTooLarge', 'Chunks are at most 4 MB.');
  session.received.push(raw);
  session.next = end + 1;
  if (session.next < session.size) {
    return { status: 200, body: { expirationDateTime: iso(session.expires), nextExpectedRanges: [`${session.next}-`] } };
  }
  core.pages.delete('u:' + token);
  const mb = session.mailbox;
  const item = core.tenant.get(mb, session.itemId);
  if (!item) throw notFound();
  const att = addAttachment({ core, mb }, item, { name: session.name, contentType: session.contentType, isInline: session.isInline, bytes: Buffer.concat(session.received) });
  return { status: 201, headers: { Location: `${core.baseUrl}/users('${mb.id}')/messages('${item.immutableId}')/attachments('${att.id}')` } };
}
