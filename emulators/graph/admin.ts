// The in-process admin API (mirrored over HTTP as POST /__emulator/<operation> with a JSON array
// of arguments): reset, seed, clock, latency, faults, throttling, delta resets, notification
// faults, counters, lifecycle events, and "act as the user" helpers for what a person does in
// Outlook. User actions go through the same tenant writes as API calls, so they produce the
// same delta entries and change notifications.
import { opaque } from './ids.ts';
import { iso, normalizePropId } from './render.ts';
import { addAttachment } from './routes.ts';
import type { Core, Counters } from './context.ts';
import type { FaultSpec, Faults, HoldSpec } from './faults.ts';
import type { Subscriptions } from './subscriptions.ts';
import type { Throttle } from './throttle.ts';
import type { Item, Json, Kind, Mailbox } from './state.ts';

export interface UserAttachment { name: string; contentType?: string; contentBytes?: string; bytes?: Buffer | Uint8Array; isInline?: boolean; contentId?: string }

export interface MailboxInfo { id: string; address: string; displayName: string; timeZone: string }

export interface Admin {
  reset(): void;
  seed(size: 'none' | 'small' | 'large'): void;
  addMailbox(input: { address: string; displayName?: string; timeZone?: string }): MailboxInfo;
  mailboxes(): MailboxInfo[];
  advanceClock(ms: number): number;
  setLatency(ms: number): void;
  fault(spec: FaultSpec): void;
  /** The next matching requests are applied, then answered only after holdMs (unknown outcome). */
  holdAnswers(spec: HoldSpec): void;
  clearFaults(): void;
  throttleNow(mailbox: string, seconds: number): void;
  resetDeltaTokens(mailbox?: string): void;
  /** The next n non-empty delta pages repeat each of their entries (Graph may replay). */
  duplicateNextDeltaPages(n: number): void;
  dropNextNotifications(n: number): void;
  duplicateNextNotifications(n: number): void;
  delayNotificationsMs(ms: number): void;
  /**
   * Holds the next n notifications (of these subscriptions only, when given), then delivers
   * them newest first, one POST each; Graph does not promise order.
   */
  reverseNextNotifications(n: number, subscriptionIds?: readonly string[]): void;
  /** Delivers the notifications still held by reverseNextNotifications, newest first; returns how many. */
  releaseHeldNotifications(): number;
  notificationsIdle(): Promise<void>;
  counters(): Counters;
  resetCounters(): void;
  subscriptions(): Json[];
  emitLifecycle(subscriptionId: string, event: 'missed' | 'subscriptionRemoved' | 'reauthorizationRequired'): Promise<void>;
  /** Items of one kind as stored (tests peek at state without spending Graph budget). */
  items(mailbox: string, kind: Kind): Json[];
  userCreateContact(mailbox: string, folderId: string | null, contact: Json): string;
  userUpdateContact(mailbox: string, id: string, patch: Json): void;
  userDeleteContact(mailbox: string, id: string): void;
  userMoveContact(mailbox: string, id: string, destFolderId: string): void;
  userCreateEvent(mailbox: string, calendarId: string | null, event: Json): string;
  userUpdateEvent(mailbox: string, id: string, patch: Json): void;
  userDeleteEvent(mailbox: string, id: string): void;
  userCreateTask(mailbox: string, listId: string | null, task: Json): string;
  userUpdateTask(mailbox: string, id: string, patch: Json): void;
  userDeleteTask(mailbox: string, id: string): void;
  userMoveMessage(mailbox: string, messageId: string, destFolderId: string): string;
  userUpdateMessage(mailbox: string, id: string, patch: Json): void;
  userDeleteMessage(mailbox: string, id: string): void;
  userSetCategories(mailbox: string, id: string, categories: string[]): void;
  deliverMessage(mailbox: string, message: Json & { attachments?: UserAttachment[] }, folder?: string): string;
}

export interface AdminDeps {
  core: Core;
  faults: Faults;
  throttle: Throttle;
  subscriptions: Subscriptions;
  setLatency(ms: number): void;
  advance(ms: number): void;
  createEvent(mb: Mailbox, calendarId: string, body: Json, organizerAction: boolean): Item;
}

