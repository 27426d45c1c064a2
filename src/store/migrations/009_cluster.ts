import { type Kysely, sql } from 'kysely';
import type { StoreDialect } from '../schema.js';

/**
 * One cluster, not N copies. Alerts: at most one open or acknowledged alert per fingerprint, by a
 * partial unique index, so two evaluators racing on the same breach insert one row (the loser's
 * `insert … on conflict do nothing` inserts nothing and sends no webhook). Duplicates a cluster
 * already made are resolved first, keeping the earliest. Monitors: each replica's traffic windows
 * (`monitor_windows`, one row per replica and use case), the per-use-case reference settings that
 * used to live in `monitors.json` (`monitor_references`), and the verdicts the leader's merged run
 * reached (`monitor_status`), so any replica can show them.
 */
export function clusterMigration(_dialect: StoreDialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`
        update alerts set state = 'resolved', resolved_at = last_seen_at, resolved_by = 'system'
        where state <> 'resolved' and exists (
          select 1 from alerts a
          where a.fingerprint = alerts.fingerprint and a.state <> 'resolved'
            and (a.opened_at < alerts.opened_at or (a.opened_at = alerts.opened_at and a.id < alerts.id))
        )`.execute(db);
      await sql`create unique index alerts_one_active on alerts (fingerprint) where state <> 'resolved'`.execute(
        db,
      );

      await db.schema
        .createTable('monitor_windows')
        .addColumn('replica_id', 'text', (c) => c.notNull())
        .addColumn('use_case', 'text', (c) => c.notNull())
        .addColumn('first_seen', 'bigint', (c) => c.notNull())
        // JSON WindowState of what this replica added to the reference window.
        .addColumn('reference', 'text', (c) => c.notNull())
        // JSON [bucket, WindowState][] of its current-window buckets.
        .addColumn('buckets', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('monitor_windows_pk', ['replica_id', 'use_case'])
        .execute();
      await db.schema
        .createTable('monitor_references')
        .addColumn('use_case', 'text', (c) => c.primaryKey())
        .addColumn('frozen_at', 'bigint')
        // JSON DatasetProfile of a pinned dataset version, or null for the use case's first weeks.
        .addColumn('pinned', 'text')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('monitor_status')
        .addColumn('use_case', 'text', (c) => c.primaryKey())
        // JSON UseCaseStatus and DriftingFeature[] of the last merged run.
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('drifting', 'text', (c) => c.notNull())
        .addColumn('last_run', 'bigint', (c) => c.notNull())
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const t of ['monitor_status', 'monitor_references', 'monitor_windows'])
        await db.schema.dropTable(t).execute();
      await db.schema.dropIndex('alerts_one_active').execute();
    },
  };
}
