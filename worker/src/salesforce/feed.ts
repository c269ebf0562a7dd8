// The Salesforce change feed: Change Data Capture (or PushTopic) over CometD, as hints.
// Contract:
// - One faye client per channel, each with jsforce's StreamingExtension.Replay (the extension
//   carries one channel's replay id) and StreamingExtension.AuthFailure.
// - A channel starts from the replay id stored through the injected ReplayCursor (or -1 = new
//   events only), so a restart receives exactly what it missed. A replay id is stored only
//   after `onChange` for its event has settled, events of one channel are handled in order.
// - An invalid or too-old replay id → `onCursorExpired(entity)` (the runtime reconciles by
//   SystemModstamp) and the channel continues from new events.
// - Auth failure on the CometD session → refresh the OAuth session, open a new client and
//   resubscribe from the stored replay id. Other failures go to `onError` as SalesforceErrors.
// - GAP_* events carry ids only (the runtime re-fetches them); GAP_OVERFLOW carries none
//   (the runtime resyncs the entity); a wildcard recordIds ("003*") is reported as GAP_OVERFLOW. `ours` marks changes whose changeOrigin carries
//   client=SmartCloudConnect, i.e. our own writes coming back.
import { StreamingExtension } from 'jsforce/api/streaming';
import type { SalesforceConnection } from './connection.ts';
import { CALL_OPTIONS_CLIENT } from './connection.ts';
import { SalesforceError, fromBayeuxError, toSalesforceError } from './errors.ts';
import type { SalesforceRecords } from './records.ts';

/** The synced objects, and Mailbox_Sync__c: an admin's edit of a configuration applies at once. */
export type FeedEntity = 'Contact' | 'Task' | 'Event' | 'Mailbox_Sync__c';
export type FeedMode = 'cdc' | 'pushtopic';
export type ChangeType =
  | 'CREATE'
  | 'UPDATE'
  | 'DELETE'
  | 'UNDELETE'
  | 'GAP_CREATE'
  | 'GAP_UPDATE'
  | 'GAP_DELETE'
  | 'GAP_UNDELETE'
  | 'GAP_OVERFLOW';

export interface FeedChange {
  entity: FeedEntity;
  channel: string;
  recordIds: string[];
  changeType: ChangeType;
  commitUser?: string;
  /** Owners of the changed records when known (from the event, or looked up) → mailboxes. */
  ownerIds?: string[];
  /** Written by this connector (Sforce-Call-Options client=SmartCloudConnect). */
  ours: boolean;
  replayId: number;
  changedFields?: string[];
  commitTimestamp?: number;
}

/** Where each channel's replay id lives (the store's cursors table in the runtime). */
export interface ReplayCursor {
  get(channel: string): Promise<number | null>;
  set(channel: string, replayId: number): Promise<void>;
}

export interface FeedOptions {
  sf: SalesforceConnection;
  entities: readonly FeedEntity[];
  cursor: ReplayCursor;
  onChange(change: FeedChange): void | Promise<void>;
  onCursorExpired(entity: FeedEntity, channel: string): void | Promise<void>;
  onError?(error: SalesforceError, channel: string): void;
  mode?: FeedMode;
  /** Look up OwnerId for events that do not carry it (needs `records`). Default true when given. */
  records?: SalesforceRecords;
  /** Replay id to use when nothing is stored: -1 new events only (default), -2 all retained. */
  initialReplayId?: number;
  /** Delay before re-opening a channel after a failed auth refresh (ms, doubled up to 60 s). */
  reconnectDelayMs?: number;
  setTimer?: (fn: () => void, ms: number) => { cancel(): void };
}

export interface Feed {
  /** Resolves once every channel's subscription was acknowledged (or failed and was reported). */
  ready: Promise<void>;
  close(): Promise<void>;
}

export const CDC_CHANNELS: Record<FeedEntity, string> = {
  Contact: '/data/ContactChangeEvent',
  Task: '/data/TaskChangeEvent',
  Event: '/data/EventChangeEvent',
  Mailbox_Sync__c: '/data/Mailbox_Sync__ChangeEvent',
};

