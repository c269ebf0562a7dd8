// Calendar: calendars, events (create/get/update/delete, transactionId idempotency, attendees
// with response status, all-day rules, Windows or IANA zones, Prefer: outlook.timezone),
// series masters with patternedRecurrence, occurrences and exceptions (PATCH an occurrence),
// cancelled occurrences (DELETE or /cancel), /instances, calendarView and calendarView/delta
// with recurrence expanded. Exchange mails attendees whenever an organizer's event with
// attendees is created, changed or cancelled through the API (Graph offers no switch to suppress
// it): those are counted as sentInvitations so the sync can prove it sends none.
import { GraphError, badRequest, notFound } from './errors.ts';
import { guid } from './ids.ts';
import { acceptBody, iso } from './render.ts';
import { checkIfMatch } from './routes.ts';
import { contextUrl, delta, expandedView, list, nextUrl, pageSize } from './paging.ts';
import { applySelect, parseFilter, parseOrderBy } from './query.ts';
import { expand, validateRecurrence, type Recurrence } from './recurrence.ts';
import { formatDateTimeTimeZone, parseDateTimeTimeZone, toIana, wall } from './timezones.ts';
import { preferences, type Core, type Ctx, type Handler, type Res } from './context.ts';
import type { Router } from './router.ts';
import type { Item, Json, Mailbox } from './state.ts';
import { render as renderItem, type View } from './render.ts';

interface Exception { patch: Json; cancelled: boolean }
const EXC = '__exceptions';
const NOTIFYING = ['start', 'end', 'subject', 'body', 'location', 'locations', 'attendees', 'recurrence', 'isAllDay'];

/** A virtual occurrence, addressed by an id derived from its series and original start. */
interface Instance { master: Item; originalStart: number; start: number; end: number; exception?: Exception }

const OCC_PREFIX = 'AAMkOcc';
export const occurrenceId = (masterId: string, originalStart: number) =>
  OCC_PREFIX + Buffer.from(`${masterId}|${originalStart}`).toString('base64url');

function parseOccurrenceId(id: string): { masterId: string; originalStart: number } | null {
  if (!id.startsWith(OCC_PREFIX)) return null;
  const [masterId, t] = Buffer.from(id.slice(OCC_PREFIX.length), 'base64url').toString().split('|');
  if (!masterId || !t || !/^\d+$/.test(t)) return null;
  return { masterId, originalStart: Number(t) };
}

function exceptions(master: Item): Record<string, Exception> {
  return (master.data[EXC] as Record<string, Exception> | undefined) ?? {};
}

function times(item: Item): { start: number; end: number } {
  return { start: parseDateTimeTimeZone(item.data.start, 'start'), end: parseDateTimeTimeZone(item.data.end, 'end') };
}

function validateTimes(data: Json): void {
  if (data.start === undefined && data.end === undefined) return;
  const start = parseDateTimeTimeZone(data.start, 'start');
  const end = parseDateTimeTimeZone(data.end, 'end');
  for (const f of ['start', 'end']) toIana(String((data[f] as Json).timeZone ?? 'UTC'));
  if (end < start) throw badRequest('The end time must be on or after the start time.', 'ErrorInvalidRequest');
  if (data.isAllDay) {
    const zs = String((data.start as Json).timeZone ?? 'UTC'), ze = String((data.end as Json).timeZone ?? 'UTC');
    const ws = wall(start, zs), we = wall(end, ze);
    const midnight = (w: typeof ws) => w.h === 0 && w.mi === 0 && w.s === 0;
    // all-day events run midnight to midnight, the end exclusive
    if (!midnight(ws) || !midnight(we) || end <= start) {
      throw badRequest('Your request can\'t be completed. If isAllDay is set to true, start and end must be set to midnight and end must be after start.', 'ErrorPropertyValidationFailure');
    }
  }
}

function responseZone(ctx: Ctx): string {
  const tz = preferences(ctx.req.headers).get('outlook.timezone');
  if (!tz) return 'UTC';
  toIana(tz);
  return tz;
}

