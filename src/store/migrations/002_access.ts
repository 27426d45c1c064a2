import type { Kysely } from 'kysely';
import type { StoreDialect } from '../schema.js';

/**
 * Virtual keys, their secrets and admin users. A key's secrets live in their own table so rotation
 * can keep the old value alive for a grace period without a second "previous hash" column, and
 * only hashes are stored: the plaintext leaves Keel once, in the create/rotate response.
 * Scope lists are JSON text: they are read with the key and never queried by element.
 */
export function accessMigration(_dialect: StoreDialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('virtual_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('models', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('endpoints', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('use_cases', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('tools', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('allowed_cidrs', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('team', 'text')
        .addColumn('max_tokens', 'integer')
        .addColumn('rpm', 'integer')
        .addColumn('tpm', 'integer')
        .addColumn('budget_usd', 'double precision')
        .addColumn('budget_period', 'text', (c) => c.notNull().defaultTo('month'))
        .addColumn('expires_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('virtual_keys_team').on('virtual_keys').column('team').execute();

      await db.schema
        .createTable('key_secrets')
        // SHA-256 hex of the key: the only thing a lookup ever compares.
        .addColumn('hash', 'text', (c) => c.primaryKey())
        .addColumn('key_id', 'text', (c) => c.notNull().references('virtual_keys.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .execute();
      await db.schema.createIndex('key_secrets_key_id').on('key_secrets').column('key_id').execute();

      await db.schema
        .createTable('admin_users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        // Unique for life, revoked or not: audit entries name admins as `admin:<name>`.
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('admin_users').execute();
      await db.schema.dropTable('key_secrets').execute();
      await db.schema.dropTable('virtual_keys').execute();
    },
  };
}