export const PUSH_TOPICS: Record<FeedEntity, { name: string; query: string }> = {
  Contact: { name: 'SCC_Contacts', query: 'SELECT Id, OwnerId, SystemModstamp FROM Contact' },
  Task: { name: 'SCC_Tasks', query: 'SELECT Id, OwnerId, SystemModstamp FROM Task' },
  Event: { name: 'SCC_Events', query: 'SELECT Id, OwnerId, SystemModstamp FROM Event' },
  Mailbox_Sync__c: { name: 'SCC_Mailbox_Syncs', query: 'SELECT Id, Enabled__c, SystemModstamp FROM Mailbox_Sync__c' },
};

export function channelFor(entity: FeedEntity, mode: FeedMode): string {
  return mode === 'cdc' ? CDC_CHANNELS[entity] : `/topic/${PUSH_TOPICS[entity].name}`;
}

const GAP_OR_CHANGE = new Set<string>([
  'CREATE',
  'UPDATE',
  'DELETE',
  'UNDELETE',
  'GAP_CREATE',
  'GAP_UPDATE',
  'GAP_DELETE',
  'GAP_UNDELETE',
  'GAP_OVERFLOW',
]);

/** Turn one CometD message into a FeedChange, or null when it is not a change we understand. */
export function parseMessage(entity: FeedEntity, channel: string, message: unknown): FeedChange | null {
  if (typeof message !== 'object' || message === null) return null;
  const m = message as {
    event?: { replayId?: unknown; type?: unknown };
    payload?: Record<string, unknown>;
    sobject?: Record<string, unknown>;
  };
  const replayId = Number(m.event?.replayId);
  if (!Number.isFinite(replayId)) return null;
  if (m.payload && typeof m.payload === 'object') {
    const header = m.payload.ChangeEventHeader as Record<string, unknown> | undefined;
    if (!header) return null;
    const changeType = String(header.changeType ?? '');
    if (!GAP_OR_CHANGE.has(changeType)) return null;
    const origin = String(header.changeOrigin ?? '');
    const owner = m.payload.OwnerId;
    const recordIds = Array.isArray(header.recordIds) ? header.recordIds.map(String) : [];
    // "003*" (a field type conversion touched every record) names no records: resync the entity.
    const wildcard = recordIds.some((id) => id.endsWith('*'));
    return {
      entity,
      channel,
      recordIds: wildcard ? [] : recordIds,
      changeType: wildcard ? 'GAP_OVERFLOW' : (changeType as ChangeType),
      commitUser: typeof header.commitUser === 'string' ? header.commitUser : undefined,
      ownerIds: typeof owner === 'string' && owner ? [owner] : undefined,
      ours: isOurs(origin),
      replayId,
      changedFields: Array.isArray(header.changedFields) ? header.changedFields.map(String) : undefined,
      commitTimestamp: typeof header.commitTimestamp === 'number' ? header.commitTimestamp : undefined,
    };
  }
  if (m.sobject && typeof m.sobject === 'object') {
    const type = String(m.event?.type ?? '').toUpperCase();
    const changeType = (
      { CREATED: 'CREATE', UPDATED: 'UPDATE', DELETED: 'DELETE', UNDELETED: 'UNDELETE' } as Record<string, ChangeType>
    )[type];
    if (!changeType) return null;
    const id = m.sobject.Id;
    const owner = m.sobject.OwnerId;
    return {
      entity,
      channel,
      recordIds: typeof id === 'string' ? [id] : [],
      changeType,
      ownerIds: typeof owner === 'string' && owner ? [owner] : undefined,
      // PushTopic events carry no origin; the engine's hash comparison catches our echoes.
      ours: false,
      replayId,
    };
  }
  return null;
}

/** changeOrigin looks like "com/salesforce/api/rest/60.0;client=SmartCloudConnect". */
export function isOurs(changeOrigin: string): boolean {
  return changeOrigin.split(/[;,]/).some((part) => part.trim() === `client=${CALL_OPTIONS_CLIENT}`);
}

