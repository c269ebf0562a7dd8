// Lists and delta queries. Lists page with $top / Prefer odata.maxpagesize and $skip in an
// absolute @odata.nextLink. Delta keeps its state server-side behind opaque tokens: a first
// round returns every current item page by page and ends with a @odata.deltaLink; later rounds
// return each item changed since the token (full object, $select honoured) or a `@removed`
// entry. Tokens minted before a reset (admin resetDeltaTokens) answer 410 SyncStateNotFound.
import { GraphError, badRequest } from './errors.ts';
import { opaque } from './ids.ts';
import { applySelect, parseExpand, parseFilter, parseOrderBy, requiredProperty } from './query.ts';
import { ODATA_TYPE, filterView, normalizePropId, render } from './render.ts';
import { preferences, type Ctx, type Res } from './context.ts';
import type { Item, Json, Kind } from './state.ts';

const MAX_PAGE = 1000;

export function pageSize(ctx: Ctx, fallback = 10): number {
  const top = ctx.req.query.get('$top');
  const pref = preferences(ctx.req.headers).get('odata.maxpagesize');
  const n = top !== null ? Number(top) : pref ? Number(pref) : fallback;
  if (!Number.isInteger(n) || n < 0) throw badRequest(`Invalid page size '${top ?? pref}'.`, 'BadRequest');
  return Math.min(n, MAX_PAGE);
}

/** Applies $expand to the view used for rendering. */
export function expandedView(ctx: Ctx) {
  const ex = parseExpand(ctx.req.query.get('$expand') ?? undefined);
  return {
    ...ctx.view,
    expandExt: ex.has('singleValueExtendedProperties') ? ex.get('singleValueExtendedProperties') : undefined,
    expandAttachments: ex.has('attachments'),
  };
}

export function one(ctx: Ctx, item: Item, status = 200, extra: Json = {}): Res {
  const body = applySelect(render(expandedView(ctx), item), ctx.req.query.get('$select') ?? undefined);
  const headers: Record<string, string> = {};
  if (typeof body['@odata.etag'] === 'string') headers.ETag = body['@odata.etag'];
  return { status, headers, body: { '@odata.context': contextUrl(ctx, true), ...extra, ...body } };
}

