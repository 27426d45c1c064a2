import { type Kysely, sql } from 'kysely';
import type { StoreDialect } from '../schema.js';

/**
 * The tamper-evident audit log and its checkpoints. `seq` is assigned by the writer (it is part of
 * each entry's hash), so it is a plain integer key, not an identity: SQLite's INTEGER PRIMARY KEY is
 * the rowid, which makes the verifier's walk in seq order a scan of the table itself. Indexes follow
 * what GET /api/audit filters on, each ending in seq for newest-first paging.
 */
export function auditMigration(dialect: StoreDialect) {
  const int8 = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('audit_log')
        .addColumn('seq', int8, (c) => c.primaryKey())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_ts').on('audit_log').column('ts').execute();
      await db.schema
        .createIndex('audit_log_action_seq')
        .on('audit_log')
        .columns(['action', 'seq'])
        .execute();
      await db.schema.createIndex('audit_log_actor_seq').on('audit_log').columns(['actor', 'seq']).execute();
      await db.schema
        .createIndex('audit_log_target_seq')
        .on('audit_log')
        .columns(['target', 'seq'])
        .where(sql.ref('target'), 'is not', null)
        .execute();

      await db.schema
        .createTable('audit_checkpoints')
        .addColumn('seq', int8, (c) => c.primaryKey())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addColumn('head_hash', 'text', (c) => c.notNull())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('signature', 'text')
        .addColumn('key_id', 'text')
        .addColumn('alg', 'text')
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('audit_checkpoints').execute();
      await db.schema.dropTable('audit_log').execute();
    },
  };
}
