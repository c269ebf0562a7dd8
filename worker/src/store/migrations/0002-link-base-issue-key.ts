// Migration 0002: what the core's LinkStore port needs beyond 0001 — the merge base of each
// link (the mapped fields both sides agreed on, JSON) and a dedupe key on issues.
import type { Migration, UntypedDb } from './index.ts';

export const linkBaseIssueKey: Migration = {
  version: 2,
  name: 'link-base-issue-key',
  async up(db: UntypedDb) {
    await db.schema.alterTable('links').addColumn('base', 'text', (c) => c.notNull().defaultTo('{}')).execute();
    await db.schema.alterTable('issues').addColumn('issue_key', 'varchar(1024)').execute();
    await db.schema.createIndex('issues_by_key').on('issues').columns(['mailbox_id', 'issue_key']).execute();
  },
};
