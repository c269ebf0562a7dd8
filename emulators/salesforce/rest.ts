// The REST API under /services/data/vXX.X: sobjects CRUD and upsert, describe, SOQL query with
// paging, queryAll, composite collections, composite (compositeRequest: references, allOrNone,
// at most 25 subrequests of which 5 query or collection operations) and composite/batch, limits. Each handler returns a
// Reply or throws SfError; the HTTP layer turns both into Salesforce-shaped responses.
import { randomBytes } from 'node:crypto';
import { describeGlobal, describeObject } from './describe.ts';
import { SfError, notFound } from './errors.ts';
import { normalizeId } from './ids.ts';
import type { Org, Rec, Transaction, WriteContext } from './org.ts';
import { apiValue, execute, prepare, recordUrl, shapeRow, type PreparedQuery } from './query.ts';
import { findField, findObject, type ObjectDef } from './schema.ts';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  raw?: Buffer;
}

export interface RestContext {
  org: Org;
  v: string;
  ctx: WriteContext;
  batchSize: number;
  kind: (kind: string) => void;
  records: (what: 'created' | 'updated' | 'deleted' | 'queried', n: number) => void;
  limits: () => Record<string, { Max: number; Remaining: number }>;
  /** An injected fault for a composite subrequest (admin.fault rules match its kind), if any. */
  subFault?: (method: string, path: string, parts: string[]) => Reply | undefined;
}

interface Cursor {
  rows: Rec[];
  query: PreparedQuery;
  touched: number;
}

const MAX_COLLECTION = 200;
const MAX_BATCH = 25;
const MAX_COMPOSITE = 25;
/** Query, QueryAll, query-more and sObject Collections subrequests of one composite request. */
const MAX_COMPOSITE_QUERIES = 5;
const REFERENCE = /@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}/g;

const halted = (message: string): Rec[] => [{ errorCode: 'PROCESSING_HALTED', message }];
const ROLLED_BACK = 'The transaction was rolled back since another operation in the same transaction failed.';

/** A subrequest URL → its version, path parts and query string (undefined: not a data URL). */
function parseDataUrl(url: string): { v: string; parts: string[]; params: URLSearchParams } | undefined {
  const m = /^\/services\/data\/v(\d+\.\d)\/([^?]*)(?:\?(.*))?$/.exec(url);
  if (!m) return undefined;
  return { v: m[1]!, parts: m[2]!.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(m[3] ?? '') };
}

/** Counts against the 5 of a composite request: queries (query-more too) and collections. */
function isQueryOrCollection(method: string, url: string): boolean {
  if (url.startsWith('@{')) return true; // a nextRecordsUrl taken from an earlier subrequest
  const parsed = parseDataUrl(url);
  if (!parsed) return false;
  const [head, a] = parsed.parts;
  return ((head === 'query' || head === 'queryAll') && method === 'GET') || (head === 'composite' && a === 'sobjects');
}