function renderEvent(ctx: Ctx | { view: View; zone: string }, item: Item, inst?: Instance): Json {
  const view = 'req' in ctx ? expandedView(ctx) : ctx.view;
  const zone = 'req' in ctx ? responseZone(ctx) : ctx.zone;
  const mb = view.mailbox;
  const base = renderItem(view, item);
  const data = { ...base };
  for (const k of Object.keys(data)) if (k.startsWith('__')) delete data[k];
  const { start, end } = times(item);
  const bodyContent = String((item.data.body as Json | undefined)?.content ?? '');
  const out: Json = {
    '@odata.etag': base['@odata.etag'], id: base.id, createdDateTime: base.createdDateTime, lastModifiedDateTime: base.lastModifiedDateTime,
    changeKey: item.changeKey, categories: [], transactionId: null,
    originalStartTimeZone: (item.data.start as Json).timeZone ?? 'UTC', originalEndTimeZone: (item.data.end as Json).timeZone ?? 'UTC',
    iCalUId: item.data.iCalUId, uid: item.data.iCalUId, reminderMinutesBeforeStart: 15, isReminderOn: true, hasAttachments: false,
    subject: '', bodyPreview: bodyContent.replace(/<[^>]*>/g, '').slice(0, 255), importance: 'normal', sensitivity: 'normal',
    isAllDay: false, isCancelled: false, isOrganizer: true, responseRequested: true, seriesMasterId: null, showAs: 'busy',
    type: item.data.recurrence ? 'seriesMaster' : 'singleInstance', webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(String(base.id))}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null, isOnlineMeeting: false, onlineMeetingProvider: 'unknown', allowNewTimeProposals: true,
    occurrenceId: null, isDraft: false, hideAttendees: false,
    responseStatus: { response: 'organizer', time: '0001-01-01T00:00:00Z' },
    body: { contentType: 'text', content: '' },
    location: { displayName: '', locationType: 'default', uniqueIdType: 'unknown', address: {}, coordinates: {} },
    locations: [], recurrence: null, attendees: [],
    organizer: { emailAddress: { name: mb.displayName, address: mb.address } },
    onlineMeeting: null,
    ...data,
    start: formatDateTimeTimeZone(start, zone),
    end: formatDateTimeTimeZone(end, zone),
  };
  if (inst) {
    const patch = inst.exception?.patch ?? {};
    Object.assign(out, patch);
    out.id = occurrenceId(String(base.id), inst.originalStart);
    out.seriesMasterId = base.id;
    out.type = inst.exception ? 'exception' : 'occurrence';
    out.recurrence = null;
    out.start = formatDateTimeTimeZone(inst.start, zone);
    out.end = formatDateTimeTimeZone(inst.end, zone);
    out.originalStart = iso(inst.originalStart);
    out.occurrenceId = `OID.${base.id}.${new Date(inst.originalStart).toISOString().slice(0, 10)}`;
  }
  if (!('req' in ctx)) return out;
  return out;
}

/** Instances of a series (or the single event) overlapping [from, to). */
export function instances(item: Item, from: number, to: number): Instance[] {
  const { start, end } = times(item);
  const rec = item.data.recurrence as Recurrence | null | undefined;
  if (!rec) return [];
  const zone = rec.range.recurrenceTimeZone || String((item.data.start as Json).timeZone ?? 'UTC');
  const dur = end - start;
  const exc = exceptions(item);
  const out: Instance[] = [];
  // widen the window so moved exceptions that land inside it are found
  const slack = 400 * 86_400_000;
  for (const os of expand(rec, start, zone, from - dur - slack, to + slack)) {
    const e = exc[String(os)];
    if (e?.cancelled) continue;
    let s = os, en = os + dur;
    if (e?.patch.start) s = parseDateTimeTimeZone(e.patch.start, 'start');
    if (e?.patch.end) en = parseDateTimeTimeZone(e.patch.end, 'end');
    if (s < to && (en > from || (en === s && s >= from))) out.push({ master: item, originalStart: os, start: s, end: en, ...(e ? { exception: e } : {}) });
  }
  return out;
}

function window(ctx: Ctx): { from: number; to: number } {
  const q = ctx.req.query;
  const s = q.get('startDateTime') ?? q.get('startdatetime');
  const e = q.get('endDateTime') ?? q.get('enddatetime');
  if (!s || !e) {
    throw badRequest('This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.', 'ErrorInvalidParameter');
  }
  const parse = (v: string) => Date.parse(/Z|[+-]\d\d:\d\d$/.test(v) ? v : v + 'Z');
  const from = parse(s), to = parse(e);
  if (Number.isNaN(from) || Number.isNaN(to)) throw badRequest('StartDateTime and EndDateTime must be ISO 8601 date-times.', 'ErrorInvalidParameter');
  return { from, to };
}

function eventsIn(core: Core, mb: Mailbox, calendarId: string): Item[] {
  return core.tenant.children(mb, 'event', calendarId);
}