export function contextUrl(ctx: Ctx, entity = false): string {
  const p = ctx.req.path.replace(/^\//, '').replace(/\/delta$/, '');
  return `${ctx.core.baseUrl}/$metadata#${p}${entity ? '/$entity' : ''}`;
}

export function nextUrl(ctx: Ctx, set: Record<string, string>, drop: string[] = []): string {
  const q = new URLSearchParams(ctx.req.query);
  for (const d of drop) q.delete(d);
  for (const [k, v] of Object.entries(set)) q.set(k, v);
  return `${ctx.core.baseUrl}${ctx.req.path}?${q.toString().replace(/%24/g, '$')}`;
}

/** The items of one kind in one container, for a list that can use the property index. */
export interface Collection {
  kind: Kind;
  parentId: string | null;
}

/** A plain collection GET with $filter, $orderby, $select, $top/$skip. */
export function list(ctx: Ctx, items: Item[] | Collection, opts: { defaultOrder?: (a: Item, b: Item) => number; pageSize?: number } = {}): Res {
  const q = ctx.req.query;
  const view = expandedView(ctx);
  const filter = q.get('$filter');
  let rows = Array.isArray(items) ? items : itemsOf(ctx, items, filter);
  if (filter) {
    const pred = parseFilter(filter);
    rows = rows.filter((it) => pred(filterView(ctx.view, it)));
  }
  const order = q.get('$orderby');
  let rendered: Json[];
  if (order) {
    const cmp = parseOrderBy(order);
    rendered = rows.map((it) => render(view, it)).sort(cmp);
  } else {
    if (opts.defaultOrder) rows = [...rows].sort(opts.defaultOrder);
    rendered = rows.map((it) => render(view, it));
  }
  const skip = Number(q.get('$skip') ?? 0);
  const size = pageSize(ctx, opts.pageSize ?? 10);
  const page = rendered.slice(skip, skip + size);
  const select = q.get('$select') ?? undefined;
  const body: Json = { '@odata.context': contextUrl(ctx) };
  if (q.get('$count') === 'true') body['@odata.count'] = rendered.length;
  body.value = page.map((r) => applySelect(r, select));
  if (skip + size < rendered.length) body['@odata.nextLink'] = nextUrl(ctx, { $skip: String(skip + size) });
  return { status: 200, body };
}

// A filter on an extended property starts from the index; anything else lists the container.
function itemsOf(ctx: Ctx, c: Collection, filter: string | null): Item[] {
  const property = filter ? requiredProperty(filter) : undefined;
  if (property) return ctx.core.tenant.withProperty(ctx.mb, c.kind, c.parentId, normalizePropId(property.id), property.value);
  return ctx.core.tenant.children(ctx.mb, c.kind, c.parentId);
}

interface DeltaState {
  mailboxId: string;
  epoch: number;
  collection: string;
  kind: Kind;
  seq: number; // changes with seq > this are "new" for the holder of the token
  select?: string;
  immutable: boolean;
  expand?: string;
}

interface PageState extends DeltaState {
  ids: string[];
  pos: number;
  initial: boolean;
  toSeq: number;
}

export interface DeltaSource {
  collection: string;
  kind: Kind;
  /** Turns one changed item into delta entries (events expand into occurrences); null → default. */
  entries?: (item: Item, present: boolean, state: DeltaState) => Json[] | null;
  present?: (item: Item) => boolean;
}

function gone(): GraphError {
  return new GraphError(410, 'SyncStateNotFound', 'The sync state generation is not found. Please restart the sync to obtain a new delta token.');
}

/** GET …/delta: first round, continuation ($skiptoken) or incremental round ($deltatoken). */
export function delta(ctx: Ctx, src: DeltaSource): Res {
  const q = ctx.req.query;
  const mb = ctx.mb;
  const skipToken = q.get('$skiptoken');
  const deltaToken = q.get('$deltatoken');
  let page: PageState;
  if (skipToken) {
    const st = ctx.core.pages.get('s:' + skipToken) as PageState | undefined;
    if (!st || st.mailboxId !== mb.id) throw gone();
    if (st.epoch !== mb.epoch) throw gone();
    page = st;
  } else {
    let from: DeltaState | undefined;
    if (deltaToken) {
      from = ctx.core.pages.get('d:' + deltaToken) as DeltaState | undefined;
      if (!from || from.mailboxId !== mb.id || from.collection !== src.collection) throw gone();
      if (from.epoch !== mb.epoch) throw gone();
    }
    const log = mb.logs.get(src.collection) ?? [];
    const fromSeq = from?.seq ?? 0;
    // newest change last: collect each id once, ordered by its latest change
    const latest = new Map<string, number>();
    for (let i = log.length - 1; i >= 0 && log[i]!.seq > fromSeq; i--) {
      const e = log[i]!;
      if (!latest.has(e.id)) latest.set(e.id, e.seq);
    }
    const ids = [...latest.entries()].sort((a, b) => a[1] - b[1]).map(([id]) => id);
    page = {
      mailboxId: mb.id, epoch: mb.epoch, collection: src.collection, kind: src.kind, seq: fromSeq,
      select: from?.select ?? q.get('$select') ?? undefined,
      expand: from?.expand ?? q.get('$expand') ?? undefined,
      immutable: ctx.view.immutable, ids, pos: 0, initial: !from, toSeq: mb.seq,
    };
  }
  const size = pageSize(ctx, 10) || 10;
  const view = { ...ctx.view, immutable: page.immutable };
  const ex = parseExpand(page.expand);
  const rview = {
    ...view,
    expandExt: ex.has('singleValueExtendedProperties') ? ex.get('singleValueExtendedProperties') : undefined,
  };
  const value: Json[] = [];
  const isPresent = src.present ?? ((it: Item) => !it.deleted && it.parentId === collectionParent(src.collection));
  while (page.pos < page.ids.length && value.length < size) {
    const id = page.ids[page.pos++]!;
    const item = mb.items.get(id);
    if (!item || item.kind !== src.kind) continue;
    const present = isPresent(item);
    if (page.initial && !present) continue;
    const custom = src.entries?.(item, present, page);
    if (custom) {
      value.push(...custom.map((e) => (e['@removed'] ? e : applySelect(e, page.select))));
      continue;
    }
    if (present) value.push(applySelect(render(rview, item), page.select));
    else value.push({ '@odata.type': ODATA_TYPE[item.kind], id: page.immutable ? item.immutableId : item.id, '@removed': { reason: 'deleted' } });
  }
  if (ctx.core.faultState.duplicateDeltaPages > 0 && value.length) {
    // Exchange may replay entries: consumers must treat delta as at-least-once
    ctx.core.faultState.duplicateDeltaPages--;
    value.push(...value.map((v) => ({ ...v })));
  }
  const body: Json = { '@odata.context': contextUrl(ctx) + '/$delta', value };
  const base = `${ctx.core.baseUrl}${ctx.req.path}`;
  const passOn = passThrough(q);
  if (page.pos < page.ids.length) {
    const tok = opaque();
    remember(ctx, 's:' + tok, page);
    body['@odata.nextLink'] = `${base}?${passOn}$skiptoken=${tok}`;
  } else {
    const tok = opaque();
    const st: DeltaState = {
      mailboxId: page.mailboxId, epoch: page.epoch, collection: page.collection, kind: page.kind, seq: page.toSeq,
      immutable: page.immutable,
      ...(page.select ? { select: page.select } : {}),
      ...(page.expand ? { expand: page.expand } : {}),
    };
    remember(ctx, 'd:' + tok, st);
    body['@odata.deltaLink'] = `${base}?${passOn}$deltatoken=${tok}`;
  }
  return { status: 200, body };
}

/** calendarView/delta keeps its window in the link, like Graph does. */
function passThrough(q: URLSearchParams): string {
  const keep = new URLSearchParams();
  for (const k of ['startDateTime', 'endDateTime', 'startdatetime', 'enddatetime']) {
    const v = q.get(k);
    if (v) keep.set(k, v);
  }
  const s = keep.toString();
  return s ? s + '&' : '';
}

function collectionParent(collection: string): string | null {
  return collection.startsWith('root:') ? null : collection;
}

const MAX_TOKENS = 200_000;
function remember(ctx: Ctx, key: string, value: unknown) {
  const pages = ctx.core.pages;
  // bounded: the oldest tokens expire first, as real sync state does
  if (pages.size >= MAX_TOKENS) {
    const first = pages.keys().next().value;
    if (first !== undefined) pages.delete(first);
  }
  pages.set(key, value);
}
