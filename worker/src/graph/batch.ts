// JSON $batch execution for one mailbox.
// Contract: executeBatch(client, mailbox, subs) sends the sub-requests in $batch requests of
// at most 20 and returns one response per sub-request, in order. Graph runs independent
// sub-requests of a batch concurrently and throttles each against the mailbox's limit of 4
// concurrent requests, so a batch is laid out as at most 4 lanes (options.lanes), each a
// dependsOn chain, and the client counts a batch for its lanes: never more than 4 of our
// sub-requests run at once, over all batches in flight. A lane stops at a failed item (the
// rest answer 424 Failed Dependency); those, and sub-requests throttled with 429/503/504,
// are re-queued alone into the next batch (after the largest Retry-After, during which the
// mailbox is blocked for everyone). Sub-requests that must run in order (`after`) share a lane.
import type { GraphClient } from './client.ts';
import { parseRetryAfter, toExchangeError } from './errors.ts';

export const MAX_BATCH = 20;
export const LANES = 4;

/** One request inside a $batch. URLs are Graph paths without the version (`/users/…`). */
export interface SubRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Index (in the same call) of a sub-request that must have succeeded first. */
  after?: number;
}

export interface SubResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: unknown;
}

export interface BatchOptions {
  /** Times one sub-request is re-sent after throttling before its 429 is final. */
  maxRetries?: number;
  /** Observes each $batch sent (sizes), e.g. for the demo's API-call counts. */
  onBatch?: (size: number) => void;
  /**
   * dependsOn lanes per $batch (1–4, default 4). A $batch counts against the mailbox's 4 for its
   * lanes, so with more work queued 1 lane (a chain of up to 20) lets 4 $batches run side by side,
   * each answered on its own: no lane waits for the slowest of its batch, and each envelope's
   * round trip is paid once per 20 requests instead of once per 5.
   */
  lanes?: number;
}

const THROTTLED = new Set([429, 503, 504]);

export async function executeBatch(client: GraphClient, mailbox: string, subs: readonly SubRequest[], options: BatchOptions = {}): Promise<SubResponse[]> {
  const results: Array<SubResponse | undefined> = new Array(subs.length).fill(undefined);
  const maxRetries = options.maxRetries ?? 5;
  const throttles = new Array<number>(subs.length).fill(0);
  const blocked = new Array<number>(subs.length).fill(0);
  let queue = subs.map((_, i) => i);
  // Each round settles at least one item or spends a retry, so this bound is never reached
  // in practice; it keeps a misbehaving server from looping us forever.
  const maxRounds = subs.length * (maxRetries + 2) + 10;
  for (let round = 0; queue.length > 0 && round < maxRounds; round++) {
    const chunk = takeChunk(queue, subs);
    const chunkSet = new Set(chunk);
    queue = queue.filter((i) => !chunkSet.has(i));
    const responses = await sendChunk(client, chunk, subs, options);
    const requeue: number[] = [];
    let waitMs = 0;
    for (const index of chunk) {
      const res = responses.get(index)!;
      const predecessor = subs[index]!.after;
      if (res.status === 424) {
        const pred = predecessor !== undefined ? results[predecessor] : undefined;
        const predFailed = pred !== undefined && (pred.status < 200 || pred.status >= 300);
        // Our own ordering dependency failed: this one cannot run. A lane neighbour failed: re-send.
        if (predFailed || blocked[index]! >= maxRetries + 2) results[index] = res;
        else {
          blocked[index]! += 1;
          requeue.push(index);
        }
        continue;
      }
      if (THROTTLED.has(res.status) && throttles[index]! < maxRetries) {
        throttles[index]! += 1;
        requeue.push(index);
        const hinted = parseRetryAfter(res.headers['retry-after'], client.clock.now());
        waitMs = Math.max(waitMs, hinted ?? Math.min(1000 * 2 ** throttles[index]!, 32_000));
        continue;
      }
      results[index] = res;
    }
    // Re-sent items go first, in their original order, so ordering chains stay intact.
    queue = [...requeue.sort((a, b) => a - b), ...queue];
    if (waitMs > 0) client.limiter.blockUntil(mailbox, client.clock.now() + waitMs);
  }
  return results.map((r) => r ?? { status: 0, headers: {}, body: { error: { code: 'NoResponse', message: 'The batch returned no response for this request' } } });
}

