// Migration 0001: the initial schema, written once with Kysely's schema builder so both
// engines get the same tables. Times are bigint epoch ms; booleans 0/1 integers; JSON as text.
import type { Migration, UntypedDb } from './index.ts';

export const initial: Migration = {
  version: 1,
  name: 'initial',
  async up(db: UntypedDb, engine) {
    // SQLite wants INTEGER PRIMARY KEY AUTOINCREMENT, PostgreSQL an identity/serial column.
    const serial = engine === 'postgres' ? 'bigserial' : 'integer';

    await db.schema
      .createTable('mailboxes')
      .addColumn('id', 'varchar(18)', (c) => c.primaryKey())
      .addColumn('address', 'varchar(320)', (c) => c.notNull())
      .addColumn('salesforce_user_id', 'varchar(18)')
      .addColumn('settings', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('state', 'varchar(32)', (c) => c.notNull())
      .addColumn('plan', 'varchar(32)', (c) => c.notNull())
      .addColumn('next_run_at', 'bigint')
      .addColumn('retry_at', 'bigint')
      .addColumn('backoff_attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_error', 'text')
      .addColumn('last_run_at', 'bigint')
      .addColumn('last_success_at', 'bigint')
      .addColumn('items_synced', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('mailboxes_due').on('mailboxes').columns(['state', 'next_run_at']).execute();

    await db.schema
      .createTable('links')
      .addColumn('id', serial, (c) => (engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('mailbox_id', 'varchar(18)', (c) => c.notNull())
      .addColumn('kind', 'varchar(16)', (c) => c.notNull())
      .addColumn('salesforce_id', 'varchar(18)')
      .addColumn('exchange_id', 'varchar(512)')
      .addColumn('sf_version', 'varchar(255)')
      .addColumn('ex_version', 'varchar(255)')
      .addColumn('sf_hash', 'varchar(128)')
      .addColumn('ex_hash', 'varchar(128)')
      .addColumn('natural_key', 'varchar(1024)')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    // NULLs are distinct in both engines, so a half-made link (one side only) never collides.
    await db.schema.createIndex('links_by_salesforce').unique().on('links').columns(['mailbox_id', 'kind', 'salesforce_id']).execute();
    await db.schema.createIndex('links_by_exchange').unique().on('links').columns(['mailbox_id', 'kind', 'exchange_id']).execute();
    await db.schema.createIndex('links_by_natural_key').on('links').columns(['mailbox_id', 'kind', 'natural_key']).execute();

    await db.schema
      .createTable('cursors')
      .addColumn('mailbox_id', 'varchar(18)', (c) => c.notNull())
      .addColumn('side', 'varchar(16)', (c) => c.notNull())
      .addColumn('channel', 'varchar(255)', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('cursors_pk', ['mailbox_id', 'side', 'channel'])
      .execute();

    await db.schema
      .createTable('hints')
      .addColumn('mailbox_id', 'varchar(18)', (c) => c.notNull())
      .addColumn('source', 'varchar(64)', (c) => c.notNull())
      .addColumn('first_received_at', 'bigint', (c) => c.notNull())
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('hints_pk', ['mailbox_id', 'source'])
      .execute();

    await db.schema
      .createTable('leases')
      .addColumn('mailbox_id', 'varchar(18)', (c) => c.primaryKey())
      .addColumn('owner', 'varchar(255)', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('issues')
      .addColumn('id', serial, (c) => (engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('mailbox_id', 'varchar(18)', (c) => c.notNull())
      .addColumn('kind', 'varchar(16)', (c) => c.notNull())
      .addColumn('object_type', 'varchar(32)', (c) => c.notNull())
      .addColumn('salesforce_id', 'varchar(18)')
      .addColumn('exchange_id', 'varchar(512)')
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('details', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('occurred_at', 'bigint', (c) => c.notNull())
      .addColumn('resolved', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('resolved_at', 'bigint')
      .addColumn('synced_to_salesforce', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('salesforce_record_id', 'varchar(18)')
      .execute();
    await db.schema.createIndex('issues_open').on('issues').columns(['mailbox_id', 'resolved']).execute();

    await db.schema
      .createTable('runs')
      .addColumn('id', serial, (c) => (engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('mailbox_id', 'varchar(18)', (c) => c.notNull())
      .addColumn('reason', 'varchar(64)', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('finished_at', 'bigint')
      .addColumn('counts', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('error', 'text')
      .execute();
    await db.schema.createIndex('runs_by_mailbox').on('runs').columns(['mailbox_id', 'started_at']).execute();

    await db.schema
      .createTable('subscriptions')
      .addColumn('id', 'varchar(255)', (c) => c.primaryKey())
      .addColumn('mailbox_id', 'varchar(18)', (c) => c.notNull())
      .addColumn('resource', 'varchar(1024)', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('client_state_hash', 'varchar(64)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('secrets')
      .addColumn('name', 'varchar(255)', (c) => c.primaryKey())
      .addColumn('ciphertext', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
