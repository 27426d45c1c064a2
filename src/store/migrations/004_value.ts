import { type CreateTableBuilder, type Kysely, sql } from 'kysely';
import type { StoreDialect } from '../schema.js';

/** Frozen copy of the histogram width (src/store/rollups/buckets.ts): a migration never follows code. */
const LATENCY_COLUMNS = Array.from({ length: 24 }, (_, i) => `lat_${String(i).padStart(2, '0')}`);

/**
 * Business value: the use-case registry and its stage history, outcomes and feedback (with a daily
 * rollup kept in the same transaction as each insert), hourly and daily usage rollups with a latency
 * histogram, distinct users per day, the rollup watermark, and alerts.
 *
 * Rollup dimension columns use '' instead of NULL: NULLs are distinct in unique keys (both
 * dialects), which would break the upsert-add that maintains the rollups.
 */
export function valueMigration(dialect: StoreDialect) {
  const serial = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('use_cases')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('owner', 'text')
        .addColumn('team', 'text')
        .addColumn('stage', 'text', (c) => c.notNull())
        .addColumn('business_metric', 'text')
        .addColumn('value_per_outcome_usd', 'double precision')
        .addColumn('human_baseline_cost_usd', 'double precision')
        .addColumn('investment_usd', 'double precision')
        .addColumn('monthly_budget_usd', 'double precision')
        .addColumn('target_roi', 'double precision')
        .addColumn('guard_policy', 'text')
        .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
        // JSON array of the fields keel.yaml declares for this use case (config wins for those).
        .addColumn('config_fields', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('use_case_stages')
        .addColumn('id', serial, (c) =>
          dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey(),
        )
        .addColumn('use_case_id', 'text', (c) => c.notNull().references('use_cases.id').onDelete('cascade'))
        .addColumn('from_stage', 'text')
        .addColumn('to_stage', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .execute();
      await db.schema
        .createIndex('use_case_stages_use_case')
        .on('use_case_stages')
        .columns(['use_case_id', 'at'])
        .execute();

      await db.schema
        .createTable('outcomes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        // Who reported it: the key id, or '' with auth off. Idempotency keys are scoped by it.
        .addColumn('reporter', 'text', (c) => c.notNull())
        .addColumn('idempotency_key', 'text')
        .addColumn('request_id', 'text')
        .addColumn('trace_id', 'text')
        .addColumn('use_case', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('success', 'integer', (c) => c.notNull())
        .addColumn('value_usd', 'double precision')
        // The moment the outcome counts in (occurred_at, else the linked call's time, else receipt).
        .addColumn('occurred_at', 'bigint', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addColumn('metadata', 'text')
        .execute();
      // NULL keys are distinct, so outcomes without an idempotency key never conflict.
      await db.schema
        .createIndex('outcomes_idempotency')
        .unique()
        .on('outcomes')
        .columns(['reporter', 'idempotency_key'])
        .execute();
      await db.schema
        .createIndex('outcomes_use_case_at')
        .on('outcomes')
        .columns(['use_case', 'occurred_at'])
        .execute();
      await db.schema
        .createIndex('outcomes_trace')
        .on('outcomes')
        .column('trace_id')
        .where(sql.ref('trace_id'), 'is not', null)
        .execute();
      await db.schema
        .createIndex('outcomes_request')
        .on('outcomes')
        .column('request_id')
        .where(sql.ref('request_id'), 'is not', null)
        .execute();

      await db.schema
        .createTable('feedback')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('reporter', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text')
        .addColumn('trace_id', 'text')
        .addColumn('use_case', 'text', (c) => c.notNull())
        .addColumn('score', 'double precision', (c) => c.notNull())
        .addColumn('raw_score', 'double precision', (c) => c.notNull())
        .addColumn('scale', 'text', (c) => c.notNull())
        .addColumn('comment', 'text')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('feedback_use_case_at')
        .on('feedback')
        .columns(['use_case', 'at'])
        .execute();

      // Outcomes and feedback per UTC day and use case, maintained with each insert.
      await db.schema
        .createTable('outcome_rollups')
        .addColumn('day', 'bigint', (c) => c.notNull())
        .addColumn('use_case', 'text', (c) => c.notNull())
        .addColumn('outcomes', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('successes', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('value_usd', 'double precision', (c) => c.notNull().defaultTo(0))
        .addColumn('successes_unvalued', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('feedback_count', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('feedback_sum', 'double precision', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('outcome_rollups_pk', ['day', 'use_case'])
        .execute();

      for (const [table, grain] of [
        ['usage_rollups_hourly', 'hour'],
        ['usage_rollups_daily', 'day'],
      ] as const) {
        let t: CreateTableBuilder<string, string> = db.schema
          .createTable(table)
          .addColumn(grain, 'bigint', (c) => c.notNull())
          .addColumn('use_case', 'text', (c) => c.notNull())
          .addColumn('team', 'text', (c) => c.notNull())
          .addColumn('key_id', 'text', (c) => c.notNull())
          .addColumn('model', 'text', (c) => c.notNull())
          .addColumn('provider', 'text', (c) => c.notNull())
          .addColumn('requests', 'bigint', (c) => c.notNull())
          .addColumn('errors', 'bigint', (c) => c.notNull())
          .addColumn('blocked', 'bigint', (c) => c.notNull())
          .addColumn('unpriced', 'bigint', (c) => c.notNull())
          .addColumn('cost_usd', 'double precision', (c) => c.notNull())
          .addColumn('input_tokens', 'bigint', (c) => c.notNull())
          .addColumn('cached_input_tokens', 'bigint', (c) => c.notNull())
          .addColumn('output_tokens', 'bigint', (c) => c.notNull())
          .addColumn('latency_count', 'bigint', (c) => c.notNull())
          .addColumn('latency_sum_ms', 'double precision', (c) => c.notNull());
        for (const col of LATENCY_COLUMNS) t = t.addColumn(col, 'bigint', (c) => c.notNull().defaultTo(0));
        await t
          .addPrimaryKeyConstraint(`${table}_pk`, [grain, 'use_case', 'team', 'key_id', 'model', 'provider'])
          .execute();
      }
      // Forecasts and alerts read one subject over time.
      await db.schema
        .createIndex('usage_rollups_daily_use_case')
        .on('usage_rollups_daily')
        .columns(['use_case', 'day'])
        .execute();

      // Distinct users without a row per user and day: one row per 32-day block (epoch day ÷ 32),
      // use case and user, with a bit per day of the block the user was active on.
      await db.schema
        .createTable('usage_rollup_users')
        .addColumn('block', 'bigint', (c) => c.notNull())
        .addColumn('use_case', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('days', 'bigint', (c) => c.notNull())
        .addColumn('requests', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('usage_rollup_users_pk', ['block', 'use_case', 'user_id'])
        .execute();

      await db.schema
        .createTable('rollup_state')
        .addColumn('name', 'text', (c) => c.primaryKey())
        // Every usage event with id ≤ last_id is in the rollups, none above it.
        .addColumn('last_id', 'bigint', (c) => c.notNull())
        // Postgres only: the max id seen on the previous pass, rolled up on the next (see store/rollups/job.ts).
        .addColumn('pending_id', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('alerts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        // rule + scope + subject: at most one alert per fingerprint is open or acknowledged.
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('opened_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('acknowledged_at', 'bigint')
        .addColumn('acknowledged_by', 'text')
        .addColumn('resolved_at', 'bigint')
        .addColumn('resolved_by', 'text')
        // JSON: per-webhook delivery state of the latest notification.
        .addColumn('delivery', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
      await db.schema.createIndex('alerts_state').on('alerts').columns(['state', 'opened_at']).execute();
      await db.schema
        .createIndex('alerts_fingerprint')
        .on('alerts')
        .columns(['fingerprint', 'state'])
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const t of [
        'alerts',
        'rollup_state',
        'usage_rollup_users',
        'usage_rollups_daily',
        'usage_rollups_hourly',
        'outcome_rollups',
        'feedback',
        'outcomes',
        'use_case_stages',
        'use_cases',
      ])
        await db.schema.dropTable(t).execute();
    },
  };
}
