// Runs a parsed SOQL query against the org: field resolution (incl. one-level relationship
// fields), filtering, ordering and the row shape REST returns (attributes + fields).
import { SfError } from './errors.ts';
import { normalizeId } from './ids.ts';
import type { Org, Rec } from './org.ts';
import { findField, type FieldDef, type ObjectDef } from './schema.ts';
import { parseSoql, relativeRange, type Condition, type Literal, type SoqlQuery } from './soql.ts';
import { formatDateTime, parseDate } from './values.ts';

interface Resolved {
  /** Field on the queried object, or the reference field for a relationship path. */
  field: FieldDef;
  /** For relationship paths: the relationship name as the caller wrote it and the target field name. */
  relationship?: { name: string; targetField: string };
  label: string;
}

export interface PreparedQuery {
  soql: SoqlQuery;
  obj: ObjectDef;
  select: Resolved[];
  apiVersion: string;
}

function invalidField(obj: ObjectDef, path: string[]): SfError {
  return new SfError('INVALID_FIELD', `No such column '${path.join('.')}' on entity '${obj.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`, []);
}

function resolve(org: Org, obj: ObjectDef, path: string[]): Resolved {
  if (path.length === 2 && path[0]!.toLowerCase() === obj.name.toLowerCase()) path = [path[1]!];
  if (path.length === 1) {
    const field = findField(obj, path[0]!);
    if (!field) throw invalidField(obj, path);
    return { field, label: field.name };
  }
  if (path.length === 2) {
    const refName = obj.relationships.get(path[0]!.toLowerCase());
    const field = refName ? obj.fields.get(refName) : undefined;
    if (!field) throw new SfError('INVALID_FIELD', `Didn't understand relationship '${path[0]}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name.`, []);
    const target = path[1]!;
    // Polymorphic relationships (Who, What, Owner) expose Type, Name, Email… of whichever object.
    const known = target.toLowerCase() === 'type' || field.referenceTo.some((t) => {
      const o = org.schema.objects.get(t);
      return o !== undefined && findField(o, target) !== undefined;
    });
    if (!known) throw invalidField(obj, path);
    return { field, relationship: { name: field.relationshipName!, targetField: target }, label: path.join('.') };
  }
  throw new SfError('MALFORMED_QUERY', `relationship paths deeper than one level are not supported: ${path.join('.')}`);
}

export function prepare(org: Org, text: string, apiVersion: string): PreparedQuery {
  const soql = parseSoql(text);
  const obj = org.schema.objects.get(org.schema.index.get(soql.from.toLowerCase()) ?? '');
  if (!obj) throw new SfError('INVALID_TYPE', `sObject type '${soql.from}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`);
  const select = soql.fields.map((p) => resolve(org, obj, p));
  // Validate every path up front so a bad WHERE fails even on an empty table.
  const walk = (c: Condition | undefined): void => {
    if (!c) return;
    if (c.kind === 'and' || c.kind === 'or') c.items.forEach(walk);
    else if (c.kind === 'not') walk(c.item);
    else if ('path' in c) resolve(org, obj, c.path);
  };
  walk(soql.where);
  for (const o of soql.orderBy) resolve(org, obj, o.path);
  return { soql, obj, select, apiVersion };
}

/** The raw stored value a path yields for a record, following one relationship hop. */
function valueOf(org: Org, obj: ObjectDef, rec: Rec, path: string[]): { value: unknown; field?: FieldDef } {
  const r = resolve(org, obj, path);
  if (!r.relationship) return { value: rec[r.field.name], field: r.field };
  const refId = rec[r.field.name];
  if (typeof refId !== 'string') return { value: undefined };
  const hit = org.find(refId);
  if (!hit) return { value: undefined };
  if (r.relationship.targetField.toLowerCase() === 'type') return { value: hit.obj.name };
  const tf = findField(hit.obj, r.relationship.targetField);
  return { value: tf ? hit.rec[tf.name] : undefined, field: tf };
}