export function createAdmin(deps: AdminDeps): Admin {
  const { core, faults, throttle, subscriptions } = deps;
  const t = core.tenant;

  const mbOf = (key: string): Mailbox => {
    const mb = t.find(key);
    if (!mb) throw new Error(`No mailbox '${key}'.`);
    return mb;
  };
  const itemOf = (mb: Mailbox, id: string, kind: Kind): Item => {
    const it = t.get(mb, id);
    if (!it || it.kind !== kind) throw new Error(`No ${kind} '${id}' in ${mb.address}.`);
    return it;
  };
  const container = (mb: Mailbox, key: string | null, kind: Kind, fallback: string): string => {
    if (key === null) return mb.wellKnown.get(fallback)!;
    const wk = mb.wellKnown.get(key.toLowerCase()) ?? mb.wellKnown.get(key);
    if (wk) return wk;
    return itemOf(mb, key, kind).immutableId;
  };
  const split = (data: Json) => {
    const { singleValueExtendedProperties, ...rest } = data;
    const ext = Array.isArray(singleValueExtendedProperties)
      ? new Map((singleValueExtendedProperties as { id: string; value: string }[]).map((p) => [normalizePropId(p.id), p.value]))
      : undefined;
    return { rest, ext };
  };
  const info = (mb: Mailbox): MailboxInfo => ({ id: mb.id, address: mb.address, displayName: mb.displayName, timeZone: mb.timeZone });

  const admin: Admin = {
    reset() {
      t.reset();
      faults.clear();
      throttle.reset();
      subscriptions.reset();
      core.pages.clear();
      core.faultState.duplicateDeltaPages = 0;
      admin.resetCounters();
    },
    seed(size) {
      seedTenant(admin, size);
    },
    addMailbox(input) {
      if (!input?.address || !/^[^@\s]+@[^@\s]+$/.test(input.address)) throw new Error('addMailbox needs a valid address.');
      return info(t.addMailbox(input));
    },
    mailboxes: () => t.list().map(info),
    advanceClock(ms) {
      deps.advance(ms);
      return core.now();
    },
    setLatency: (ms) => deps.setLatency(ms),
    fault: (spec) => faults.add(spec),
    holdAnswers: (spec) => faults.hold(spec),
    clearFaults: () => faults.clear(),
    throttleNow: (mailbox, seconds) => throttle.throttleNow(mbOf(mailbox).id, seconds),
    resetDeltaTokens(mailbox) {
      for (const mb of mailbox ? [mbOf(mailbox)] : t.list()) mb.epoch++;
    },
    duplicateNextDeltaPages(n) {
      core.faultState.duplicateDeltaPages += n;
    },
    dropNextNotifications: (n) => subscriptions.dropNext(n),
    duplicateNextNotifications: (n) => subscriptions.duplicateNext(n),
    delayNotificationsMs: (ms) => subscriptions.delayMs(ms),
    reverseNextNotifications: (n, subscriptionIds) => subscriptions.reverseNext(n, subscriptionIds),
    releaseHeldNotifications: () => subscriptions.releaseHeld(),
    notificationsIdle: () => subscriptions.idle(),
    counters: () => structuredClone(core.counters),
    resetCounters() {
      const c = core.counters;
      c.endpoints = {}; c.mailboxes = {}; c.kinds = {}; c.sentInvitations = 0; c.sentInvitationsByMailbox = {};
      c.notificationsDelivered = 0; c.notificationAttempts = 0; c.throttled = 0;
    },
    subscriptions: () => subscriptions.list(),
    emitLifecycle: (id, event) => subscriptions.emitLifecycle(id, event),
    items(mailbox, kind) {
      const mb = mbOf(mailbox);
      return [...mb.items.values()].filter((i) => !i.deleted && i.kind === kind).map((i) => ({
        id: i.immutableId, restId: i.id, parentId: i.parentId, changeKey: i.changeKey,
        ...i.data, singleValueExtendedProperties: [...i.ext].map(([id, value]) => ({ id, value })),
        attachments: i.attachments.map((a) => ({ id: a.id, name: a.name, size: a.size, contentType: a.contentType })),
      }));
    },
    userCreateContact(mailbox, folderId, contact) {
      const mb = mbOf(mailbox);
      const { rest, ext } = split(contact);
      return t.create(mb, 'contact', container(mb, folderId, 'contactFolder', 'contacts'), rest, ext).immutableId;
    },
    userUpdateContact(mailbox, id, patch) {
      const mb = mbOf(mailbox);
      const { rest, ext } = split(patch);
      t.update(mb, itemOf(mb, id, 'contact'), rest, ext);
    },
    userDeleteContact(mailbox, id) {
      const mb = mbOf(mailbox);
      t.remove(mb, itemOf(mb, id, 'contact'));
    },
    userMoveContact(mailbox, id, dest) {
      const mb = mbOf(mailbox);
      t.move(mb, itemOf(mb, id, 'contact'), container(mb, dest, 'contactFolder', 'contacts'));
    },
    userCreateEvent(mailbox, calendarId, event) {
      const mb = mbOf(mailbox);
      return deps.createEvent(mb, container(mb, calendarId, 'calendar', 'calendar'), event, false).immutableId;
    },
    userUpdateEvent(mailbox, id, patch) {
      const mb = mbOf(mailbox);
      const { rest, ext } = split(patch);
      t.update(mb, itemOf(mb, id, 'event'), rest, ext);
    },
    userDeleteEvent(mailbox, id) {
      const mb = mbOf(mailbox);
      t.remove(mb, itemOf(mb, id, 'event'));
    },
    userCreateTask(mailbox, listId, task) {
      const mb = mbOf(mailbox);
      const { rest, ext } = split(task);
      return t.create(mb, 'todoTask', container(mb, listId, 'todoList', 'defaultList'), rest, ext).immutableId;
    },
    userUpdateTask(mailbox, id, patch) {
      const mb = mbOf(mailbox);
      const { rest, ext } = split(patch);
      t.update(mb, itemOf(mb, id, 'todoTask'), rest, ext);
    },
    userDeleteTask(mailbox, id) {
      const mb = mbOf(mailbox);
      t.remove(mb, itemOf(mb, id, 'todoTask'));
    },
    userMoveMessage(mailbox, messageId, dest) {
      const mb = mbOf(mailbox);
      const item = t.move(mb, itemOf(mb, messageId, 'message'), container(mb, dest, 'mailFolder', 'inbox'));
      return item.immutableId;
    },
    userUpdateMessage(mailbox, id, patch) {
      const mb = mbOf(mailbox);
      const { rest, ext } = split(patch);
      t.update(mb, itemOf(mb, id, 'message'), rest, ext);
    },
    userDeleteMessage(mailbox, id) {
      const mb = mbOf(mailbox);
      t.remove(mb, itemOf(mb, id, 'message'));
    },
    userSetCategories(mailbox, id, categories) {
      const mb = mbOf(mailbox);
      const it = t.get(mb, id);
      if (!it) throw new Error(`No item '${id}' in ${mb.address}.`);
      t.update(mb, it, { categories });
    },
    deliverMessage(mailbox, message, folder = 'inbox') {
      const mb = mbOf(mailbox);
      const { attachments = [], ...m } = message;
      const { rest, ext } = split(m);
      const now = iso(core.now());
      const item = t.create(mb, 'message', container(mb, folder, 'mailFolder', 'inbox'), {
        internetMessageId: `<${opaque(12)}@external.example>`, conversationId: 'AAQk' + opaque(30),
        receivedDateTime: now, sentDateTime: now, isDraft: false, isRead: false,
        body: { contentType: 'text', content: '' }, ...rest,
      }, ext);
      for (const a of attachments) {
        const bytes = a.bytes ? Buffer.from(a.bytes) : Buffer.from(a.contentBytes ?? '', 'base64');
        addAttachment({ core, mb }, item, { name: a.name, contentType: a.contentType ?? 'application/octet-stream', isInline: Boolean(a.isInline), bytes, ...(a.contentId ? { contentId: a.contentId } : {}) });
      }
      return item.immutableId;
    },
  };
  return admin;
}

