// The emulated tenant's data: mailboxes holding items of every kind, each change stamped with a
// per-mailbox sequence number and appended to the log of the collection(s) it touches. Delta
// queries read those logs; subscriptions listen to them. Every write — API or "the user in
// Outlook" — goes through `write`/`remove`/`move` here, so both produce the same delta entries
// and notifications.
import { changeKey, guid, itemId } from './ids.ts';

export type Json = Record<string, unknown>;
export type Kind =
  | 'contactFolder' | 'contact' | 'mailFolder' | 'message' | 'todoList' | 'todoTask'
  | 'calendar' | 'event' | 'category';

export interface Attachment {
  id: string;
  name: string;
  contentType: string;
  size: number;
  isInline: boolean;
  contentId?: string;
  bytes: Buffer;
  lastModifiedDateTime: string;
}

export interface Item {
  kind: Kind;
  id: string; // the REST id; changes when an item moves unless the client asks for immutable ids
  immutableId: string;
  parentId: string | null; // immutable id of the container (folder, list, calendar)
  data: Json;
  changeKey: string;
  created: number;
  modified: number;
  ext: Map<string, string>;
  attachments: Attachment[];
  deleted: boolean;
  seq: number;
}

export type ChangeType = 'created' | 'updated' | 'deleted';
export interface Change { mailbox: Mailbox; item: Item; type: ChangeType; collections: string[] }

export interface Mailbox {
  id: string;
  address: string;
  displayName: string;
  timeZone: string;
  items: Map<string, Item>; // by immutable id
  byRestId: Map<string, string>; // rest id → immutable id (old rest ids removed on move)
  members: Map<string, Set<string>>; // collection key → immutable ids of live items in it
  logs: Map<string, { seq: number; id: string }[]>; // collection key → append-only change log
  seq: number;
  epoch: number; // bumped to invalidate delta tokens (410 on next use)
  wellKnown: Map<string, string>; // well-known folder/list/calendar name → immutable id
  transactions: Map<string, string>; // event transactionId → immutable id
  // extended property (id, value) → immutable ids: Exchange indexes these, so a lookup by stamp
  // costs what it costs there instead of a render of every item in the folder
  byProperty: Map<string, Set<string>>;
}

/** Collection key for items contained in a container, or for top-level containers of a kind. */
export const rootCollection = (kind: Kind) => `root:${kind}`;

export interface Tenant {
  mailboxes: Map<string, Mailbox>; // by lower-case address and by id
  list(): Mailbox[];
  find(idOrAddress: string): Mailbox | undefined;
  addMailbox(input: { address: string; displayName?: string; timeZone?: string }): Mailbox;
  get(mb: Mailbox, id: string): Item | undefined;
  children(mb: Mailbox, kind: Kind, parentId: string | null): Item[];
  /** Live items of `kind` in `parentId` carrying the extended property `propId` = `value` (both case-insensitive). */
  withProperty(mb: Mailbox, kind: Kind, parentId: string | null, propId: string, value: string): Item[];
  create(mb: Mailbox, kind: Kind, parentId: string | null, data: Json, ext?: Map<string, string>, fixedId?: string): Item;
  update(mb: Mailbox, item: Item, patch: Json, ext?: Map<string, string>): Item;
  remove(mb: Mailbox, item: Item): void;
  move(mb: Mailbox, item: Item, newParentId: string): Item;
  touch(mb: Mailbox, item: Item, type: ChangeType, extraCollections?: string[]): void;
  onChange(listener: (c: Change) => void): () => void;
  reset(): void;
}

/** Index key of an extended property value; $filter compares both parts case-insensitively. */
export function propertyKey(propId: string, value: string): string {
  return `${propId.toLowerCase()}\n${value.toLowerCase()}`;
}

export function collectionOf(item: Pick<Item, 'kind' | 'parentId'>): string {
  return item.parentId ?? rootCollection(item.kind);
}

