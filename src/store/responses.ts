import type BetterSqlite3 from 'better-sqlite3';
import { type Database, isSqliteBusy, sqliteHandleOf, withoutBusyWait } from './db.js';

/** One stored Responses API answer. JSON values are kept as given (OpenAI wire form). */
export interface StoredResponse {
  id: string;
  /** The virtual key that created it; null when auth is off. */
  keyId: string | null;
  /** Epoch ms. */
  createdAt: number;
  expiresAt: number;
  /** The conversation before this request's input (items). */
  context: unknown[];
  /** This request's input items. */
  input: unknown[];
  /** The response object as returned to the caller. */
  response: Record<string, unknown>;
}

/**
 * Stored responses, per key: a key reads and deletes only its own (another key's id looks like an
 * unknown one), and an expired response is gone even before the purge deletes its row.
 */
export interface ResponseStore {
  save(r: StoredResponse): Promise<void>;
  get(id: string, keyId: string | null): Promise<StoredResponse | null>;
  /** True when a live response of this key was deleted. */
  delete(id: string, keyId: string | null): Promise<boolean>;
  /** Deletes every expired row; returns how many. */
  purge(): Promise<number>;
}

/** How often save() also purges expired rows, at most. */
const PURGE_EVERY_MS = 60_000;
/** SQLite: waits between attempts while another connection holds the write lock (~0.4 s in all). */
const BUSY_RETRIES_MS = [2, 5, 10, 20, 40, 80, 120, 150];

const INSERT =
  'insert into responses (id, key_id, created_at, expires_at, context, input, response) values (?, ?, ?, ?, ?, ?, ?)';

/**
 * A write on the event loop's SQLite connection that never sleeps in SQLite's busy handler (which
 * would hold every request while the writer thread commits a batch): the wait for the lock is a
 * timer between attempts instead.
 */
async function writeWithoutBusyWait(
  sqlite: BetterSqlite3.Database,
  write: () => void,
  retries: readonly number[] = BUSY_RETRIES_MS,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return withoutBusyWait(sqlite, write);
    } catch (e) {
      const delay = retries[attempt];
      if (!isSqliteBusy(e) || delay === undefined) throw e;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

export function createResponseStore(database: Database, opts: { now?: () => number } = {}): ResponseStore {
  const { db } = database;
  const now = opts.now ?? Date.now;
  const sqlite = sqliteHandleOf(database);
  let insert: BetterSqlite3.Statement | undefined;
  let lastPurge = 0;

  function owned(id: string, keyId: string | null) {
    const q = db.selectFrom('responses').selectAll().where('id', '=', id).where('expires_at', '>', now());
    return keyId === null ? q.where('key_id', 'is', null) : q.where('key_id', '=', keyId);
  }

  async function purge(): Promise<number> {
    const at = now();
    let deleted = 0;
    if (sqlite)
      // One attempt: a purge that meets the lock is left to the next save.
      await writeWithoutBusyWait(sqlite, () => {
        deleted = sqlite.prepare('delete from responses where expires_at <= ?').run(at).changes;
      }, []);
    else {
      const r = await db.deleteFrom('responses').where('expires_at', '<=', at).executeTakeFirst();
      deleted = Number(r.numDeletedRows);
    }
    lastPurge = at;
    return deleted;
  }

  return {
    async save(r) {
      const context = JSON.stringify(r.context);
      const input = JSON.stringify(r.input);
      const response = JSON.stringify(r.response);
      if (sqlite) {
        insert ??= sqlite.prepare(INSERT);
        const stmt = insert;
        await writeWithoutBusyWait(sqlite, () => {
          stmt.run(r.id, r.keyId, r.createdAt, r.expiresAt, context, input, response);
        });
      } else
        await db
          .insertInto('responses')
          .values({
            id: r.id,
            key_id: r.keyId,
            created_at: r.createdAt,
            expires_at: r.expiresAt,
            context,
            input,
            response,
          })
          .execute();
      // Expired rows go on the write path, bounded by time: no background job, and reads filter
      // them out meanwhile. A purge that fails (the lock was busy) is tried again at the next save.
      if (now() - lastPurge >= PURGE_EVERY_MS) await purge().catch(() => undefined);
    },
    async get(id, keyId) {
      const row = await owned(id, keyId).executeTakeFirst();
      if (!row) return null;
      return {
        id: row.id,
        keyId: row.key_id,
        createdAt: Number(row.created_at),
        expiresAt: Number(row.expires_at),
        context: JSON.parse(row.context) as unknown[],
        input: JSON.parse(row.input) as unknown[],
        response: JSON.parse(row.response) as Record<string, unknown>,
      };
    },
    async delete(id, keyId) {
      let q = db.deleteFrom('responses').where('id', '=', id).where('expires_at', '>', now());
      q = keyId === null ? q.where('key_id', 'is', null) : q.where('key_id', '=', keyId);
      const r = await q.executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    purge,
  };
}
