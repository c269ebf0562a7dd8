// Outlook-resource throttling per app per mailbox: at most N requests in flight (default 4,
// the 5th gets 429 ApplicationThrottled "MailboxConcurrency"), a request budget per sliding
// 10-minute window (default 10,000), an upload budget (150 MB per 5 minutes), and an admin
// "throttle now" switch. Retry-After is computed from the emulator clock.
import { throttled, type GraphError } from './errors.ts';

export interface ThrottleOptions { maxConcurrent: number; budgetPer10Min: number; uploadBytesPer5Min: number }

interface Box { inFlight: number; window: number[]; head: number; uploads: { t: number; n: number }[]; until: number }

export interface Throttle {
  /** Admits a request or throws 429; the returned function releases its concurrency slot. */
  admit(mailboxKey: string): () => void;
  chargeUpload(mailboxKey: string, bytes: number): void;
  throttleNow(mailboxKey: string, seconds: number): void;
  reset(): void;
}

const WINDOW = 10 * 60_000;
const UPLOAD_WINDOW = 5 * 60_000;

export function createThrottle(opts: ThrottleOptions, now: () => number): Throttle {
  const boxes = new Map<string, Box>();
  const box = (k: string) => {
    let b = boxes.get(k);
    if (!b) boxes.set(k, (b = { inFlight: 0, window: [], head: 0, uploads: [], until: 0 }));
    return b;
  };
  return {
    admit(key) {
      const b = box(key.toLowerCase());
      const t = now();
      if (b.until > t) throw throttled('Application is over its MailboxConcurrency limit.', (b.until - t) / 1000);
      if (b.inFlight >= opts.maxConcurrent) {
        throw throttled('Application is over its MailboxConcurrency limit.', 1);
      }
      while (b.head < b.window.length && b.window[b.head]! <= t - WINDOW) b.head++;
      if (b.head > 4096) { b.window = b.window.slice(b.head); b.head = 0; }
      if (b.window.length - b.head >= opts.budgetPer10Min) {
        const oldest = b.window[b.head]!;
        throw throttled('Application is over its request limit for this mailbox (requests per 10 minutes).', (oldest + WINDOW - t) / 1000);
      }
      b.window.push(t);
      b.inFlight++;
      let released = false;
      return () => {
        if (!released) { released = true; b.inFlight--; }
      };
    },
    chargeUpload(key, bytes) {
      const b = box(key.toLowerCase());
      const t = now();
      b.uploads = b.uploads.filter((u) => u.t > t - UPLOAD_WINDOW);
      const used = b.uploads.reduce((s, u) => s + u.n, 0);
      if (used + bytes > opts.uploadBytesPer5Min) {
        const err: GraphError = throttled('Application is over its upload limit for this mailbox.', (b.uploads[0]!.t + UPLOAD_WINDOW - t) / 1000);
        throw err;
      }
      b.uploads.push({ t, n: bytes });
    },
    throttleNow(key, seconds) {
      box(key.toLowerCase()).until = now() + seconds * 1000;
    },
    reset() {
      boxes.clear();
    },
  };
}
