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
/** How long an admin change waits for a write lock another process holds, in total. */
const LOCK_WAIT_MS = 5000;

/**
 * BEGIN IMMEDIATE, retried on SQLITE_BUSY with short pauses that leave the event loop free (the
 * connection's own busy_timeout is short in a serving process: SERVING_BUSY_TIMEOUT_MS).
 */
async function beginImmediate(conn: Kysely<KeelSchema>): Promise<void> {
  const started = Date.now();
  for (let pause = 10; ; pause = Math.min(200, pause * 2)) {
    try {
      await sql`begin immediate`.execute(conn);
      return;
    } catch (e) {
      const code = (e as { code?: unknown } | null)?.code;
      if (code !== 'SQLITE_BUSY' || Date.now() - started >= LOCK_WAIT_MS) throw e;
      await new Promise((r) => setTimeout(r, pause));
    }
  }
}

export async function writeTransaction<T>(
  database: Database,
  fn: (trx: Kysely<KeelSchema>) => Promise<T>,
): Promise<T> {
  const handle = sqliteHandleOf(database);
  if (!handle) return database.db.transaction().execute((trx) => fn(trx));
  return database.db.connection().execute(async (conn) => {
    await beginImmediate(conn);
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
