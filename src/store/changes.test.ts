import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChangeDomain, type ChangeWatcher, createChangeWatcher } from './changes.js';
import type { Database } from './db.js';
import { STORES } from './testkit.js';

describe.each(STORES)('change versions on $name', (store) => {
  let database: Database;
  let watcher: ChangeWatcher;
  const calls: ChangeDomain[] = [];
  const suffix = `${Date.now()}`;

  beforeAll(async () => {
    database = await store.open();
    // A long interval: the test drives poll() itself.
    watcher = createChangeWatcher(database, { pollMs: 60_000 });
    for (const d of ['keys', 'admins', 'use_cases'] as const) watcher.subscribe(d, () => void calls.push(d));
    await watcher.start();
  });
  afterAll(async () => {
    await watcher?.close();
    await database?.close();
  });

  async function changed(write: () => Promise<unknown>): Promise<ChangeDomain[]> {
    calls.length = 0;
    await write();
    await watcher.poll();
    return [...calls];
  }

  it('nothing changed: no subscriber is called', async () => {
    expect(await changed(async () => undefined)).toEqual([]);
  });

  it('insert, update and delete on the key tables bump "keys" only', async () => {
    const id = `key_${suffix}`;
    const cols = sql.raw(
      'id, name, prefix, models, endpoints, use_cases, tools, allowed_cidrs, budget_period, created_at, updated_at, created_by',
    );
    expect(
      await changed(() =>
        sql`insert into virtual_keys (${cols}) values (${id}, 'n', 'p', '[]', '[]', '[]', '[]', '[]', 'month', 1, 1, 'x')`.execute(
          database.db,
        ),
      ),
    ).toEqual(['keys']);
    expect(
      await changed(() =>
        database.db.updateTable('virtual_keys').set({ revoked_at: 2 }).where('id', '=', id).execute(),
      ),
    ).toEqual(['keys']);
    expect(
      await changed(() =>
        database.db
          .insertInto('key_secrets')
          .values({ hash: `h_${suffix}`, key_id: id, created_at: 1, expires_at: null })
          .execute(),
      ),
    ).toEqual(['keys']);
    expect(
      await changed(() => database.db.deleteFrom('key_secrets').where('key_id', '=', id).execute()),
    ).toEqual(['keys']);
    expect(
      await changed(() => database.db.deleteFrom('virtual_keys').where('id', '=', id).execute()),
    ).toEqual(['keys']);
  });

  it('admin users and use cases bump their own domains', async () => {
    expect(
      await changed(() =>
        database.db
          .insertInto('admin_users')
          .values({
            id: `adm_${suffix}`,
            name: `a${suffix}`,
            role: 'viewer',
            token_hash: `t_${suffix}`,
            created_at: 1,
            revoked_at: null,
            created_by: 'x',
          })
          .execute(),
      ),
    ).toEqual(['admins']);
    expect(
      await changed(() =>
        database.db
          .updateTable('admin_users')
          .set({ revoked_at: 2 })
          .where('id', '=', `adm_${suffix}`)
          .execute(),
      ),
    ).toEqual(['admins']);
    expect(
      await changed(() =>
        database.db.updateTable('use_cases').set({ name: 'x' }).where('id', '=', 'nothing-matches').execute(),
      ),
    ).toEqual(
      // A statement-level trigger (PostgreSQL) fires for a statement that touched no row; a row
      // trigger (SQLite) does not. Either way nothing is missed; a spare reload is harmless.
      database.dialect === 'postgres' ? ['use_cases'] : [],
    );
  });

  it('a subscriber that fails does not stop the others or the watcher', async () => {
    const errors: unknown[] = [];
    const w = createChangeWatcher(database, { pollMs: 60_000, onError: (e) => errors.push(e) });
    let ok = 0;
    w.subscribe('admins', () => {
      throw new Error('boom');
    });
    w.subscribe('admins', () => {
      ok++;
    });
    await w.start();
    await database.db.deleteFrom('admin_users').where('id', '=', `adm_${suffix}`).execute();
    await w.poll();
    await w.close();
    expect(ok).toBe(1);
    expect(errors).toHaveLength(1);
  });
});
