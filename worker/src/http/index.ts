// Public surface of the worker HTTP app.
export { createApp } from './app.ts';
export type { AppDeps, MailboxPorts } from './app.ts';
export { ApiError } from './errors.ts';
export { bearerMatches, clientStateMatches } from './auth.ts';
export { mailboxStatus } from './status.ts';
