// The Graph connector's public surface: what main.ts, the scheduler and the demo wire up.
export { createGraphClient, mailboxOf, type GraphClient, type GraphClientOptions } from './client.ts';
export { ExchangeError, mapGraphFailure, toExchangeError, type ExchangeErrorKind } from './errors.ts';
export { createMailboxLimiter, createManualClock, systemClock, type Clock, type MailboxLimiter } from './limiter.ts';
export {
  SALESFORCE_ID_PROPERTY,
  collectDelta,
  readCategorizedContacts,
  readCategorizedTasks,
  readDelta,
  type DeltaEntry,
  type DeltaPage,
  type DeltaTarget,
} from './delta.ts';
export { executeBatch, type SubRequest, type SubResponse } from './batch.ts';
export { writeItems, type WriteOp, type WriteOutcome } from './writes.ts';
export { DEFAULT_NAMES, provisionMailbox, type ProvisionNames, type ProvisionedIds } from './provision.ts';
export {
  clientStateMatches,
  createSubscription,
  deleteSubscription,
  handleLifecycle,
  hashClientState,
  maintainSubscriptions,
  renewSubscription,
  subscriptionTargets,
  type CreatedSubscription,
  type LifecycleEvent,
  type Subscription,
} from './subscriptions.ts';
export { createExchangeSide, type ExchangeMaps, type ExchangeSideOptions } from './exchange-side.ts';
