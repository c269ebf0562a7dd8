// Change-notification subscriptions: POST /subscriptions runs the validation handshake
// (POST notificationUrl?validationToken=…, 200 text/plain echo within 10 s, likewise for
// lifecycleNotificationUrl), PATCH renews, DELETE removes, /reauthorize clears a
// reauthorization demand. Every change in the tenant — API or user action — becomes a
// notification POSTed to matching subscribers; a receiver that fails (non-2xx) or answers
// later than the timeout (3 s like Graph) is retried, so duplicates happen as they do in
// Exchange. Loopback http:// receivers are accepted (Graph itself requires https).
// Graph promises no order between notifications: the `reverse` fault holds the next N (of some
// subscriptions, or of any) as the changes happen, then delivers them newest first, one POST
// each, in sequence. Held notifications skip the drop and duplicate faults.
import { GraphError, badRequest } from './errors.ts';
import { guid } from './ids.ts';
import { iso, restId } from './render.ts';
import { splitPath } from './router.ts';
import { contextUrl } from './paging.ts';
import type { Core, Ctx, Handler, Res } from './context.ts';
import type { Router } from './router.ts';
import type { Change, Item, Json, Kind, Mailbox } from './state.ts';

export interface SubscriptionOptions {
  notificationTimeoutMs: number;
  retryDelaysMs: number[];
  validationTimeoutMs: number;
  clientId: string;
}

interface Subscription {
  id: string;
  resource: string;
  changeTypes: Set<string>;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  clientState: string | null;
  expires: number;
  mailbox: Mailbox;
  kind: Kind;
  parentId: string | null; // null: every folder of the kind
  immutable: boolean;
  needsReauthorization: boolean;
}

const MAX_MINUTES: Partial<Record<Kind, number>> = { message: 10080, contact: 10080, event: 10080, todoTask: 4230 };

export interface Subscriptions {
  routes(r: Router<Handler>): void;
  dropNext(n: number): void;
  duplicateNext(n: number): void;
  delayMs(ms: number): void;
  /**
   * Holds the next `n` notifications (of these subscriptions only, when given); once `n` are
   * held they are delivered newest first, each in its own POST, one after another.
   */
  reverseNext(n: number, subscriptionIds?: readonly string[]): void;
  /** Delivers the notifications still held, newest first, and ends the fault; returns how many. */
  releaseHeld(): number;
  emitLifecycle(subscriptionId: string, event: 'missed' | 'subscriptionRemoved' | 'reauthorizationRequired'): Promise<void>;
  list(): Json[];
  /** Resolves when every queued delivery (including retries) has finished. */
  idle(): Promise<void>;
  reset(): void;
  close(): void;
}

