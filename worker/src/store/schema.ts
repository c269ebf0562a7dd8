// Row shapes of every table, as Kysely sees them. Both engines hold the same columns:
// times are epoch milliseconds (bigint), booleans are 0/1 integers, JSON is text.
import type { Generated } from 'kysely';

export interface SchemaVersionTable {
  version: number;
  name: string;
  applied_at: number | string;
}

export interface MailboxesTable {
  id: string;
  address: string;
  salesforce_user_id: string | null;
  settings: string;
  state: string;
  plan: string;
  next_run_at: number | string | null;
  retry_at: number | string | null;
  backoff_attempts: number;
  last_error: string | null;
  last_run_at: number | string | null;
  last_success_at: number | string | null;
  items_synced: number | string;
  created_at: number | string;
  updated_at: number | string;
}

export interface LinksTable {
  id: Generated<number>;
  mailbox_id: string;
  kind: string;
  salesforce_id: string | null;
  exchange_id: string | null;
  sf_version: string | null;
  ex_version: string | null;
  sf_hash: string | null;
  ex_hash: string | null;
  natural_key: string | null;
  base: string;
  updated_at: number | string;
}

export interface CursorsTable {
  mailbox_id: string;
  side: string;
  channel: string;
  value: string;
  updated_at: number | string;
}

export interface HintsTable {
  mailbox_id: string;
  source: string;
  first_received_at: number | string;
  received_at: number | string;
  count: number;
}

export interface LeasesTable {
  mailbox_id: string;
  owner: string;
  expires_at: number | string;
}

export interface IssuesTable {
  id: Generated<number>;
  mailbox_id: string;
  kind: string;
  object_type: string;
  salesforce_id: string | null;
  exchange_id: string | null;
  message: string;
  details: string;
  occurred_at: number | string;
  resolved: number;
  resolved_at: number | string | null;
  synced_to_salesforce: number;
  salesforce_record_id: string | null;
  issue_key: string | null;
}

export interface RunsTable {
  id: Generated<number>;
  mailbox_id: string;
  reason: string;
  started_at: number | string;
  finished_at: number | string | null;
  counts: string;
  error: string | null;
}

export interface SubscriptionsTable {
  id: string;
  mailbox_id: string;
  resource: string;
  expires_at: number | string;
  client_state_hash: string;
  created_at: number | string;
}

export interface SecretsTable {
  name: string;
  ciphertext: string;
  updated_at: number | string;
}

export interface Database {
  scc_schema_version: SchemaVersionTable;
  mailboxes: MailboxesTable;
  links: LinksTable;
  cursors: CursorsTable;
  hints: HintsTable;
  leases: LeasesTable;
  issues: IssuesTable;
  runs: RunsTable;
  subscriptions: SubscriptionsTable;
  secrets: SecretsTable;
}