export function createRest(org: Org) {
  const cursors = new Map<string, Cursor>();
  const CURSOR_TTL = 15 * 60_000;

  const sobjectOf = (name: string): ObjectDef => {
    const obj = findObject(org.schema, name);
    if (!obj) throw notFound();
    return obj;
  };

  const fullRecord = (v: string, obj: ObjectDef, rec: Rec, fields?: string[]): Rec => {
    const out: Rec = { attributes: { type: obj.name, url: recordUrl(v, obj.name, rec.Id as string) } };
    const list = fields ? fields.map((n) => {
      const f = findField(obj, n);
      if (!f) throw new SfError('INVALID_FIELD', `No such column '${n}' on sobject of type ${obj.name}`, []);
      return f;
    }) : [...obj.fields.values()];
    for (const f of list) out[f.name] = apiValue(v, obj, f, rec);
    return out;
  };

  const page = (r: RestContext, locator: string, cursor: Cursor, offset: number): Reply => {
    const end = Math.min(offset + r.batchSize, cursor.rows.length);
    const records = cursor.rows.slice(offset, end).map((rec) => shapeRow(org, cursor.query, rec));
    r.records('queried', records.length);
    const done = end >= cursor.rows.length;
    const body: Rec = { totalSize: cursor.rows.length, done, records };
    if (!done) body.nextRecordsUrl = `/services/data/v${r.v}/query/${locator}-${end}`;
    else cursors.delete(locator);
    return { status: 200, body };
  };

  const runQuery = (r: RestContext, text: string | null, all: boolean): Reply => {
    if (!text) throw new SfError('MALFORMED_QUERY', 'A query string has to be specified');
    const query = prepare(org, text, r.v);
    r.kind(all ? 'queryAll' : 'query');
    const rows = execute(org, query, { includeDeleted: all });
    if (query.soql.count) return { status: 200, body: { totalSize: rows.length, done: true, records: [] } };
    const now = org.clock();
    for (const [k, c] of cursors) if (now - c.touched > CURSOR_TTL) cursors.delete(k);
    const locator = `01g${randomBytes(6).toString('hex')}`;
    const cursor = { rows, query, touched: now };
    if (rows.length > r.batchSize) cursors.set(locator, cursor);
    return page(r, locator, cursor, 0);
  };

  const queryMore = (r: RestContext, token: string): Reply => {
    r.kind('queryMore');
    const m = /^(.+)-(\d+)$/.exec(token);
    const cursor = m ? cursors.get(m[1]!) : undefined;
    if (!m || !cursor) throw new SfError('INVALID_QUERY_LOCATOR', 'invalid query locator', [], 400);
    cursor.touched = org.clock();
    return page(r, m[1]!, cursor, Number(m[2]));
  };

  /** Runs `fn` per record inside one transaction; failures roll back alone unless allOrNone. */
  const collection = <T>(r: RestContext, items: T[], allOrNone: boolean, fn: (item: T, tx: Transaction) => Rec): Rec[] => {
    if (items.length > MAX_COLLECTION) {
      throw new SfError('EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_COLLECTION} records into this call`);
    }
    const tx = org.begin(r.ctx);
    const results: Rec[] = [];
    let failed = false;
    for (const item of items) {
      const sp = org.savepoint(tx);
      try {
        results.push({ ...fn(item, tx), success: true, errors: [] });
      } catch (e) {
        if (!(e instanceof SfError)) throw e;
        org.rollbackTo(tx, sp);
        failed = true;
        results.push({ id: idOf(item), success: false, errors: [e.recordError()] });
      }
    }
    if (allOrNone && failed) {
      org.rollback(tx);
      return results.map((res) => (res.success
        ? { id: null, success: false, errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] }] }
        : { ...res, id: null }));
    }
    org.commit(tx);
    return results;
  };

  const idOf = (item: unknown): string | null => {
    if (typeof item === 'string') return item;
    const id = (item as Rec | undefined)?.Id ?? (item as Rec | undefined)?.id;
    return typeof id === 'string' ? id : null;
  };

  const typeOf = (rec: Rec): ObjectDef => {
    const type = (rec.attributes as Rec | undefined)?.type;
    if (typeof type !== 'string') throw new SfError('INVALID_TYPE', 'Must send a concrete entity type.', []);
    const obj = findObject(org.schema, type);
    if (!obj) throw new SfError('INVALID_TYPE', `sObject type '${type}' is not supported.`, []);
    return obj;
  };

  const upsertOne = (r: RestContext, obj: ObjectDef, fieldName: string, value: string, body: Rec, tx: Transaction): { id: string; created: boolean } | string[] => {
    const field = findField(obj, fieldName);
    if (!field || !(field.externalId || field.idLookup)) {
      throw new SfError('NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${fieldName}`, [], 404);
    }
    const input: Rec = { ...body };
    for (const k of Object.keys(input)) if (k.toLowerCase() === field.name.toLowerCase()) delete input[k];
    const hits = org.findByExternalId(obj, field, value);
    if (hits.length > 1) return hits;
    if (hits.length === 1) {
      org.update(obj, hits[0]!, input, tx);
      r.records('updated', 1);
      return { id: hits[0]!, created: false };
    }
    if (field.type !== 'id') input[field.name] = value;
    const id = org.create(obj, input, tx);
    r.records('created', 1);
    return { id, created: true };
  };

  const dispatch = async (r: RestContext, method: string, parts: string[], params: URLSearchParams, body: unknown): Promise<Reply> => {
    const [head, a, b, c, d] = parts;
    const rec = (body ?? {}) as Rec;
    switch (head) {
      case undefined: case '':
        r.kind('resources');
        return { status: 200, body: { sobjects: `/services/data/v${r.v}/sobjects`, query: `/services/data/v${r.v}/query`, queryAll: `/services/data/v${r.v}/queryAll`, composite: `/services/data/v${r.v}/composite`, limits: `/services/data/v${r.v}/limits` } };
      case 'limits':
        r.kind('limits');
        return { status: 200, body: r.limits() };
      case 'query': case 'queryAll':
        if (method !== 'GET') break;
        return a ? queryMore(r, a) : runQuery(r, params.get('q'), head === 'queryAll');
      case 'sobjects':
        return sobjects(r, method, [a, b, c, d], params, rec);
      case 'composite':
        if (a === 'sobjects') return compositeSobjects(r, method, b, c, params, rec);
        if (a === 'batch' && method === 'POST') return compositeBatch(r, rec);
        if (!a && method === 'POST') return composite(r, rec);
        break;
    }
    throw notFound();
  };

  const sobjects = (r: RestContext, method: string, [a, b, c, d]: Array<string | undefined>, params: URLSearchParams, rec: Rec): Reply => {
    if (!a) {
      r.kind('describeGlobal');
      return { status: 200, body: describeGlobal(org.schema, r.v) };
    }
    const obj = sobjectOf(a);
    if (!b) {
      if (method === 'POST') {
        r.kind('create');
        const id = org.atomic(r.ctx, (tx) => org.create(obj, rec, tx));
        r.records('created', 1);
        return { status: 201, body: { id, success: true, errors: [] } };
      }
      r.kind('describe');
      const g = describeGlobal({ ...org.schema, objects: new Map([[obj.name, obj]]) }, r.v) as { sobjects: unknown[] };
      return { status: 200, body: { objectDescribe: g.sobjects[0], recentItems: [] } };
    }
    if (b === 'describe' && !c) {
      r.kind('describe');
      return { status: 200, body: describeObject(org.schema, obj, r.v) };
    }
    if ((b === 'updated' || b === 'deleted') && method === 'GET') return changedSince(r, obj, b, params);
    const isId = normalizeId(b)?.slice(0, 3) === obj.keyPrefix;
    if (c && !isId) {
      // /sobjects/T/ExtField/Value: upsert, get or delete by external id.
      const value = decodeURIComponent(c);
      if (method === 'PATCH' || method === 'POST') {
        r.kind('upsert');
        const out = org.atomic(r.ctx, (tx) => upsertOne(r, obj, b, value, rec, tx));
        if (Array.isArray(out)) return { status: 300, body: out.map((id) => recordUrl(r.v, obj.name, id)) };
        return { status: out.created ? 201 : 200, body: { id: out.id, success: true, errors: [], created: out.created } };
      }
      const field = findField(obj, b);
      if (!field || !(field.externalId || field.idLookup)) throw new SfError('NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${b}`, [], 404);
      const hits = org.findByExternalId(obj, field, value);
      if (hits.length === 0) throw notFound();
      if (hits.length > 1) return { status: 300, body: hits.map((id) => recordUrl(r.v, obj.name, id)) };
      if (method === 'DELETE') {
        r.kind('delete');
        org.atomic(r.ctx, (tx) => org.delete(obj, hits[0]!, tx));
        r.records('deleted', 1);
        return { status: 204 };
      }
      r.kind('retrieve');
      return { status: 200, body: fullRecord(r.v, obj, org.get(obj, hits[0]!)) };
    }
    if (!isId) throw new SfError('NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${b}`, [], 404);
    if (c) {
      // /sobjects/T/Id/BlobField → the binary body.
      r.kind('blob');
      const stored = org.get(obj, b);
      const field = findField(obj, c);
      if (!field || field.type !== 'base64' || d) throw notFound();
      const data = stored[field.name];
      return { status: 200, raw: Buffer.isBuffer(data) ? data : Buffer.alloc(0), headers: { 'content-type': 'application/octetstream' } };
    }
    switch (method) {
      case 'GET': {
        r.kind('retrieve');
        const fields = params.get('fields')?.split(',').map((s) => s.trim()).filter(Boolean);
        return { status: 200, body: fullRecord(r.v, obj, org.get(obj, b), fields) };
      }
      case 'PATCH':
        r.kind('update');
        org.get(obj, b);
        org.atomic(r.ctx, (tx) => org.update(obj, b, rec, tx));
        r.records('updated', 1);
        return { status: 204 };
      case 'DELETE':
        r.kind('delete');
        org.get(obj, b);
        org.atomic(r.ctx, (tx) => org.delete(obj, b, tx));
        r.records('deleted', 1);
        return { status: 204 };
    }
    throw new SfError('METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are GET,PATCH,DELETE`, [], 405);
  };

  const changedSince = (r: RestContext, obj: ObjectDef, which: string, params: URLSearchParams): Reply => {
    r.kind(which === 'updated' ? 'getUpdated' : 'getDeleted');
    const start = Date.parse(params.get('start') ?? '');
    const end = Date.parse(params.get('end') ?? '');
    if (Number.isNaN(start) || Number.isNaN(end)) throw new SfError('INVALID_REPLICATION_DATE', 'start and end must be valid dateTimes');
    const latest = new Date(Math.min(end, org.clock())).toISOString().replace('Z', '+0000');
    const rows = [...org.table(obj).values()].filter((rec) => (rec.SystemModstamp as number) >= start && (rec.SystemModstamp as number) < end);
    if (which === 'updated') return { status: 200, body: { ids: rows.filter((x) => !x.IsDeleted).map((x) => x.Id), latestDateCovered: latest } };
    return {
      status: 200,
      body: {
        deletedRecords: rows.filter((x) => x.IsDeleted).map((x) => ({ id: x.Id, deletedDate: new Date(x.SystemModstamp as number).toISOString().replace('Z', '+0000') })),
        earliestDateAvailable: new Date(org.clock() - 15 * 86_400_000).toISOString().replace('Z', '+0000'),
        latestDateCovered: latest,
      },
    };
  };

  const compositeSobjects = (r: RestContext, method: string, type: string | undefined, extField: string | undefined, params: URLSearchParams, body: Rec): Reply => {
    const allOrNone = body.allOrNone === true || params.get('allOrNone') === 'true';
    const records = Array.isArray(body.records) ? (body.records as Rec[]) : [];
    if (method === 'POST' && !type) {
      r.kind('compositeCreate');
      const out = collection(r, records, allOrNone, (item, tx) => {
        if (item.Id || item.id) throw new SfError('INVALID_FIELD', 'cannot specify Id in an insert call', ['Id']);
        const id = org.create(typeOf(item), item, tx);
        return { id };
      });
      r.records('created', out.filter((x) => x.success).length);
      return { status: 200, body: out };
    }
    if (method === 'PATCH' && !type) {
      r.kind('compositeUpdate');
      const out = collection(r, records, allOrNone, (item, tx) => {
        const id = idOf(item);
        if (!id) throw new SfError('MISSING_ARGUMENT', 'Id not specified in an update call', []);
        const obj = typeOf(item);
        if (normalizeId(id)?.slice(0, 3) !== obj.keyPrefix) throw new SfError('MALFORMED_ID', `${obj.label} ID: id value of incorrect type: ${id}`, ['Id']);
        org.update(obj, id, item, tx);
        return { id: normalizeId(id) };
      });
      r.records('updated', out.filter((x) => x.success).length);
      return { status: 200, body: out };
    }
    if (method === 'PATCH' && type && extField) {
      r.kind('compositeUpsert');
      const obj = sobjectOf(type);
      const field = findField(obj, extField);
      if (!field || !(field.externalId || field.idLookup)) throw new SfError('NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${extField}`, [], 404);
      const out = collection(r, records, allOrNone, (item, tx) => {
        const value = item[field.name] ?? Object.entries(item).find(([k]) => k.toLowerCase() === field.name.toLowerCase())?.[1];
        if (typeof value !== 'string' || value === '') throw new SfError('MISSING_ARGUMENT', `${field.name} not specified`, [field.name]);
        const res = upsertOne(r, obj, field.name, value, item, tx);
        if (Array.isArray(res)) throw new SfError('DUPLICATE_EXTERNAL_ID', `${field.name}: more than one record found for external id field: ${res.join(', ')}`, [field.name]);
        return { id: res.id, created: res.created };
      });
      return { status: 200, body: out };
    }
    if (method === 'DELETE' && !type) {
      r.kind('compositeDelete');
      const ids = (params.get('ids') ?? '').split(',').filter(Boolean);
      const out = collection(r, ids, allOrNone, (id, tx) => {
        const hit = org.find(id);
        if (!normalizeId(id)) throw new SfError('MALFORMED_ID', `malformed id ${id}`, []);
        if (!hit) throw new SfError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', []);
        org.delete(hit.obj, id, tx);
        return { id: normalizeId(id) };
      });
      r.records('deleted', out.filter((x) => x.success).length);
      return { status: 200, body: out };
    }
    if ((method === 'GET' || method === 'POST') && type && !extField) {
      r.kind('compositeRetrieve');
      const obj = sobjectOf(type);
      const ids = method === 'GET' ? (params.get('ids') ?? '').split(',').filter(Boolean) : ((body.ids as string[] | undefined) ?? []);
      const fields = method === 'GET' ? (params.get('fields') ?? '').split(',').filter(Boolean) : ((body.fields as string[] | undefined) ?? []);
      if (ids.length > 2000) throw new SfError('EXCEEDED_ID_LIMIT', 'too many ids');
      if (!fields.length) throw new SfError('MISSING_ARGUMENT', 'fields is required', []);
      const out = ids.map((id) => {
        const id18 = normalizeId(id);
        const stored = id18 ? org.table(obj).get(id18) : undefined;
        return stored && !stored.IsDeleted ? fullRecord(r.v, obj, stored, fields) : null;
      });
      return { status: 200, body: out };
    }
    throw notFound();
  };

  const compositeBatch = async (r: RestContext, body: Rec): Promise<Reply> => {
    r.kind('compositeBatch');
    const requests = Array.isArray(body.batchRequests) ? (body.batchRequests as Rec[]) : [];
    if (requests.length > MAX_BATCH) throw new SfError('INVALID_BATCH_REQUEST', `A batch cannot contain more than ${MAX_BATCH} requests`);
    const results: Rec[] = [];
    let hasErrors = false;
    for (const sub of requests) {
      if (hasErrors && body.haltOnError === true) {
        results.push({ statusCode: 412, result: [{ errorCode: 'BATCH_PROCESSING_HALTED', message: 'Batch processing halted per request' }] });
        continue;
      }
      const url = String(sub.url ?? '');
      const m = /^(?:\/services\/data\/)?v(\d+\.\d)\/([^?]*)(?:\?(.*))?$/.exec(url.replace(/^\//, '').replace(/^services\/data\//, ''));
      let reply: Reply;
      try {
        if (!m) throw notFound();
        const subParts = m[2]!.split('/').filter(Boolean).map(decodeURIComponent);
        reply = await dispatch({ ...r, v: m[1]! }, String(sub.method ?? 'GET').toUpperCase(), subParts, new URLSearchParams(m[3] ?? ''), sub.richInput);
      } catch (e) {
        if (!(e instanceof SfError)) throw e;
        reply = { status: e.status, body: e.body() };
      }
      if (reply.status >= 400) hasErrors = true;
      results.push({ statusCode: reply.status, result: reply.body ?? null });
    }
    return { status: 200, body: { hasErrors, results } };
  };

  /**
   * POST /composite: subrequests in order, each through dispatch; `@{ref.path}` in a url or body
   * takes a value from an earlier subrequest's answer. allOrNone: the first failure rolls every
   * write back and every other subrequest answers 400 PROCESSING_HALTED; otherwise a subrequest
   * fails alone, and one naming a failed (or unknown) reference is halted.
   */
  const composite = async (r: RestContext, body: Rec): Promise<Reply> => {
    r.kind('compositeRequest');
    const requests = body.compositeRequest;
    if (!Array.isArray(requests) || requests.length === 0) {
      throw new SfError('INVALID_INPUT', 'compositeRequest must be a non-empty array of subrequests');
    }
    const seen = new Set<string>();
    for (const sub of requests as Rec[]) {
      const id = sub?.referenceId;
      if (typeof sub?.method !== 'string' || typeof sub.url !== 'string' || typeof id !== 'string' || !/^[A-Za-z0-9_]+$/.test(id)) {
        throw new SfError('INVALID_INPUT', 'Each subrequest needs a method, a url and a referenceId of letters, digits and underscores');
      }
      if (seen.has(id)) throw new SfError('INVALID_INPUT', `Duplicate referenceId: ${id}`);
      seen.add(id);
    }
    if (requests.length > MAX_COMPOSITE) {
      throw new SfError('LIMIT_EXCEEDED', `A composite request can contain at most ${MAX_COMPOSITE} subrequests; this one has ${requests.length}`);
    }
    const queries = (requests as Rec[]).filter((sub) => isQueryOrCollection(String(sub.method).toUpperCase(), String(sub.url))).length;
    if (queries > MAX_COMPOSITE_QUERIES) {
      throw new SfError('LIMIT_EXCEEDED', `A composite request can contain at most ${MAX_COMPOSITE_QUERIES} query or sObject Collections subrequests; this one has ${queries}`);
    }
    const allOrNone = body.allOrNone === true;
    const run = async (): Promise<{ results: Rec[]; failed: boolean }> => {
      const answers = new Map<string, unknown>();
      const results: Rec[] = [];
      let failedAt = -1;
      for (const [index, sub] of (requests as Rec[]).entries()) {
        const referenceId = String(sub.referenceId);
        if (failedAt >= 0) {
          results.push({ body: halted(ROLLED_BACK), httpHeaders: {}, httpStatusCode: 400, referenceId });
          continue;
        }
        let reply: Reply;
        try {
          const url = substitute(String(sub.url), answers, true) as string;
          const parsed = parseDataUrl(url);
          if (!parsed) throw new SfError('INVALID_INPUT', `Subrequest url must start with /services/data/vXX.X/: ${url}`);
          if (parsed.parts[0] === 'composite' && parsed.parts[1] !== 'sobjects') throw new SfError('INVALID_INPUT', 'A composite subrequest cannot be a composite or batch request');
          const subBody = sub.body === undefined ? undefined : substitute(sub.body, answers, false);
          const method = String(sub.method).toUpperCase();
          const fault = r.subFault?.(method, url.split('?')[0]!, parsed.parts);
          if (fault) {
            reply = fault;
          } else {
            reply = await dispatch({ ...r, v: parsed.v }, method, parsed.parts, parsed.params, subBody);
          }
          if (reply.raw) throw new SfError('INVALID_INPUT', 'Binary (blob) resources are not supported in a composite request');
        } catch (e) {
          if (e instanceof ReferenceFailure) reply = { status: 400, body: halted(e.message) };
          else if (e instanceof SfError) reply = { status: e.status, body: e.body() };
          else throw e;
        }
        if (reply.status < 400) answers.set(referenceId, reply.body);
        else if (allOrNone) failedAt = index;
        results.push({ body: reply.body ?? null, httpHeaders: reply.headers ?? {}, httpStatusCode: reply.status, referenceId });
      }
      if (failedAt >= 0) {
        for (const [index, res] of results.entries()) {
          if (index !== failedAt) results[index] = { ...res, body: halted(ROLLED_BACK), httpHeaders: {}, httpStatusCode: 400 };
        }
      }
      return { results, failed: failedAt >= 0 };
    };
    const { results } = allOrNone ? await org.enclose(r.ctx, run, (out) => !out.failed) : await run();
    return { status: 200, body: { compositeResponse: results } };
  };

  return {
    dispatch,
    clear(): void {
      cursors.clear();
    },
  };
}

class ReferenceFailure extends Error {}

/** Replaces `@{ref.path}` in strings (deeply in bodies); a value that is a whole reference keeps its type. */
function substitute(value: unknown, answers: ReadonlyMap<string, unknown>, inUrl: boolean): unknown {
  if (typeof value === 'string') {
    const whole = new RegExp(`^${REFERENCE.source}$`).exec(value);
    if (whole && !inUrl) return resolveReference(whole[1]!, whole[2]!, answers);
    return value.replace(REFERENCE, (_m, ref: string, path: string) => String(resolveReference(ref, path, answers)));
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, answers, inUrl));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Rec).map(([k, v]) => [k, substitute(v, answers, inUrl)]));
  }
  return value;
}

function resolveReference(ref: string, path: string, answers: ReadonlyMap<string, unknown>): unknown {
  if (!answers.has(ref)) throw new ReferenceFailure(`Invalid reference specified. No value for ${ref}${path} found in ${ref}. Provided referenceId ('${ref}') has no successful earlier subrequest.`);
  let at: unknown = answers.get(ref);
  for (const step of path.match(/\.[A-Za-z0-9_]+|\[\d+\]/g) ?? []) {
    const key = step.startsWith('.') ? step.slice(1) : Number(step.slice(1, -1));
    at = at !== null && typeof at === 'object' ? (at as Record<string | number, unknown>)[key] : undefined;
  }
  if (at === undefined || at === null) throw new ReferenceFailure(`Invalid reference specified. No value for ${ref}${path} found in ${ref}.`);
  return at;
}
