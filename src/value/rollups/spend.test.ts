import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMemoryCounters } from '../../store/counters/memory.js';
import { type Database, openDatabase } from '../../store/db.js';
import { createRollupJob } from '../../store/rollups/job.js';
import { DAY_MS } from '../../store/rollups/sql.js';
import { STORES } from '../../store/testkit.js';
import { usageEvent, writeEvents } from '../testkit.js';
import { readSpend } from './spend.js';

const NOW = Date.UTC(2026, 2, 20, 12);
const MONTH = Date.UTC(2026, 2, 1);

describe.each(STORES)('budget spend of the current period ($name)', (store) => {
  it('comes from the rollups: events rolled up and then purged by retention still count', async () => {
    const database: Database = await store.open();
    try {
      // Distinct subjects per run: a PostgreSQL server keeps rows from earlier runs.
      const keyId = `key_${randomUUID()}`;
      const team = `team_${randomUUID()}`;
      const at = (day: number, cost: number | null) =>
        usageEvent({ ts: Date.UTC(2026, 2, day, 9), costUsd: cost, keyId, team });
      await writeEvents(database, [
        usageEvent({ ts: Date.UTC(2026, 1, 27), costUsd: 5, keyId, team }), // last month: not this period
        at(2, 1.25),
        at(5, 0.5),
        at(5, null), // unpriced: adds nothing
        at(19, 0.25),
      ]);
      const job = createRollupJob(database, { rawDays: 7, now: () => NOW, yieldFn: async () => {} });
      // PostgreSQL rolls up to the ids seen by the previous pass: two passes take everything.
      await job.refresh();
      await job.refresh();
      // Written after the last pass: only in the raw tail above the watermark.
      await writeEvents(database, [at(20, 0.125)]);
      expect(await job.purge(NOW)).toBeGreaterThan(0);

      // Only the raw events of 19 and 20 March are left: a sum over raw events would miss $1.75.
      const left = await database.db
        .selectFrom('usage_events')
        .select('ts')
        .where('key_id', '=', keyId)
        .execute();
      expect(left.map((r) => Number(r.ts)).sort()).toEqual([
        Date.UTC(2026, 2, 19, 9),
        Date.UTC(2026, 2, 20, 9),
      ]);
      expect(await readSpend(database, { column: 'key_id', value: keyId }, MONTH)).toBeCloseTo(2.125, 9);
      expect(await readSpend(database, { column: 'team', value: team }, MONTH)).toBeCloseTo(2.125, 9);
      expect(
        await readSpend(database, { column: 'key_id', value: keyId }, Date.UTC(2026, 2, 19)),
      ).toBeCloseTo(0.375, 9);
      expect(await readSpend(database, { column: 'key_id', value: keyId }, 0)).toBeCloseTo(7.125, 9);

      // A fresh counter (a restart, a new replica) starts from the full spend: $2.125 of $3 is used.
      const counters = createMemoryCounters(() => NOW);
      const load = () => readSpend(database, { column: 'key_id', value: keyId }, MONTH);
      const tooMuch = await counters.reserve([{ key: 'k', limitUsd: 3, amountUsd: 1 }], load);
      expect(tooMuch).toMatchObject({ ok: false, spentUsd: expect.closeTo(2.125, 9) });
      expect((await counters.reserve([{ key: 'k', limitUsd: 3, amountUsd: 0.875 }], load)).ok).toBe(true);
    } finally {
      await database.close();
    }
  });
});

it('refuses a period start that is not a whole UTC day', async () => {
  const database = await openDatabase('sqlite::memory:');
  try {
    await expect(readSpend(database, { column: 'team', value: 't' }, MONTH + DAY_MS / 2)).rejects.toThrow(
      /whole UTC day/,
    );
  } finally {
    await database.close();
  }
});
