// Small statistics for benchmark samples: median, nearest-rank percentiles, rounding.
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: the smallest value with at least p % of the samples at or below it.
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function round(value: number, digits = 1): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Median of each numeric field across repeated results of the same shape; other fields from the first. */
export function medianOf<T extends Record<string, unknown>>(runs: readonly T[]): T {
  const first = runs[0]!;
  if (runs.length === 1) return first;
  const out: Record<string, unknown> = { ...first };
  for (const [key, value] of Object.entries(first)) {
    if (typeof value === 'number') out[key] = median(runs.map((r) => r[key] as number));
    else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      out[key] = medianOf(runs.map((r) => r[key] as Record<string, unknown>));
    }
  }
  return out as T;
}