// Takes up to MAX_BATCH queued items, keeping each ordering chain (via `after`) whole.
function takeChunk(queue: readonly number[], subs: readonly SubRequest[]): number[] {
  const queued = new Set(queue);
  const chunk: number[] = [];
  const taken = new Set<number>();
  for (const i of queue) {
    if (taken.has(i)) continue;
    const group = [i];
    for (let j = i + 1; j < subs.length; j++) {
      const after = subs[j]!.after;
      if (after !== undefined && group.includes(after) && queued.has(j)) group.push(j);
    }
    if (chunk.length + group.length > MAX_BATCH) {
      if (chunk.length > 0) break;
      group.length = MAX_BATCH;
    }
    for (const j of group) taken.add(j);
    chunk.push(...group);
  }
  return chunk;
}

// Lays the chunk out in ≤4 dependsOn lanes: ordering chains whole, on the shortest lane.
function lanesOf(chunk: readonly number[], subs: readonly SubRequest[], count = LANES): number[][] {
  const lanes: number[][] = [];
  const laneOf = new Map<number, number>();
  for (const index of chunk) {
    const after = subs[index]!.after;
    let lane = after !== undefined ? laneOf.get(after) : undefined;
    if (lane === undefined) {
      if (lanes.length < Math.max(1, Math.min(LANES, count))) {
        lanes.push([]);
        lane = lanes.length - 1;
      } else {
        lane = lanes.reduce((best, l, k) => (l.length < lanes[best]!.length ? k : best), 0);
      }
    }
    lanes[lane]!.push(index);
    laneOf.set(index, lane);
  }
  return lanes;
}

async function sendChunk(client: GraphClient, chunk: readonly number[], subs: readonly SubRequest[], options: BatchOptions): Promise<Map<number, SubResponse>> {
  const previous = new Map<number, number>();
  for (const lane of lanesOf(chunk, subs, options.lanes)) lane.forEach((index, k) => k > 0 && previous.set(index, lane[k - 1]!));
  const requests = chunk.map((index) => {
    const sub = subs[index]!;
    const headers: Record<string, string> = { ...sub.headers };
    if (sub.body !== undefined) headers['Content-Type'] = 'application/json';
    const dep = previous.get(index);
    return {
      id: String(index),
      method: sub.method,
      url: sub.url,
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
      ...(sub.body !== undefined ? { body: sub.body } : {}),
      ...(dep !== undefined ? { dependsOn: [String(dep)] } : {}),
    };
  });
  options.onBatch?.(requests.length);
  const out = new Map<number, SubResponse>();
  try {
    const body = await client.request<{ responses?: Array<{ id?: unknown; status?: unknown; headers?: Record<string, string>; body?: unknown }> }>(
      'POST',
      '/$batch',
      { body: { requests } },
    );
    for (const r of body?.responses ?? []) {
      const index = Number(r.id);
      if (chunk.includes(index)) out.set(index, { status: Number(r.status ?? 0), headers: lowerKeys(r.headers ?? {}), body: r.body });
    }
  } catch (error) {
    // The $batch itself failed (after the client's own retries): every item shares the failure.
    const e = toExchangeError(error);
    const headers: Record<string, string> = e.retryAfterMs !== undefined ? { 'retry-after': String(Math.ceil(e.retryAfterMs / 1000)) } : {};
    for (const index of chunk) out.set(index, { status: e.status, headers, body: { error: { code: e.code, message: e.message } } });
  }
  for (const index of chunk) {
    if (!out.has(index)) out.set(index, { status: 0, headers: {}, body: { error: { code: 'NoResponse', message: 'The batch returned no response for this request' } } });
  }
  return out;
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = String(v);
  return out;
}
