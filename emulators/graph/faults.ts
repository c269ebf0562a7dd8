// Fault injection: "the next N requests matching X fail with status S and Graph code C", and
// "the next N requests matching X are applied, then their answer is held for H ms" (a write
// whose outcome the caller cannot know: its timeout fires while the server already applied it).
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
  /** The next `count` matching requests are applied, then answered only after `holdMs`. */
  hold(spec: HoldSpec): void;
  /** How long to hold this (already applied) request's answer (consuming one use), else 0. */
  takeHold(method: string, path: string, mailbox: { id: string; address: string } | undefined): number;
  clear(): void;
}

export interface HoldSpec {
  match: FaultSpec['match'];
  count: number;
  holdMs: number;
}

function matches(m: FaultSpec['match'], method: string, path: string, mb: { id: string; address: string } | undefined): boolean {
  if (m.method && m.method.toUpperCase() !== method) return false;
  if (m.pathIncludes && !path.toLowerCase().includes(m.pathIncludes.toLowerCase())) return false;
  if (m.mailbox && (!mb || (m.mailbox.toLowerCase() !== mb.address.toLowerCase() && m.mailbox !== mb.id))) return false;
  return true;
}

export function createFaults(): Faults {
  let list: FaultSpec[] = [];
  let holds: HoldSpec[] = [];
  return {
    add(spec) {
      if (!Number.isInteger(spec.count) || spec.count < 1) throw new Error('fault.count must be a positive integer');
      if (!Number.isInteger(spec.status) || spec.status < 400) throw new Error('fault.status must be an HTTP error status');
      list.push({ ...spec, match: { ...spec.match } });
    },
    take(method, path, mb) {
      for (const f of list) {
        if (!matches(f.match, method, path, mb)) continue;
        f.count--;
        if (f.count <= 0) list = list.filter((x) => x !== f);
        const headers: Record<string, string> = {};
        if (f.retryAfterSeconds !== undefined) headers['Retry-After'] = String(f.retryAfterSeconds);
        return new GraphError(f.status, f.code, f.message ?? `Injected fault: ${f.code}.`, headers);
      }
      return undefined;
    },
    hold(spec) {
      if (!Number.isInteger(spec.count) || spec.count < 1) throw new Error('hold.count must be a positive integer');
      if (!Number.isFinite(spec.holdMs) || spec.holdMs <= 0 || spec.holdMs > 120_000) throw new Error('hold.holdMs must be in (0, 120000]');
      holds.push({ ...spec, match: { ...spec.match } });
    },
    takeHold(method, path, mb) {
      const h = holds.find((x) => matches(x.match, method, path, mb));
      if (!h) return 0;
      h.count--;
      if (h.count <= 0) holds = holds.filter((x) => x !== h);
      return h.holdMs;
    },
    clear() {
      list = [];
      holds = [];
    },
  };
}
