// A local stack seen by the reliability families: the parts of a worker with an effect gate
// in front of them (every non-GET Graph request, every Salesforce write, every store
// transaction, every cursor or link write outside one), fresh runtimes over the same store
// ("a restart"), the user's actions per kind with unique names, and the invariant checks
// (no duplicate on either side, quiet afterwards).
import { createRuntime, type Runtime, type RuntimeOptions } from '../../worker/src/runtime/runtime.ts';
import { storedSettings } from '../../worker/src/runtime/mailbox-config.ts';
import type { GraphClient } from '../../worker/src/graph/client.ts';
import type { SalesforceConnection } from '../../worker/src/salesforce/connection.ts';
import type { Store, StoreOps } from '../../worker/src/store/types.ts';
import type { LocalStack, StackMailbox } from '../../scripts/lib/stack.ts';

export type Json = Record<string, unknown>;

/** Thrown by the gate: the process "dies" at this boundary. */
export class Crash extends Error {
  constructor(readonly at: number, readonly mode: 'before' | 'after', readonly label: string) {
    super(`crash ${mode} effect #${at} (${label})`);
  }
}

export interface Gate {
  /** Crash at the n-th effect (0-based) from now, before it happens or right after it. */
  arm(at: number, mode: 'before' | 'after'): void;
  disarm(): void;
  /** Effects seen since the last arm(), and whether the crash fired. */
  seen(): number;
  fired(): boolean;
  labels(): string[];
  /** Runs `act` as one effect (for parts gated elsewhere, e.g. file uploads in ./crash-files.ts). */
  effect<T>(label: string, act: () => Promise<T>): Promise<T>;
  /** Runs `act` unless the process is already dead (reads). */
  passOrDie<T>(label: string, act: () => Promise<T>): Promise<T>;
}

export interface GatedParts {
  sf: SalesforceConnection;
  graph: GraphClient;
  store: Store;
  gate: Gate;
}

const STATUS_OBJECTS = /Mailbox_Sync__c|Sync_Issue__c/;
const STORE_READS = /^(get|list|find|count|schemaVersion)/;
/** Store writes outside a transaction that a crash can fall between (the email cursor is one). */
const STORE_EFFECTS = new Set(['setCursor', 'deleteCursor', 'putLink', 'replaceLink', 'deleteLink', 'deleteLinkBySalesforceId']);

