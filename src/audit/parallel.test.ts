import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../store/db.js';
import { fastScan } from './parallel.js';
import { allRows, clearAudit, rowAt, seedAudit, setRow } from './testkit.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'keel-audit-parallel-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('parallel fast scan (SQLite worker threads)', () => {
  let database: Database;
  const opts = { workers: 3, minEntries: 1, pageSize: 4, checkpointSeqs: [10, 20, 30] };

  beforeAll(async () => {
    database = await openDatabase(`sqlite:${tmp}/fast.db`);
  });
  afterAll(async () => {
    await database?.close();
  });
  beforeEach(async () => {
    await clearAudit(database);
    // Unicode, quotes and nulls in every field: the worker's canonical text must equal chain.ts's.
    await seedAudit(database, 32, { checkpointEvery: 10 });
    await setRow(database, 3, { actor: 'admin:"ünï\\code"\u2028' });
  });

  it('vouches for an intact chain and reports the checkpoint hashes', async () => {
    // Re-chain after the edit above so the log is intact with the unusual actor.
    const { rechainFrom } = await import('./testkit.js');
    await rechainFrom(database, 3);
    const rows = await allRows(database);
    const r = await fastScan(database, opts);
    expect(r).toEqual({
      rows: 32,
      through: {
        seq: 32,
        hash: rows[31]?.hash,
        prevHash: rows[31]?.prev_hash,
        rows: 32,
        shift: 0,
        deleted: 0,
        inserted: 0,
      },
      doubtAt: null,
      hashesAt: [10, 20, 30].map((s) => [s, rows[s - 1]?.hash]),
    });
  });

  it('stops at the first doubt, inside a range or on a seam', async () => {
    const { rechainFrom } = await import('./testkit.js');
    await rechainFrom(database, 3);
    await setRow(database, 17, { action: 'x' });
    let r = await fastScan(database, opts);
    expect(r).toMatchObject({ doubtAt: 17, through: { seq: 16, rows: 16 }, rows: 16 });
    expect(r?.hashesAt.map(([s]) => s)).toEqual([10]);
    await clearAudit(database);
    await seedAudit(database, 30, { checkpointEvery: 10 });
    // Ranges are [1-10], [11-20], [21-30]: break the seam between the first two.
    await setRow(database, 11, { prev_hash: (await rowAt(database, 11)).hash });
    r = await fastScan(database, opts);
    expect(r).toMatchObject({ doubtAt: 11, through: { seq: 10 } });
  });

  it('does not apply to small logs, one worker, or other stores', async () => {
    expect(await fastScan(database, { ...opts, minEntries: 1000 })).toBeNull();
    expect(await fastScan(database, { ...opts, workers: 1 })).toBeNull();
    const mem = await openDatabase('sqlite::memory:');
    expect(await fastScan(mem, opts)).toBeNull();
    await mem.close();
  });
});
