// The ordered list of schema migrations. Append new numbered files; never edit an applied one.
import type { Kysely } from 'kysely';
import { initial } from './0001-initial.ts';
import { linkBaseIssueKey } from './0002-link-base-issue-key.ts';

// A migration sees the database as it was when it was written, not today's typed schema.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type UntypedDb = Kysely<any>;

export interface Migration {
  version: number;
  name: string;
  up(db: UntypedDb, engine: 'sqlite' | 'postgres'): Promise<void>;
}

export const migrations: readonly Migration[] = [initial, linkBaseIssueKey];
