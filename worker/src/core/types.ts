// Types of the pure sync engine: the four kinds, each side's view of a record in
// the neutral "mapped" form, the link state (vdirsyncer's status row), the changes a
// run has seen, the mailbox settings that steer the planner, and the closed union of
// actions the planner returns. Nothing here does I/O; the runtime fills these in.

/** The four kinds of thing we sync. Emails only flow Exchange → Salesforce. */
export type Kind = 'contact' | 'event' | 'task' | 'email';
export const KINDS: readonly Kind[] = ['contact', 'event', 'task', 'email'];

export type Side = 'salesforce' | 'exchange';
export const SIDES: readonly Side[] = ['salesforce', 'exchange'];
export function otherSide(side: Side): Side {
  return side === 'salesforce' ? 'exchange' : 'salesforce';
}

/** The picklist values of Mailbox_Sync__c.*_Direction__c, used verbatim. */
export type Direction = 'Both' | 'Salesforce to Exchange' | 'Exchange to Salesforce';

/** A JSON value: mapped fields hold only these, so hashing and comparing are exact. */
export type FieldValue = string | number | boolean | null | FieldValue[] | { [key: string]: FieldValue };

/**
 * The mapped (neutral) fields of one record, as the field maps in ./maps produce them.
 * Both sides of a link are compared in this form; an absent field equals null.
 */
export type Fields = Readonly<Record<string, FieldValue>>;

/** One record as currently seen on one side, already mapped to neutral fields. */
export interface SideRecord {
  /** Salesforce Id, or the Exchange immutable id. */
  readonly id: string;
  /** Salesforce SystemModstamp or Graph changeKey: opaque, compared for equality only. */
  readonly version: string;
  readonly fields: Fields;
  /**
   * The other side's identity stamped on this record, if any: on an Exchange item the
   * SalesforceId extended property; on a Salesforce record its SCC_Exchange_Key__c.
   * Used to rebuild links after a lost store and to make creates idempotent.
   */
  readonly stamp?: string;
}

/** What the link remembers about one side as of the last sync. */
export interface SideState {
  readonly id: string;
  readonly version: string;
  /** Hash of this side's mapped fields as of the last sync. */
  readonly hash: string;
}

/** One Salesforce record tied to one Exchange item in one mailbox (a status row). */
export interface Link {
  readonly kind: Kind;
  readonly mailbox: string;
  readonly salesforce: SideState;
  readonly exchange: SideState;
  /** The mapped fields both sides agreed on at the last sync: the base of field-level merges. */
  readonly base: Fields;
  /**
   * Write-ahead note saved just before a run patches this pair: the link it will commit if
   * the writes land. A side in `written` holds the hash it will have (version unknown, '').
   * After a crash the planner adopts it when every written side shows that hash, so our own
   * half-finished writes are recognised as ours and never flow back over a newer user edit.
   */
  readonly pending?: PendingLink;
}

export interface PendingLink {
  readonly base: Fields;
  readonly salesforce: SideState;
  readonly exchange: SideState;
  readonly written: readonly Side[];
  /**
   * Set when the note precedes a create of the copy (the pair has no link yet): the side the
   * copy is created on and its create key, which the copy carries as its stamp. The copy's id
   * is not known until the create returns: that side's `id` is `pendingCreateId(key)`. With
   * the note the next run knows the source's state at the create (the base), so after a crash
   * an edit of the source is told from the original and beats a delete of the copy.
   */
  readonly create?: PendingCreate;
  /**
   * Set when the note precedes the first update of an unlinked pair matched by natural key:
   * both records' fields as matched. A user edit after a crash may break the natural key; the
   * note keeps the pair, and the next run merges against `base`, where a value equal to the
   * matched one or the planned one is no user edit.
   */
  readonly match?: MatchedPair;
}

export interface PendingCreate {
  readonly side: Side;
  readonly key: string;
  /**
   * When an edit beat a delete and the copy replaces a deleted counterpart of an existing link:
   * that counterpart's id. Its delete carries the same stamp as the new copy and is not the copy's.
   */
  readonly replaces?: string;
}

