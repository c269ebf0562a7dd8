// The in-memory org: records per object, field validation the way the platform does it,
// unique/external-id indexes, the recycle bin, and transactions that either commit (and then
// announce their changes to listeners such as CDC) or roll back without a trace.
import { createHash, randomUUID } from 'node:crypto';
import { SfError, notFound } from './errors.ts';
import { createIdFactory, normalizeId } from './ids.ts';
import { findField, findObject, type FieldDef, type ObjectDef, type Schema } from './schema.ts';
import { formatDate, isEmail, parseDate, parseDateTime } from './values.ts';

export type Rec = Record<string, unknown>;

export interface WriteContext {
  userId: string;
  /** CDC changeOrigin, e.g. com/salesforce/api/rest/60.0;client=SmartCloudConnect; '' for UI edits. */
  origin: string;
}

export type ChangeType = 'CREATE' | 'UPDATE' | 'DELETE' | 'UNDELETE';

export interface Change {
  object: ObjectDef;
  changeType: ChangeType;
  id: string;
  /** The record after the change (before it, for DELETE). */
  record: Rec;
  previous?: Rec;
  changedFields: string[];
  nulledFields: string[];
  ctx: WriteContext;
  transactionKey: string;
  sequenceNumber: number;
  commitTimestamp: number;
}

export type ChangeListener = (changes: Change[]) => void;

const SYSTEM_FIELDS = new Set(['Id', 'IsDeleted', 'CreatedDate', 'CreatedById', 'LastModifiedDate', 'LastModifiedById', 'SystemModstamp']);

export class Transaction {
  readonly key = randomUUID();
  readonly changes: Change[] = [];
  readonly undo: Array<() => void> = [];
  constructor(readonly ctx: WriteContext) {}
}

export interface OrgOptions {
  schema: Schema;
  clock: () => number;
  autoNumbers?: Map<string, string>;
}

export class Org {
  readonly schema: Schema;
  readonly clock: () => number;
  private readonly tables = new Map<string, Map<string, Rec>>();
  private readonly unique = new Map<string, Map<string, string>>();
  private readonly listeners: ChangeListener[] = [];
  private readonly autoNumbers: Map<string, string>;
  private readonly autoCounters = new Map<string, number>();
  private newId = createIdFactory();
  private lastStamp = 0;

  constructor(opts: OrgOptions) {
    this.schema = opts.schema;
    this.clock = opts.clock;
    this.autoNumbers = opts.autoNumbers ?? new Map();
    for (const name of this.schema.objects.keys()) this.tables.set(name, new Map());
  }

  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  clear(): void {
    for (const t of this.tables.values()) t.clear();
    this.unique.clear();
    this.autoCounters.clear();
    this.newId = createIdFactory();
  }

  object(name: string): ObjectDef {
    const obj = findObject(this.schema, name);
    if (!obj) throw notFound();
    return obj;
  }

  table(obj: ObjectDef): Map<string, Rec> {
    return this.tables.get(obj.name)!;
  }

  count(): number {
    let n = 0;
    for (const t of this.tables.values()) n += t.size;
    return n;
  }

  /** Finds any record by id (15 or 18 chars), deleted or not. */
  find(id: string): { obj: ObjectDef; rec: Rec } | undefined {
    const id18 = normalizeId(id);
    if (!id18) return undefined;
    const obj = this.schema.byPrefix.get(id18.slice(0, 3));
    if (!obj) return undefined;
    const rec = this.table(obj).get(id18);
    return rec ? { obj, rec } : undefined;
  }

