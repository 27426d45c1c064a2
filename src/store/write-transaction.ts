import { type Kysely, sql } from 'kysely';
import { type Database, sqliteHandleOf } from './db.js';
import type { KeelSchema } from './schema.js';

/**
 * Runs `fn` in a transaction that holds the database's write lock from its first statement.
 *
 * Postgres: an ordinary transaction (row and advisory locks are taken by the statements themselves).
 * SQLite: BEGIN IMMEDIATE on Kysely's single connection. A Kysely SQLite transaction begins DEFERRED:
 * it would read under a snapshot and only then ask for the write lock, and in WAL mode that upgrade
 * fails with SQLITE_BUSY (without waiting) when another connection — another process, the writer
 * thread — committed in between. Taking the lock first makes every read inside see the latest commit
 * and lets busy_timeout do its job. Holding Kysely's connection also keeps the synchronous better-sqlite3
 * writers of this process out (they see `inTransaction` and queue behind the connection).
 */
export async function writeTransaction<T>(
  database: Database,
  fn: (trx: Kysely<KeelSchema>) => Promise<T>,
): Promise<T> {
  const handle = sqliteHandleOf(database);
  if (!handle) return database.db.transaction().execute((trx) => fn(trx));
  return database.db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    let result: T;
    try {
      result = await fn(conn);
    } catch (e) {
      // SQLite may have rolled back already (some errors end the transaction themselves).
      if (handle.inTransaction) await sql`rollback`.execute(conn);
      throw e;
    }
    try {
      await sql`commit`.execute(conn);
    } catch (e) {
      if (handle.inTransaction) await sql`rollback`.execute(conn);
      throw e;
    }
    return result;
  });
}
