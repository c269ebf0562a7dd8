// The two sides of the event kind, as the engine sees them: the connector sides
// (salesforce/side.ts, graph/exchange-side.ts) wrapped with the calendar rules.
// Contract (both sides):
// - Private events follow Events_Private__c: Sync as they are; Skip → out of scope; Busy
//   Placeholder → read as a placeholder (time and series only, subject "Busy"), on both sides,
//   so the copy of a private event never carries its details and the pair hashes alike.
// - A patch that touches a time, the all-day flag or the reminder is completed with the
//   record's current time fields, so each side can write whole, consistent times.
// Exchange side:
// - Scope: items we wrote (stamped) always; others when they carry the category (or every
//   event in the window when `allEvents`).
// - Series: calendarView/delta returns occurrences. A series we created from Salesforce
//   (stamped master) is one record, its master: an occurrence change reads as a change of the
//   master. A series born in Outlook is synced occurrence by occurrence (its master reads as
//   gone, so a single event that became a series hands over to its occurrences).
// - No invitation spam: on an event with attendees, writes never touch what Exchange would
//   mail attendees about (times, subject, body, location, recurrence) and deletes leave it in
//   place; only the other properties (showAs, sensitivity, reminder) are written.
// Salesforce side: occurrence rows of a Salesforce series are not records of their own (the
// master carries the series); a changed or deleted occurrence row is handed to `occurrences`
// (./events-occurrences.ts), which copies it to its instance of the Outlook series. Likewise the
// Exchange side hands every series of ours whose instances changed to `occurrences`, which copies
// exceptions and cancelled instances to the occurrence rows.
import { placeholder } from '../core/maps/event.ts';
import { KEY_PHASES } from '../core/natural-key.ts';
import type { Current, FeedPage, RecordSide, WriteResult } from '../core/ports.ts';
import type { Change, Fields, FieldValue, Kind, SideRecord } from '../core/types.ts';
import { markers, stripMarkers } from './events-map.ts';
import type { OccurrenceSync } from './events-occurrences.ts';

export type PrivatePolicy = 'Sync' | 'Skip' | 'Busy Placeholder';

const TIME_FIELDS = ['start', 'end', 'startDate', 'endDate', 'isAllDay'];
const NOTIFYING = new Set(['subject', 'description', 'location', 'recurrence', ...TIME_FIELDS]);

function privacy(record: SideRecord, policy: PrivatePolicy): SideRecord | 'out-of-scope' {
  const clean = { ...record, fields: stripMarkers(record.fields) };
  if (clean.fields.isPrivate !== true || policy === 'Sync') return clean;
  if (policy === 'Skip') return 'out-of-scope';
  return { ...clean, fields: placeholder(clean.fields) };
}

function isRecord(c: Current): c is SideRecord {
  return typeof c === 'object' && !('deleted' in c);
}

/** Completes a patch touching times or the reminder with the current time fields. */
function completeTimes(patch: Fields, current: Fields): Fields {
  if (![...TIME_FIELDS, 'reminderMinutes'].some((f) => f in patch)) return patch;
  const out: Record<string, FieldValue> = { ...patch };
  for (const f of TIME_FIELDS) if (!(f in out)) out[f] = current[f] ?? null;
  return out;
}

/** A Salesforce change the calendar rules kept out of Outlook, for the user to act on. */
export interface HeldBack {
  readonly reason: 'meeting-fields' | 'meeting-occurrence' | 'occurrence-failed';
  readonly exchangeId?: string;
  readonly salesforceId?: string;
  /** The neutral fields involved (held-back patch fields, or the exception's fields). */
  readonly fields: Fields;
  /** occurrence-failed: what the other side answered. */
  readonly error?: string;
}

export interface ExchangeEventOptions {
  policy: PrivatePolicy;
  /** Exchange → Salesforce for every event in the window, not only categorised ones. */
  allEvents?: boolean;
  log?: (message: string, data: Record<string, unknown>) => void;
  /** Raw events (markers kept) overlapping [start, end), categorised or not: Graph calendarView. */
  calendarView?: (start: string, end: string) => Promise<readonly SideRecord[]>;
  /** Exchange ids of events linked in this mailbox (read once per feed read). */
  linked?: () => Promise<ReadonlySet<string>>;
  /** Records what the rules held back (idempotent per item and change). */
  skipped?: (held: HeldBack) => Promise<void>;
  /** Copies single-occurrence changes of our series to Salesforce. */
  occurrences?: OccurrenceSync;
  /** Stamps an Outlook event with a Salesforce Id (extended property only); its new version. */
  stamp?: (id: string, salesforceId: string) => Promise<string | undefined>;
}