/** Create or correct the PushTopic records the PushTopic mode listens to (idempotent). */
export async function ensurePushTopics(
  records: SalesforceRecords,
  entities: readonly FeedEntity[],
  apiVersion: string,
): Promise<void> {
  const wanted = entities.map((e) => PUSH_TOPICS[e]);
  const names = wanted.map((t) => `'${t.name}'`).join(', ');
  const existing = new Map<string, { Id: string; Query: unknown }>();
  for await (const page of records.pages(`SELECT Id, Name, Query FROM PushTopic WHERE Name IN (${names})`)) {
    for (const r of page) existing.set(String(r.Name), { Id: r.Id, Query: r.Query });
  }
  const fields = {
    ApiVersion: Number(apiVersion),
    NotifyForOperationCreate: true,
    NotifyForOperationUpdate: true,
    NotifyForOperationDelete: true,
    NotifyForOperationUndelete: true,
    NotifyForFields: 'All',
  };
  const toCreate = wanted.filter((t) => !existing.has(t.name)).map((t) => ({ Name: t.name, Query: t.query, ...fields }));
  const toFix = wanted
    .filter((t) => existing.has(t.name) && existing.get(t.name)?.Query !== t.query)
    .map((t) => ({ Id: existing.get(t.name)?.Id ?? '', Query: t.query, ...fields }));
  const outcomes = [
    ...(toCreate.length ? await records.create('PushTopic', toCreate) : []),
    ...(toFix.length ? await records.update('PushTopic', toFix) : []),
  ];
  const failed = outcomes.find((o) => !o.ok);
  if (failed && !failed.ok) throw failed.error;
}

interface FayeClient {
  subscribe(channel: string, listener: (message: unknown) => void): FayeSubscription;
  disconnect(): unknown;
}
interface FayeSubscription {
  then(ok: () => void, fail: (err: unknown) => void): unknown;
  cancel(): void;
}

