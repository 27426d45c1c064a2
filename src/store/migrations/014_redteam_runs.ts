import type { Kysely } from 'kysely';
import type { StoreDialect } from '../schema.js';

/**
 * Stored red-team runs (`keel redteam` posting to /api/redteam/runs, later the scheduler): the
 * summary numbers as columns, so lists, trends and the alert rule never parse a report, and the
 * report itself as JSON text without its attempts (bounded by the service). The target URL is kept;
 * the key a run used never reaches Keel's store.
 */
export function redteamRunsMigration(_dialect: StoreDialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('redteam_runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('use_case', 'text')
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('target_url', 'text', (c) => c.notNull())
        .addColumn('seed', 'bigint', (c) => c.notNull())
        .addColumn('samples', 'integer', (c) => c.notNull())
        .addColumn('corpus_version', 'text', (c) => c.notNull())
        .addColumn('attacks', 'integer', (c) => c.notNull())
        .addColumn('attack_success_rate', 'double precision', (c) => c.notNull())
        .addColumn('benign', 'integer', (c) => c.notNull())
        .addColumn('false_positive_rate', 'double precision', (c) => c.notNull())
        .addColumn('score', 'double precision', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('report', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('redteam_runs_use_case_created')
        .on('redteam_runs')
        .columns(['use_case', 'created_at'])
        .execute();
      await db.schema.createIndex('redteam_runs_created').on('redteam_runs').column('created_at').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('redteam_runs').execute();
    },
  };
}
