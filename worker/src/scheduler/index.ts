// Public surface of the scheduler.
export { createScheduler } from './scheduler.ts';
export type { RunContext, RunOutcome, RunReason, RunResult, Scheduler, SchedulerOptions, Timers } from './scheduler.ts';
export { PLAN_INTERVAL_MS, DEFAULT_BACKOFF, backoffDelay } from './plans.ts';
export type { BackoffPolicy } from './plans.ts';
