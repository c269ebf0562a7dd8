// Record reads and writes against the Salesforce REST API (raw Salesforce field names).
// Contract:
// - Reads stream page by page (`/query`, `/queryAll`, then each `nextRecordsUrl`); nothing
//   loads a whole result set. The SOQL builders below are pure and take the clock as input.
// - Reconciliation reads by SystemModstamp watermark (`SystemModstamp >= second(X) ORDER BY
//   SystemModstamp, Id`: inclusive, see watermarkClause); deletes come from `queryAll` with
//   `IsDeleted = true`.
// - Writes go through `/composite/sobjects` in chunks of 200 with `allOrNone: false`; every
//   input record gets one outcome, in input order: success, or a SalesforceError of the
//   project vocabulary. A whole-chunk failure (5xx, timeout) is that error for each record.
// - Field limits come from describe, cached per object for the life of this object.
// - Reads issued in the same tick (query first pages, query-more pages, describes) share one
//   API call: a composite request (POST /composite, "the entire series of requests counts as a
//   single call") of at most 25 subrequests, at most 5 of them queries. Each caller gets its own
//   subrequest's answer, or its error mapped as a plain call's would be (a failed subrequest
//   fails only its caller; a composite that fails as a whole fails each). A read alone in its
//   tick is a plain call.
// - row() reads one record by id through the sObject Rows resource (GET /sobjects/T/Id?fields=):
//   an sObject subrequest, not a query, so it does not count toward a composite's 5 queries.
// - prefetch() asks a query's first page now (with the reads of its tick); withPrefetched() gives
//   a records whose pages() of exactly that SOQL takes that page once instead of asking again. A
//   speculative read whose SOQL the run no longer asks is simply never taken.
import { createCoalescer, type Settled } from './coalesce.ts';
import type { SalesforceConnection } from './connection.ts';
import { SalesforceError, fromRecordErrors, toSalesforceError } from './errors.ts';

export const CHUNK_SIZE = 200;
/** Subrequests of one composite request, and how many of them may be queries (query-more too). */
export const COMPOSITE_MAX = 25;
export const COMPOSITE_MAX_QUERIES = 5;
export const EXCHANGE_KEY_FIELD = 'SCC_Exchange_Key__c';
export const RECENT_TASK_DAYS = 14;

export type SfValue = string | number | boolean | null;
/** A record as Salesforce returns it (the `attributes` member dropped). */
export type SfRecord = { Id: string } & Record<string, SfValue | object>;
/** A record to write: raw API field names; `Id` for update, the external id field for upsert. */
export type SfInput = Record<string, SfValue>;

export type WriteOutcome =
  | { ok: true; id: string; created: boolean }
  | { ok: false; id?: string; error: SalesforceError };

export interface FieldLimit {
  name: string;
  type: string;
  /** Max characters for text fields; 0 when not a text field. */
  length: number;
  createable: boolean;
  updateable: boolean;
  nillable: boolean;
  picklistValues: string[];
}

export type ContactScope = 'My Contacts' | 'All Contacts';

// ---------- SOQL builders (pure) ----------

/** Quote a value for a SOQL string literal. */
export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** SOQL dateTime literal, truncated to the second: truncating down re-reads at most one second
 *  of records (harmless, the engine skips unchanged ones) and never skips one. */
