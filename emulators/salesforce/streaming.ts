// Streaming API over CometD, served by faye's Bayeux server at /cometd/XX.X: Change Data Capture
// channels (/data/<Object>ChangeEvent, /data/ChangeEvents) and PushTopic channels (/topic/<Name>),
// with the replay extension (-1 new, -2 all retained, a stored id → what came after it), the
// retention window on the emulator's clock, and faults (drop/duplicate events, unknown client,
// a fixed delivery delay: real CDC usually delivers within about a second).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { cdcPayload, gapPayload, nextCommitNumber, pushTopicData, schemaId } from './change-events.ts';
import type { Change, Org, Rec } from './org.ts';
import { prepare, recordMatches, referencedFields, shapeRow, type PreparedQuery } from './query.ts';
import { changeEventName, type ObjectDef } from './schema.ts';
import { bearer, type Sessions } from './sessions.ts';

interface BayeuxMessage {
  channel: string;
  clientId?: string;
  subscription?: string | string[];
  error?: string;
  successful?: boolean;
  advice?: Record<string, unknown>;
  ext?: Record<string, unknown>;
  data?: unknown;
}

type Callback = (m: BayeuxMessage) => void;

interface FayeEngine {
  destroyClient(clientId: string): void;
  flushConnection(clientId: string): void;
  _engine: { _messages: Map<string, unknown[]>; emptyQueue(clientId: string): void; _clients: Map<string, unknown>; _channels: Map<string, unknown> };
  publish(message: { channel: string; data: unknown }): void;
}

interface FayeAdapter {
  addExtension(ext: { incoming?: (m: BayeuxMessage, req: IncomingMessage | null, cb: Callback) => void; outgoing?: (m: BayeuxMessage, req: IncomingMessage | null, cb: Callback) => void }): void;
  handle(req: IncomingMessage, res: ServerResponse): void;
  close(): void;
  _server: { _engine: FayeEngine };
}

const faye = createRequire(import.meta.url)('faye') as { NodeAdapter: new (opts: Record<string, unknown>) => FayeAdapter };

const HOUR = 3_600_000;
export const CDC_RETENTION_MS = 72 * HOUR;
export const PUSHTOPIC_RETENTION_MS = 24 * HOUR;

interface StoredEvent {
  replayId: number;
  time: number;
  /** Built on first delivery: bulk loads nobody listens to never pay for payloads. */
  data: () => Rec;
}

function lazy(make: () => Rec): () => Rec {
  let value: Rec | undefined;
  return () => (value ??= make());
}

interface ChannelLog {
  events: StoredEvent[];
  /** Highest replay id dropped out of retention; older ids are invalid for replay. */
  prunedThrough: number;
  retentionMs: number;
}

interface PushTopicState {
  id: string;
  name: string;
  query: PreparedQuery;
  fields: { select: Set<string>; where: Set<string> };
  notifyForFields: string;
  ops: Record<string, boolean>;
}

export interface StreamingFaults {
  /** Drop the next N live deliveries (they stay retained, so replay still finds them). */
  drop: number;
  /** Deliver the next N live events twice. */
  duplicate: number;
  /** Hold the next N live change events (of `reverseObject` only, when set), then deliver them newest first. */
  reverse: number;
  reverseObject?: string;
  /** Every live delivery waits this long after the commit (0: at once, on the open long-poll). */
  delayMs: number;
}

export interface StreamingCounters {
  bump(kind: string, endpoint?: string): void;
}

export interface StreamingOptions {
  org: Org;
  sessions: Sessions;
  counters: StreamingCounters;
  apiVersion: string;
  /** Long-poll hold time in seconds (Salesforce: 110). */
  timeoutSec?: number;
  maxRetainedEvents?: number;
}