  /** A live record of the given object or the platform's error for a missing/deleted one. */
  get(obj: ObjectDef, id: string): Rec {
    const id18 = normalizeId(id);
    if (!id18 || id18.slice(0, 3) !== obj.keyPrefix) {
      throw new SfError('NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${id}`, [], 404);
    }
    const rec = this.table(obj).get(id18);
    if (!rec) throw notFound();
    if (rec.IsDeleted) throw new SfError('ENTITY_IS_DELETED', 'entity is deleted', [], 404);
    return rec;
  }

  /** An enclosing transaction (a composite request with allOrNone): inner commits join it. */
  private outer: Transaction | undefined;

  begin(ctx: WriteContext): Transaction {
    return new Transaction(ctx);
  }

  commit(tx: Transaction): void {
    if (this.outer && tx !== this.outer) {
      // held by the enclosing transaction: applied now, undone or announced with it
      this.outer.undo.push(...tx.undo);
      this.outer.changes.push(...tx.changes);
      return;
    }
    if (tx.changes.length === 0) return;
    for (const l of this.listeners) l(tx.changes);
  }

  /**
   * Runs `fn` with every transaction committed inside it held by one enclosing transaction,
   * then commits that (changes announced once) or, when `keep` says no, rolls all of it back.
   */
  async enclose<T>(ctx: WriteContext, fn: () => Promise<T>, keep: (out: T) => boolean): Promise<T> {
    if (this.outer) throw new Error('transactions do not nest');
    const tx = this.begin(ctx);
    this.outer = tx;
    let out: T;
    try {
      out = await fn();
    } catch (e) {
      this.outer = undefined;
      this.rollback(tx);
      throw e;
    }
    this.outer = undefined;
    if (keep(out)) this.commit(tx);
    else this.rollback(tx);
    return out;
  }

  rollback(tx: Transaction): void {
    for (let i = tx.undo.length - 1; i >= 0; i--) tx.undo[i]!();
    tx.undo.length = 0;
    tx.changes.length = 0;
  }

  /** A savepoint inside a transaction: collection calls without allOrNone undo one record. */
  savepoint(tx: Transaction): { undo: number; changes: number } {
    return { undo: tx.undo.length, changes: tx.changes.length };
  }

  rollbackTo(tx: Transaction, sp: { undo: number; changes: number }): void {
    for (let i = tx.undo.length - 1; i >= sp.undo; i--) tx.undo[i]!();
    tx.undo.length = sp.undo;
    tx.changes.length = sp.changes;
  }

  /** Runs `fn` in its own transaction, committing on success and rolling back on error. */
  atomic<T>(ctx: WriteContext, fn: (tx: Transaction) => T): T {
    const tx = this.begin(ctx);
    try {
      const out = fn(tx);
      this.commit(tx);
      return out;
    } catch (e) {
      this.rollback(tx);
      throw e;
    }
  }

  /** Strictly increasing timestamps so SystemModstamp orders writes even within one ms. */
  private stamp(): number {
    const now = this.clock();
    this.lastStamp = now > this.lastStamp ? now : this.lastStamp;
    return this.lastStamp;
  }

  create(obj: ObjectDef, input: Rec, tx: Transaction): string {
    if (!obj.createable) throw new SfError('INVALID_TYPE', `entity type ${obj.name} does not support insert`, [], 400);
    const values = this.coerce(obj, input, 'create');
    const now = this.stamp();
    const id = this.newId(obj.keyPrefix);
    const rec: Rec = { Id: id, IsDeleted: false };
    for (const field of obj.fields.values()) {
      if (field.defaultValue !== undefined && !(field.name in values)) {
        rec[field.name] = field.defaultValue === '$user' ? tx.ctx.userId : field.defaultValue;
      }
    }
    for (const [k, v] of Object.entries(values)) if (v !== null) rec[k] = v;
    Object.assign(rec, { CreatedDate: now, CreatedById: tx.ctx.userId, LastModifiedDate: now, LastModifiedById: tx.ctx.userId, SystemModstamp: now });
    const auto = this.autoNumbers.get(obj.name);
    if (auto) {
      const n = (this.autoCounters.get(obj.name) ?? 0) + 1;
      this.autoCounters.set(obj.name, n);
      rec.Name = auto.replace(/\{(0+)\}/, (_m, zeros: string) => String(n).padStart(zeros.length, '0'));
    }
    // A custom record created without a Name is named after its Id.
    if (obj.custom && rec.Name === undefined && obj.fields.has('Name')) rec.Name = id;
    this.derive(obj, rec, undefined);
    this.checkRequired(obj, rec);
    this.indexRecord(obj, rec, tx);
    const table = this.table(obj);
    table.set(id, rec);
    tx.undo.push(() => table.delete(id));
    tx.changes.push(this.change(obj, 'CREATE', rec, undefined, [], [], tx));
    this.afterCreate(obj, rec, tx);
    return id;
  }

  update(obj: ObjectDef, id: string, input: Rec, tx: Transaction): void {
    const id18 = normalizeId(id);
    if (!id18 || id18.slice(0, 3) !== obj.keyPrefix) throw new SfError('MALFORMED_ID', `${obj.label} ID: id value of incorrect type: ${id}`, ['Id']);
    const rec = this.table(obj).get(id18);
    if (!rec) throw new SfError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', []);
    if (rec.IsDeleted) throw new SfError('ENTITY_IS_DELETED', 'entity is deleted', []);
    const values = this.coerce(obj, input, 'update');
    const previous = { ...rec };
    const next: Rec = { ...rec };
    for (const [k, v] of Object.entries(values)) {
      if (v === null) delete next[k];
      else next[k] = v;
    }
    this.derive(obj, next, previous);
    this.checkRequired(obj, next);
    const changed: string[] = [];
    const nulled: string[] = [];
    for (const field of obj.fields.values()) {
      if (SYSTEM_FIELDS.has(field.name)) continue;
      const a = previous[field.name];
      const b = next[field.name];
      if (!sameValue(a, b)) {
        changed.push(field.name);
        if (b === undefined) nulled.push(field.name);
      }
    }
    const now = this.stamp();
    Object.assign(next, { LastModifiedDate: now, LastModifiedById: tx.ctx.userId, SystemModstamp: now });
    this.unindexRecord(obj, previous, tx);
    this.indexRecord(obj, next, tx);
    const table = this.table(obj);
    table.set(id18, next);
    tx.undo.push(() => table.set(id18, previous));
    tx.changes.push(this.change(obj, 'UPDATE', next, previous, changed, nulled, tx));
  }

  delete(obj: ObjectDef, id: string, tx: Transaction): void {
    const id18 = normalizeId(id);
    if (!id18 || id18.slice(0, 3) !== obj.keyPrefix) throw new SfError('MALFORMED_ID', `malformed id ${id}`, []);
    const rec = this.table(obj).get(id18);
    if (!rec) throw new SfError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', []);
    if (rec.IsDeleted) throw new SfError('ENTITY_IS_DELETED', 'entity is deleted', []);
    if (!obj.deletable) throw new SfError('INVALID_TYPE', `entity type ${obj.name} does not support delete`, []);
    const previous = { ...rec };
    const now = this.stamp();
    const next: Rec = { ...rec, IsDeleted: true, LastModifiedDate: now, LastModifiedById: tx.ctx.userId, SystemModstamp: now };
    this.unindexRecord(obj, previous, tx);
    const table = this.table(obj);
    table.set(id18, next);
    tx.undo.push(() => table.set(id18, previous));
    tx.changes.push(this.change(obj, 'DELETE', next, previous, [], [], tx));
    this.cascadeDelete(obj, id18, tx);
  }

  undelete(obj: ObjectDef, id: string, tx: Transaction): void {
    const id18 = normalizeId(id);
    const rec = id18 ? this.table(obj).get(id18) : undefined;
    if (!id18 || !rec) throw new SfError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', []);
    if (!rec.IsDeleted) throw new SfError('UNDELETE_FAILED', 'Entity is not in the recycle bin', []);
    const previous = { ...rec };
    const now = this.stamp();
    const next: Rec = { ...rec, IsDeleted: false, LastModifiedDate: now, LastModifiedById: tx.ctx.userId, SystemModstamp: now };
    this.indexRecord(obj, next, tx);
    const table = this.table(obj);
    table.set(id18, next);
    tx.undo.push(() => table.set(id18, previous));
    tx.changes.push(this.change(obj, 'UNDELETE', next, previous, [], [], tx));
  }

  /** Live records whose external-id (or idLookup) field equals `value`. */
  findByExternalId(obj: ObjectDef, field: FieldDef, value: string): string[] {
    if (field.type === 'id') {
      const id18 = normalizeId(value);
      const rec = id18 ? this.table(obj).get(id18) : undefined;
      return rec && !rec.IsDeleted ? [id18!] : [];
    }
    if (field.unique) {
      const hit = this.unique.get(`${obj.name}.${field.name}`)?.get(uniqueKey(field, value));
      return hit ? [hit] : [];
    }
    const key = uniqueKey(field, value);
    const out: string[] = [];
    for (const rec of this.table(obj).values()) {
      const v = rec[field.name];
      if (!rec.IsDeleted && v !== undefined && uniqueKey(field, String(v)) === key) out.push(rec.Id as string);
    }
    return out;
  }

  private change(obj: ObjectDef, changeType: ChangeType, record: Rec, previous: Rec | undefined, changedFields: string[], nulledFields: string[], tx: Transaction): Change {
    return {
      object: obj, changeType, id: record.Id as string, record, previous, changedFields, nulledFields,
      ctx: tx.ctx, transactionKey: tx.key, sequenceNumber: tx.changes.length + 1,
      commitTimestamp: record.SystemModstamp as number,
    };
  }

  /** Converts and validates REST input into stored values; null means "clear the field". */
  private coerce(obj: ObjectDef, input: Rec, mode: 'create' | 'update'): Rec {
    const out: Rec = {};
    const locked: string[] = [];
    for (const [rawName, raw] of Object.entries(input)) {
      if (rawName === 'attributes') continue;
      const field = findField(obj, rawName);
      if (!field) throw new SfError('INVALID_FIELD', `No such column '${rawName}' on sobject of type ${obj.name}`, []);
      if (field.name === 'Id') continue;
      if (mode === 'create' ? !field.createable : !field.updateable) {
        locked.push(field.name);
        continue;
      }
      out[field.name] = this.coerceValue(obj, field, raw);
    }
    if (locked.length) {
      throw new SfError('INVALID_FIELD_FOR_INSERT_UPDATE', `Unable to create/update fields: ${locked.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`, locked);
    }
    return out;
  }

  private coerceValue(obj: ObjectDef, field: FieldDef, raw: unknown): unknown {
    const bad = (what: string): SfError => new SfError('JSON_PARSER_ERROR', `Cannot deserialize instance of ${what} from ${typeof raw} value ${String(raw)} or request may be missing a required field`, [field.name]);
    if (raw === null || raw === undefined) return field.type === 'boolean' ? false : null;
    switch (field.type) {
      case 'boolean':
        if (typeof raw === 'boolean') return raw;
        if (raw === 'true' || raw === 'false') return raw === 'true';
        throw bad('boolean');
      case 'int': case 'double': case 'currency': case 'percent': {
        const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
        if (!Number.isFinite(n)) throw bad(field.type);
        if (field.type === 'int' && !Number.isInteger(n)) throw bad('int');
        return n;
      }
      case 'date': {
        const d = typeof raw === 'string' ? parseDate(raw) : undefined;
        if (!d) throw bad('date');
        return d;
      }
      case 'datetime': {
        const ms = typeof raw === 'string' ? parseDateTime(raw) : undefined;
        if (ms === undefined) throw bad('datetime');
        return ms;
      }
      case 'base64': {
        if (typeof raw !== 'string') throw bad('base64');
        return Buffer.from(raw, 'base64');
      }
      case 'id': case 'reference': {
        if (typeof raw !== 'string') throw bad('reference');
        if (raw === '') return null;
        const id18 = normalizeId(raw);
        if (!id18) throw new SfError('MALFORMED_ID', `${field.label}: id value of incorrect type: ${raw}`, [field.name]);
        const target = this.schema.byPrefix.get(id18.slice(0, 3));
        if (!target || !field.referenceTo.includes(target.name)) {
          throw new SfError('FIELD_INTEGRITY_EXCEPTION', `${field.label}: id value of incorrect type: ${raw}`, [field.name]);
        }
        const rec = this.table(target).get(id18);
        if (!rec || rec.IsDeleted) throw new SfError('INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, [field.name]);
        return id18;
      }
      default: {
        let s: string;
        if (typeof raw === 'string') s = raw;
        else if (typeof raw === 'number' || typeof raw === 'boolean') s = String(raw);
        else throw bad('string');
        // The platform stores an empty text value as null.
        if (s === '') return null;
        if (field.length && s.length > field.length) {
          throw new SfError('STRING_TOO_LONG', `${field.label}: data value too large: ${s.length > 40 ? `${s.slice(0, 40)}...` : s} (max length=${field.length})`, [field.name]);
        }
        if (field.type === 'email' && !isEmail(s)) {
          throw new SfError('INVALID_EMAIL_ADDRESS', `${field.label}: invalid email address: ${s}`, [field.name]);
        }
        if (field.type === 'picklist' && field.restrictedPicklist && field.picklistValues && !field.picklistValues.some((p) => p.value === s)) {
          throw new SfError('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `${field.label}: bad value for restricted picklist field: ${s}`, [field.name]);
        }
        return s;
      }
    }
  }

  private checkRequired(obj: ObjectDef, rec: Rec): void {
    const missing: string[] = [];
    for (const field of obj.fields.values()) {
      if (!field.nillable && field.createable && field.type !== 'boolean' && (rec[field.name] === undefined || rec[field.name] === null)) {
        missing.push(field.name);
      }
    }
    if (obj.name === 'Event') {
      if (rec.ActivityDateTime === undefined && !rec.IsAllDayEvent) missing.push('ActivityDateTime');
      if (rec.IsAllDayEvent && rec.ActivityDate === undefined) missing.push('ActivityDate');
      if (rec.DurationInMinutes === undefined) missing.push('DurationInMinutes');
    }
    if (missing.length) throw new SfError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
    if (obj.name === 'Event' && typeof rec.EndDateTime === 'number' && typeof rec.StartDateTime === 'number' && rec.EndDateTime < rec.StartDateTime) {
      throw new SfError('FIELD_INTEGRITY_EXCEPTION', 'End Date Time: End Date Time cannot be earlier than Start Date Time', ['EndDateTime']);
    }
  }

  /** Fields the platform computes from others (names, event times, task closure). */
  private derive(obj: ObjectDef, rec: Rec, previous: Rec | undefined): void {
    if (obj.name === 'Contact' || obj.name === 'Lead' || obj.name === 'User') {
      rec.Name = [rec.FirstName, rec.LastName].filter((x) => x !== undefined).join(' ');
    }
    if (obj.name === 'Task') {
      rec.IsClosed = rec.Status === 'Completed';
      rec.IsHighPriority = rec.Priority === 'High';
      if (rec.IsClosed && !previous?.IsClosed) rec.CompletedDateTime = this.clock();
      if (!rec.IsClosed) delete rec.CompletedDateTime;
    }
    if (obj.name === 'Event') this.deriveEvent(rec, previous);
    if (obj.name === 'Attachment' && Buffer.isBuffer(rec.Body)) rec.BodyLength = rec.Body.length;
  }

  private deriveEvent(rec: Rec, previous: Rec | undefined): void {
    const DAY = 86_400_000;
    const changed = (k: string): boolean => !previous || !sameValue(previous[k], rec[k]);
    if (rec.IsAllDayEvent) {
      // All-day events are anchored on ActivityDate; start is midnight and duration whole days.
      if (typeof rec.ActivityDate !== 'string' && typeof rec.StartDateTime === 'number') rec.ActivityDate = formatDate(rec.StartDateTime);
      if (typeof rec.ActivityDate === 'string') {
        const start = Date.parse(`${rec.ActivityDate}T00:00:00Z`);
        let days = 1;
        if (typeof rec.EndDateTime === 'number' && changed('EndDateTime')) days = Math.max(1, Math.floor((rec.EndDateTime - start) / DAY) + 1);
        else if (typeof rec.DurationInMinutes === 'number') days = Math.max(1, Math.round(rec.DurationInMinutes / 1440));
        rec.StartDateTime = start;
        rec.ActivityDateTime = start;
        rec.DurationInMinutes = days * 1440;
        // The platform stores an all-day event's end as midnight of its last day.
        rec.EndDateTime = start + (days - 1) * DAY;
        rec.EndDate = formatDate(start + (days - 1) * DAY);
      }
      return;
    }
    if (changed('StartDateTime') && typeof rec.StartDateTime === 'number') rec.ActivityDateTime = rec.StartDateTime;
    else if (typeof rec.ActivityDateTime === 'number') rec.StartDateTime = rec.ActivityDateTime;
    if (typeof rec.StartDateTime !== 'number') return;
    if (typeof rec.EndDateTime === 'number' && (changed('EndDateTime') || !changed('DurationInMinutes'))) {
      rec.DurationInMinutes = Math.round((rec.EndDateTime - rec.StartDateTime) / 60_000);
    } else if (typeof rec.DurationInMinutes === 'number') {
      rec.EndDateTime = rec.StartDateTime + rec.DurationInMinutes * 60_000;
    }
    rec.ActivityDate = formatDate(rec.StartDateTime);
    if (typeof rec.EndDateTime === 'number') rec.EndDate = formatDate(rec.EndDateTime);
  }

  private afterCreate(obj: ObjectDef, rec: Rec, tx: Transaction): void {
    if (obj.name === 'ContentVersion') this.publishContent(rec, tx);
    if (obj.name === 'Event' && rec.IsRecurrence === true) this.expandSeries(obj, rec, tx);
    else if (obj.name === 'Event' && typeof rec.Recurrence2PatternText === 'string' && rec.Recurrence2PatternText !== '') this.expandRrule(obj, rec, tx);
  }

  /**
   * A Recurrence 2.0 series: the record holding the RRULE becomes the series record
   * (GroupEventType 3) and each occurrence is an Event row sharing its ActivityRecurrence2Id.
   * DAILY, WEEKLY (BYDAY) and MONTHLY (BYMONTHDAY) with INTERVAL, COUNT or UNTIL; other rules
   * are kept as text, unexpanded.
   */
  private expandRrule(obj: ObjectDef, series: Rec, tx: Transaction): void {
    const DAY = 86_400_000;
    const rule = new Map(String(series.Recurrence2PatternText).replace(/^RRULE:/i, '').split(';').filter(Boolean).map((p) => p.split('=') as [string, string]).map(([k, v]) => [k.toUpperCase(), (v ?? '').toUpperCase()]));
    const freq = rule.get('FREQ');
    if (typeof series.StartDateTime !== 'number' || !['DAILY', 'WEEKLY', 'MONTHLY'].includes(freq ?? '')) return;
    const first = series.StartDateTime;
    const interval = Math.max(1, Number(rule.get('INTERVAL') ?? '1') || 1);
    const count = rule.has('COUNT') ? Number(rule.get('COUNT')) : undefined;
    const untilText = rule.get('UNTIL');
    const until = untilText ? Date.parse(untilText.replace(/^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?$/, (_m, y, mo, d, h, mi, se) => `${y}-${mo}-${d}T${h ?? '23'}:${mi ?? '59'}:${se ?? '59'}Z`)) : undefined;
    const codes = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];
    const byDay = (rule.get('BYDAY') ?? '').split(',').filter(Boolean).map((d) => codes.indexOf(d.slice(-2)));
    const byMonthDay = rule.has('BYMONTHDAY') ? Number(rule.get('BYMONTHDAY')) : new Date(first).getUTCDate();
    const starts: number[] = [];
    // a year of days at most past the last bound: the platform caps a series anyway
    for (let t = first, i = 0; i < 3700 && (count === undefined || starts.length < count) && (until === undefined || t <= until); t += DAY, i++) {
      const d = new Date(t);
      const days = Math.round((t - first) / DAY);
      const ok = freq === 'DAILY' ? days % interval === 0
        : freq === 'WEEKLY' ? (byDay.length ? byDay.includes(d.getUTCDay()) : d.getUTCDay() === new Date(first).getUTCDay()) && Math.floor(days / 7) % interval === 0
          : d.getUTCDate() === byMonthDay && ((d.getUTCFullYear() - new Date(first).getUTCFullYear()) * 12 + d.getUTCMonth() - new Date(first).getUTCMonth()) % interval === 0;
      if (ok) starts.push(t);
      if (count === undefined && until === undefined && starts.length >= 100) break;
    }
    if (starts.length > 100) throw new SfError('FIELD_INTEGRITY_EXCEPTION', 'Recurring events can have at most 100 occurrences', ['Recurrence2PatternText']);
    const seriesId = this.newId('828');
    series.GroupEventType = '3';
    series.ActivityRecurrence2Id = seriesId;
    const copy = ['Subject', 'Location', 'Description', 'OwnerId', 'WhoId', 'WhatId', 'IsAllDayEvent', 'IsPrivate', 'ShowAs'];
    for (const start of starts) {
      const input: Rec = { StartDateTime: new Date(start).toISOString(), DurationInMinutes: series.DurationInMinutes };
      for (const f of copy) if (series[f] !== undefined && obj.fields.has(f)) input[f] = series[f];
      if (series.IsAllDayEvent) input.ActivityDate = formatDate(start);
      const childId = this.create(obj, input, tx);
      Object.assign(this.table(obj).get(childId)!, { ActivityRecurrence2Id: seriesId, GroupEventType: '0' });
    }
  }

  /**
   * A recurring event series: the master carries the pattern and each occurrence is its own
   * Event whose RecurrenceActivityId names the master (daily, every weekday, weekly, monthly).
   */
  private expandSeries(obj: ObjectDef, master: Rec, tx: Transaction): void {
    const missing = ['RecurrenceStartDateTime', 'RecurrenceEndDateOnly', 'RecurrenceType'].filter((f) => master[f] === undefined);
    if (missing.length) throw new SfError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
    const DAY = 86_400_000;
    const first = master.RecurrenceStartDateTime as number;
    const last = Date.parse(`${master.RecurrenceEndDateOnly as string}T23:59:59Z`);
    const interval = typeof master.RecurrenceInterval === 'number' && master.RecurrenceInterval > 0 ? master.RecurrenceInterval : 1;
    const mask = typeof master.RecurrenceDayOfWeekMask === 'number' ? master.RecurrenceDayOfWeekMask : 0;
    const starts: number[] = [];
    for (let t = first, i = 0; t <= last && i < 3700; t += DAY, i++) {
      const d = new Date(t);
      const dow = d.getUTCDay();
      const daysFromFirst = Math.round((t - first) / DAY);
      const ok = master.RecurrenceType === 'RecursDaily' ? daysFromFirst % interval === 0
        : master.RecurrenceType === 'RecursEveryWeekday' ? dow >= 1 && dow <= 5
          : master.RecurrenceType === 'RecursWeekly' ? (mask & (1 << dow)) !== 0 && Math.floor(daysFromFirst / 7) % interval === 0
            : master.RecurrenceType === 'RecursMonthly' ? d.getUTCDate() === (master.RecurrenceDayOfMonth ?? new Date(first).getUTCDate())
              && ((d.getUTCFullYear() - new Date(first).getUTCFullYear()) * 12 + d.getUTCMonth() - new Date(first).getUTCMonth()) % interval === 0
              : false;
      if (ok) starts.push(t);
    }
    if (starts.length > 100) throw new SfError('FIELD_INTEGRITY_EXCEPTION', 'Recurring events can have at most 100 occurrences', ['RecurrenceEndDateOnly']);
    master.RecurrenceActivityId = master.Id;
    const copy = ['Subject', 'Location', 'Description', 'OwnerId', 'WhoId', 'WhatId', 'IsAllDayEvent', 'IsPrivate', 'ShowAs', 'SCC_Exchange_Key__c'];
    for (const start of starts) {
      const input: Rec = { StartDateTime: new Date(start).toISOString(), DurationInMinutes: master.DurationInMinutes };
      for (const f of copy) if (master[f] !== undefined && obj.fields.has(f) && f !== 'SCC_Exchange_Key__c') input[f] = master[f];
      if (master.IsAllDayEvent) input.ActivityDate = formatDate(start);
      const childId = this.create(obj, input, tx);
      this.table(obj).get(childId)!.RecurrenceActivityId = master.Id;
    }
  }

  /** A new ContentVersion creates its ContentDocument and, with FirstPublishLocationId, a link. */
  private publishContent(rec: Rec, tx: Transaction): void {
    const body = rec.VersionData as Buffer;
    const path = String(rec.PathOnClient ?? '');
    const ext = path.includes('.') ? path.split('.').pop()!.toLowerCase() : '';
    Object.assign(rec, {
      ContentSize: body.length, FileExtension: ext || undefined, FileType: ext ? ext.toUpperCase() : 'UNKNOWN',
      IsLatest: true, VersionNumber: '1', Checksum: createHash('md5').update(body).digest('hex'),
    });
    const docObj = this.object('ContentDocument');
    const docId = this.newId(docObj.keyPrefix);
    const now = rec.CreatedDate;
    const doc: Rec = {
      Id: docId, IsDeleted: false, Title: rec.Title, LatestPublishedVersionId: rec.Id, ContentSize: body.length,
      FileExtension: rec.FileExtension, FileType: rec.FileType, OwnerId: rec.OwnerId,
      CreatedDate: now, CreatedById: tx.ctx.userId, LastModifiedDate: now, LastModifiedById: tx.ctx.userId, SystemModstamp: now,
    };
    const docs = this.table(docObj);
    docs.set(docId, doc);
    tx.undo.push(() => docs.delete(docId));
    rec.ContentDocumentId = docId;
    if (typeof rec.FirstPublishLocationId === 'string') {
      this.create(this.object('ContentDocumentLink'), { ContentDocumentId: docId, LinkedEntityId: rec.FirstPublishLocationId }, tx);
    }
  }

  private cascadeDelete(obj: ObjectDef, id: string, tx: Transaction): void {
    if (obj.name === 'Event') {
      const rel = this.object('EventRelation');
      for (const r of [...this.table(rel).values()]) if (r.EventId === id && !r.IsDeleted) this.delete(rel, r.Id as string, tx);
      // Deleting a series master (classic or Recurrence 2.0 series record) deletes its occurrences.
      for (const r of [...this.table(obj).values()]) if (r.RecurrenceActivityId === id && r.Id !== id && !r.IsDeleted) this.delete(obj, r.Id as string, tx);
      const series = this.table(obj).get(id);
      if (series?.GroupEventType === '3' && typeof series.ActivityRecurrence2Id === 'string') {
        for (const r of [...this.table(obj).values()]) if (r.ActivityRecurrence2Id === series.ActivityRecurrence2Id && r.Id !== id && !r.IsDeleted) this.delete(obj, r.Id as string, tx);
      }
    }
  }

  private indexRecord(obj: ObjectDef, rec: Rec, tx: Transaction): void {
    for (const field of obj.fields.values()) {
      if (!field.unique) continue;
      const v = rec[field.name];
      if (v === undefined || v === null) continue;
      const indexName = `${obj.name}.${field.name}`;
      let index = this.unique.get(indexName);
      if (!index) this.unique.set(indexName, (index = new Map()));
      const key = uniqueKey(field, String(v));
      const holder = index.get(key);
      if (holder && holder !== rec.Id) {
        throw new SfError('DUPLICATE_VALUE', `duplicate value found: ${field.name} duplicates value on record with id: ${holder}`, []);
      }
      index.set(key, rec.Id as string);
      const idx = index;
      tx.undo.push(() => { if (holder) idx.set(key, holder); else idx.delete(key); });
    }
  }

  private unindexRecord(obj: ObjectDef, rec: Rec, tx: Transaction): void {
    for (const field of obj.fields.values()) {
      if (!field.unique) continue;
      const v = rec[field.name];
      if (v === undefined || v === null) continue;
      const index = this.unique.get(`${obj.name}.${field.name}`);
      const key = uniqueKey(field, String(v));
      if (index && index.get(key) === rec.Id) {
        index.delete(key);
        tx.undo.push(() => index.set(key, rec.Id as string));
      }
    }
  }
}

function uniqueKey(field: FieldDef, value: string): string {
  return field.caseSensitive ? value : value.toLowerCase();
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  return a === b;
}