export function soqlDateTime(iso: string | Date): string {
  const d = typeof iso === 'string' ? new Date(normaliseStamp(iso)) : iso;
  if (Number.isNaN(d.getTime())) throw new SalesforceError('permanent', 'INVALID_WATERMARK', `Not a date-time: ${String(iso)}`);
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function soqlDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Salesforce returns "2026-11-27T22:00:00.000+0000"; Date parses only "+00:00". */
function normaliseStamp(s: string): string {
  return s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
}

function assertId(id: string): string {
  if (!/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(id)) {
    throw new SalesforceError('permanent', 'MALFORMED_ID', `Not a Salesforce Id: ${id}`);
  }
  return id;
}

function assertFieldNames(fields: readonly string[]): string {
  for (const f of fields) {
    if (!/^[A-Za-z][A-Za-z0-9_.]*$/.test(f)) throw new SalesforceError('permanent', 'INVALID_FIELD', `Not a field name: ${f}`);
  }
  return [...new Set(['Id', 'SystemModstamp', ...fields])].join(', ');
}

/** "Changed since the watermark", inclusive of the watermark's own second. Salesforce keeps
 *  datetimes to the second, so a record saved later in the same second as the last one we read
 *  carries the same SystemModstamp: a strict `>` would miss it. Re-reading one second is
 *  harmless (the engine skips unchanged records); callers cut pages only between seconds. */
export function watermarkClause(since: string | null | undefined): string[] {
  if (!since) return [];
  const t = new Date(normaliseStamp(since)).getTime();
  if (Number.isNaN(t)) throw new SalesforceError('permanent', 'INVALID_WATERMARK', `Not a date-time: ${since}`);
  return [`SystemModstamp >= ${soqlDateTime(new Date(Math.floor(t / 1000) * 1000))}`];
}

/** The second a SystemModstamp falls in (page cuts happen only between seconds). */
export function stampSecond(stamp: string): number {
  return Math.floor(new Date(normaliseStamp(stamp)).getTime() / 1000);
}

function select(sobject: string, fields: readonly string[], where: string[], orderBySystemModstamp: boolean): string {
  const w = where.length ? ` WHERE ${where.join(' AND ')}` : '';
  const order = orderBySystemModstamp ? ' ORDER BY SystemModstamp, Id' : '';
  return `SELECT ${assertFieldNames(fields)} FROM ${sobject}${w}${order}`;
}

/** Contacts in a mailbox's scope: My Contacts = owned by the user, or All Contacts. */
export function contactsSoql(opts: {
  fields: readonly string[];
  scope: ContactScope;
  ownerId: string;
  since?: string | null;
}): string {
  const where = opts.scope === 'My Contacts' ? [`OwnerId = ${soqlString(assertId(opts.ownerId))}`] : [];
  return select('Contact', opts.fields, [...where, ...watermarkClause(opts.since)], true);
}

/** Tasks owned by the user that are open, or due or modified in the last 14 days. */
export function tasksSoql(opts: { fields: readonly string[]; ownerId: string; now: Date; since?: string | null }): string {
  const from = new Date(opts.now.getTime() - RECENT_TASK_DAYS * 86_400_000);
  const scope = `(IsClosed = false OR ActivityDate >= ${soqlDate(from)} OR LastModifiedDate >= ${soqlDateTime(from)})`;
  return select(
    'Task',
    opts.fields,
    [`OwnerId = ${soqlString(assertId(opts.ownerId))}`, scope, ...watermarkClause(opts.since)],
    true,
  );
}

/** Events owned by the user overlapping a window (the calendar range mirrored to Outlook). */
export function eventsSoql(opts: {
  fields: readonly string[];
  ownerId: string;
  from: Date;
  to: Date;
  since?: string | null;
  /** Events the user does not own but is invited to (EventRelation), also in scope. */
  alsoIds?: readonly string[];
}): string {
  const owner = `OwnerId = ${soqlString(assertId(opts.ownerId))}`;
  const shared = (opts.alsoIds ?? []).map(assertId);
  return select(
    'Event',
    opts.fields,
    [
      shared.length > 0 ? `(${owner} OR Id IN (${shared.map(soqlString).join(', ')}))` : owner,
      `EndDateTime >= ${soqlDateTime(opts.from)}`,
      `StartDateTime <= ${soqlDateTime(opts.to)}`,
      ...watermarkClause(opts.since),
    ],
    true,
  );
}

/** Records deleted since the watermark (read with queryAll; the recycle bin keeps them ~15 days). */
export function deletedSoql(sobject: string, since: string | null, extraFields: readonly string[] = []): string {
  return select(sobject, ['IsDeleted', ...extraFields], ['IsDeleted = true', ...watermarkClause(since)], true);
}

/** Split a list into chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size = CHUNK_SIZE): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// ---------- I/O ----------

interface QueryResult {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: (SfRecord & { attributes?: unknown })[];
}

interface CompositeResult {
  id?: string | null;
  success: boolean;
  created?: boolean;
  errors?: { statusCode?: string; errorCode?: string; message?: string; fields?: string[] }[];
}

export interface SalesforceRecords {
  /** Stream a SOQL result page by page (queryAll when `all`, to include deleted rows). */
  pages(soql: string, opts?: { all?: boolean }): AsyncGenerator<SfRecord[]>;
  /** Fetch specific records by id (GAP events, hint resolution); missing ids are absent. */
  retrieve(sobject: string, ids: readonly string[], fields: readonly string[], opts?: { all?: boolean }): Promise<SfRecord[]>;
  fieldLimits(sobject: string): Promise<Map<string, FieldLimit>>;
  /** Cut text values to their describe length (Salesforce rejects over-long text with STRING_TOO_LONG). */
  fitToLimits(sobject: string, record: SfInput): Promise<{ record: SfInput; truncated: string[] }>;
  create(sobject: string, records: readonly SfInput[]): Promise<WriteOutcome[]>;
  update(sobject: string, records: readonly (SfInput & { Id: string })[]): Promise<WriteOutcome[]>;
  /** Upsert on an External ID field (default SCC_Exchange_Key__c): idempotent across retries. */
  upsert(sobject: string, records: readonly SfInput[], externalIdField?: string): Promise<WriteOutcome[]>;
  destroy(ids: readonly string[]): Promise<WriteOutcome[]>;
  /** One record by id (sObject Rows; undefined when there is none). */
  row(sobject: string, id: string, fields: readonly string[]): Promise<SfRecord | undefined>;
  /** A query's first page, asked for now (see withPrefetched). */
  prefetch(soql: string, opts?: { all?: boolean }): QueryPrefetch;
  /** A describe already read by this object, or undefined. */
  knownLimits(sobject: string): Map<string, FieldLimit> | undefined;
  /**
   * Records whose query reads (pages, retrieve), once arm()ed, ride: each waits for room in a
   * composite call other reads send (a read ahead of its need costs no call of its own), until
   * release() (for good: waiting reads go out then, later ones as plain reads).
   */
  riding(): Ride;
}