export function createSubscriptions(core: Core, opts: SubscriptionOptions): Subscriptions {
  const subs = new Map<string, Subscription>();
  let drop = 0, duplicate = 0, delay = 0;
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<unknown>>();
  const aborts = new Set<AbortController>();
  let closed = false;
  const pending = new Map<string, Json[]>(); // subscription id → notifications waiting for this tick's flush
  const reverse = { left: 0, only: undefined as ReadonlySet<string> | undefined };
  let held: Json[] = []; // in change order; each notification carries its subscriptionId

  const later = (ms: number) => new Promise<void>((resolve) => {
    const t = setTimeout(() => { timers.delete(t); resolve(); }, ms);
    timers.add(t);
  });

  function track<T>(p: Promise<T>): Promise<T> {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    return p;
  }

  async function post(url: string, body: string, contentType: string, timeoutMs: number): Promise<{ ok: boolean; text: string; status: number }> {
    const ac = new AbortController();
    aborts.add(ac);
    const t = setTimeout(() => ac.abort(), timeoutMs);
    try {
      const res = await fetch(url, { method: 'POST', body, headers: { 'Content-Type': contentType }, signal: ac.signal });
      const text = await res.text();
      return { ok: res.ok, text, status: res.status };
    } catch {
      return { ok: false, text: '', status: 0 };
    } finally {
      clearTimeout(t);
      aborts.delete(ac);
    }
  }

  async function validate(url: string): Promise<void> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${guid()}`;
    const target = url + (url.includes('?') ? '&' : '?') + 'validationToken=' + encodeURIComponent(token);
    const res = await post(target, '', 'text/plain; charset=utf-8', opts.validationTimeoutMs);
    if (!res.ok || res.status !== 200 || res.text !== token) {
      throw new GraphError(400, 'ValidationError', `Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request. (${url})`);
    }
  }

  function parseResource(resource: string, ctx: Ctx): { mailbox: Mailbox; kind: Kind; parentId: string | null } {
    const segs = splitPath(resource.replace(/^\/?(v1\.0\/)?/, ''));
    const bad = () => badRequest(`Resource '${resource}' is not supported for subscriptions.`, 'InvalidRequest');
    if (segs[0]?.toLowerCase() !== 'users' || !segs[1]) throw bad();
    const mailbox = core.tenant.find(segs[1]);
    if (!mailbox) throw new GraphError(404, 'ErrorInvalidUser', `The requested user '${segs[1]}' is invalid.`);
    const keywords = new Set(['messages', 'mailfolders', 'contacts', 'contactfolders', 'events', 'calendar', 'calendars', 'todo', 'lists', 'tasks']);
    const rest = segs.slice(2).map((s) => (keywords.has(s.toLowerCase()) ? s.toLowerCase() : s));
    const wk = (key: string) => mailbox.wellKnown.get(key.toLowerCase()) ?? core.tenant.get(mailbox, key)?.immutableId ?? (() => { throw bad(); })();
    const path = rest.join('/');
    void ctx;
    if (path === 'messages') return { mailbox, kind: 'message', parentId: null };
    if (rest.length === 3 && rest[0] === 'mailfolders' && rest[2] === 'messages') return { mailbox, kind: 'message', parentId: wk(rest[1]!) };
    if (path === 'contacts') return { mailbox, kind: 'contact', parentId: null };
    if (rest.length === 3 && rest[0] === 'contactfolders' && rest[2] === 'contacts') return { mailbox, kind: 'contact', parentId: wk(rest[1]!) };
    if (path === 'events' || path === 'calendar/events') return { mailbox, kind: 'event', parentId: path === 'events' ? null : wk('calendar') };
    if (rest.length === 3 && rest[0] === 'calendars' && rest[2] === 'events') return { mailbox, kind: 'event', parentId: wk(rest[1]!) };
    if (rest.length === 4 && rest[0] === 'todo' && rest[1] === 'lists' && rest[3] === 'tasks') {
      const list = core.tenant.get(mailbox, rest[2]!);
      if (!list || list.kind !== 'todoList') throw bad();
      return { mailbox, kind: 'todoTask', parentId: list.immutableId };
    }
    throw bad();
  }

  function json(s: Subscription): Json {
    return {
      id: s.id, resource: s.resource, applicationId: opts.clientId, changeType: [...s.changeTypes].join(','),
      clientState: s.clientState, notificationUrl: s.notificationUrl, notificationQueryOptions: null,
      lifecycleNotificationUrl: s.lifecycleNotificationUrl, expirationDateTime: iso(s.expires).replace('Z', '.0000000Z'),
      creatorId: opts.clientId, includeResourceData: false, latestSupportedTlsVersion: 'v1_2',
      encryptionCertificate: null, encryptionCertificateId: null, notificationUrlAppId: null,
    };
  }

  function parseExpiry(value: unknown, kind: Kind): number {
    const t = typeof value === 'string' ? Date.parse(value) : NaN;
    if (Number.isNaN(t)) throw badRequest('expirationDateTime is required and must be an ISO 8601 date-time.', 'InvalidRequest');
    const now = core.now();
    if (t <= now) throw badRequest('Subscription expiration date-time must be in the future.', 'InvalidRequest');
    const max = MAX_MINUTES[kind] ?? 4230;
    if (t > now + max * 60_000) {
      throw badRequest(`Subscription expiration can only be ${max} minutes in the future.`, 'InvalidRequest');
    }
    return t;
  }

  function subOf(ctx: Ctx): Subscription {
    const s = subs.get(ctx.params.id ?? '');
    if (!s) throw new GraphError(404, 'ResourceNotFound', 'The object was not found.');
    return s;
  }

  function resourceOf(s: Subscription, item: Item): { resource: string; odataType: string } {
    const id = restId({ immutable: s.immutable, mailbox: s.mailbox }, item);
    const uid = s.mailbox.id;
    switch (item.kind) {
      case 'message': return { resource: `Users/${uid}/Messages/${id}`, odataType: '#Microsoft.Graph.Message' };
      case 'contact': return { resource: `Users/${uid}/Contacts/${id}`, odataType: '#Microsoft.Graph.Contact' };
      case 'event': return { resource: `Users/${uid}/Events/${id}`, odataType: '#Microsoft.Graph.Event' };
      default: {
        const list = item.parentId ? s.mailbox.items.get(item.parentId) : undefined;
        return { resource: `Users/${uid}/todo/lists/${list ? restId({ immutable: s.immutable, mailbox: s.mailbox }, list) : ''}/tasks/${id}`, odataType: '#Microsoft.Graph.todoTask' };
      }
    }
  }

  function onChange(c: Change) {
    if (closed) return;
    const now = core.now();
    for (const s of subs.values()) {
      if (s.mailbox !== c.mailbox || s.kind !== c.item.kind || s.expires <= now || s.needsReauthorization) continue;
      if (s.parentId !== null && !c.collections.includes(s.parentId)) continue;
      const type = c.type === 'updated' && c.collections.length > 1 && s.parentId !== null
        ? (c.item.parentId === s.parentId ? 'created' : 'deleted') // a move in or out of the watched folder
        : c.type;
      if (!s.changeTypes.has(type)) continue;
      const { resource, odataType } = resourceOf(s, c.item);
      const n: Json = {
        subscriptionId: s.id, subscriptionExpirationDateTime: iso(s.expires).replace('Z', '.0000000+00:00'),
        changeType: type, resource, clientState: s.clientState, tenantId: core.tenantId,
        resourceData: { '@odata.type': odataType, '@odata.id': resource, '@odata.etag': `W/"${c.item.changeKey}"`, id: restId({ immutable: s.immutable, mailbox: s.mailbox }, c.item) },
      };
      if (holdForReverse(s.id, n)) continue;
      let queue = pending.get(s.id);
      if (!queue) {
        pending.set(s.id, (queue = []));
        // notifications of one tick travel together, as Graph batches them
        setImmediate(() => flush(s.id));
      }
      queue.push(n);
    }
  }

  function flush(id: string) {
    const value = pending.get(id);
    pending.delete(id);
    const s = subs.get(id);
    if (!value?.length || !s || closed) return;
    if (drop > 0) { drop--; return; }
    const copies = duplicate > 0 ? (duplicate--, 2) : 1;
    for (let i = 0; i < copies; i++) void track(deliver(s.notificationUrl, JSON.stringify({ value })));
  }

  /**
   * Held at the change, not at the flush: with two subscriptions seeing one change (a folder's
   * and the mailbox's) the release is still newest change first across both.
   */
  function holdForReverse(id: string, n: Json): boolean {
    if (reverse.left === 0 || (reverse.only && !reverse.only.has(id))) return false;
    held.push(n);
    if (--reverse.left === 0) releaseHeld();
    return true;
  }

  function releaseHeld(): number {
    const out = held.reverse();
    held = [];
    reverse.left = 0;
    reverse.only = undefined;
    if (out.length) void track(deliverInSequence(out));
    return out.length;
  }

  /** One POST per notification, each finished (retries included) before the next starts: the receiver sees this order. */
  async function deliverInSequence(value: Json[]) {
    for (const n of value) {
      const s = subs.get(String(n.subscriptionId));
      if (!s || closed) continue; // a removed subscription gets nothing more, as in Graph
      await deliver(s.notificationUrl, JSON.stringify({ value: [n] }));
    }
  }

  async function deliver(url: string, body: string) {
    if (delay > 0) await later(delay);
    for (let attempt = 0; attempt <= opts.retryDelaysMs.length && !closed; attempt++) {
      core.counters.notificationAttempts++;
      const res = await post(url, body, 'application/json; charset=utf-8', opts.notificationTimeoutMs);
      if (res.ok) {
        core.counters.notificationsDelivered++;
        return;
      }
      if (attempt < opts.retryDelaysMs.length) await later(opts.retryDelaysMs[attempt]!);
    }
  }

  const unsubscribe = core.tenant.onChange(onChange);

  return {
    routes(r) {
      r.add('GET', 'subscriptions', (ctx) => ({ status: 200, body: { '@odata.context': contextUrl(ctx), value: [...subs.values()].map(json) } }));
      r.add('POST', 'subscriptions', async (ctx): Promise<Res> => {
        const b = ctx.req.body as Json | null;
        if (!b || typeof b.resource !== 'string' || typeof b.changeType !== 'string' || typeof b.notificationUrl !== 'string') {
          throw badRequest('changeType, notificationUrl, resource and expirationDateTime are required.', 'InvalidRequest');
        }
        const types = new Set(b.changeType.split(',').map((t) => t.trim()));
        for (const t of types) if (!['created', 'updated', 'deleted'].includes(t)) throw badRequest(`Invalid changeType '${t}'.`, 'InvalidRequest');
        for (const u of [b.notificationUrl, b.lifecycleNotificationUrl]) {
          if (u === undefined || u === null) continue;
          if (typeof u !== 'string' || !/^https:\/\/|^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(u)) {
            throw badRequest(`The notification URL '${String(u)}' must be https (loopback http is accepted by the emulator).`, 'InvalidRequest');
          }
        }
        const target = parseResource(b.resource, ctx);
        const expires = parseExpiry(b.expirationDateTime, target.kind);
        if (typeof b.clientState === 'string' && b.clientState.length > 128) throw badRequest('clientState is at most 128 characters.', 'InvalidRequest');
        await validate(b.notificationUrl);
        if (typeof b.lifecycleNotificationUrl === 'string') await validate(b.lifecycleNotificationUrl);
        const s: Subscription = {
          id: guid(), resource: b.resource, changeTypes: types, notificationUrl: b.notificationUrl,
          lifecycleNotificationUrl: typeof b.lifecycleNotificationUrl === 'string' ? b.lifecycleNotificationUrl : null,
          clientState: typeof b.clientState === 'string' ? b.clientState : null, expires,
          mailbox: target.mailbox, kind: target.kind, parentId: target.parentId, immutable: ctx.view.immutable,
          needsReauthorization: false,
        };
        subs.set(s.id, s);
        return { status: 201, body: { '@odata.context': `${core.baseUrl}/$metadata#subscriptions/$entity`, ...json(s) } };
      });
      r.add('GET', 'subscriptions/:id', (ctx) => ({ status: 200, body: { '@odata.context': `${core.baseUrl}/$metadata#subscriptions/$entity`, ...json(subOf(ctx)) } }));
      r.add('PATCH', 'subscriptions/:id', (ctx) => {
        const s = subOf(ctx);
        const b = ctx.req.body as Json | null;
        s.expires = parseExpiry(b?.expirationDateTime, s.kind);
        s.needsReauthorization = false;
        return { status: 200, body: { '@odata.context': `${core.baseUrl}/$metadata#subscriptions/$entity`, ...json(s) } };
      });
      r.add('POST', 'subscriptions/:id/reauthorize', (ctx) => {
        subOf(ctx).needsReauthorization = false;
        return { status: 204 };
      });
      r.add('DELETE', 'subscriptions/:id', (ctx) => {
        subs.delete(subOf(ctx).id);
        return { status: 204 };
      });
    },
    dropNext(n) { drop += n; },
    duplicateNext(n) { duplicate += n; },
    delayMs(ms) { delay = ms; },
    reverseNext(n, subscriptionIds) {
      if (!Number.isInteger(n) || n < 1) throw new Error('reverseNext needs a positive integer count.');
      for (const id of subscriptionIds ?? []) if (!subs.has(id)) throw new Error(`No subscription '${id}'.`);
      reverse.left += n;
      reverse.only = subscriptionIds ? new Set(subscriptionIds) : undefined;
    },
    releaseHeld,
    async emitLifecycle(subscriptionId, event) {
      const s = subs.get(subscriptionId);
      if (!s) throw new Error(`No subscription '${subscriptionId}'.`);
      if (!s.lifecycleNotificationUrl) throw new Error(`Subscription '${subscriptionId}' has no lifecycleNotificationUrl.`);
      if (event === 'subscriptionRemoved') subs.delete(s.id);
      if (event === 'reauthorizationRequired') s.needsReauthorization = true;
      const body = JSON.stringify({
        value: [{
          subscriptionId: s.id, subscriptionExpirationDateTime: iso(s.expires).replace('Z', '.0000000+00:00'),
          tenantId: core.tenantId, clientState: s.clientState, lifecycleEvent: event,
        }],
      });
      await track(deliver(s.lifecycleNotificationUrl, body));
    },
    list: () => [...subs.values()].map(json),
    async idle() {
      for (let i = 0; i < 1000 && (inFlight.size || pending.size); i++) {
        await new Promise((r) => setImmediate(r));
        await Promise.allSettled([...inFlight]);
      }
    },
    reset() {
      subs.clear();
      pending.clear();
      drop = duplicate = delay = 0;
      held = [];
      reverse.left = 0;
      reverse.only = undefined;
    },
    close() {
      closed = true;
      unsubscribe();
      for (const t of timers) clearTimeout(t);
      for (const a of aborts) a.abort();
    },
  };
}
