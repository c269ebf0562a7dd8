// A recursive-descent parser for the SOQL subset the product and its tests use:
// SELECT fields | COUNT() FROM T [WHERE …] [ORDER BY …] [LIMIT n] [OFFSET n] [ALL ROWS],
// with one-level relationship fields, AND/OR/NOT, comparisons, IN/NOT IN, LIKE, INCLUDES,
// null, date and datetime literals and relative date literals (LAST_N_DAYS:n, TODAY, …).
import { SfError } from './errors.ts';

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'date'; value: string }
  | { kind: 'datetime'; value: number }
  | { kind: 'relative'; name: string; n: number };

export type Condition =
  | { kind: 'and' | 'or'; items: Condition[] }
  | { kind: 'not'; item: Condition }
  | { kind: 'compare'; path: string[]; op: '=' | '!=' | '<' | '<=' | '>' | '>='; value: Literal }
  | { kind: 'in'; path: string[]; values: Literal[]; negate: boolean }
  | { kind: 'like'; path: string[]; pattern: string }
  | { kind: 'includes'; path: string[]; values: string[]; negate: boolean };

export interface OrderItem {
  path: string[];
  desc: boolean;
  nullsLast: boolean;
}

export interface SoqlQuery {
  fields: string[][];
  count: boolean;
  from: string;
  where?: Condition;
  orderBy: OrderItem[];
  limit?: number;
  offset?: number;
  allRows: boolean;
}

type Token = { t: 'ident' | 'string' | 'number' | 'date' | 'datetime' | 'op' | 'punct'; v: string; pos: number };

const DATE_RE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2}))?/;