export interface Ride {
  readonly records: SalesforceRecords;
  arm(): void;
  release(): void;
}

/** A query whose first page was asked for ahead of its reader. */
export interface QueryPrefetch {
  readonly soql: string;
  readonly all: boolean;
  /** The query's pages, the first one the one already asked for. */
  pages(): AsyncGenerator<SfRecord[]>;
}

/**
 * `records` whose pages() of a prefetched SOQL (same text, same all) takes the prefetched pages,
 * once; every other read goes to `records`. `taken` reports which prefetches were used.
 */
export function withPrefetched(records: SalesforceRecords, prefetched: readonly QueryPrefetch[], taken?: (p: QueryPrefetch) => void): SalesforceRecords {
  const waiting = new Map(prefetched.map((p) => [`${p.all ? 'all' : 'live'}:${p.soql}`, p]));
  const over = (inner: SalesforceRecords): SalesforceRecords => ({
    ...inner,
    pages(soql, opts = {}) {
      const key = `${opts.all ? 'all' : 'live'}:${soql}`;
      const p = waiting.get(key);
      if (!p) return inner.pages(soql, opts);
      waiting.delete(key);
      taken?.(p);
      return p.pages();
    },
    riding() {
      const ride = inner.riding();
      return { ...ride, records: over(ride.records) };
    },
  });
  return over(records);
}

