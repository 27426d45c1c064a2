import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../store/db.js';
import { STORES } from '../store/testkit.js';
import { queryAudit } from './query.js';
import { allRows, clearAudit, seedAudit, setRow } from './testkit.js';

describe.each(STORES)('queryAudit on $name', (store) => {
  let database: Database;

  beforeAll(async () => {
    database = await store.open();
    await clearAudit(database);
    await seedAudit(database, 60);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('defaults to 50 newest first, clamps the limit, and pages without gaps or repeats', async () => {
    const first = await queryAudit(database);
    expect(first.entries).toHaveLength(50);
    expect(first.entries[0]?.seq).toBe(60);
    expect(first.next_cursor).toBe(11);
    const rest = await queryAudit(database, { before_seq: first.next_cursor ?? 0, limit: 10_000 });
    expect(rest.entries.map((e) => e.seq)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(rest.next_cursor).toBeNull();
    expect((await queryAudit(database, { limit: 0 })).entries).toHaveLength(1);
  });

  it('returns full entries with parsed details, hashes included', async () => {
    const rows = await allRows(database);
    const { entries } = await queryAudit(database, { target: 'key_7' });
    expect(entries).toEqual([
      {
        seq: 7,
        ts: rows[6]?.ts,
        actor: 'admin:ops1',
        action: 'request.refused',
        target: 'key_7',
        details: { i: 7, reason: 'reason 7', nested: { ok: false, list: [7, 'x'] } },
        prevHash: rows[6]?.prev_hash,
        hash: rows[6]?.hash,
      },
    ]);
  });

  it('combines filters, and matches action prefixes literally', async () => {
    const r = await queryAudit(database, { actor: 'anonymous', action: 'key.*', limit: 500 });
    expect(r.entries.map((e) => e.seq)).toEqual([60, 54, 48, 42, 36, 30, 24, 18, 12, 6]);
    expect((await queryAudit(database, { action: 'key%' })).entries).toEqual([]);
    expect((await queryAudit(database, { action: 'k_y.*' })).entries).toEqual([]);
  });

  it('still lists a row whose details were corrupted', async () => {
    await setRow(database, 2, { details: '{not json' });
    const { entries } = await queryAudit(database, { before_seq: 3, limit: 1 });
    expect(entries[0]?.details).toEqual({ unparseable: '{not json' });
  });
});