/** Creates an event; `organizerAction` counts attendee mail as Exchange would send it. */
export function createEvent(core: Core, mb: Mailbox, calendarId: string, body: unknown, organizerAction: boolean, immutableView = true): Item {
  const { data, ext } = acceptBody(body);
  if (typeof data.transactionId === 'string') {
    const existing = mb.transactions.get(data.transactionId);
    const it = existing ? core.tenant.get(mb, existing) : undefined;
    if (it) return it;
  }
  if (!data.start || !data.end) throw badRequest('Start and end are required.', 'ErrorInvalidRequest');
  validateTimes(data);
  if (data.recurrence) {
    const rec = validateRecurrence(data.recurrence);
    if (!rec.range.recurrenceTimeZone) rec.range.recurrenceTimeZone = String((data.start as Json).timeZone ?? 'UTC');
  }
  data.attendees = normalizeAttendees(data.attendees);
  // A meeting copy in an attendee's calendar (seeded by a test as a user action) keeps the
  // organizer's iCalUId; API creates always get a new one.
  const given = !organizerAction && typeof data.iCalUId === 'string' && data.iCalUId !== '' ? data.iCalUId : undefined;
  data.iCalUId = given ?? '040000008200E00074C5B7101A82E008' + guid().replace(/-/g, '').toUpperCase() + '00000000';
  data[EXC] = {};
  void immutableView;
  const item = core.tenant.create(mb, 'event', calendarId, data, ext);
  if (typeof data.transactionId === 'string') mb.transactions.set(data.transactionId, item.immutableId);
  if (organizerAction && (data.attendees as unknown[]).length && !data.isDraft) core.countInvitations(mb, (data.attendees as unknown[]).length);
  return item;
}

function normalizeAttendees(v: unknown): Json[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw badRequest('attendees must be an array.', 'ErrorInvalidRequest');
  return v.map((a: Json) => {
    const addr = (a?.emailAddress as Json | undefined)?.address;
    if (typeof addr !== 'string' || !addr.includes('@')) throw badRequest('Each attendee needs emailAddress.address.', 'ErrorInvalidRequest');
    return { type: 'required', status: { response: 'none', time: '0001-01-01T00:00:00Z' }, ...a };
  });
}

function resolveEvent(ctx: Ctx, id: string | undefined): { item: Item; inst?: Instance } {
  if (!id) throw notFound();
  const occ = parseOccurrenceId(id);
  if (occ) {
    const master = ctx.core.tenant.get(ctx.mb, occ.masterId);
    if (!master || master.kind !== 'event' || !master.data.recurrence) throw notFound();
    const exc = exceptions(master)[String(occ.originalStart)];
    if (exc?.cancelled) throw notFound();
    const found = instances(master, occ.originalStart - 1, occ.originalStart + 1).find((i) => i.originalStart === occ.originalStart)
      ?? instances(master, -8.64e15, 8.64e15).find((i) => i.originalStart === occ.originalStart);
    if (!found) throw notFound();
    return { item: master, inst: found };
  }
  const item = ctx.core.tenant.get(ctx.mb, id);
  if (!item || item.kind !== 'event') throw notFound();
  return { item };
}

function oneEvent(ctx: Ctx, item: Item, inst?: Instance, status = 200): Res {
  const body = applySelect(renderEvent(ctx, item, inst), ctx.req.query.get('$select') ?? undefined);
  return { status, headers: { ETag: String(body['@odata.etag']) }, body: { '@odata.context': contextUrl(ctx, true), ...body } };
}

function attendeeCount(item: Item): number {
  return Array.isArray(item.data.attendees) ? item.data.attendees.length : 0;
}

function updateEvent(ctx: Ctx): Res {
  const { item, inst } = resolveEvent(ctx, ctx.params.id);
  checkIfMatch(ctx, item);
  const { data, ext } = acceptBody(ctx.req.body);
  const merged: Json = { ...(inst?.exception?.patch ?? {}), ...data };
  const t = ctx.core.tenant;
  if (inst) {
    // editing one occurrence turns it into an exception of its series
    const probe = { start: merged.start ?? formatDateTimeTimeZone(inst.start, 'UTC'), end: merged.end ?? formatDateTimeTimeZone(inst.end, 'UTC'), isAllDay: merged.isAllDay ?? item.data.isAllDay };
    validateTimes(probe);
    const exc = { ...exceptions(item), [String(inst.originalStart)]: { patch: merged, cancelled: false } };
    t.update(ctx.mb, item, { [EXC]: exc }, ext);
  } else {
    const probe = { start: data.start ?? item.data.start, end: data.end ?? item.data.end, isAllDay: data.isAllDay ?? item.data.isAllDay };
    validateTimes(probe);
    if (data.recurrence) validateRecurrence(data.recurrence);
    if (data.attendees !== undefined) data.attendees = normalizeAttendees(data.attendees);
    t.update(ctx.mb, item, data, ext);
  }
  if (NOTIFYING.some((k) => k in data) && attendeeCount(item)) ctx.core.countInvitations(ctx.mb, attendeeCount(item));
  const again = inst ? resolveEvent(ctx, ctx.params.id) : { item };
  return oneEvent(ctx, again.item, again.inst);
}

