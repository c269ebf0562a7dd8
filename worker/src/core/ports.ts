// The narrow ports the sync driver (./sync.ts) talks through. The runtime implements
// RecordSide over jsforce (Salesforce) and Graph (Exchange), and LinkStore over the
// store in worker/src/store; ./memory-side.ts and ./memory-store.ts are the in-memory
// twins the model test uses. Records cross these ports already mapped (./maps).
import type { Change, Fields, Kind, Link, ListingStatus, Side, SideRecord } from './types.ts';

/** One page of a side's change feed for one kind, from a cursor (null = from the start). */
export interface FeedPage {
  readonly changes: readonly Change[];
  /** Where the next read starts; committed only after the changes it covers are settled. */
  readonly cursor: string;
  readonly listing: ListingStatus;
  /**
   * The read stopped short (a capped page): more changes follow from `cursor`. The driver reads
   * this side again in the same run once this page settled.
   */
  readonly more?: boolean;
}

/**
 * Current state of one record: the record, gone, or no longer in our scope. A deleted
 * record may be reported as `{ deleted: true, stamp }` when its stamp is still readable.
 */
export type Current = SideRecord | 'deleted' | { readonly deleted: true; readonly stamp: string } | 'out-of-scope';

export type WriteFailure = {
  readonly ok: false;
  /** stale: version guard failed; not-found: gone; rejected: the side refused the values. */
  readonly reason: 'stale' | 'not-found' | 'rejected';
  readonly message: string;
};
export type WriteResult = { readonly ok: true; readonly record: SideRecord } | WriteFailure;
export type DeleteResult = { readonly ok: true } | WriteFailure;

export interface RecordSide {
  readonly side: Side;
  changesSince(kind: Kind, cursor: string | null): Promise<FeedPage>;
  get(kind: Kind, id: string): Promise<Current>;
  /**
   * Records on this side that may match the given records of the other side by natural
   * key or stamp (the runtime may search narrowly; the twin returns all unlinked ones).
   * `keep` is the driver's own filter (it applies it to the answer as well): a side that lists
   * a whole container keeps only the records it accepts while reading, never the container.
   */
  candidates(kind: Kind, others: readonly SideRecord[], keep?: (record: SideRecord) => boolean): Promise<readonly SideRecord[]>;
  /**
   * Create, idempotent on `key`: a second call with the same key returns (and patches) the
   * record the first one made. Salesforce: upsert on SCC_Exchange_Key__c; Exchange: look
   * up the SalesforceId extended property before creating. The key becomes the stamp.
   */
  create(kind: Kind, key: string, fields: Fields): Promise<WriteResult>;
  /** Patch the given fields only if the record is still at `expectedVersion`. */
  update(kind: Kind, id: string, expectedVersion: string, patch: Fields): Promise<WriteResult>;
  delete(kind: Kind, id: string, expectedVersion: string): Promise<DeleteResult>;
}

export interface SalesforceSide extends RecordSide {
  readonly side: 'salesforce';
}
export interface ExchangeSide extends RecordSide {
  readonly side: 'exchange';
}

/** A recorded issue; the runtime turns it into a Sync_Issue__c. `key` dedupes repeats. */
export interface Issue {
  readonly key: string;
  readonly mailbox: string;
  readonly kind: Kind;
  readonly issueKind: 'Conflict' | 'Error' | 'Skipped';
  readonly salesforceId?: string;
  readonly exchangeId?: string;
  readonly message: string;
}

/** What the driver may do inside one store transaction. */
export interface LinkTx {
  links(mailbox: string, kind: Kind): Promise<readonly Link[]>;
  /**
   * Optional, so a run holds the links it needs rather than every link of a large mailbox
   * (the driver uses them when all three are given): the links holding any of these ids,
   * the links carrying a write-ahead note, and how many links the kind has.
   */
  linksOf?(mailbox: string, kind: Kind, ids: { readonly salesforce: readonly string[]; readonly exchange: readonly string[] }): Promise<readonly Link[]>;
  notedLinks?(mailbox: string, kind: Kind): Promise<readonly Link[]>;
  countLinks?(mailbox: string, kind: Kind): Promise<number>;
  /**
   * Insert the link, replacing any link of the same (mailbox, kind) that holds the same
   * Salesforce id or the same Exchange id (a restored record gets a new id on one side).
   */
  putLink(link: Link): Promise<void>;
  deleteLink(mailbox: string, kind: Kind, salesforceId: string): Promise<void>;
  cursor(mailbox: string, kind: Kind, side: Side): Promise<string | null>;
  setCursor(mailbox: string, kind: Kind, side: Side, cursor: string): Promise<void>;
  /** Idempotent on issue.key. */
  recordIssue(issue: Issue): Promise<void>;
}

/** The minimal store the driver needs: everything happens inside a transaction. */
export interface LinkStore {
  transaction<T>(fn: (tx: LinkTx) => Promise<T>): Promise<T>;
}
