import type { Database } from './db.js';

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

export function createResponseStore(database: Database, opts: { now?: () => number } = {}): ResponseStore {
  const { db } = database;
  const now = opts.now ?? Date.now;
  let lastPurge = 0;

  function owned(id: string, keyId: string | null) {
    const q = db.selectFrom('responses').selectAll().where('id', '=', id).where('expires_at', '>', now());
    return keyId === null ? q.where('key_id', 'is', null) : q.where('key_id', '=', keyId);
  }

  async function purge(): Promise<number> {
    lastPurge = now();
    const r = await db.deleteFrom('responses').where('expires_at', '<=', lastPurge).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  return {
    async save(r) {
      await db
        .insertInto('responses')
        .values({
          id: r.id,
          key_id: r.keyId,
          created_at: r.createdAt,
          expires_at: r.expiresAt,
          context: JSON.stringify(r.context),
          input: JSON.stringify(r.input),
          response: JSON.stringify(r.response),
        })
        .execute();
      // Expired rows go on the write path, bounded by time: no background job, and reads filter
      // them out meanwhile.
      if (now() - lastPurge >= PURGE_EVERY_MS) await purge();
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