export function createRecords(sf: SalesforceConnection): SalesforceRecords {
  const base = () => `/services/data/v${sf.apiVersion}`;
  const describeCache = new Map<string, Promise<Map<string, FieldLimit>>>();
  const described = new Map<string, Map<string, FieldLimit>>();

  async function request<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown): Promise<T> {
    try {
      return (await sf.conn.request<T>({
        method,
        url,
        body: body === undefined ? undefined : JSON.stringify(body),
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      })) as T;
    } catch (err) {
      throw toSalesforceError(err);
    }
  }

  const isQuery = (url: string): boolean => /\/services\/data\/v[\d.]+\/(query|queryAll)(\/|\?|$)/.test(url);
  const reads = createCoalescer<string, unknown>({
    maxBatch: COMPOSITE_MAX,
    // reads of one tick go out together; a later tick does not wait for them
    maxInFlight: Number.POSITIVE_INFINITY,
    admit: (group, url) => !isQuery(url) || group.filter(isQuery).length < COMPOSITE_MAX_QUERIES,
    run: async (urls): Promise<Settled<unknown>[]> => {
      if (urls.length === 1) return [{ value: await request<unknown>('GET', urls[0]!) }];
      const answer = await request<CompositeAnswer>('POST', `${base()}/composite`, {
        allOrNone: false,
        compositeRequest: urls.map((url, i) => ({ method: 'GET', url, referenceId: `r${i}` })),
      });
      const byRef = new Map((answer.compositeResponse ?? []).map((sub) => [sub.referenceId, sub]));
      return urls.map((_url, i): Settled<unknown> => {
        const sub = byRef.get(`r${i}`);
        if (!sub) return { error: new SalesforceError('temporary', 'MISSING_RESULT', 'Salesforce returned no result for this subrequest') };
        return sub.httpStatusCode < 400 ? { value: sub.body } : { error: subrequestError(sub.httpStatusCode, sub.body) };
      });
    },
  });

  /** A GET through the read coalescer (see the contract above); `ride`: see riding(). */
  const read = <T>(url: string, ride?: { armed: boolean }): Promise<T> => reads.submit(url, ride?.armed ? ride : undefined) as Promise<T>;

  const queryUrl = (soql: string, all: boolean | undefined): string => `${base()}/${all ? 'queryAll' : 'query'}?q=${encodeURIComponent(soql)}`;

  async function* pagesFrom(first: Promise<QueryResult>, ride?: { armed: boolean }): AsyncGenerator<SfRecord[]> {
    let page: QueryResult = await first;
    // Bounded by the result: each page either ends the query or names the next one.
    for (;;) {
      yield page.records.map(stripAttributes);
      if (page.done || !page.nextRecordsUrl) return;
      page = await read<QueryResult>(page.nextRecordsUrl, ride);
    }
  }

  /** pages() and retrieve() whose reads ride `ride` while it is armed (none: plain reads). */
  function readers(ride?: { armed: boolean }): Pick<SalesforceRecords, 'pages' | 'retrieve'> {
    function pages(soql: string, opts: { all?: boolean } = {}): AsyncGenerator<SfRecord[]> {
      // asked on the first next(), as a plain generator would
      const url = queryUrl(soql, opts.all);
      return (async function* () {
        yield* pagesFrom(read<QueryResult>(url, ride), ride);
      })();
    }
    async function retrieve(sobject: string, ids: readonly string[], fields: readonly string[], opts: { all?: boolean } = {}): Promise<SfRecord[]> {
      const out: SfRecord[] = [];
      for (const part of chunks([...new Set(ids)].map(assertId))) {
        const soql = `SELECT ${assertFieldNames(fields)} FROM ${sobject} WHERE Id IN (${part.map(soqlString).join(', ')})`;
        for await (const page of pages(soql, opts)) out.push(...page);
      }
      return out;
    }
    return { pages, retrieve };
  }
  const { pages, retrieve } = readers();

  function prefetch(soql: string, opts: { all?: boolean } = {}): QueryPrefetch {
    const first = read<QueryResult>(queryUrl(soql, opts.all));
    // a prefetch never taken must not surface as unhandled; its reader sees the error
    first.catch(() => undefined);
    return { soql, all: opts.all === true, pages: () => pagesFrom(first) };
  }

  async function row(sobject: string, id: string, fields: readonly string[]): Promise<SfRecord | undefined> {
    const list = [...new Set(['Id', ...fields])];
    assertFieldNames(list);
    try {
      const r = await read<SfRecord & { attributes?: unknown }>(`${base()}/sobjects/${sobject}/${assertId(id)}?fields=${list.map(encodeURIComponent).join(',')}`);
      return stripAttributes(r);
    } catch (error) {
      if (error instanceof SalesforceError && error.kind === 'not-found') return undefined;
      throw error;
    }
  }


  function fieldLimits(sobject: string): Promise<Map<string, FieldLimit>> {
    let cached = describeCache.get(sobject);
    if (!cached) {
      cached = read<{ fields: Record<string, unknown>[] }>(`${base()}/sobjects/${sobject}/describe`).then((d) => {
        const map = new Map<string, FieldLimit>();
        for (const f of d.fields) {
          const name = String(f.name);
          map.set(name, {
            name,
            type: String(f.type ?? ''),
            length: typeof f.length === 'number' ? f.length : 0,
            createable: f.createable !== false,
            updateable: f.updateable !== false,
            nillable: f.nillable !== false,
            picklistValues: Array.isArray(f.picklistValues)
              ? (f.picklistValues as { value?: unknown; active?: unknown }[])
                  .filter((p) => p.active !== false)
                  .map((p) => String(p.value))
              : [],
          });
        }
        described.set(sobject, map);
        return map;
      });
      // A failed describe is not cached: the next call tries again.
      cached.catch(() => describeCache.delete(sobject));
      describeCache.set(sobject, cached);
    }
    return cached;
  }

  async function fitToLimits(sobject: string, record: SfInput): Promise<{ record: SfInput; truncated: string[] }> {
    const limits = await fieldLimits(sobject);
    const out: SfInput = { ...record };
    const truncated: string[] = [];
    for (const [name, value] of Object.entries(record)) {
      const limit = limits.get(name);
      if (typeof value === 'string' && limit && limit.length > 0 && value.length > limit.length) {
        out[name] = value.slice(0, limit.length);
        truncated.push(name);
      }
    }
    return { record: out, truncated };
  }

  async function composite(
    records: readonly SfInput[],
    send: (chunk: SfInput[]) => Promise<CompositeResult[]>,
  ): Promise<WriteOutcome[]> {
    const out: WriteOutcome[] = [];
    for (const chunk of chunks(records)) {
      let results: CompositeResult[];
      try {
        results = await send(chunk);
      } catch (err) {
        const error = toSalesforceError(err);
        for (const r of chunk) out.push({ ok: false, id: typeof r.Id === 'string' ? r.Id : undefined, error });
        continue;
      }
      chunk.forEach((r, i) => out.push(toOutcome(results[i], typeof r.Id === 'string' ? r.Id : undefined)));
    }
    return out;
  }

  const withType = (sobject: string) => (r: SfInput) => ({ attributes: { type: sobject }, ...r });

  const self: SalesforceRecords = {
    pages,
    retrieve,
    fieldLimits,
    fitToLimits,
    row,
    prefetch,
    knownLimits: (sobject) => described.get(sobject),
    riding() {
      const ride = { armed: false };
      return {
        records: { ...self, ...readers(ride) },
        arm: () => void (ride.armed = true),
        release: () => {
          ride.armed = false;
          reads.release(ride);
        },
      };
    },
    create: (sobject, records) =>
      composite(records, (chunk) =>
        request('POST', `${base()}/composite/sobjects`, { allOrNone: false, records: chunk.map(withType(sobject)) }),
      ),
    update: (sobject, records) =>
      composite(records, (chunk) =>
        request('PATCH', `${base()}/composite/sobjects`, { allOrNone: false, records: chunk.map(withType(sobject)) }),
      ),
    upsert: (sobject, records, externalIdField = EXCHANGE_KEY_FIELD) =>
      composite(records, (chunk) =>
        request('PATCH', `${base()}/composite/sobjects/${sobject}/${externalIdField}`, {
          allOrNone: false,
          records: chunk.map(withType(sobject)),
        }),
      ),
    destroy: (ids) =>
      composite(
        ids.map((Id) => ({ Id })),
        (chunk) =>
          request(
            'DELETE',
            `${base()}/composite/sobjects?ids=${chunk.map((r) => assertId(String(r.Id))).join(',')}&allOrNone=false`,
          ),
      ),
  };
  return self;
}

