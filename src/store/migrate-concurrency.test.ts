import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, pendingMigrations } from './db.js';
import { POSTGRES, type TestStore } from './testkit.js';

/**
 * Replicas starting together on a fresh PostgreSQL database: Kysely's Migrator takes an advisory
 * lock, so each migration is applied once and every opener succeeds. Needs a real server.
 */
describe.runIf(POSTGRES)('concurrent migrations on a fresh PostgreSQL database', () => {
  let url = '';
  beforeAll(async () => {
    url = await (POSTGRES as TestStore).fresh();
  });

  it('three openDatabase() at once all succeed and each migration is applied once', async () => {
    const opened = await Promise.allSettled([openDatabase(url), openDatabase(url), openDatabase(url)]);
    const dbs = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    try {
      expect(opened.filter((r) => r.status === 'rejected')).toEqual([]);
      expect(await pendingMigrations(dbs[0]!)).toEqual([]);
      const { rows } = await sql<{ name: string; n: string }>`
        select name, count(*) as n from kysely_migration group by name`.execute(dbs[0]!.db);
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) expect(Number(r.n), r.name).toBe(1);
      const { rows: versions } = await sql<{ domain: string }>`select domain from change_versions`.execute(
        dbs[0]!.db,
      );
      expect(versions.map((v) => v.domain).sort()).toEqual(['admins', 'keys', 'use_cases']);
    } finally {
      await Promise.all(dbs.map((d) => d.close()));
    }
  });
});
