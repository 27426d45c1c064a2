import { type Kysely, sql } from 'kysely';
import type { StoreDialect } from '../schema.js';

/**
 * Which tables' changes other Keel processes must see, by the domain their caches subscribe to
 * (store/changes.ts). Triggers bump the domain's version on every insert, update and delete, so a
 * write from any replica, the CLI or `keel demo` is noticed without the stores knowing about it.
 */
export const CHANGE_DOMAINS: Readonly<Record<string, readonly string[]>> = {
  keys: ['virtual_keys', 'key_secrets'],
  admins: ['admin_users'],
  use_cases: ['use_cases'],
};

const OPS = ['insert', 'update', 'delete'] as const;

export function changeVersionsMigration(dialect: StoreDialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('change_versions')
        .addColumn('domain', 'text', (c) => c.primaryKey())
        .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      for (const domain of Object.keys(CHANGE_DOMAINS))
        await sql`insert into change_versions (domain, version) values (${domain}, 0)`.execute(db);
      if (dialect === 'postgres') {
        // One statement-level trigger per table: a bulk write bumps the version once. The NOTIFY lets
        // a listening process react before its next poll; polling alone is enough.
        await sql
          .raw(`create or replace function keel_bump_change_version() returns trigger as $$
begin
  update change_versions set version = version + 1 where domain = tg_argv[0];
  perform pg_notify('keel_changes', tg_argv[0]);
  return null;
end
$$ language plpgsql`)
          .execute(db);
        for (const [domain, tables] of Object.entries(CHANGE_DOMAINS))
          for (const table of tables)
            await sql
              .raw(
                `create trigger ${table}_change_version after insert or update or delete on ${table} ` +
                  `for each statement execute function keel_bump_change_version('${domain}')`,
              )
              .execute(db);
        return;
      }
      // SQLite has no statement-level triggers and one trigger per event.
      for (const [domain, tables] of Object.entries(CHANGE_DOMAINS))
        for (const table of tables)
          for (const op of OPS)
            await sql
              .raw(
                `create trigger ${table}_change_version_${op} after ${op} on ${table} begin ` +
                  `update change_versions set version = version + 1 where domain = '${domain}'; end`,
              )
              .execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const tables of Object.values(CHANGE_DOMAINS))
        for (const table of tables) {
          if (dialect === 'postgres')
            await sql.raw(`drop trigger if exists ${table}_change_version on ${table}`).execute(db);
          else
            for (const op of OPS)
              await sql.raw(`drop trigger if exists ${table}_change_version_${op}`).execute(db);
        }
      if (dialect === 'postgres')
        await sql.raw('drop function if exists keel_bump_change_version()').execute(db);
      await db.schema.dropTable('change_versions').execute();
    },
  };
}
