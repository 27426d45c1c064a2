import type { Kysely } from 'kysely';
import type { StoreDialect } from '../schema.js';

/** Guard decisions: what fired, where and what Keel did — positions only, never the text. */
export function securityEventsMigration(dialect: StoreDialect) {
  const serial = dialect === 'postgres' ? 'bigserial' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('security_events')
        .addColumn('id', serial, (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('use_case', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text')
        .addColumn('model', 'text')
        .addColumn('detector', 'text', (c) => c.notNull())
        .addColumn('direction', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('score', 'double precision', (c) => c.notNull())
        .addColumn('labels', 'text', (c) => c.notNull())
        .addColumn('spans', 'text', (c) => c.notNull())
        .addColumn('message_index', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('security_events_ts').on('security_events').column('ts').execute();
      await db.schema
        .createIndex('security_events_use_case_ts')
        .on('security_events')
        .columns(['use_case', 'ts'])
        .execute();
      await db.schema
        .createIndex('security_events_detector_ts')
        .on('security_events')
        .columns(['detector', 'ts'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('security_events').execute();
    },
  };
}