function malformed(message: string): SfError {
  return new SfError('MALFORMED_QUERY', message);
}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) { i++; continue; }
    const rest = text.slice(i);
    const date = DATE_RE.exec(rest);
    if (date) {
      out.push({ t: date[1] ? 'datetime' : 'date', v: date[0], pos: i });
      i += date[0].length;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(rest);
    if (num && (c !== '-' || out.length === 0 || out[out.length - 1]!.t === 'op' || out[out.length - 1]!.v === '(' || out[out.length - 1]!.v === ',')) {
      out.push({ t: 'number', v: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (ident) { out.push({ t: 'ident', v: ident[0], pos: i }); i += ident[0].length; continue; }
    if (c === "'") {
      let j = i + 1;
      let s = '';
      for (;;) {
        if (j >= text.length) throw malformed(`unexpected end of string literal at ${i}`);
        const ch = text[j]!;
        if (ch === '\\') {
          const nx = text[j + 1];
          s += nx === 'n' ? '\n' : nx === 't' ? '\t' : nx === 'r' ? '\r' : (nx ?? '');
          j += 2;
          continue;
        }
        if (ch === "'") break;
        s += ch;
        j++;
      }
      out.push({ t: 'string', v: s, pos: i });
      i = j + 1;
      continue;
    }
    const op = /^(<=|>=|!=|<>|=|<|>)/.exec(rest);
    if (op) { out.push({ t: 'op', v: op[0] === '<>' ? '!=' : op[0], pos: i }); i += op[0].length; continue; }
    if ('(),.:'.includes(c)) { out.push({ t: 'punct', v: c, pos: i }); i++; continue; }
    throw malformed(`unexpected character '${c}' at position ${i}`);
  }
  return out;
}

const RELATIVE_FIXED = new Set([
  'TODAY', 'YESTERDAY', 'TOMORROW', 'THIS_WEEK', 'LAST_WEEK', 'NEXT_WEEK', 'THIS_MONTH', 'LAST_MONTH',
  'NEXT_MONTH', 'THIS_YEAR', 'LAST_YEAR', 'NEXT_YEAR', 'LAST_90_DAYS', 'NEXT_90_DAYS',
]);
const RELATIVE_N = new Set(['LAST_N_DAYS', 'NEXT_N_DAYS', 'N_DAYS_AGO', 'LAST_N_WEEKS', 'NEXT_N_WEEKS', 'LAST_N_MONTHS', 'NEXT_N_MONTHS']);

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[], private readonly text: string) {}

  private peek(offset = 0): Token | undefined { return this.tokens[this.i + offset]; }
  private isKw(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t?.t === 'ident' && t.v.toUpperCase() === word;
  }
  private next(): Token {
    const t = this.tokens[this.i++];
    if (!t) throw malformed(`unexpected end of query: ${this.text}`);
    return t;
  }
  private expectKw(word: string): void {
    const t = this.next();
    if (t.t !== 'ident' || t.v.toUpperCase() !== word) throw malformed(`unexpected token: '${t.v}' (expected ${word})`);
  }
  private expectPunct(p: string): void {
    const t = this.next();
    if (t.v !== p || t.t !== 'punct') throw malformed(`unexpected token: '${t.v}' (expected '${p}')`);
  }

  parse(): SoqlQuery {
    this.expectKw('SELECT');
    const q: SoqlQuery = { fields: [], count: false, from: '', orderBy: [], allRows: false };
    if (this.isKw('COUNT') && this.peek(1)?.v === '(' && this.peek(2)?.v === ')') {
      this.i += 3;
      q.count = true;
    } else {
      for (;;) {
        q.fields.push(this.path());
        if (this.peek()?.v === ',') { this.i++; continue; }
        break;
      }
    }
    this.expectKw('FROM');
    const from = this.next();
    if (from.t !== 'ident') throw malformed(`unexpected token: '${from.v}'`);
    q.from = from.v;
    if (this.isKw('USING')) { this.i += 3; }
    if (this.isKw('WHERE')) { this.i++; q.where = this.orExpr(); }
    if (this.isKw('WITH')) { this.i++; this.next(); }
    if (this.isKw('ORDER')) {
      this.i++;
      this.expectKw('BY');
      for (;;) {
        const path = this.path();
        let desc = false;
        if (this.isKw('ASC')) this.i++;
        else if (this.isKw('DESC')) { this.i++; desc = true; }
        // Salesforce sorts nulls first by default in ascending order, last in descending.
        let nullsLast = desc;
        if (this.isKw('NULLS')) {
          this.i++;
          nullsLast = this.next().v.toUpperCase() === 'LAST';
        }
        q.orderBy.push({ path, desc, nullsLast });
        if (this.peek()?.v === ',') { this.i++; continue; }
        break;
      }
    }
    if (this.isKw('LIMIT')) { this.i++; q.limit = this.integer(); }
    if (this.isKw('OFFSET')) { this.i++; q.offset = this.integer(); }
    if (this.isKw('FOR')) { this.i += 2; }
    if (this.isKw('ALL')) { this.i++; this.expectKw('ROWS'); q.allRows = true; }
    const extra = this.peek();
    if (extra) throw malformed(`unexpected token: '${extra.v}' at position ${extra.pos}`);
    return q;
  }

  private integer(): number {
    const t = this.next();
    if (t.t !== 'number' || !/^\d+$/.test(t.v)) throw malformed(`expected a non-negative integer, got '${t.v}'`);
    return Number(t.v);
  }

  private path(): string[] {
    const first = this.next();
    if (first.t !== 'ident') throw malformed(`unexpected token: '${first.v}'`);
    const parts = [first.v];
    while (this.peek()?.v === '.' && this.peek()?.t === 'punct') {
      this.i++;
      const t = this.next();
      if (t.t !== 'ident') throw malformed(`unexpected token: '${t.v}'`);
      parts.push(t.v);
    }
    return parts;
  }

  private orExpr(): Condition {
    const items = [this.andExpr()];
    while (this.isKw('OR')) { this.i++; items.push(this.andExpr()); }
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  }

  private andExpr(): Condition {
    const items = [this.notExpr()];
    while (this.isKw('AND')) { this.i++; items.push(this.notExpr()); }
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  }

  private notExpr(): Condition {
    if (this.isKw('NOT')) { this.i++; return { kind: 'not', item: this.notExpr() }; }
    if (this.peek()?.v === '(' && this.peek()?.t === 'punct') {
      this.i++;
      const inner = this.orExpr();
      this.expectPunct(')');
      return inner;
    }
    return this.predicate();
  }

  private predicate(): Condition {
    const path = this.path();
    const t = this.next();
    if (t.t === 'op') return { kind: 'compare', path, op: t.v as '=', value: this.literal() };
    const word = t.v.toUpperCase();
    if (t.t === 'ident' && word === 'LIKE') {
      const v = this.literal();
      if (v.kind !== 'string') throw malformed('LIKE needs a string pattern');
      return { kind: 'like', path, pattern: v.value };
    }
    if (t.t === 'ident' && (word === 'IN' || (word === 'NOT' && this.isKw('IN')))) {
      if (word === 'NOT') this.i++;
      return { kind: 'in', path, values: this.list(), negate: word === 'NOT' };
    }
    if (t.t === 'ident' && (word === 'INCLUDES' || word === 'EXCLUDES')) {
      const values = this.list().map((v) => (v.kind === 'string' ? v.value : ''));
      return { kind: 'includes', path, values, negate: word === 'EXCLUDES' };
    }
    throw malformed(`unexpected token: '${t.v}' after ${path.join('.')}`);
  }

  private list(): Literal[] {
    this.expectPunct('(');
    if (this.isKw('SELECT')) throw malformed('semi-join sub-selects are not supported by the emulator');
    const values: Literal[] = [];
    for (;;) {
      values.push(this.literal());
      const t = this.next();
      if (t.v === ',') continue;
      if (t.v === ')') break;
      throw malformed(`unexpected token: '${t.v}' in list`);
    }
    return values;
  }

  private literal(): Literal {
    const t = this.next();
    switch (t.t) {
      case 'string': return { kind: 'string', value: t.v };
      case 'number': return { kind: 'number', value: Number(t.v) };
      case 'date': return { kind: 'date', value: t.v };
      case 'datetime': {
        const ms = Date.parse(t.v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
        if (Number.isNaN(ms)) throw malformed(`invalid datetime literal ${t.v}`);
        return { kind: 'datetime', value: ms };
      }
      case 'ident': {
        const word = t.v.toUpperCase();
        if (word === 'NULL') return { kind: 'null' };
        if (word === 'TRUE' || word === 'FALSE') return { kind: 'boolean', value: word === 'TRUE' };
        if (RELATIVE_FIXED.has(word)) return { kind: 'relative', name: word, n: 0 };
        if (RELATIVE_N.has(word)) {
          this.expectPunct(':');
          return { kind: 'relative', name: word, n: this.integer() };
        }
        throw malformed(`unexpected token: '${t.v}'`);
      }
      default: throw malformed(`unexpected token: '${t.v}'`);
    }
  }
}

export function parseSoql(text: string): SoqlQuery {
  return new Parser(tokenize(text), text).parse();
}

const DAY = 86_400_000;

/** The [start, end) range in ms a relative date literal covers, in UTC (the org's time zone). */
export function relativeRange(lit: { name: string; n: number }, now: number): [number, number] {
  const today = Math.floor(now / DAY) * DAY;
  const d = new Date(today);
  const weekStart = today - d.getUTCDay() * DAY;
  const month = (delta: number): number => Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + delta, 1);
  const year = (delta: number): number => Date.UTC(d.getUTCFullYear() + delta, 0, 1);
  switch (lit.name) {
    case 'TODAY': return [today, today + DAY];
    case 'YESTERDAY': return [today - DAY, today];
    case 'TOMORROW': return [today + DAY, today + 2 * DAY];
    case 'THIS_WEEK': return [weekStart, weekStart + 7 * DAY];
    case 'LAST_WEEK': return [weekStart - 7 * DAY, weekStart];
    case 'NEXT_WEEK': return [weekStart + 7 * DAY, weekStart + 14 * DAY];
    case 'THIS_MONTH': return [month(0), month(1)];
    case 'LAST_MONTH': return [month(-1), month(0)];
    case 'NEXT_MONTH': return [month(1), month(2)];
    case 'THIS_YEAR': return [year(0), year(1)];
    case 'LAST_YEAR': return [year(-1), year(0)];
    case 'NEXT_YEAR': return [year(1), year(2)];
    case 'LAST_90_DAYS': return [today - 90 * DAY, today + DAY];
    case 'NEXT_90_DAYS': return [today + DAY, today + 91 * DAY];
    // LAST_N_DAYS:n covers today and the n days before it.
    case 'LAST_N_DAYS': return [today - lit.n * DAY, today + DAY];
    case 'NEXT_N_DAYS': return [today + DAY, today + (lit.n + 1) * DAY];
    case 'N_DAYS_AGO': return [today - lit.n * DAY, today - (lit.n - 1) * DAY];
    case 'LAST_N_WEEKS': return [weekStart - lit.n * 7 * DAY, weekStart];
    case 'NEXT_N_WEEKS': return [weekStart + 7 * DAY, weekStart + (lit.n + 1) * 7 * DAY];
    case 'LAST_N_MONTHS': return [month(-lit.n), month(0)];
    case 'NEXT_N_MONTHS': return [month(1), month(lit.n + 1)];
    default: throw malformed(`unsupported date literal ${lit.name}`);
  }
}
