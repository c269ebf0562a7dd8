// Graph subscription clientState: the worker keeps only its SHA-256 (hex) and checks what a
// notification carries against that hash in constant time. One definition shared by the
// Graph connector (creating subscriptions), the store (saving them) and the webhook receiver.
import { createHash, timingSafeEqual } from 'node:crypto';

export function hashClientState(clientState: string): string {
  return createHash('sha256').update(clientState, 'utf8').digest('hex');
}

/** Checks a received clientState against the stored hash in constant time. */
export function clientStateMatches(received: unknown, storedHash: string): boolean {
  if (typeof received !== 'string' || !/^[0-9a-f]{64}$/i.test(storedHash)) return false;
  const a = Buffer.from(hashClientState(received), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
