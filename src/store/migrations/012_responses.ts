import { type Kysely, sql } from 'kysely';
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
      // The same DDL on SQLite and PostgreSQL: bigint epoch ms, JSON as text.
      await sql`create table responses (
        id text primary key,
        key_id text,
        created_at bigint not null,
        expires_at bigint not null,
        context text not null,
        input text not null,
        response text not null
      )`.execute(db);
      await sql`create index responses_expires_at on responses (expires_at)`.execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await sql`drop table responses`.execute(db);
    },
  };
}
