// Applies pending numbered migrations inside one locked transaction, so two processes opening
// the same database at once never both apply a step: SQLite takes BEGIN IMMEDIATE (the write
// lock), PostgreSQL takes a transaction-scoped advisory lock.
import { sql, type Kysely } from 'kysely';
import { migrations as allMigrations, type Migration } from './migrations/index.ts';
import type { Database } from './schema.ts';

const ADVISORY_LOCK_KEY = 0x5cc0001;

export async function migrate(
  db: Kysely<Database>,
  engine: 'sqlite' | 'postgres',
  clock: () => number,
  migrations: readonly Migration[] = allMigrations,
): Promise<number> {
  return db.connection().execute(async (conn) => {
    await sql.raw(engine === 'sqlite' ? 'begin immediate' : 'begin').execute(conn);
    try {
      if (engine === 'postgres') await sql`select pg_advisory_xact_lock(${ADVISORY_LOCK_KEY})`.execute(conn);
      await conn.schema
        .createTable('scc_schema_version')
        .ifNotExists()
        .addColumn('version', 'integer', (c) => c.primaryKey())
        .addColumn('name', 'varchar(255)', (c) => c.notNull())
        .addColumn('applied_at', 'bigint', (c) => c.notNull())
        .execute();
      const row = await conn
        .selectFrom('scc_schema_version')
        .select((eb) => eb.fn.max('version').as('v'))
        .executeTakeFirst();
      let current = Number(row?.v ?? 0);
      for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
        if (m.version <= current) continue;
        await m.up(conn, engine);
        await conn.insertInto('scc_schema_version').values({ version: m.version, name: m.name, applied_at: clock() }).execute();
        current = m.version;
      }
      await sql.raw('commit').execute(conn);
      return current;
    } catch (error) {
      await sql.raw('rollback').execute(conn);
      throw error;
    }
  });
}