/**
 * The one-to-one natural-key pairs (Exchange id → Salesforce record) between new Salesforce
 * records and unstamped Outlook candidates, phase by phase as the planner pairs them; a key
 * shared by more than one record on either side pairs nothing (the planner decides those).
 */
export function uniqueNaturalPairs(others: readonly SideRecord[], candidates: readonly SideRecord[]): Map<string, SideRecord> {
  const out = new Map<string, SideRecord>();
  const usedSf = new Set<string>();
  const usedEx = new Set<string>();
  for (const phase of KEY_PHASES.event) {
    const groups = new Map<string, { sf: SideRecord[]; ex: SideRecord[] }>();
    const add = (record: SideRecord, side: 'sf' | 'ex'): void => {
      const key = phase.key(record.fields);
      if (key === undefined) return;
      const group = groups.get(key) ?? { sf: [], ex: [] };
      group[side].push(record);
      groups.set(key, group);
    };
    for (const sf of others) if (!usedSf.has(sf.id)) add(sf, 'sf');
    for (const ex of candidates) if (!usedEx.has(ex.id)) add(ex, 'ex');
    for (const { sf, ex } of groups.values()) {
      if (sf.length !== 1 || ex.length !== 1 || !phase.compatible(sf[0]!.fields, ex[0]!.fields)) continue;
      out.set(ex[0]!.id, sf[0]!);
      usedSf.add(sf[0]!.id);
      usedEx.add(ex[0]!.id);
    }
  }
  return out;
}

const DAY = 86_400_000;

/** The instant a neutral event starts (all-day: its first day at 00:00Z), or undefined. */
function startOf(fields: Fields): number | undefined {
  const v = fields.isAllDay === true ? (typeof fields.startDate === 'string' ? `${fields.startDate}T00:00:00Z` : undefined) : fields.start;
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isNaN(t) ? undefined : t;
}

