// Request counters per endpoint and per API-call kind, plus records moved; benchmarks read them
// to compute API economy (calls per synced record) and tests assert on them.
export interface CounterSnapshot {
  requests: number;
  apiCalls: number;
  byEndpoint: Record<string, number>;
  byKind: Record<string, number>;
  records: { created: number; updated: number; deleted: number; queried: number };
}

export function createCounters() {
  let snap: CounterSnapshot;
  const reset = (): void => {
    snap = { requests: 0, apiCalls: 0, byEndpoint: {}, byKind: {}, records: { created: 0, updated: 0, deleted: 0, queried: 0 } };
  };
  reset();
  return {
    request(endpoint: string): void {
      snap.requests++;
      snap.byEndpoint[endpoint] = (snap.byEndpoint[endpoint] ?? 0) + 1;
    },
    apiCall(): void {
      snap.apiCalls++;
    },
    bump(kind: string, endpoint?: string): void {
      snap.byKind[kind] = (snap.byKind[kind] ?? 0) + 1;
      if (endpoint) this.request(endpoint);
    },
    records(what: keyof CounterSnapshot['records'], n: number): void {
      snap.records[what] += n;
    },
    snapshot(): CounterSnapshot {
      return structuredClone(snap);
    },
    reset,
  };
}

export type Counters = ReturnType<typeof createCounters>;

/** `GET /services/data/v60.0/sobjects/Contact/003…` → `GET /services/data/vXX.X/sobjects/Contact/{id}`. */
export function endpointKey(method: string, path: string): string {
  const norm = path
    .replace(/\/v\d+\.\d/, '/vXX.X')
    .replace(/\/(query|queryAll)\/[^/]+$/, '/$1/{locator}')
    .replace(/\/[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?(?=\/|$)/g, (m) => (/\d/.test(m) ? '/{id}' : m))
    .replace(/\/(sobjects\/\w+\/\w+)\/[^/]+$/, (m, head: string) => (head.endsWith('{id}') ? m : `/${head}/{value}`));
  return `${method} ${norm}`;
}