/** Stand-in id of a copy whose create is pending (Salesforce ids are alphanumeric, Graph ids have no ':'). */
export function pendingCreateId(key: string): string {
  return `pending-create:${key}`;
}

export function isPendingCreateId(id: string): boolean {
  return id.startsWith('pending-create:');
}

/**
 * A change seen on one side since its cursor. The runtime resolves each touched id to its
 * current state before planning (feeds may duplicate and reorder entries), so an `upsert`
 * carries the record as it is now.
 */
export type Change =
  | { readonly side: Side; readonly kind: Kind; readonly type: 'upsert'; readonly record: SideRecord }
  /**
   * Gone. `stamp` is the record's stamp when the side can still tell it (Salesforce: queryAll
   * on IsDeleted rows); it lets a delete of a record whose link a crash never committed
   * reach its counterpart instead of the counterpart being created again.
   */
  | { readonly side: Side; readonly kind: Kind; readonly type: 'delete'; readonly id: string; readonly stamp?: string }
  /** Still exists but left our scope (owner changed, moved out of the folder, category removed). */
  | { readonly side: Side; readonly kind: Kind; readonly type: 'out-of-scope'; readonly id: string };

/** How a side's listing looked this run; an empty or forbidden listing never turns into deletes. */
export type ListingStatus = 'ok' | 'empty' | 'forbidden';

export interface KindSettings {
  readonly enabled: boolean;
  readonly direction: Direction;
  /** Propagate a Salesforce delete to Exchange. */
  readonly deleteToExchange: boolean;
  /** Propagate an Exchange delete to Salesforce. */
  readonly deleteToSalesforce: boolean;
  /** Which side wins when the same field changed on both sides. */
  readonly winner: Side;
}

export interface MailboxSettings {
  readonly kinds: Readonly<Record<Kind, KindSettings>>;
  /** Share of the mailbox's links a run may delete before the valve trips (0..1). */
  readonly maxDeleteShare: number;
  /** Runs deleting at most this many items never trip the share rule (small mailboxes). */
  readonly minDeletesForValve: number;
}

/** Why an item was created, updated, deleted, unlinked, skipped: one named situation. */
export type Situation =
  | 'new-in-salesforce'
  | 'new-in-exchange'
  | 'matched-by-natural-key'
  | 'matched-by-stamp'
  | 'changed-in-salesforce'
  | 'changed-in-exchange'
  | 'changed-in-both-merged'
  | 'changed-in-both-same-field'
  | 'changed-in-both-same-value'
  | 'deleted-in-salesforce'
  | 'deleted-in-exchange'
  | 'deleted-in-both'
  | 'deleted-in-salesforce-edited-in-exchange'
  | 'deleted-in-exchange-edited-in-salesforce'
  | 'out-of-scope'
  | 'delete-not-propagated'
  | 'echo'
  | 'direction'
  | 'kind-disabled'
  | 'unknown-delete'
  | 'deleted-before-linked'
  | 'stamped-but-unlinked'
  | 'restored-but-replaced'
  | 'safety-valve';

/** Identifies the item an action belongs to; the driver applies one item's actions in order. */
export interface ItemRef {
  readonly kind: Kind;
  readonly salesforceId?: string;
  readonly exchangeId?: string;
}

/** The last-synced state of a side after this item's writes; omitted → take it from the write. */
export interface LinkTarget {
  readonly salesforce?: SideState;
  readonly exchange?: SideState;
  readonly base: Fields;
  /** A pair matched by natural key: both records' fields as matched, so a crash before the link keeps the pair (see PendingLink.match). */
  readonly matched?: MatchedPair;
  /**
   * The link this item's plan starts from when it is not the stored one (a crash's write-ahead
   * note adopted or dropped this run): the next write-ahead note falls back to it, so a second
   * crash does not take our own landed write for a user edit.
   */
  readonly from?: { readonly salesforce: SideState; readonly exchange: SideState; readonly base: Fields };
}

export interface MatchedPair {
  readonly salesforce: Fields;
  readonly exchange: Fields;
}

export interface FieldConflict {
  readonly field: string;
  readonly base: FieldValue;
  readonly salesforce: FieldValue;
  readonly exchange: FieldValue;
  readonly winner: Side;
}