export function exchangeEventSide(inner: RecordSide, options: ExchangeEventOptions): RecordSide {
  const masters = new Map<string, Current>();
  let linkedIds: ReadonlySet<string> = new Set();
  async function masterOf(id: string): Promise<Current> {
    let m = masters.get(id);
    if (m === undefined) {
      m = await inner.get('event', id);
      masters.set(id, m);
    }
    return m;
  }

  /** What the engine sees of a raw record: itself, its series master, or nothing. */
  async function view(raw: SideRecord): Promise<Current | { master: string }> {
    const m = markers(raw.fields);
    if ((m.__type === 'occurrence' || m.__type === 'exception') && m.__master) {
      const master = await masterOf(m.__master);
      // an occurrence of a series we wrote: the series is one record, its master
      if (isRecord(master) && master.stamp !== undefined) return { master: master.id };
    } else if (m.__type === 'seriesMaster' && raw.stamp === undefined) {
      // a series born in Outlook travels as its occurrences; its master is not a record of ours
      return 'deleted';
    }
    if (raw.stamp === undefined && !m.__tagged && !options.allEvents && !linkedIds.has(raw.id)) return 'out-of-scope';
    return privacy(raw, options.policy);
  }

  async function current(kind: Kind, id: string): Promise<Current> {
    const raw = await inner.get(kind, id);
    if (!isRecord(raw)) return raw;
    const seen = await view(raw);
    if (typeof seen === 'object' && 'master' in seen) return seen.master === id ? privacy(raw, options.policy) : 'out-of-scope';
    return seen;
  }

  /**
   * An Outlook event about to be matched by natural key gets the Salesforce Id stamped, so its
   * link can be rebuilt from the stamp like those of the events we created. Only the extended
   * property is written (Exchange mails attendees about no such change); the planner still sees
   * the record unstamped (a natural-key match), at its new version.
   */
  async function stampMatches(others: readonly SideRecord[], out: SideRecord[], raws: readonly SideRecord[]): Promise<SideRecord[]> {
    const single = new Set(raws.filter((r) => (markers(r.fields).__type ?? 'singleInstance') === 'singleInstance').map((r) => r.id));
    const pairs = uniqueNaturalPairs(others, out.filter((c) => c.stamp === undefined && single.has(c.id)));
    const stamped: SideRecord[] = [];
    for (const candidate of out) {
      const sf = pairs.get(candidate.id);
      // best effort: an event that cannot be stamped is still matched, as before
      const version = sf ? await options.stamp!(candidate.id, sf.id).catch((error: unknown) => void options.log?.('matched event not stamped', { id: candidate.id, error: String(error) })) : undefined;
      stamped.push(version ? { ...candidate, version } : candidate);
    }
    return stamped;
  }

  function settle(result: WriteResult): WriteResult {
    if (!result.ok) return result;
    const seen = privacy(result.record, options.policy);
    return { ok: true, record: seen === 'out-of-scope' ? { ...result.record, fields: stripMarkers(result.record.fields) } : seen };
  }

  return {
    side: inner.side,
    async changesSince(kind, cursor): Promise<FeedPage> {
      masters.clear();
      if (options.linked) linkedIds = await options.linked();
      const page = await inner.changesSince(kind, cursor);
      const changes: Change[] = [];
      // one change per id: several occurrences name the same master
      const emitted = new Set<string>();
      // our series whose instances changed, and instances reported gone (cancelled ones among them)
      const series = new Set<string>();
      let removed = 0;
      const emit = (c: Change): void => {
        const id = c.type === 'upsert' ? c.record.id : c.id;
        if (emitted.has(id)) return;
        emitted.add(id);
        changes.push(c);
      };
      for (const change of page.changes) {
        if (change.type !== 'upsert') {
          if (change.type === 'delete' && !linkedIds.has(change.id)) removed += 1;
          emit(change);
          continue;
        }
        const seen = await view(change.record);
        if (typeof seen === 'object' && 'master' in seen) {
          // an instance of our series: the series travels whole (its master), its exceptions and
          // cancelled instances go to the occurrence rows
          series.add(seen.master);
          if (emitted.has(seen.master)) continue;
          const master = await current(kind, seen.master);
          emit(isRecord(master) ? { side: 'exchange', kind, type: 'upsert', record: master } : { side: 'exchange', kind, type: 'out-of-scope', id: seen.master });
          continue;
        }
        if (seen === 'deleted') emit({ side: 'exchange', kind, type: 'delete', id: change.record.id });
        else if (seen === 'out-of-scope') {
          // never linked, so leaving scope means nothing; said anyway it would take the event out
          // of the planner's match pool, and an uncategorised event must still match a new
          // Salesforce event through candidates()
          if (!options.linked || linkedIds.has(change.record.id)) emit({ side: 'exchange', kind, type: 'out-of-scope', id: change.record.id });
        }
        else if (isRecord(seen)) emit({ side: 'exchange', kind, type: 'upsert', record: seen });
        const master = markers(change.record.fields).__master;
        // an Outlook series travels as its occurrences: if its master was synced as a single
        // event before it became a series, that copy goes (the driver reads the master as gone)
        if (isRecord(seen) && master) emit({ side: 'exchange', kind, type: 'delete', id: master });
      }
      if (series.size > 0) await options.occurrences?.fromOutlook([...series], removed);
      return { ...page, changes };
    },
    get: current,
    async candidates(kind, others) {
      const starts = others.map((o) => startOf(o.fields)).filter((t): t is number => t !== undefined);
      if (!options.calendarView || starts.length === 0) return inner.candidates(kind, others);
      // a day either side of the starts: all-day events and zone shifts stay inside
      const found = await options.calendarView(new Date(Math.min(...starts) - DAY).toISOString(), new Date(Math.max(...starts) + DAY).toISOString());
      const out: SideRecord[] = [];
      for (const raw of found) {
        const m = markers(raw.fields);
        if (m.__type === 'seriesMaster') continue;
        if ((m.__type === 'occurrence' || m.__type === 'exception') && m.__master) {
          const master = await masterOf(m.__master);
          // an occurrence of a series we wrote is not an event of its own
          if (isRecord(master) && master.stamp !== undefined) continue;
        }
        const seen = privacy(raw, options.policy);
        if (seen !== 'out-of-scope') out.push(seen);
      }
      return options.stamp ? stampMatches(others, out, found) : out;
    },
    async create(kind, key, fields) {
      return settle(await inner.create(kind, key, fields));
    },
    async update(kind, id, expectedVersion, patch) {
      const raw = await inner.get(kind, id);
      if (!isRecord(raw)) return { ok: false, reason: 'not-found', message: `event ${id} is gone` };
      let body = completeTimes(patch, raw.fields);
      if (markers(raw.fields).__meeting) {
        // a meeting: Exchange would mail its attendees about these; keep them as Outlook has them
        const kept = Object.fromEntries(Object.entries(body).filter(([k]) => !NOTIFYING.has(k)));
        // only what the patch itself changes (not the times completed around it) is held back
        const held = Object.fromEntries(Object.entries(patch).filter(([k]) => NOTIFYING.has(k)));
        if (Object.keys(held).length > 0) {
          options.log?.('meeting fields not written to Outlook', { id, fields: Object.keys(held) });
          await options.skipped?.({ reason: 'meeting-fields', exchangeId: id, fields: held });
        }
        body = kept;
        if (Object.keys(body).filter((k) => k !== 'attendees' && k !== 'responses' && k !== 'iCalUId').length === 0) {
          const seen = privacy(raw, options.policy);
          return { ok: true, record: seen === 'out-of-scope' ? { ...raw, fields: stripMarkers(raw.fields) } : seen };
        }
      }
      return settle(await inner.update(kind, id, expectedVersion, body));
    },
    async delete(kind, id, expectedVersion) {
      const raw = await inner.get(kind, id);
      if (!isRecord(raw)) return { ok: true };
      // deleting a meeting would send every attendee a cancellation: leave it in Outlook
      if (markers(raw.fields).__meeting) return { ok: true };
      return inner.delete(kind, id, expectedVersion);
    },
  };
}