function compareValues(field: FieldDef | undefined, a: unknown, lit: Literal, now: number): number | undefined {
  if (a === undefined || a === null) return undefined;
  if (lit.kind === 'relative') return undefined;
  let b: unknown;
  switch (lit.kind) {
    case 'string': b = lit.value; break;
    case 'number': b = lit.value; break;
    case 'boolean': b = lit.value; break;
    case 'date': b = field?.type === 'datetime' ? Date.parse(`${lit.value}T00:00:00Z`) : lit.value; break;
    case 'datetime': b = field?.type === 'date' ? new Date(lit.value).toISOString().slice(0, 10) : lit.value; break;
    default: return undefined;
  }
  void now;
  if (field && (field.type === 'id' || field.type === 'reference') && typeof b === 'string') {
    b = normalizeId(b) ?? b;
  }
  if (typeof a === 'string' && typeof b === 'string') {
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  return undefined;
}

function likeRegex(pattern: string): RegExp {
  let re = '';
  for (const ch of pattern) {
    if (ch === '%') re += '.*';
    else if (ch === '_') re += '.';
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'is');
}

function matches(org: Org, obj: ObjectDef, rec: Rec, c: Condition, now: number, likeCache: Map<string, RegExp>): boolean {
  switch (c.kind) {
    case 'and': return c.items.every((i) => matches(org, obj, rec, i, now, likeCache));
    case 'or': return c.items.some((i) => matches(org, obj, rec, i, now, likeCache));
    case 'not': return !matches(org, obj, rec, c.item, now, likeCache);
    case 'like': {
      const { value } = valueOf(org, obj, rec, c.path);
      if (typeof value !== 'string') return false;
      let re = likeCache.get(c.pattern);
      if (!re) likeCache.set(c.pattern, (re = likeRegex(c.pattern)));
      return re.test(value);
    }
    case 'in': {
      const { value, field } = valueOf(org, obj, rec, c.path);
      const hit = c.values.some((v) => (v.kind === 'null' ? value === undefined : compareValues(field, value, v, now) === 0));
      return c.negate ? !hit : hit;
    }
    case 'includes': {
      const { value } = valueOf(org, obj, rec, c.path);
      const have = typeof value === 'string' ? value.split(';').map((s) => s.toLowerCase()) : [];
      const hit = c.values.some((v) => v.split(';').every((part) => have.includes(part.toLowerCase())));
      return c.negate ? !hit : hit;
    }
    case 'compare': {
      const { value, field } = valueOf(org, obj, rec, c.path);
      if (c.value.kind === 'null') {
        const isNull = value === undefined || value === null;
        return c.op === '=' ? isNull : c.op === '!=' ? !isNull : false;
      }
      if (c.value.kind === 'relative') {
        if (value === undefined || value === null) return c.op === '!=';
        const [start, end] = relativeRange(c.value, now);
        const v = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(`${parseDate(value) ?? value}T00:00:00Z`) : NaN;
        switch (c.op) {
          case '=': return v >= start && v < end;
          case '!=': return !(v >= start && v < end);
          case '<': return v < start;
          case '<=': return v < end;
          case '>': return v >= end;
          case '>=': return v >= start;
        }
      }
      const cmp = compareValues(field, value, c.value, now);
      if (cmp === undefined) return c.op === '!=' && (value === undefined || value === null);
      switch (c.op) {
        case '=': return cmp === 0;
        case '!=': return cmp !== 0;
        case '<': return cmp < 0;
        case '<=': return cmp <= 0;
        case '>': return cmp > 0;
        case '>=': return cmp >= 0;
      }
    }
  }
  return false;
}

/** Runs the query and returns matching records (stored form), ordered, limited and offset. */
export function execute(org: Org, q: PreparedQuery, opts: { includeDeleted: boolean }): Rec[] {
  const now = org.clock();
  const likeCache = new Map<string, RegExp>();
  const out: Rec[] = [];
  const includeDeleted = opts.includeDeleted || q.soql.allRows;
  for (const rec of org.table(q.obj).values()) {
    if (rec.IsDeleted && !includeDeleted) continue;
    if (q.soql.where && !matches(org, q.obj, rec, q.soql.where, now, likeCache)) continue;
    out.push(rec);
  }
  if (q.soql.orderBy.length) {
    const keys = q.soql.orderBy.map((o) => ({ ...o }));
    const valueCache = new Map<Rec, unknown[]>();
    const vals = (r: Rec): unknown[] => {
      let v = valueCache.get(r);
      if (!v) valueCache.set(r, (v = keys.map((k) => valueOf(org, q.obj, r, k.path).value)));
      return v;
    };
    out.sort((a, b) => {
      const va = vals(a);
      const vb = vals(b);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        const x = va[i];
        const y = vb[i];
        if (x === y) continue;
        if (x === undefined || x === null) return k.nullsLast ? 1 : -1;
        if (y === undefined || y === null) return k.nullsLast ? -1 : 1;
        const cmp = typeof x === 'string' && typeof y === 'string'
          ? x.localeCompare(y, 'en', { sensitivity: 'base' })
          : (x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0;
        if (cmp !== 0) return k.desc ? -cmp : cmp;
      }
      return 0;
    });
  }
  const offset = q.soql.offset ?? 0;
  const end = q.soql.limit === undefined ? undefined : offset + q.soql.limit;
  return offset || end !== undefined ? out.slice(offset, end) : out;
}

export function recordUrl(apiVersion: string, obj: string, id: string): string {
  return `/services/data/v${apiVersion}/sobjects/${obj}/${id}`;
}

/** One row in REST shape: attributes, then the selected fields in order, relationships nested. */
export function shapeRow(org: Org, q: PreparedQuery, rec: Rec): Rec {
  const row: Rec = { attributes: { type: q.obj.name, url: recordUrl(q.apiVersion, q.obj.name, rec.Id as string) } };
  for (const sel of q.select) {
    if (!sel.relationship) {
      row[sel.field.name] = apiValue(q.apiVersion, q.obj, sel.field, rec);
      continue;
    }
    const relKey = sel.relationship.name;
    const refId = rec[sel.field.name];
    const hit = typeof refId === 'string' ? org.find(refId) : undefined;
    if (!hit) {
      if (!(relKey in row)) row[relKey] = null;
      continue;
    }
    let nested = row[relKey] as Rec | null | undefined;
    if (!nested) {
      nested = { attributes: { type: hit.obj.name, url: recordUrl(q.apiVersion, hit.obj.name, hit.rec.Id as string) } };
      row[relKey] = nested;
    }
    const target = sel.relationship.targetField;
    if (target.toLowerCase() === 'type') nested.Type = hit.obj.name;
    else {
      const tf = findField(hit.obj, target);
      if (tf) nested[tf.name] = apiValue(q.apiVersion, hit.obj, tf, hit.rec);
    }
  }
  return row;
}

export function apiValue(apiVersion: string, obj: ObjectDef, field: FieldDef, rec: Rec): unknown {
  const v = rec[field.name];
  if (v === undefined || v === null) return null;
  if (field.type === 'datetime') return formatDateTime(v as number);
  if (field.type === 'base64') return `${recordUrl(apiVersion, obj.name, rec.Id as string)}/${field.name}`;
  return v;
}

/** Whether one stored record satisfies the query's WHERE clause (PushTopic matching). */
export function recordMatches(org: Org, q: PreparedQuery, rec: Rec): boolean {
  if (!q.soql.where) return true;
  return matches(org, q.obj, rec, q.soql.where, org.clock(), new Map());
}

/** Field names a query references in SELECT and in WHERE (PushTopic NotifyForFields). */
export function referencedFields(q: PreparedQuery): { select: Set<string>; where: Set<string> } {
  const select = new Set(q.select.filter((s) => !s.relationship).map((s) => s.field.name));
  const where = new Set<string>();
  const walk = (c: Condition | undefined): void => {
    if (!c) return;
    if (c.kind === 'and' || c.kind === 'or') c.items.forEach(walk);
    else if (c.kind === 'not') walk(c.item);
    else if ('path' in c && c.path.length === 1) {
      const f = findField(q.obj, c.path[0]!);
      if (f) where.add(f.name);
    }
  };
  walk(q.soql.where);
  return { select, where };
}
