// OData query options the product needs: $filter (a subset: eq ne gt ge lt le, and/or/not,
// parentheses, startswith/contains, lambda any() over collections incl.
// singleValueExtendedProperties), $orderby, $select. Unsupported syntax is a 400, never ignored.
import { badRequest } from './errors.ts';

type Json = Record<string, unknown>;
export type Predicate = (item: Json) => boolean;

type Tok = { t: 'str' | 'num' | 'id' | 'op' | 'punct' | 'lit'; v: string };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) throw badRequest('Invalid filter clause: unterminated string literal.', 'BadRequest');
        if (src[i] === "'") {
          if (src[i + 1] === "'") { s += "'"; i += 2; continue; }
          i++;
          break;
        }
        s += src[i++];
      }
      out.push({ t: 'str', v: s });
      continue;
    }
    if ('(),:'.includes(c)) { out.push({ t: 'punct', v: c }); i++; continue; }
    const m = /^[A-Za-z0-9_.\-/@+:]+/.exec(src.slice(i));
    if (!m) throw badRequest(`Invalid filter clause: unexpected '${c}'.`, 'BadRequest');
    let w = m[0];
    // a ':' after an identifier belongs to lambda syntax ("x: x/..." or "x:x/..."), not to it;
    // only date-time literals (which start with a digit) keep their colons
    if (!/^\d/.test(w) && w.includes(':')) w = w.slice(0, w.indexOf(':'));
    i += w.length;
    if (/^(eq|ne|gt|ge|lt|le|and|or|not)$/i.test(w)) out.push({ t: 'op', v: w.toLowerCase() });
    else if (/^(true|false|null)$/.test(w)) out.push({ t: 'lit', v: w });
    else if (/^-?\d+(\.\d+)?$/.test(w)) out.push({ t: 'num', v: w });
    else if (/^\d{4}-\d{2}-\d{2}T[\d:.]+Z?$/.test(w)) out.push({ t: 'str', v: w });
    else out.push({ t: 'id', v: w });
  }
  return out;
}

type Value = (item: unknown, scope: Map<string, unknown>) => unknown;

export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const seg of path.split('/')) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    cur = (cur as Json)[seg];
  }
  return cur;
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return -1;
  if (b === undefined || b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const as = String(a), bs = String(b);
  // date-times compare as instants whatever their precision
  if (/^\d{4}-\d{2}-\d{2}T/.test(as) && /^\d{4}-\d{2}-\d{2}T/.test(bs)) {
    return Date.parse(as.endsWith('Z') ? as : as + 'Z') - Date.parse(bs.endsWith('Z') ? bs : bs + 'Z');
  }
  return as.toLowerCase() < bs.toLowerCase() ? -1 : as.toLowerCase() > bs.toLowerCase() ? 1 : 0;
}

function looseEq(a: unknown, b: unknown): boolean {
  if (a === undefined) a = null;
  if (typeof a === 'string' && typeof b === 'string') {
    // Exchange string comparison is case-insensitive
    if (/^\d{4}-\d{2}-\d{2}T/.test(a) && /^\d{4}-\d{2}-\d{2}T/.test(b)) return compare(a, b) === 0;
    return a.toLowerCase() === b.toLowerCase();
  }
  return a === b;
}