/** Seeds: 'small' is one mailbox with a few items of each kind; 'large' is 5 mailboxes × 2,000 contacts + mail. */
function seedTenant(admin: Admin, size: 'none' | 'small' | 'large') {
  if (size === 'none') return;
  const boxes = size === 'small' ? 1 : 5;
  const perBox = size === 'small' ? 5 : 2000;
  for (let b = 0; b < boxes; b++) {
    const address = b === 0 ? 'alice@contoso.example' : `user${b}@contoso.example`;
    admin.addMailbox({ address, displayName: b === 0 ? 'Alice Example' : `User ${b}`, timeZone: 'Pacific Standard Time' });
    for (let i = 0; i < perBox; i++) {
      admin.userCreateContact(address, null, {
        givenName: `Given${i}`, surname: `Surname${i}`, companyName: 'Fabrikam',
        emailAddresses: [{ address: `person${i}@fabrikam.example`, name: `Given${i} Surname${i}` }],
      });
      admin.deliverMessage(address, {
        subject: `Message ${i}`, from: { emailAddress: { address: `person${i}@fabrikam.example`, name: `Given${i} Surname${i}` } },
        toRecipients: [{ emailAddress: { address } }], body: { contentType: 'html', content: `<p>Hello ${i}</p>` },
      });
      if (i < 20) admin.userCreateTask(address, null, { title: `Task ${i}`, importance: 'normal' });
    }
  }
}