export type Action =
  /** Create on `side`; `key` makes it idempotent (Salesforce Id stamp, or Exchange key upsert). */
  | {
      readonly type: 'create';
      readonly item: ItemRef;
      readonly situation: Situation;
      readonly side: Side;
      readonly key: string;
      readonly fields: Fields;
    }
  /** Patch fields on `side`, only if it is still at `expectedVersion`. */
  | {
      readonly type: 'update';
      readonly item: ItemRef;
      readonly situation: Situation;
      readonly side: Side;
      readonly id: string;
      readonly expectedVersion: string;
      readonly patch: Fields;
    }
  | {
      readonly type: 'delete';
      readonly item: ItemRef;
      readonly situation: Situation;
      readonly side: Side;
      readonly id: string;
      readonly expectedVersion: string;
    }
  /** Commit the link for this item (new or refreshed) once its writes succeeded. */
  | { readonly type: 'link'; readonly item: ItemRef; readonly situation: Situation; readonly target: LinkTarget }
  /** Forget the link; both records stay as they are. */
  | { readonly type: 'unlink'; readonly item: ItemRef; readonly situation: Situation }
  /** A loser recorded (becomes a Sync_Issue__c of Kind Conflict); the winner is applied by the item's other actions. */
  | {
      readonly type: 'conflict';
      readonly item: ItemRef;
      readonly situation: Situation;
      readonly fields: readonly FieldConflict[];
      /** For edit/delete: the side whose delete lost. */
      readonly deletedOn?: Side;
      readonly message: string;
    }
  /** Nothing written for this item, with the reason (reported only when `report` is true). */
  | {
      readonly type: 'skip';
      readonly item: ItemRef;
      readonly situation: Situation;
      readonly report: boolean;
      readonly message: string;
    }
  /** The safety valve tripped: the run deletes nothing and stops; becomes a Sync_Issue__c. */
  | {
      readonly type: 'valve';
      readonly mailbox: string;
      readonly situation: 'safety-valve';
      readonly reason: 'mass-delete' | 'empty-listing' | 'forbidden-listing';
      readonly deletes: number;
      readonly links: number;
      readonly message: string;
    };

export type ActionType = Action['type'];

/** Unlinked records the runtime can offer for natural-key and stamp matching before inserts. */
export interface Candidates {
  readonly salesforce: readonly SideRecord[];
  readonly exchange: readonly SideRecord[];
}

export interface PlanInput {
  readonly mailbox: string;
  /**
   * The links of this mailbox the changes and candidates name, and every link carrying a
   * write-ahead note (or simply all links); the lookup for changes.
   */
  readonly links: readonly Link[];
  /** How many links the mailbox has (the valve's denominator); default links.length. */
  readonly linkCount?: number;
  /** Changes seen on both sides since the cursors, any order, duplicates allowed. */
  readonly changes: readonly Change[];
  /** Unlinked records already present on either side, for matching before insert. */
  readonly candidates?: Candidates;
  readonly listing?: Readonly<Partial<Record<Side, ListingStatus>>>;
  readonly settings: MailboxSettings;
  /** Stable hash of mapped fields (see ./hash.ts); injected so the core stays pure. */
  readonly hash: (fields: Fields) => string;
}

export const DEFAULT_KIND_SETTINGS: KindSettings = {
  enabled: true,
  direction: 'Both',
  deleteToExchange: true,
  deleteToSalesforce: true,
  winner: 'salesforce',
};

export function defaultSettings(overrides: Partial<Record<Kind, Partial<KindSettings>>> = {}): MailboxSettings {
  const kind = (k: Kind): KindSettings => {
    const base = k === 'email' ? { ...DEFAULT_KIND_SETTINGS, direction: 'Exchange to Salesforce' as Direction } : DEFAULT_KIND_SETTINGS;
    return { ...base, ...overrides[k] };
  };
  return {
    kinds: { contact: kind('contact'), event: kind('event'), task: kind('task'), email: kind('email') },
    maxDeleteShare: 0.2,
    minDeletesForValve: 5,
  };
}
