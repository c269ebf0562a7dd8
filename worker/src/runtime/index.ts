// Public surface of the runtime.
export { createRuntime, type Runtime, type RuntimeOptions } from './runtime.ts';
export { DEFAULT_KINDS, CONTACT_KIND, TASK_KIND, EVENT_KIND, type KindPlugin } from './kinds.ts';
export { classify, RunError, type Failure } from './errors.ts';
export { nestCounts } from './counts.ts';
