// The ordered list of schema migrations. Append new numbered files; never edit an applied one.
import type { Kysely } from 'kysely';
import { initial } from './0001-initial.ts';
import { linkBaseIssueKey } from './0002-link-base-issue-key.ts';

export interface Migration {
  version: number;
  name: string;
  up(db: Kysely<any>, engine: 'sqlite' | 'postgres'): Promise<void>;
}

export const migrations: readonly Migration[] = [initial, linkBaseIssueKey];
