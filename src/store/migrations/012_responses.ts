import type { Kysely } from 'kysely';
import type { StoreDialect } from '../schema.js';

/**
 * Responses kept for `previous_response_id` and `GET /v1/responses/{id}` (src/store/responses.ts):
 * one row per stored response, owned by the virtual key that created it (null when auth is off),
 * deleted once `expires_at` passes (`responses.retention_days`). Items and the response object are
 * JSON text in their OpenAI wire form; `context` is the conversation before this request, so a
 * follow-up reads one row, never a chain.
 */
export function responsesMigration(_dialect: StoreDialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('responses')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('key_id', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('context', 'text', (c) => c.notNull())
        .addColumn('input', 'text', (c) => c.notNull())
        .addColumn('response', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('responses_expires_at').on('responses').column('expires_at').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('responses').execute();
    },
  };
}
