import type { Kysely } from 'kysely';
import type { StoreDialect } from '../schema.js';

/**
 * Command Room sign-in (auth.oidc): sessions and sign-ins under way live in the store, not in one
 * process, so any replica can finish a sign-in another started and honour (or end) its session.
 * Ids are stored as SHA-256 hashes only: a copy of the table signs no one in.
 */
export function sessionsMigration(_dialect: StoreDialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('admin_sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('admin_sessions_expires')
        .on('admin_sessions')
        .column('expires_at')
        .execute();
      await db.schema
        .createTable('sso_logins')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text', (c) => c.notNull())
        .addColumn('code_verifier', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sso_logins_expires').on('sso_logins').column('expires_at').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('sso_logins').execute();
      await db.schema.dropTable('admin_sessions').execute();
    },
  };
}