function cancelOrDelete(ctx: Ctx, viaCancel: boolean): Res {
  const { item, inst } = resolveEvent(ctx, ctx.params.id);
  if (!viaCancel) checkIfMatch(ctx, item);
  if (viaCancel && item.data.isOrganizer === false) {
    throw badRequest('Your request can\'t be completed. You need to be an organizer to cancel a meeting.', 'ErrorAccessDenied');
  }
  const t = ctx.core.tenant;
  if (inst) {
    const exc = { ...exceptions(item), [String(inst.originalStart)]: { patch: {}, cancelled: true } };
    t.update(ctx.mb, item, { [EXC]: exc });
  } else {
    t.remove(ctx.mb, item);
  }
  if (attendeeCount(item)) ctx.core.countInvitations(ctx.mb, attendeeCount(item));
  return { status: viaCancel ? 202 : 204 };
}

/** calendarView: single events and expanded instances overlapping the window, by start. */
function calendarView(ctx: Ctx, calendarId: string): Res {
  const { from, to } = window(ctx);
  const rows: { start: number; json: Json }[] = [];
  for (const it of eventsIn(ctx.core, ctx.mb, calendarId)) {
    if (it.data.recurrence) {
      for (const inst of instances(it, from, to)) rows.push({ start: inst.start, json: renderEvent(ctx, it, inst) });
    } else {
      const { start, end } = times(it);
      if (start < to && (end > from || (end === start && start >= from))) rows.push({ start, json: renderEvent(ctx, it) });
    }
  }
  rows.sort((a, b) => a.start - b.start);
  let jsons = rows.map((r) => r.json);
  const filter = ctx.req.query.get('$filter');
  if (filter) jsons = jsons.filter(parseFilter(filter));
  const order = ctx.req.query.get('$orderby');
  if (order) jsons.sort(parseOrderBy(order));
  const skip = Number(ctx.req.query.get('$skip') ?? 0);
  const size = pageSize(ctx, 10);
  const select = ctx.req.query.get('$select') ?? undefined;
  const body: Json = { '@odata.context': contextUrl(ctx), value: jsons.slice(skip, skip + size).map((j) => applySelect(j, select)) };
  if (skip + size < jsons.length) body['@odata.nextLink'] = nextUrl(ctx, { $skip: String(skip + size) });
  return { status: 200, body };
}

function calendarViewDelta(ctx: Ctx, calendarId: string): Res {
  const { from, to } = window(ctx);
  const zone = responseZone(ctx);
  return delta(ctx, {
    collection: calendarId,
    kind: 'event',
    present: (it) => !it.deleted && it.parentId === calendarId,
    entries: (it, present, state) => {
      const view: View = { immutable: state.immutable, mailbox: ctx.mb };
      const removed = (id: string) => ({ '@odata.type': '#microsoft.graph.event', id, '@removed': { reason: 'deleted' } });
      const masterId = state.immutable ? it.immutableId : it.id;
      if (!it.data.recurrence) {
        const { start, end } = times(it);
        const inWindow = start < to && end > from;
        if (present && inWindow) return [renderEvent({ view, zone }, it)];
        return state.seq === 0 ? [] : [removed(masterId)];
      }
      // a changed series: every instance in the window as it is now, cancelled ones as removed
      const out: Json[] = [];
      if (present) for (const inst of instances(it, from, to)) out.push(renderEvent({ view, zone }, it, inst));
      if (state.seq !== 0) {
        const rec = it.data.recurrence as Recurrence;
        const { start } = times(it);
        const zoneR = rec.range.recurrenceTimeZone || 'UTC';
        const live = new Set(present ? instances(it, from, to).map((i) => i.originalStart) : []);
        for (const os of expand(rec, start, zoneR, from, to)) if (!live.has(os)) out.push(removed(occurrenceId(masterId, os)));
      }
      return out;
    },
  });
}

