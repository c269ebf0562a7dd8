// The Store contract: everything the worker persists, one interface for SQLite and PostgreSQL.
// Every time value is epoch milliseconds from the injected clock; no method reads the wall clock.
export type Side = 'salesforce' | 'exchange';
/** Key of a link's write-ahead note in its base JSON (./link-store.ts); field maps never make '@' names. */
export const PENDING_KEY = '@pending';
export type MailboxState = 'new' | 'provisioning' | 'active' | 'paused' | 'needs_attention' | 'error';
export type Plan = 'Basic' | 'Professional' | 'Real-time';
export type IssueKind = 'Conflict' | 'Error' | 'Skipped';

export interface Mailbox {
  id: string;
  address: string;
  salesforceUserId: string | null;
  settings: Record<string, unknown>;
  state: MailboxState;
  plan: Plan;
  nextRunAt: number | null;
  /** Set while the mailbox is backing off after errors; null when healthy. */
  retryAt: number | null;
  backoffAttempts: number;
  lastError: string | null;
  lastRunAt: number | null;
  lastSuccessAt: number | null;
  itemsSynced: number;
  createdAt: number;
  updatedAt: number;
}

export interface MailboxInput {
  id: string;
  address: string;
  salesforceUserId?: string | null;
  settings?: Record<string, unknown>;
  state?: MailboxState;
  plan?: Plan;
  nextRunAt?: number | null;
}

export type MailboxPatch = Partial<
  Pick<
    Mailbox,
    | 'address'
    | 'salesforceUserId'
    | 'settings'
    | 'state'
    | 'plan'
    | 'nextRunAt'
    | 'retryAt'
    | 'backoffAttempts'
    | 'lastError'
    | 'lastRunAt'
    | 'lastSuccessAt'
    | 'itemsSynced'
  >
>;

export interface Link {
  id: number;
  mailboxId: string;
  kind: string;
  salesforceId: string | null;
  exchangeId: string | null;
  sfVersion: string | null;
  exVersion: string | null;
  sfHash: string | null;
  exHash: string | null;
  naturalKey: string | null;
  /** The mapped fields both sides agreed on at the last sync (the merge base). */
  base: Record<string, unknown>;
  updatedAt: number;
}

/** A link to write; matched on (mailbox, kind, salesforceId) first, then (mailbox, kind, exchangeId). */
export interface LinkInput {
  mailboxId: string;
  kind: string;
  salesforceId?: string | null;
  exchangeId?: string | null;
  sfVersion?: string | null;
  exVersion?: string | null;
  sfHash?: string | null;
  exHash?: string | null;
  naturalKey?: string | null;
  base?: Record<string, unknown>;
}

export interface Cursor {
  mailboxId: string;
  side: Side;
  channel: string;
  value: string;
  updatedAt: number;
}

export interface Hint {
  mailboxId: string;
  source: string;
  firstReceivedAt: number;
  receivedAt: number;
  count: number;
}

export interface Lease {
  mailboxId: string;
  owner: string;
  expiresAt: number;
}

export interface Issue {
  id: number;
  mailboxId: string;
  kind: IssueKind;
  objectType: string;
  salesforceId: string | null;
  exchangeId: string | null;
  message: string;
  details: Record<string, unknown>;
  occurredAt: number;
  resolved: boolean;
  resolvedAt: number | null;
  syncedToSalesforce: boolean;
  salesforceRecordId: string | null;
  issueKey: string | null;
}

export interface IssueInput {
  mailboxId: string;
  kind: IssueKind;
  objectType: string;
  salesforceId?: string | null;
  exchangeId?: string | null;
  message: string;
  details?: Record<string, unknown>;
  /** When given, an open issue with the same key is refreshed instead of a new one opened. */
  issueKey?: string;
}

export interface Run {
  id: number;
  mailboxId: string;
  reason: string;
  startedAt: number;
  finishedAt: number | null;
  counts: Record<string, number>;
  error: string | null;
}

export interface Subscription {
  id: string;
  mailboxId: string;
  resource: string;
  expiresAt: number;
  /** SHA-256 hex of the clientState we gave Graph; the clear value is never stored. */
  clientStateHash: string;
  createdAt: number;
}

/** Operations available both on the store and inside a transaction. */
export interface StoreOps {
  // mailboxes
  upsertMailbox(input: MailboxInput): Promise<Mailbox>;
  getMailbox(id: string): Promise<Mailbox | undefined>;
  listMailboxes(): Promise<Mailbox[]>;
  updateMailbox(id: string, patch: MailboxPatch): Promise<Mailbox | undefined>;
  deleteMailbox(id: string): Promise<void>;
  /** Active mailboxes whose backoff has passed and that are due now, Real-time with a pending hint, or with a 'sync-now' hint. */
  listRunnableMailboxes(now: number, limit?: number): Promise<Mailbox[]>;

