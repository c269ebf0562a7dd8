// Fault injection: "the next N requests matching X fail with status S and Graph code C".
import { GraphError } from './errors.ts';

export interface FaultSpec {
  match: { method?: string; pathIncludes?: string; mailbox?: string };
  count: number;
  status: number;
  code: string;
  message?: string;
  retryAfterSeconds?: number;
}

export interface Faults {
  add(spec: FaultSpec): void;
  /** Returns the error for this request if a fault applies (consuming one use), else undefined. */
  take(method: string, path: string, mailbox: { id: string; address: string } | undefined): GraphError | undefined;
  clear(): void;
}

export function createFaults(): Faults {
  let list: FaultSpec[] = [];
  return {
    add(spec) {
      if (!Number.isInteger(spec.count) || spec.count < 1) throw new Error('fault.count must be a positive integer');
      if (!Number.isInteger(spec.status) || spec.status < 400) throw new Error('fault.status must be an HTTP error status');
      list.push({ ...spec, match: { ...spec.match } });
    },
    take(method, path, mb) {
      for (const f of list) {
        const m = f.match;
        if (m.method && m.method.toUpperCase() !== method) continue;
        if (m.pathIncludes && !path.toLowerCase().includes(m.pathIncludes.toLowerCase())) continue;
        if (m.mailbox && (!mb || (m.mailbox.toLowerCase() !== mb.address.toLowerCase() && m.mailbox !== mb.id))) continue;
        f.count--;
        if (f.count <= 0) list = list.filter((x) => x !== f);
        const headers: Record<string, string> = {};
        if (f.retryAfterSeconds !== undefined) headers['Retry-After'] = String(f.retryAfterSeconds);
        return new GraphError(f.status, f.code, f.message ?? `Injected fault: ${f.code}.`, headers);
      }
      return undefined;
    },
    clear() {
      list = [];
    },
  };
}