export async function startFeed(options: FeedOptions): Promise<Feed> {
  const { sf, cursor } = options;
  const mode = options.mode ?? 'cdc';
  const setTimer =
    options.setTimer ??
    ((fn: () => void, ms: number) => {
      const t = setTimeout(fn, ms);
      t.unref();
      return { cancel: () => clearTimeout(t) };
    });
  const baseDelay = options.reconnectDelayMs ?? 1000;
  let closed = false;
  const channels: ChannelState[] = [];

  interface ChannelState {
    entity: FeedEntity;
    channel: string;
    client?: FayeClient;
    subscription?: FayeSubscription;
    queue: Promise<void>;
    delay: number;
    timer?: { cancel(): void };
    /** Bumped on every (re)open so callbacks of a replaced client are ignored. */
    generation: number;
  }

  const report = (error: SalesforceError, channel: string) => options.onError?.(error, channel);

  if (mode === 'pushtopic') {
    if (!options.records) throw new SalesforceError('permanent', 'CONFIG', 'PushTopic mode needs `records` to create the topics');
    await ensurePushTopics(options.records, options.entities, sf.apiVersion);
  }

  async function handle(state: ChannelState, message: unknown): Promise<void> {
    const change = parseMessage(state.entity, state.channel, message);
    if (!change) return;
    // Configuration changes are routed by record id, not owner: no lookup (our own status writes
    // come back here once per run).
    if (!change.ownerIds && options.records && change.recordIds.length > 0 && change.entity !== 'Mailbox_Sync__c') {
      try {
        const rows = await options.records.retrieve(change.entity, change.recordIds, ['OwnerId'], { all: true });
        const owners = [...new Set(rows.map((r) => r.OwnerId).filter((o): o is string => typeof o === 'string'))];
        if (owners.length) change.ownerIds = owners;
      } catch (err) {
        // Without owners the runtime hints every mailbox: slower, never wrong.
        report(toSalesforceError(err), state.channel);
      }
    }
    await options.onChange(change);
    await cursor.set(state.channel, change.replayId);
  }

  function open(state: ChannelState, replayId: number): Promise<void> {
    state.generation += 1;
    const generation = state.generation;
    const current = () => !closed && state.generation === generation;
    const replay = new StreamingExtension.Replay(state.channel, replayId);
    const authFailure = new StreamingExtension.AuthFailure(() => {
      if (current()) reconnect(state);
    });
    // Salesforce advises reconnect "none" on a dead session (AuthFailure catches that); a 401
    // reply without that advice would otherwise make faye re-handshake with the dead token forever.
    const authReply = {
      incoming(message: { channel?: string; successful?: boolean; error?: unknown }, callback: (m: unknown) => void) {
        const meta = message.channel === '/meta/handshake' || message.channel === '/meta/connect';
        if (meta && message.successful === false && /^401:/.test(String(message.error ?? ''))) {
          if (current()) reconnect(state);
          return;
        }
        callback(message);
      },
    };
    const client = sf.conn.streaming.createClient([authReply, authFailure, replay]) as unknown as FayeClient;
    state.client = client;
    return new Promise<void>((resolve) => {
      const subscription = client.subscribe(state.channel, (message: unknown) => {
        if (!current()) return;
        state.queue = state.queue
          .then(() => handle(state, message))
          .catch((err: unknown) => report(toSalesforceError(err), state.channel));
      });
      state.subscription = subscription;
      subscription.then(
        () => {
          state.delay = baseDelay;
          resolve();
        },
        (err: unknown) => {
          resolve();
          if (!current()) return;
          const mapped = fromBayeuxError(bayeuxText(err));
          if (mapped.kind === 'cursor-expired') {
            void cursorExpired(state);
          } else if (mapped.kind === 'auth') {
            reconnect(state);
          } else {
            report(mapped, state.channel);
          }
        },
      );
    });
  }

  async function cursorExpired(state: ChannelState): Promise<void> {
    teardown(state);
    try {
      // Forget the dead id first: a restart must not trip over it again.
      await cursor.set(state.channel, -1);
      await options.onCursorExpired(state.entity, state.channel);
    } catch (err) {
      report(toSalesforceError(err), state.channel);
    }
    if (!closed) await open(state, -1);
  }

  function reconnect(state: ChannelState): void {
    teardown(state);
    state.generation += 1;
    const attempt = async () => {
      state.timer = undefined;
      if (closed) return;
      try {
        await sf.refresh();
        const stored = await cursor.get(state.channel);
        await open(state, stored ?? options.initialReplayId ?? -1);
      } catch (err) {
        const mapped = toSalesforceError(err);
        report(mapped, state.channel);
        state.delay = Math.min(state.delay * 2, 60_000);
        state.timer = setTimer(() => void attempt(), state.delay);
      }
    };
    void attempt();
  }

  function teardown(state: ChannelState): void {
    state.subscription?.cancel();
    state.subscription = undefined;
    state.client?.disconnect();
    state.client = undefined;
  }

  const opened: Promise<void>[] = [];
  for (const entity of options.entities) {
    const channel = channelFor(entity, mode);
    const state: ChannelState = { entity, channel, queue: Promise.resolve(), delay: baseDelay, generation: 0 };
    channels.push(state);
    const stored = await cursor.get(channel);
    opened.push(open(state, stored ?? options.initialReplayId ?? -1));
  }

  return {
    ready: Promise.all(opened).then(() => undefined),
    close: async () => {
      closed = true;
      for (const state of channels) {
        state.timer?.cancel();
        teardown(state);
      }
      await Promise.all(channels.map((s) => s.queue));
    },
  };
}

function bayeuxText(err: unknown): string {
  if (typeof err === 'string') return err;
  if (typeof err === 'object' && err !== null) {
    const e = err as { code?: unknown; message?: unknown };
    const message = typeof e.message === 'string' ? e.message : String(err);
    return typeof e.code === 'number' ? `${e.code}::${message}` : message;
  }
  return String(err);
}

/** The store's org-wide cursors (mailbox '*', side 'salesforce') as the feed's ReplayCursor. */
export function storeReplayCursor(store: {
  getCursor(mailboxId: string, side: 'salesforce', channel: string): Promise<string | undefined>;
  setCursor(mailboxId: string, side: 'salesforce', channel: string, value: string): Promise<void>;
}): ReplayCursor {
  return {
    get: async (channel) => {
      const v = await store.getCursor('*', 'salesforce', channel);
      const n = v === undefined ? NaN : Number(v);
      return Number.isFinite(n) ? n : null;
    },
    set: (channel, replayId) => store.setCursor('*', 'salesforce', channel, String(replayId)),
  };
}

/** An in-memory ReplayCursor (tests, demo). */
export function memoryReplayCursor(initial: Record<string, number> = {}): ReplayCursor & { values: Map<string, number> } {
  const values = new Map(Object.entries(initial));
  return {
    values,
    get: async (channel) => values.get(channel) ?? null,
    set: async (channel, replayId) => {
      values.set(channel, replayId);
    },
  };
}