export function createTenant(now: () => number): Tenant {
  const mailboxes = new Map<string, Mailbox>();
  const listeners = new Set<(c: Change) => void>();

  const tenant: Tenant = {
    mailboxes,
    list: () => [...new Set(mailboxes.values())],
    find(idOrAddress) {
      return mailboxes.get(idOrAddress.toLowerCase()) ?? mailboxes.get(idOrAddress);
    },
    addMailbox({ address, displayName, timeZone }) {
      const existing = mailboxes.get(address.toLowerCase());
      if (existing) return existing;
      const mb: Mailbox = {
        id: guid(),
        address,
        displayName: displayName ?? address.split('@')[0]!,
        timeZone: timeZone ?? 'UTC',
        items: new Map(),
        byRestId: new Map(),
        members: new Map(),
        logs: new Map(),
        seq: 0,
        epoch: 1,
        wellKnown: new Map(),
        transactions: new Map(),
        byProperty: new Map(),
      };
      mailboxes.set(address.toLowerCase(), mb);
      mailboxes.set(mb.id, mb);
      provision(mb);
      return mb;
    },
    get(mb, id) {
      const imm = mb.byRestId.get(id) ?? id;
      const item = mb.items.get(imm);
      return item && !item.deleted ? item : undefined;
    },
    children(mb, kind, parentId) {
      const out: Item[] = [];
      for (const id of mb.members.get(parentId ?? rootCollection(kind)) ?? []) {
        const it = mb.items.get(id)!;
        if (!it.deleted && it.kind === kind) out.push(it);
      }
      return out;
    },
    withProperty(mb, kind, parentId, propId, value) {
      const out: Item[] = [];
      for (const id of mb.byProperty.get(propertyKey(propId, value)) ?? []) {
        const it = mb.items.get(id);
        if (it && !it.deleted && it.kind === kind && it.parentId === parentId) out.push(it);
      }
      return out;
    },
    create(mb, kind, parentId, data, ext, fixedId) {
      const t = now();
      const imm = fixedId ?? itemId();
      const item: Item = {
        // REST and immutable ids are different strings, as in Exchange; both resolve
        kind, id: fixedId ?? itemId(), immutableId: imm, parentId, data, changeKey: changeKey(), created: t, modified: t,
        ext: ext ?? new Map(), attachments: [], deleted: false, seq: 0,
      };
      mb.items.set(imm, item);
      mb.byRestId.set(item.id, imm);
      join(mb, item);
      for (const [k, v] of item.ext) indexProperty(mb, item, k, v);
      tenant.touch(mb, item, 'created');
      return item;
    },
    update(mb, item, patch, ext) {
      for (const [k, v] of Object.entries(patch)) {
        if (v === undefined) continue;
        item.data[k] = v;
      }
      if (ext) {
        for (const [k, v] of ext) {
          const old = item.ext.get(k);
          if (old !== undefined) unindexProperty(mb, item, k, old);
          item.ext.set(k, v);
          indexProperty(mb, item, k, v);
        }
      }
      item.changeKey = changeKey();
      item.modified = now();
      tenant.touch(mb, item, 'updated');
      return item;
    },
    remove(mb, item) {
      item.deleted = true;
      item.modified = now();
      mb.members.get(collectionOf(item))?.delete(item.immutableId);
      // the item keeps its data as a tombstone: delta and recurrence expansion still need it
      tenant.touch(mb, item, 'deleted');
      if (item.kind.endsWith('Folder') || item.kind === 'todoList' || item.kind === 'calendar') {
        for (const child of [...mb.items.values()]) {
          if (!child.deleted && child.parentId === item.immutableId) tenant.remove(mb, child);
        }
      }
    },
    move(mb, item, newParentId) {
      const old = collectionOf(item);
      mb.byRestId.delete(item.id);
      // a move is a copy + delete in Exchange: the REST id changes, the immutable id does not
      item.id = itemId();
      mb.byRestId.set(item.id, item.immutableId);
      mb.members.get(old)?.delete(item.immutableId);
      item.parentId = newParentId;
      join(mb, item);
      item.changeKey = changeKey();
      item.modified = now();
      tenant.touch(mb, item, 'updated', [old]);
      return item;
    },
    touch(mb, item, type, extra = []) {
      mb.seq++;
      item.seq = mb.seq;
      const collections = [collectionOf(item), ...extra];
      for (const key of collections) {
        let log = mb.logs.get(key);
        if (!log) mb.logs.set(key, (log = []));
        log.push({ seq: mb.seq, id: item.immutableId });
      }
      const change: Change = { mailbox: mb, item, type, collections };
      for (const l of listeners) l(change);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    reset() {
      mailboxes.clear();
    },
  };

  function join(mb: Mailbox, item: Item) {
    const key = collectionOf(item);
    let set = mb.members.get(key);
    if (!set) mb.members.set(key, (set = new Set()));
    set.add(item.immutableId);
  }

  function indexProperty(mb: Mailbox, item: Item, propId: string, value: string) {
    const key = propertyKey(propId, value);
    let set = mb.byProperty.get(key);
    if (!set) mb.byProperty.set(key, (set = new Set()));
    set.add(item.immutableId);
  }

  function unindexProperty(mb: Mailbox, item: Item, propId: string, value: string) {
    const key = propertyKey(propId, value);
    const set = mb.byProperty.get(key);
    set?.delete(item.immutableId);
    if (set?.size === 0) mb.byProperty.delete(key);
  }

  function wk(mb: Mailbox, name: string, item: Item) {
    mb.wellKnown.set(name, item.immutableId);
  }

  // A new mailbox has what Exchange creates for every user.
  function provision(mb: Mailbox) {
    wk(mb, 'contacts', tenant.create(mb, 'contactFolder', null, { displayName: 'Contacts', parentFolderId: null, isRoot: true }));
    const top = tenant.create(mb, 'mailFolder', null, { displayName: 'Top of Information Store', isRoot: true });
    wk(mb, 'msgfolderroot', top);
    const folders: [string, string][] = [
      ['inbox', 'Inbox'], ['sentitems', 'Sent Items'], ['deleteditems', 'Deleted Items'], ['drafts', 'Drafts'],
      ['archive', 'Archive'], ['junkemail', 'Junk Email'], ['outbox', 'Outbox'],
      ['conversationhistory', 'Conversation History'], ['clutter', 'Clutter'],
    ];
    for (const [name, displayName] of folders) {
      wk(mb, name, tenant.create(mb, 'mailFolder', top.immutableId, { displayName, isHidden: false, wellKnownName: name }));
    }
    wk(mb, 'calendar', tenant.create(mb, 'calendar', null, { name: 'Calendar', isDefaultCalendar: true, color: 'auto' }));
    wk(mb, 'defaultList', tenant.create(mb, 'todoList', null, { displayName: 'Tasks', wellknownListName: 'defaultList', isOwner: true, isShared: false }));
    wk(mb, 'flaggedEmails', tenant.create(mb, 'todoList', null, { displayName: 'Flagged Emails', wellknownListName: 'flaggedEmails', isOwner: true, isShared: false }));
  }

  return tenant;
}