  // links
  putLink(input: LinkInput): Promise<Link>;
  getLinkBySalesforceId(mailboxId: string, kind: string, salesforceId: string): Promise<Link | undefined>;
  getLinkByExchangeId(mailboxId: string, kind: string, exchangeId: string): Promise<Link | undefined>;
  findLinksByNaturalKey(mailboxId: string, kind: string, naturalKey: string): Promise<Link[]>;
  listLinks(mailboxId: string, kind?: string): Promise<Link[]>;
  /** Links of one mailbox and kind holding any of these Salesforce or Exchange ids (a run's touched ids, not the whole mailbox). */
  listLinksByIds(mailboxId: string, kind: string, ids: { salesforceIds: readonly string[]; exchangeIds: readonly string[] }): Promise<Link[]>;
  /** Links whose base JSON carries a write-ahead note (PENDING_KEY), plus any rows missing an id (half-made). */
  listNotedLinks(mailboxId: string, kind: string): Promise<Link[]>;
  countLinks(mailboxId: string, kind: string): Promise<number>;
  deleteLink(id: number): Promise<void>;
  deleteLinkBySalesforceId(mailboxId: string, kind: string, salesforceId: string): Promise<void>;
  /** Inserts the link after removing any link of the same mailbox and kind holding either id. */
  replaceLink(input: LinkInput): Promise<void>;

  // cursors; mailboxId '*' is for org-wide feeds (CDC replay ids)
  getCursor(mailboxId: string, side: Side, channel: string): Promise<string | undefined>;
  setCursor(mailboxId: string, side: Side, channel: string, value: string): Promise<void>;
  deleteCursor(mailboxId: string, side: Side, channel: string): Promise<void>;
  listCursors(mailboxId: string): Promise<Cursor[]>;

  // hints (coalesced: one row per mailbox and source)
  addHint(mailboxId: string, source: string): Promise<void>;
  listHints(mailboxId?: string): Promise<Hint[]>;
  /** Removes and returns the mailbox's hints received at or before `upTo`. */
  takeHints(mailboxId: string, upTo: number): Promise<Hint[]>;

  // leases
  takeLease(mailboxId: string, owner: string, ttlMs: number): Promise<boolean>;
  renewLease(mailboxId: string, owner: string, ttlMs: number): Promise<boolean>;
  releaseLease(mailboxId: string, owner: string): Promise<void>;
  getLease(mailboxId: string): Promise<Lease | undefined>;

  // issues
  /** Opens an issue, or refreshes the open one with the same mailbox, kind, object and ids. */
  openIssue(input: IssueInput): Promise<Issue>;
  resolveIssue(id: number): Promise<void>;
  /** Resolves open issues of a record once it synced cleanly. Returns how many. */
  resolveIssuesFor(mailboxId: string, objectType: string, ids: { salesforceId?: string | null; exchangeId?: string | null }): Promise<number>;
  listIssues(mailboxId: string, options?: { open?: boolean }): Promise<Issue[]>;
  countOpenIssues(mailboxId: string): Promise<number>;
  listIssuesToSync(limit?: number): Promise<Issue[]>;
  markIssueSynced(id: number, salesforceRecordId: string): Promise<void>;

  // runs
  startRun(mailboxId: string, reason: string): Promise<number>;
  finishRun(id: number, result: { counts?: Record<string, number>; error?: string | null }): Promise<void>;
  listRuns(mailboxId: string, limit?: number): Promise<Run[]>;

  // subscriptions
  putSubscription(sub: { id: string; mailboxId: string; resource: string; expiresAt: number; clientState: string }): Promise<void>;
  /** A renewal: the new expiry only (the stored clientState hash stays). False if the row is gone. */
  updateSubscriptionExpiry(id: string, expiresAt: number): Promise<boolean>;
  getSubscription(id: string): Promise<Subscription | undefined>;
  listSubscriptions(mailboxId?: string): Promise<Subscription[]>;
  listSubscriptionsExpiringBefore(time: number): Promise<Subscription[]>;
  deleteSubscription(id: string): Promise<void>;

  // secrets at rest (AES-256-GCM with the store's encryption key)
  putSecret(name: string, value: string): Promise<void>;
  getSecret(name: string): Promise<string | undefined>;
  deleteSecret(name: string): Promise<void>;
}

export interface Store extends StoreOps {
  readonly engine: 'sqlite' | 'postgres';
  /** Runs fn in one database transaction; a throw rolls back every write made through `tx`. */
  transaction<T>(fn: (tx: StoreOps) => Promise<T>): Promise<T>;
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
}

export interface StoreOptions {
  clock?: () => number;
  /** 32-byte key (hex or base64) for secrets at rest; secrets methods throw without it. */
  encryptionKey?: string;
  /** PostgreSQL schema to use (created if missing); also `?schema=` in the URL. */
  schema?: string;
}
