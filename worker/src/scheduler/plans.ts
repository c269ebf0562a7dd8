// How often each plan polls, and the backoff curve after errors. Pure functions of their inputs.
import type { Plan } from '../store/types.ts';

export const PLAN_INTERVAL_MS: Record<Plan, number> = {
  Basic: 30 * 60_000,
  Professional: 5 * 60_000,
  // Real-time runs on change hints; this is only the backstop poll (To Do sends no `missed`).
  'Real-time': 15 * 60_000,
};

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  /** Longest Retry-After we honour; a larger one is clamped so a bad header cannot park a mailbox. */
  maxRetryAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 30_000, maxMs: 30 * 60_000, maxRetryAfterMs: 60 * 60_000 };

/**
 * Delay before retry number `attempt` (1 = first failure): exponential, capped, with "equal
 * jitter" (half fixed, half random) so mailboxes that failed together do not retry together.
 * A Retry-After from the provider is a floor.
 */
export function backoffDelay(attempt: number, random: () => number, policy: BackoffPolicy = DEFAULT_BACKOFF, retryAfterMs?: number): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  const r = Math.min(1, Math.max(0, random()));
  const jittered = Math.round(exp / 2 + (exp / 2) * r);
  const floor = retryAfterMs !== undefined && retryAfterMs > 0 ? Math.min(retryAfterMs, policy.maxRetryAfterMs) : 0;
  return Math.max(jittered, floor);
}