export function gatedParts(stack: LocalStack): GatedParts {
  let armed: { at: number; mode: 'before' | 'after' } | undefined;
  let count = 0;
  let fired = false;
  let labels: string[] = [];
  // Once the crash fired the process is dead: nothing it would still do reaches anything.
  const dead = (label: string): Crash | undefined => (fired && armed ? new Crash(armed.at, armed.mode, `after death: ${label}`) : undefined);
  /** The effect's number (-1 when unarmed); throws when the crash is due before it. */
  const begin = (label: string): number => {
    if (!armed) return -1;
    const gone = dead(label);
    if (gone) throw gone;
    const n = count++;
    labels.push(label);
    if (n === armed.at && armed.mode === 'before') {
      fired = true;
      throw new Crash(n, 'before', label);
    }
    return n;
  };
  /** Throws when the crash is due right after effect n. */
  const end = (n: number, label: string): void => {
    if (armed && n === armed.at && armed.mode === 'after') {
      fired = true;
      throw new Crash(n, 'after', label);
    }
  };
  const effect = async <T>(label: string, act: () => Promise<T>): Promise<T> => {
    const n = begin(label);
    const out = await act();
    end(n, label);
    return out;
  };
  const passOrDie = <T>(label: string, act: () => Promise<T>): Promise<T> => {
    const gone = dead(label);
    return gone ? Promise.reject(gone) : act();
  };
  const gate: Gate = {
    arm(at, mode) {
      armed = { at, mode };
      count = 0;
      fired = false;
      labels = [];
    },
    disarm() {
      armed = undefined;
    },
    seen: () => count,
    fired: () => fired,
    labels: () => labels,
    effect,
    passOrDie,
  };

  const graph: GraphClient = {
    ...stack.client,
    request: (method, path, opts) =>
      method === 'GET' || path.startsWith('/subscriptions') ? passOrDie(path, () => stack.client.request(method, path, opts)) : effect(`exchange ${method} ${path.split('?')[0]}`, () => stack.client.request(method, path, opts)),
    raw: (method, path, opts) =>
      method === 'GET' || path.startsWith('/subscriptions') ? passOrDie(path, () => stack.client.raw(method, path, opts)) : effect(`exchange ${method} ${path.split('?')[0]}`, () => stack.client.raw(method, path, opts)),
    get: (path, headers) => passOrDie(path, () => stack.client.get(path, headers)),
  };
  const conn = stack.sf.conn;
  const gatedConn = new Proxy(conn, {
    get(target, prop, receiver) {
      if (prop !== 'request') return Reflect.get(target, prop, receiver) as unknown;
      return (req: { method?: string; url?: string; body?: string }, ...rest: unknown[]) => {
        const call = () => (target.request as (...a: unknown[]) => Promise<unknown>).call(target, req, ...rest);
        const method = (req.method ?? 'GET').toUpperCase();
        if (method === 'GET' || STATUS_OBJECTS.test(`${req.url ?? ''} ${req.body ?? ''}`)) return passOrDie(req.url ?? '', call);
        return effect(`salesforce ${method} ${(req.url ?? '').replace(/^.*\/services\/data\/v[\d.]+/, '')}`, call);
      };
    },
  });
  const sf: SalesforceConnection = { ...stack.sf, conn: gatedConn, accessToken: () => stack.sf.accessToken(), refresh: () => stack.sf.refresh(), apiCalls: () => stack.sf.apiCalls(), close: async () => undefined };
  const store: Store = new Proxy(stack.store, {
    get(target, prop, receiver) {
      if (prop === 'transaction') {
        // A transaction is an effect once it writes: a crash before it rolls it back at its
        // first write, a crash after it comes once it committed. Read-only ones are reads.
        return <T>(fn: (tx: StoreOps) => Promise<T>) =>
          passOrDie('store transaction', async () => {
            let n: number | undefined;
            const writing = (tx: StoreOps): StoreOps =>
              new Proxy(tx, {
                get(t, p, r) {
                  const v = Reflect.get(t, p, r) as unknown;
                  if (typeof v !== 'function' || STORE_READS.test(String(p))) return v;
                  return async (...args: unknown[]) => {
                    n ??= begin(`store transaction (${String(p)})`);
                    return (v as (...a: unknown[]) => unknown).apply(t, args);
                  };
                },
              });
            const out = await target.transaction((tx) => fn(writing(tx)));
            if (n !== undefined) end(n, 'store transaction');
            return out;
          });
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const call = async (...args: unknown[]): Promise<unknown> => (value as (...a: unknown[]) => unknown).apply(target, args);
      if (STORE_EFFECTS.has(String(prop))) return (...args: unknown[]) => effect(`store ${String(prop)} ${String(args[2] ?? args[1] ?? '')}`, () => call(...args));
      return (...args: unknown[]) => passOrDie(String(prop), () => call(...args));
    },
  });
  return { sf, graph, store, gate };
}

/** A new runtime over the given parts: what a restarted worker process holds (no caches). */
export function restart(stack: LocalStack, parts?: Partial<Pick<GatedParts, 'sf' | 'graph' | 'store'>>, extra: Partial<RuntimeOptions> = {}): Runtime {
  return createRuntime({
    store: parts?.store ?? stack.store,
    sf: parts?.sf ?? stack.sf,
    graph: parts?.graph ?? stack.client,
    log: stack.log,
    owner: `reliability-${process.pid}`,
    ...extra,
  });
}

export async function containers(stack: LocalStack, m: StackMailbox): Promise<{ contactFolderId: string; todoListId: string; mailFolderId: string; categoryName: string }> {
  const row = await stack.store.getMailbox(m.mailboxSyncId);
  const p = row ? storedSettings(row)?.provisioned : undefined;
  if (!p) throw new Error('mailbox not provisioned');
  return p;
}

export function stampOf(item: Json): string | undefined {
  const props = (item.singleValueExtendedProperties ?? []) as Array<{ id: string; value: string }>;
  return props.find((p) => /Name SalesforceId$/i.test(p.id))?.value;
}

export function sfQuery(stack: LocalStack, soql: string): Json[] {
  return stack.salesforce.admin.query(soql) as Json[];
}

const quote = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The user's actions for one kind, on records named uniquely (the name is the field we rename). */
export type SyncedKind = 'contact' | 'task' | 'event';

export interface KindOps {
  readonly kind: SyncedKind;
  sfCreate(name: string): string;
  exCreate(name: string): Promise<string>;
  sfFind(name: string): Json[];
  exFind(name: string): Json[];
  sfRename(id: string, name: string): void;
  exRename(id: string, name: string): void;
  sfDelete(id: string): void;
  exDelete(id: string): void;
}

export function kindOps(stack: LocalStack, m: StackMailbox, kind: SyncedKind): KindOps {
  const g = stack.graph.admin;
  const s = stack.salesforce.admin;
  if (kind === 'event') return eventOps(stack, m);
  if (kind === 'contact') {
    return {
      kind,
      sfCreate: (name) => s.insert('Contact', { LastName: name, Email: `${name.toLowerCase()}@example.test`, OwnerId: m.salesforceUserId }),
      exCreate: async (name) => g.userCreateContact(m.address, (await containers(stack, m)).contactFolderId, { givenName: 'R', surname: name, emailAddresses: [{ address: `${name.toLowerCase()}@example.test`, name }] }),
      sfFind: (name) => sfQuery(stack, `SELECT Id, LastName, SCC_Exchange_Key__c FROM Contact WHERE LastName = ${quote(name)}`),
      exFind: (name) => (g.items(m.address, 'contact') as Json[]).filter((c) => c.surname === name),
      sfRename: (id, name) => s.update('Contact', id, { LastName: name }),
      exRename: (id, name) => g.userUpdateContact(m.address, id, { surname: name }),
      sfDelete: (id) => s.delete('Contact', id),
      exDelete: (id) => g.userDeleteContact(m.address, id),
    };
  }
  return {
    kind,
    sfCreate: (name) => s.insert('Task', { Subject: name, Status: 'Not Started', Priority: 'Normal', OwnerId: m.salesforceUserId }),
    exCreate: async (name) => g.userCreateTask(m.address, (await containers(stack, m)).todoListId, { title: name, importance: 'normal' }),
    sfFind: (name) => sfQuery(stack, `SELECT Id, Subject, SCC_Exchange_Key__c FROM Task WHERE Subject = ${quote(name)}`),
    exFind: (name) => (g.items(m.address, 'todoTask') as Json[]).filter((t) => t.title === name),
    sfRename: (id, name) => s.update('Task', id, { Subject: name }),
    exRename: (id, name) => g.userUpdateTask(m.address, id, { title: name }),
    sfDelete: (id) => s.delete('Task', id),
    exDelete: (id) => g.userDeleteTask(m.address, id),
  };
}

const HOUR = 3_600_000;
let eventSlot = 0;

/** Single 30-minute events a few days ahead (inside the synced window), each in its own slot. */
function eventOps(stack: LocalStack, m: StackMailbox): KindOps {
  const g = stack.graph.admin;
  const s = stack.salesforce.admin;
  const slot = (): { start: string; end: string } => {
    eventSlot += 1;
    const start = Math.floor(Date.now() / HOUR) * HOUR + 72 * HOUR + eventSlot * HOUR;
    return { start: new Date(start).toISOString(), end: new Date(start + HOUR / 2).toISOString() };
  };
  return {
    kind: 'event',
    sfCreate: (name) => {
      const { start, end } = slot();
      return s.insert('Event', { Subject: name, StartDateTime: start, EndDateTime: end, ActivityDateTime: start, DurationInMinutes: 30, OwnerId: m.salesforceUserId });
    },
    exCreate: async (name) => {
      const { start, end } = slot();
      const wall = (iso: string) => ({ dateTime: iso.slice(0, 19), timeZone: 'UTC' });
      return g.userCreateEvent(m.address, null, { subject: name, start: wall(start), end: wall(end), categories: [(await containers(stack, m)).categoryName] });
    },
    sfFind: (name) => sfQuery(stack, `SELECT Id, Subject, IsRecurrence, RecurrenceActivityId, SCC_Exchange_Key__c FROM Event WHERE Subject = ${quote(name)}`),
    exFind: (name) => (g.items(m.address, 'event') as Json[]).filter((e) => e.subject === name),
    sfRename: (id, name) => s.update('Event', id, { Subject: name }),
    exRename: (id, name) => g.userUpdateEvent(m.address, id, { subject: name }),
    sfDelete: (id) => s.delete('Event', id),
    exDelete: (id) => g.userDeleteEvent(m.address, id),
  };
}

/** Duplicates on either side: two Exchange items with one Salesforce stamp, two records with one Exchange key. */
export function duplicates(stack: LocalStack, m: StackMailbox): string[] {
  const out: string[] = [];
  for (const kind of ['contact', 'todoTask', 'event'] as const) {
    const stamps = (stack.graph.admin.items(m.address, kind) as Json[]).map(stampOf).filter((s): s is string => s !== undefined);
    const seen = new Set<string>();
    for (const s of stamps) {
      if (seen.has(s)) out.push(`two ${kind} items in ${m.address} carry Salesforce id ${s}`);
      seen.add(s);
    }
  }
  for (const object of ['Contact', 'Task', 'Event']) {
    const keys = sfQuery(stack, `SELECT Id, SCC_Exchange_Key__c FROM ${object} WHERE SCC_Exchange_Key__c != null`).map((r) => String(r.SCC_Exchange_Key__c));
    if (new Set(keys).size !== keys.length) out.push(`two ${object} records share an SCC_Exchange_Key__c`);
  }
  return out;
}

/** Runs the mailbox on `runtime`, returning the error instead of throwing it. */
export async function runOnce(runtime: Runtime, m: StackMailbox): Promise<{ ok: boolean; itemsSynced: number; error?: unknown }> {
  try {
    const r = await runtime.runMailbox(m.mailboxSyncId, 'sync-now');
    return { ok: r.ok, itemsSynced: r.itemsSynced ?? 0 };
  } catch (error) {
    return { ok: false, itemsSynced: 0, error };
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