export function parseFilter(src: string): Predicate {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p];
  const next = () => {
    const t = toks[p++];
    if (!t) throw badRequest('Invalid filter clause: unexpected end of expression.', 'BadRequest');
    return t;
  };
  const expect = (v: string) => {
    const t = next();
    if (t.v !== v) throw badRequest(`Invalid filter clause: expected '${v}' near '${t.v}'.`, 'BadRequest');
  };

  function primary(): Value {
    const t = next();
    if (t.t === 'str') return () => t.v;
    if (t.t === 'num') return () => Number(t.v);
    if (t.t === 'lit') return () => (t.v === 'null' ? null : t.v === 'true');
    if (t.t === 'punct' && t.v === '(') {
      const inner = orExpr();
      expect(')');
      return inner;
    }
    if (t.t === 'op' && t.v === 'not') {
      const inner = primary();
      return (it, s) => !inner(it, s);
    }
    if (t.t === 'id') {
      const fn = t.v.toLowerCase();
      if (peek()?.v === '(' && ['startswith', 'endswith', 'contains'].includes(fn)) {
        expect('(');
        const a = orExpr();
        expect(',');
        const b = orExpr();
        expect(')');
        return (it, s) => {
          const x = String(a(it, s) ?? '').toLowerCase(), y = String(b(it, s) ?? '').toLowerCase();
          return fn === 'startswith' ? x.startsWith(y) : fn === 'endswith' ? x.endsWith(y) : x.includes(y);
        };
      }
      const m = /^(.*)\/(any|all)$/.exec(t.v);
      if (m && peek()?.v === '(') {
        const collPath = m[1]!;
        const kind = m[2]!;
        expect('(');
        const v = next();
        if (v.t !== 'id') throw badRequest('Invalid filter clause: lambda variable expected.', 'BadRequest');
        expect(':');
        const body = orExpr();
        expect(')');
        return (it, s) => {
          const coll = resolve(collPath, it, s);
          if (!Array.isArray(coll)) return kind === 'all';
          const test = (el: unknown) => {
            const scope = new Map(s);
            scope.set(v.v, el);
            return Boolean(body(it, scope));
          };
          return kind === 'any' ? coll.some(test) : coll.every(test);
        };
      }
      return (it, s) => resolve(t.v, it, s);
    }
    throw badRequest(`Invalid filter clause: unexpected '${t.v}'.`, 'BadRequest');
  }

  function resolve(path: string, item: unknown, scope: Map<string, unknown>): unknown {
    const [head, ...rest] = path.split('/');
    if (scope.has(head!)) return rest.length ? getPath(scope.get(head!), rest.join('/')) : scope.get(head!);
    return getPath(item, path);
  }

  function cmpExpr(): Value {
    const left = primary();
    const t = peek();
    if (t?.t === 'op' && ['eq', 'ne', 'gt', 'ge', 'lt', 'le'].includes(t.v)) {
      p++;
      const right = primary();
      const op = t.v;
      return (it, s) => {
        const a = left(it, s), b = right(it, s);
        switch (op) {
          case 'eq': return looseEq(a, b);
          case 'ne': return !looseEq(a, b);
          case 'gt': return compare(a, b) > 0;
          case 'ge': return compare(a, b) >= 0;
          case 'lt': return compare(a, b) < 0;
          default: return compare(a, b) <= 0;
        }
      };
    }
    return left;
  }
  function andExpr(): Value {
    let left = cmpExpr();
    while (peek()?.v === 'and') {
      p++;
      const l = left, r = cmpExpr();
      left = (it, s) => Boolean(l(it, s)) && Boolean(r(it, s));
    }
    return left;
  }
  function orExpr(): Value {
    let left = andExpr();
    while (peek()?.v === 'or') {
      p++;
      const l = left, r = andExpr();
      left = (it, s) => Boolean(l(it, s)) || Boolean(r(it, s));
    }
    return left;
  }
  const root = orExpr();
  if (p < toks.length) throw badRequest(`Invalid filter clause: unexpected '${toks[p]!.v}'.`, 'BadRequest');
  return (item) => Boolean(root(item, new Map()));
}

/**
 * The extended property a filter requires, when it has the shape the product's stamp lookup
 * uses — `singleValueExtendedProperties/any(ep: ep/id eq '…' and ep/value eq '…')`, alone or
 * and-ed with other conditions — so a list can start from the property index instead of
 * scanning the folder. The whole filter still runs on what the index returns.
 */
