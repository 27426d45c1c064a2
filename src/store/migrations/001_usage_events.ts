import { type Kysely, sql } from 'kysely';
import type { StoreDialect } from '../schema.js';

/**
 * The usage ledger. Lean on purpose: one row per request, no price data copied in (only the cost and
 * the price version), booleans as 0/1 integers and the rare fallback list as short JSON text.
 * Indexes follow what dashboards filter on: time, then use case / model / key within time.
 */
export function usageEventsMigration(dialect: StoreDialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('usage_events')
        .addColumn('id', dialect === 'postgres' ? 'bigint' : 'integer', (c) =>
          // SQLite: INTEGER PRIMARY KEY is the rowid itself, so the surrogate key costs nothing.
          dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey(),
        )
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('endpoint', 'text', (c) => c.notNull())
        .addColumn('api_shape', 'text', (c) => c.notNull())
        .addColumn('stream', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('model_requested', 'text', (c) => c.notNull())
        .addColumn('provider', 'text')
        .addColumn('model_upstream', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('fallbacks', 'text')
        .addColumn('cache_hit', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .addColumn('latency_ms', 'real', (c) => c.notNull())
        .addColumn('ttft_ms', 'real')
        .addColumn('input_tokens', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('cached_input_tokens', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('cache_write_tokens', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('output_tokens', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('reasoning_tokens', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('tokens_estimated', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('cost_usd', 'double precision')
        .addColumn('price_version', 'text')
        .addColumn('key_id', 'text')
        .addColumn('use_case', 'text', (c) => c.notNull())
        .addColumn('team', 'text')
        .addColumn('user_id', 'text')
        .addColumn('feature', 'text')
        .addColumn('trace_id', 'text')
        .execute();

      // Unique so a batch retried after an ambiguous commit cannot double count (insert ... on conflict do nothing).
      await db.schema
        .createIndex('usage_events_request_id')
        .unique()
        .on('usage_events')
        .column('request_id')
        .execute();
      await db.schema.createIndex('usage_events_ts').on('usage_events').column('ts').execute();
      await db.schema
        .createIndex('usage_events_use_case_ts')
        .on('usage_events')
        .columns(['use_case', 'ts'])
        .execute();
      await db.schema
        .createIndex('usage_events_model_ts')
        .on('usage_events')
        .columns(['model_requested', 'ts'])
        .execute();
      // Partial: most rows have no key (auth off) or no trace id, and nobody filters on "is null".
      await db.schema
        .createIndex('usage_events_key_ts')
        .on('usage_events')
        .columns(['key_id', 'ts'])
        .where(sql.ref('key_id'), 'is not', null)
        .execute();
      await db.schema
        .createIndex('usage_events_trace_id')
        .on('usage_events')
        .column('trace_id')
        .where(sql.ref('trace_id'), 'is not', null)
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('usage_events').execute();
    },
  };
}