/** What the Salesforce event side needs beyond its inner side. */
export interface SalesforceEventOptions {
  occurrences?: OccurrenceSync;
  /**
   * A single event given a pattern: made again as a series (Salesforce takes IsRecurrence on
   * create only) from all its fields; the new record, which the link moves to.
   */
  recreateAsSeries?: (id: string, fields: Fields) => Promise<WriteResult>;
}

const isPattern = (v: FieldValue | undefined): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);

export function salesforceEventSide(inner: RecordSide, policy: PrivatePolicy, extra: SalesforceEventOptions = {}): RecordSide {
  const { occurrences } = extra;
  const view = (c: Current): Current => {
    if (!isRecord(c)) return c;
    if (markers(c.fields).__child) return 'out-of-scope';
    return privacy(c, policy);
  };
  const settle = (result: WriteResult): WriteResult => {
    if (!result.ok) return result;
    const seen = view(result.record);
    return { ok: true, record: isRecord(seen) ? seen : { ...result.record, fields: stripMarkers(result.record.fields) } };
  };
  return {
    side: inner.side,
    async changesSince(kind, cursor) {
      const page = await inner.changesSince(kind, cursor);
      if (occurrences) {
        const rows = page.changes.flatMap((c) => (c.type === 'upsert' && markers(c.record.fields).__seriesOf ? [c.record] : []));
        // deleted rows no longer say whether they were occurrences: occurrences asks queryAll
        const deleted = page.changes.flatMap((c) => (c.type === 'delete' ? [c.id] : []));
        if (rows.length > 0 || deleted.length > 0) await occurrences.fromSalesforce(rows, deleted);
      }
      const changes = page.changes.map((change): Change => {
        if (change.type !== 'upsert') return change;
        const seen = view(change.record);
        return isRecord(seen) ? { ...change, record: seen } : { side: change.side, kind, type: 'out-of-scope', id: change.record.id };
      });
      return { ...page, changes };
    },
    async get(kind, id) {
      return view(await inner.get(kind, id));
    },
    async candidates(kind, others) {
      const found = await inner.candidates(kind, others);
      return found.map(view).filter(isRecord);
    },
    async create(kind, key, fields) {
      return settle(await inner.create(kind, key, fields));
    },
    async update(kind, id, expectedVersion, patch) {
      let body = patch;
      const seriesNow = isPattern(patch.recurrence) && extra.recreateAsSeries !== undefined;
      if (seriesNow || [...TIME_FIELDS, 'reminderMinutes'].some((f) => f in patch)) {
        const now = await inner.get(kind, id);
        if (isRecord(now)) {
          body = completeTimes(patch, now.fields);
          // a single event made a series (in Outlook): Salesforce refuses IsRecurrence on update
          if (seriesNow && !isPattern(now.fields.recurrence) && !markers(now.fields).__child) {
            if (now.version !== expectedVersion) return { ok: false, reason: 'stale', message: `event ${id} changed since it was read` };
            return settle(await extra.recreateAsSeries!(id, { ...stripMarkers(now.fields), ...body }));
          }
        }
      }
      return settle(await inner.update(kind, id, expectedVersion, body));
    },
    delete: (kind, id, expectedVersion) => inner.delete(kind, id, expectedVersion),
  };
}