export function requiredProperty(src: string): { id: string; value: string } | undefined {
  const toks = tokenize(src);
  // top-level conjuncts; any top-level 'or' or 'not' makes the property optional
  const conjuncts: Tok[][] = [[]];
  let depth = 0;
  for (const t of toks) {
    if (t.t === 'punct' && t.v === '(') depth++;
    if (t.t === 'punct' && t.v === ')') depth--;
    if (depth === 0 && t.t === 'op' && (t.v === 'or' || t.v === 'not')) return undefined;
    if (depth === 0 && t.t === 'op' && t.v === 'and') conjuncts.push([]);
    else conjuncts[conjuncts.length - 1]!.push(t);
  }
  for (const c of conjuncts) {
    const found = propertyLambda(c);
    if (found) return found;
  }
  return undefined;
}

// `singleValueExtendedProperties/any ( v : v/id eq 'X' and v/value eq 'Y' )`, either order.
function propertyLambda(toks: readonly Tok[]): { id: string; value: string } | undefined {
  if (toks.length !== 12) return undefined;
  const [head, open, v, colon, , , , and, , , , close] = toks;
  if (head!.t !== 'id' || head!.v.toLowerCase() !== 'singlevalueextendedproperties/any') return undefined;
  if (open!.v !== '(' || v!.t !== 'id' || colon!.v !== ':' || and!.v !== 'and' || close!.v !== ')') return undefined;
  const parts: Record<string, string> = {};
  for (const [path, op, lit] of [toks.slice(4, 7), toks.slice(8, 11)] as Tok[][]) {
    if (path!.t !== 'id' || op!.v !== 'eq' || lit!.t !== 'str') return undefined;
    const [variable, field, ...rest] = path!.v.split('/');
    if (variable !== v!.v || rest.length > 0 || (field !== 'id' && field !== 'value')) return undefined;
    parts[field] = lit!.v;
  }
  return parts.id !== undefined && parts.value !== undefined ? { id: parts.id, value: parts.value } : undefined;
}

export function parseOrderBy(src: string): (a: Json, b: Json) => number {
  const keys = src.split(',').map((part) => {
    const [field, dir] = part.trim().split(/\s+/);
    if (!field) throw badRequest('Invalid $orderby.', 'BadRequest');
    return { field, desc: dir?.toLowerCase() === 'desc' };
  });
  return (a, b) => {
    for (const k of keys) {
      const c = compare(getPath(a, k.field), getPath(b, k.field));
      if (c !== 0) return k.desc ? -c : c;
    }
    return 0;
  };
}

/** Keeps only the selected properties (plus the ones Graph always returns). */
export function applySelect(obj: Json, select: string | undefined): Json {
  if (!select) return obj;
  const keep = new Set(select.split(',').map((s) => s.trim()).filter(Boolean));
  const out: Json = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k.startsWith('@') || k === 'id' || keep.has(k) || k === 'singleValueExtendedProperties' || k === 'attachments') out[k] = v;
  }
  return out;
}

/** Parses `$expand=singleValueExtendedProperties($filter=id eq '…'),attachments`. */
export function parseExpand(src: string | undefined): Map<string, Predicate | null> {
  const out = new Map<string, Predicate | null>();
  if (!src) return out;
  let depth = 0, start = 0;
  const parts: string[] = [];
  for (let i = 0; i < src.length; i++) {
    if (src[i] === '(') depth++;
    else if (src[i] === ')') depth--;
    else if (src[i] === ',' && depth === 0) { parts.push(src.slice(start, i)); start = i + 1; }
  }
  parts.push(src.slice(start));
  for (const part of parts) {
    const m = /^\s*([A-Za-z]+)\s*(?:\((.*)\))?\s*$/.exec(part);
    if (!m) throw badRequest(`Invalid $expand '${part}'.`, 'BadRequest');
    const inner = m[2];
    const f = inner ? /^\$filter=(.*)$/.exec(inner.trim()) : null;
    out.set(m[1]!, f ? parseFilter(f[1]!) : null);
  }
  return out;
}