export function createStreaming(opts: StreamingOptions) {
  const { org, sessions, counters } = opts;
  const adapter = new faye.NodeAdapter({ mount: '/cometd', timeout: opts.timeoutSec ?? 110 });
  const engine = adapter._server._engine;
  const logs = new Map<string, ChannelLog>();
  const pushTopics = new Map<string, PushTopicState>();
  const faults: StreamingFaults = { drop: 0, duplicate: 0, reverse: 0, delayMs: 0 };
  const delayed = new Set<NodeJS.Timeout>();
  // Live deliveries held back by faults.reverse (retention keeps replay order: only live delivery is reordered).
  let held: Array<{ channels: string[]; data: () => Rec }> = [];
  const maxRetained = opts.maxRetainedEvents ?? 500_000;
  let retainedCount = 0;
  let lastReplayId = 0;

  const logFor = (channel: string): ChannelLog => {
    let log = logs.get(channel);
    if (!log) {
      log = { events: [], prunedThrough: 0, retentionMs: channel.startsWith('/topic/') ? PUSHTOPIC_RETENTION_MS : CDC_RETENTION_MS };
      logs.set(channel, log);
    }
    return log;
  };

  const prune = (log: ChannelLog): void => {
    const cutoff = org.clock() - log.retentionMs;
    let n = 0;
    while (n < log.events.length && log.events[n]!.time < cutoff) n++;
    if (n > 0) {
      log.prunedThrough = log.events[n - 1]!.replayId;
      log.events.splice(0, n);
      retainedCount -= n;
    }
  };

  /** Keeps memory bounded under bulk loads: the oldest events leave retention first. */
  const enforceCap = (): void => {
    while (retainedCount > maxRetained) {
      let oldest: ChannelLog | undefined;
      for (const log of logs.values()) {
        if (log.events.length && (!oldest || log.events[0]!.replayId < oldest.events[0]!.replayId)) oldest = log;
      }
      if (!oldest) return;
      const drop = Math.min(oldest.events.length, Math.max(1, retainedCount - maxRetained));
      oldest.prunedThrough = oldest.events[drop - 1]!.replayId;
      oldest.events.splice(0, drop);
      retainedCount -= drop;
    }
  };

  const isKnownChannel = (channel: string): boolean => {
    if (channel === '/data/ChangeEvents') return true;
    if (channel.startsWith('/topic/')) return pushTopics.has(channel.slice(7));
    if (channel.startsWith('/data/')) {
      const name = channel.slice(6);
      for (const obj of org.schema.objects.values()) if (obj.cdc && changeEventName(obj.name) === name) return true;
    }
    return false;
  };


  /** Stores the event on each channel with one replay id and delivers it live. */
  const hasSubscribers = (channel: string): boolean => {
    const subscribed = engine._engine._channels;
    if (subscribed.size === 0) return false;
    if (subscribed.has(channel)) return true;
    for (const name of subscribed.keys()) if (name.endsWith('*')) return true;
    return false;
  };

  const publish = (channels: string[], data: () => Rec, copies: number): void => {
    if (faults.delayMs > 0) {
      // A fixed delay keeps the delivery order.
      const t = setTimeout(() => {
        delayed.delete(t);
        publishNow(channels, data, copies);
      }, faults.delayMs);
      delayed.add(t);
      return;
    }
    publishNow(channels, data, copies);
  };

  const publishNow = (channels: string[], data: () => Rec, copies: number): void => {
    for (const channel of channels) {
      if (!hasSubscribers(channel)) continue;
      for (let i = 0; i < copies; i++) engine.publish({ channel, data: data() });
    }
  };

  /** Delivers every held event, newest first. */
  const releaseHeld = (): number => {
    const out = held.reverse();
    held = [];
    for (const e of out) publish(e.channels, e.data, 1);
    return out.length;
  };

  const emit = (channels: string[], build: (replayId: number) => Rec, holdable = false): void => {
    const replayId = ++lastReplayId;
    const data = lazy(() => build(replayId));
    const time = org.clock();
    for (const channel of channels) {
      logFor(channel).events.push({ replayId, time, data });
      retainedCount++;
    }
    enforceCap();
    // Faults apply per event, on every channel it goes to.
    if (faults.drop > 0) {
      faults.drop--;
      return;
    }
    if (holdable && faults.reverse > 0) {
      held.push({ channels, data });
      if (--faults.reverse === 0) releaseHeld();
      return;
    }
    const copies = faults.duplicate > 0 ? 2 : 1;
    if (copies === 2) faults.duplicate--;
    publish(channels, data, copies);
  };

  const cdcChannels = (obj: ObjectDef): string[] => [`/data/${changeEventName(obj.name)}`, '/data/ChangeEvents'];

  const onChanges = (changes: Change[]): void => {
    for (const change of changes) {
      if (change.object.name === 'PushTopic') syncPushTopic(change);
      if (change.object.cdc) {
        const commit = nextCommitNumber();
        const holdable = !faults.reverseObject || faults.reverseObject === change.object.name;
        emit(cdcChannels(change.object), (replayId) => ({ schema: schemaId(change.object), payload: cdcPayload(change, commit), event: { replayId } }), holdable);
      }
      for (const topic of pushTopics.values()) notifyTopic(topic, change);
    }
  };

  const syncPushTopic = (change: Change): void => {
    const rec = change.record;
    for (const [name, t] of pushTopics) if (t.id === change.id) pushTopics.delete(name);
    if (change.changeType === 'DELETE' || rec.IsActive === false) return;
    try {
      const query = prepare(org, String(rec.Query), opts.apiVersion);
      pushTopics.set(String(rec.Name), {
        id: change.id, name: String(rec.Name), query, fields: referencedFields(query),
        notifyForFields: String(rec.NotifyForFields ?? 'Referenced'),
        ops: {
          CREATE: rec.NotifyForOperationCreate !== false, UPDATE: rec.NotifyForOperationUpdate !== false,
          DELETE: rec.NotifyForOperationDelete !== false, UNDELETE: rec.NotifyForOperationUndelete !== false,
        },
      });
    } catch {
      // An invalid query never activates a topic; the insert itself already succeeded.
    }
  };

  const notifyTopic = (topic: PushTopicState, change: Change): void => {
    if (topic.query.obj !== change.object || !topic.ops[change.changeType]) return;
    const rec = change.changeType === 'DELETE' ? change.previous ?? change.record : change.record;
    if (!recordMatches(org, topic.query, rec)) return;
    if (change.changeType === 'UPDATE') {
      const changed = change.changedFields;
      const watch = topic.notifyForFields === 'All' ? undefined
        : topic.notifyForFields === 'Select' ? topic.fields.select
          : topic.notifyForFields === 'Where' ? topic.fields.where
            : new Set([...topic.fields.select, ...topic.fields.where]);
      if (watch && !changed.some((f) => watch.has(f))) return;
    }
    const type = { CREATE: 'created', UPDATE: 'updated', DELETE: 'deleted', UNDELETE: 'undeleted' }[change.changeType];
    const row = change.changeType === 'DELETE' ? { Id: change.id } : shapeRow(org, topic.query, rec);
    delete row.attributes;
    emit([`/topic/${topic.name}`], (replayId) => {
      const data = pushTopicData(type, row, change.commitTimestamp);
      (data.event as Rec).replayId = replayId;
      return data;
    });
  };

  const queueFor = (clientId: string, messages: Array<{ channel: string; data: unknown }>): void => {
    if (!messages.length) return;
    const mem = engine._engine;
    const queue = mem._messages.get(clientId) ?? [];
    queue.push(...messages);
    mem._messages.set(clientId, queue);
    mem.emptyQueue(clientId);
  };

  const invalidReplay = (id: unknown): string =>
    `400::The replayId {${String(id)}} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.`;

  /** Events after `from` on the channel, or an error text when `from` is out of retention. */
  const replayFrom = (channel: string, from: number): StoredEvent[] | string => {
    const log = logFor(channel);
    prune(log);
    if (from === -1) return [];
    if (from === -2) return [...log.events];
    if (!Number.isInteger(from) || from < log.prunedThrough || from > lastReplayId || from < -2) return invalidReplay(from);
    return log.events.filter((e) => e.replayId > from);
  };

  const afterResponse = new WeakMap<IncomingMessage, Array<() => void>>();

  adapter.addExtension({
    incoming(message, request, callback) {
      if (!request) return callback(message);
      const ch = message.channel;
      if (ch === '/meta/handshake') counters.bump('streamingHandshake', 'POST /cometd/meta/handshake');
      else if (ch === '/meta/connect') counters.bump('streamingConnect', 'POST /cometd/meta/connect');
      else if (ch === '/meta/subscribe') counters.bump('streamingSubscribe', 'POST /cometd/meta/subscribe');
      if (ch.startsWith('/meta/') && ch !== '/meta/disconnect' && ch !== '/meta/unsubscribe') {
        const session = sessions.validate(bearer(request.headers.authorization));
        if (!session) {
          message.error = '401::Authentication invalid';
          message.advice = { reconnect: 'none' };
          return callback(message);
        }
      }
      if (!ch.startsWith('/meta/')) {
        message.error = '403::Publishing is not allowed on this channel';
        return callback(message);
      }
      if (ch === '/meta/subscribe') {
        const channels = ([] as string[]).concat(message.subscription ?? []);
        const replayExt = (message.ext?.replay ?? {}) as Record<string, unknown>;
        const pending: Array<() => void> = [];
        for (const channel of channels) {
          if (!isKnownChannel(channel)) {
            message.error = `400::The channel you requested to subscribe to does not exist {${channel}}`;
            return callback(message);
          }
          const raw = replayExt[channel];
          const from = raw === undefined || raw === null ? -1 : Number(raw);
          const replay = replayFrom(channel, from);
          if (typeof replay === 'string') {
            message.error = replay;
            return callback(message);
          }
          const clientId = message.clientId ?? '';
          if (replay.length) pending.push(() => queueFor(clientId, replay.map((e) => ({ channel, data: e.data() }))));
        }
        if (pending.length) afterResponse.set(request, pending);
      }
      callback(message);
    },
    outgoing(message, request, callback) {
      if (message.channel === '/meta/handshake' && message.successful) {
        message.ext = { ...(message.ext ?? {}), replay: true, 'payload.format': true };
      }
      if (typeof message.error === 'string' && /^401:.*Unknown client/i.test(message.error)) {
        // Salesforce answers an unknown or expired client with 403, which makes clients re-handshake.
        message.error = '403::Unknown client';
        message.advice = { reconnect: 'handshake', interval: 0 };
      }
      if (message.channel === '/meta/subscribe' && !message.successful && request) afterResponse.delete(request);
      callback(message);
    },
  });

  return {
    handle(req: IncomingMessage, res: ServerResponse): void {
      res.on('finish', () => {
        const pending = afterResponse.get(req);
        if (!pending) return;
        afterResponse.delete(req);
        // Replayed events go out after the subscribe reply, when the client listens on the channel.
        for (const fn of pending) fn();
      });
      adapter.handle(req, res);
    },
    onChanges,
    faults,
    releaseHeld,
    /** Forgets every connected client: their next request gets 403::Unknown client. */
    dropClients(): number {
      const ids = [...engine._engine._clients.keys()];
      const all = new Set<string>(ids);
      for (const id of engine._engine._messages.keys()) all.add(id);
      for (const id of all) {
        // End the pending long-poll first so the client's next connect meets the unknown id.
        engine.flushConnection(id);
        engine.destroyClient(id);
      }
      return all.size;
    },
    /** Emits a GAP_* or GAP_OVERFLOW event for an object, as after an internal delivery gap. */
    emitGap(obj: ObjectDef, changeType: string, recordIds: string[], userId: string): number {
      const payload = gapPayload(obj, changeType, changeType === 'GAP_OVERFLOW' ? [] : recordIds, userId, org.clock());
      const schema = schemaId(obj);
      emit(cdcChannels(obj), (replayId) => ({ schema, payload, event: { replayId } }));
      return lastReplayId;
    },
    lastReplayId: (): number => lastReplayId,
    retained: (): number => retainedCount,
    pruneAll(): void {
      for (const log of logs.values()) prune(log);
    },
    reset(): void {
      logs.clear();
      pushTopics.clear();
      retainedCount = 0;
      faults.drop = 0;
      faults.duplicate = 0;
      faults.reverse = 0;
      delete faults.reverseObject;
      faults.delayMs = 0;
      held = [];
    },
    close(): void {
      for (const t of delayed) clearTimeout(t);
      delayed.clear();
      adapter.close();
    },
  };
}

export type Streaming = ReturnType<typeof createStreaming>;