export function addCalendarRoutes(r: Router<Handler>) {
  const defaultCal = (ctx: Ctx) => {
    const id = ctx.mb.wellKnown.get('calendar');
    if (!id) throw notFound();
    return id;
  };
  const calOf = (ctx: Ctx) => {
    const it = ctx.core.tenant.get(ctx.mb, ctx.params.c ?? '');
    if (!it || it.kind !== 'calendar') throw notFound();
    return it.immutableId;
  };
  r.add('GET', 'users/:u/calendars', (ctx) => list(ctx, ctx.core.tenant.children(ctx.mb, 'calendar', null)));
  r.add('POST', 'users/:u/calendars', (ctx) => {
    const { data } = acceptBody(ctx.req.body);
    if (typeof data.name !== 'string' || !data.name) throw badRequest('name is required.', 'ErrorInvalidParameter');
    for (const c of ctx.core.tenant.children(ctx.mb, 'calendar', null)) {
      if (String(c.data.name).toLowerCase() === data.name.toLowerCase()) throw new GraphError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
    }
    const it = ctx.core.tenant.create(ctx.mb, 'calendar', null, { isDefaultCalendar: false, ...data });
    return { status: 201, body: { '@odata.context': contextUrl(ctx, true), ...renderItem(ctx.view, it) } };
  });
  r.add('GET', 'users/:u/calendar', (ctx) => ({ status: 200, body: { '@odata.context': contextUrl(ctx, true), ...renderItem(ctx.view, ctx.core.tenant.get(ctx.mb, defaultCal(ctx))!) } }));
  r.add('GET', 'users/:u/calendars/:c', (ctx) => ({ status: 200, body: { '@odata.context': contextUrl(ctx, true), ...renderItem(ctx.view, ctx.core.tenant.get(ctx.mb, calOf(ctx))!) } }));
  r.add('DELETE', 'users/:u/calendars/:c', (ctx) => {
    const it = ctx.core.tenant.get(ctx.mb, calOf(ctx))!;
    if (it.data.isDefaultCalendar) throw new GraphError(400, 'ErrorCannotDeleteObject', 'The default calendar cannot be deleted.');
    ctx.core.tenant.remove(ctx.mb, it);
    return { status: 204 };
  });

  const containers: [string, (ctx: Ctx) => string][] = [
    ['users/:u', defaultCal], ['users/:u/calendar', defaultCal], ['users/:u/calendars/:c', calOf],
  ];
  for (const [prefix, cal] of containers) {
    r.add('GET', `${prefix}/events`, (ctx) => {
      const items = eventsIn(ctx.core, ctx.mb, cal(ctx));
      const res = list(ctx, items);
      const body = res.body as Json;
      // events render through the calendar renderer (time zones, defaults)
      const byId = new Map(items.map((i) => [ctx.view.immutable ? i.immutableId : i.id, i]));
      const select = ctx.req.query.get('$select') ?? undefined;
      body.value = (body.value as Json[]).map((v) => applySelect(renderEvent(ctx, byId.get(String(v.id))!), select));
      return res;
    });
    r.add('POST', `${prefix}/events`, (ctx) => {
      const item = createEvent(ctx.core, ctx.mb, cal(ctx), ctx.req.body, true);
      return oneEvent(ctx, item, undefined, 201);
    });
    r.add('GET', `${prefix}/calendarView`, (ctx) => calendarView(ctx, cal(ctx)));
    r.add('GET', `${prefix}/calendarView/delta`, (ctx) => calendarViewDelta(ctx, cal(ctx)));
    r.add('GET', `${prefix}/events/:id`, (ctx) => {
      const { item, inst } = resolveEvent(ctx, ctx.params.id);
      return oneEvent(ctx, item, inst);
    });
    r.add('PATCH', `${prefix}/events/:id`, updateEvent);
    r.add('DELETE', `${prefix}/events/:id`, (ctx) => cancelOrDelete(ctx, false));
    r.add('POST', `${prefix}/events/:id/cancel`, (ctx) => cancelOrDelete(ctx, true));
    r.add('GET', `${prefix}/events/:id/instances`, (ctx) => {
      const { from, to } = window(ctx);
      const { item } = resolveEvent(ctx, ctx.params.id);
      const insts = item.data.recurrence ? instances(item, from, to) : [];
      const select = ctx.req.query.get('$select') ?? undefined;
      return { status: 200, body: { '@odata.context': contextUrl(ctx), value: insts.map((i) => applySelect(renderEvent(ctx, item, i), select)) } };
    });
    for (const action of ['accept', 'decline', 'tentativelyAccept']) {
      r.add('POST', `${prefix}/events/:id/${action}`, (ctx) => {
        const { item } = resolveEvent(ctx, ctx.params.id);
        const response = action === 'accept' ? 'accepted' : action === 'decline' ? 'declined' : 'tentativelyAccepted';
        ctx.core.tenant.update(ctx.mb, item, { responseStatus: { response, time: iso(ctx.core.now()) } });
        return { status: 202 };
      });
    }
  }
}