interface CompositeAnswer {
  compositeResponse?: { referenceId: string; httpStatusCode: number; body: unknown }[];
}

/** A failed composite subrequest as the SalesforceError a plain call with that answer gives. */
function subrequestError(status: number, body: unknown): SalesforceError {
  const first = Array.isArray(body) ? (body[0] as { errorCode?: unknown; message?: unknown; fields?: unknown } | undefined) : undefined;
  const errorCode = typeof first?.errorCode === 'string' ? first.errorCode : `ERROR_HTTP_${status}`;
  const message = typeof first?.message === 'string' ? first.message : `Salesforce answered ${status}`;
  return toSalesforceError({ errorCode, message, statusCode: status, fields: Array.isArray(first?.fields) ? first.fields : [] });
}

function toOutcome(result: CompositeResult | undefined, inputId: string | undefined): WriteOutcome {
  if (!result) {
    return { ok: false, id: inputId, error: new SalesforceError('temporary', 'MISSING_RESULT', 'Salesforce returned no result for this record') };
  }
  if (result.success) {
    const id = result.id ?? inputId ?? '';
    return { ok: true, id, created: result.created ?? inputId === undefined };
  }
  return { ok: false, id: result.id ?? inputId, error: fromRecordErrors(result.errors ?? []) };
}

function stripAttributes(r: SfRecord & { attributes?: unknown }): SfRecord {
  const { attributes: _attributes, ...rest } = r;
  return rest as SfRecord;
}
