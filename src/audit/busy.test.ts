import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { openDatabase } from '../store/db.js';
import { createAuditLog } from './log.js';
import { allRows } from './testkit.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'keel-audit-busy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// The gateway's writer thread holds the SQLite write lock a few ms per batch. A background audit batch
// that meets the lock must not sleep in SQLite's busy handler on the event loop (every request waits
// meanwhile): it gives up at once, retries shortly after, and loses nothing.
it('background audit batches never wait on the event loop for a lock another connection holds', async () => {
  const file = path.join(tmp, 'keel.db');
  const database = await openDatabase(`sqlite:${file}`, { sqliteBusyTimeoutMs: 3000 });
  const errors: unknown[] = [];
  const log = createAuditLog(database, {
    checkpointEvery: 1000,
    flushIntervalMs: 10,
    onError: (e) => errors.push(e),
  });
  const other = new BetterSqlite3(file);
  try {
    other.exec('BEGIN IMMEDIATE');
    for (let i = 0; i < 5; i++)
      log.append({ actor: 'system', action: 'test.busy', target: `t${i}`, details: {} });
    // A busy-waiting drain would hold the event loop for the connection's 3 s busy_timeout.
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 15));
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(log.pending).toBe(5);
    other.exec('COMMIT');
    // Released: the background retry writes the batch (flush() would also wait for the lock).
    const deadline = Date.now() + 5000;
    while (log.pending > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(log.pending).toBe(0);
    expect((await allRows(database)).map((r) => r.target)).toEqual(['t0', 't1', 't2', 't3', 't4']);
    expect(errors).toEqual([]);
  } finally {
    if (other.inTransaction) other.exec('ROLLBACK');
    other.close();
    await log.close();
    await database.close();
  }
});
