// The demo's closing report: what the worker wrote per kind and direction (from its own run
// records), conflicts and issues, the API calls each emulator counted, and the latency of the
// live changes. Pure functions from measured numbers to text; nothing here measures or guesses.

/** Flat run counts as the runtime records them ("contact.toExchange.created", "task.conflicts"). */
export type FlatCounts = Record<string, number>;

export interface ApiUsage {
  /** Salesforce API calls (what counts against the org's daily limit) and HTTP requests. */
  salesforce: { apiCalls: number; requests: number };
  /** Graph requests as Graph throttles them ($batch members one by one) and $batch envelopes. */
  graph: { requests: number; batches: number };
}

export interface Latency {
  label: string;
  kind: string;
  origin: string;
  /** undefined: it never arrived within its deadline. */
  ms: number | undefined;
}

export interface PhaseReport {
  name: string;
  seconds: number;
  counts: FlatCounts;
  api: ApiUsage;
}

export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest-rank: the smallest value with at least p % of the values at or below it.
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]): string => r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n');
}

/** The kinds present in the counts, in a stable order (known kinds first). */
export function kindsOf(counts: FlatCounts): string[] {
  const seen = new Set(Object.keys(counts).map((k) => k.split('.')[0]!));
  const order = ['contact', 'task', 'event', 'email'];
  return [...order.filter((k) => seen.has(k)), ...[...seen].filter((k) => !order.includes(k)).sort()];
}

export function countsTable(counts: FlatCounts): string {
  const n = (key: string): string => String(counts[key] ?? 0);
  const rows = [['Kind', 'Direction', 'Created', 'Updated', 'Deleted', 'Conflicts', 'Issues']];
  for (const kind of kindsOf(counts)) {
    rows.push([kind, 'Salesforce → Outlook', n(`${kind}.toExchange.created`), n(`${kind}.toExchange.updated`), n(`${kind}.toExchange.deleted`), '', '']);
    rows.push(['', 'Outlook → Salesforce', n(`${kind}.toSalesforce.created`), n(`${kind}.toSalesforce.updated`), n(`${kind}.toSalesforce.deleted`), '', '']);
    rows.push(['', 'either way', '', '', '', n(`${kind}.conflicts`), n(`${kind}.issues`)]);
  }
  return table(rows);
}

export function apiTable(phases: readonly PhaseReport[]): string {
  const rows = [['Phase', 'Time', 'Salesforce API calls', 'Graph requests', 'Graph $batch calls']];
  for (const p of phases) rows.push([p.name, `${p.seconds.toFixed(1)} s`, String(p.api.salesforce.apiCalls), String(p.api.graph.requests), String(p.api.graph.batches)]);
  return table(rows);
}

export function latencyTable(latencies: readonly Latency[]): string {
  const rows = [['Live change', 'From', 'Arrived after']];
  for (const l of latencies) rows.push([l.label, l.origin, l.ms === undefined ? 'NEVER' : `${l.ms} ms`]);
  const arrived = latencies.flatMap((l) => (l.ms === undefined ? [] : [l.ms]));
  const p50 = percentile(arrived, 50);
  const p95 = percentile(arrived, 95);
  const tail = arrived.length > 0 ? `latency of ${arrived.length} live change(s): p50 ${p50} ms, p95 ${p95} ms (polled every 20 ms)` : 'no live change arrived';
  return `${table(rows)}\n${tail}`;
}

export function diffCounts(after: FlatCounts, before: FlatCounts): FlatCounts {
  const out: FlatCounts = {};
  for (const [k, v] of Object.entries(after)) out[k] = v - (before[k] ?? 0);
  return out;
}
