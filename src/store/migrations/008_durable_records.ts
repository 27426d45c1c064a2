import type { Kysely } from 'kysely';
import type { StoreDialect } from '../schema.js';

/**
 * Idempotent replay of the write-ahead spool (store/spool/). Usage events are already unique on
 * request_id (001) and every insert says `on conflict (request_id) do nothing`. Security events get an
 * idempotency key: nullable, so events written before this migration, or without a spool, stay as
 * they are (NULLs never conflict). Audit entries need no column: replay matches an entry on its full
 * content (ts, actor, action, target, details), which leaves the hashed format and the chain alone.
 */
export function durableRecordsMigration(_dialect: StoreDialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('security_events').addColumn('event_key', 'text').execute();
      await db.schema
        .createIndex('security_events_event_key')
        .unique()
        .on('security_events')
        .column('event_key')
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('security_events_event_key').execute();
      await db.schema.alterTable('security_events').dropColumn('event_key').execute();
    },
  };
}
