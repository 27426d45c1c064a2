import type { Database } from '../../store/db.js';
import { exec } from '../../store/rollups/job.js';
import { DAY_MS } from '../../store/rollups/sql.js';
import { readLedger } from './read.js';

/** A budget subject: the usage column it is keyed by, and its value (src/pipeline/admit.ts). */
export interface SpendSubject {
  column: 'key_id' | 'team' | 'use_case';
  value: string;
}

const COLUMN = { key_id: 'key_id', team: 'team', use_case: 'use_case' } as const;

/**
 * Spend recorded for a budget subject since `from`: the daily rollups (durable, never purged) plus
 * the raw events above the watermark, on one snapshot. Unlike a sum over raw events, this does not
 * drop when retention.raw_days purges rolled-up events of the current budget period. `from` is a
 * period start, so a whole UTC day (or 0 for a total budget). Unpriced calls add nothing.
 */
export async function readSpend(database: Database, subject: SpendSubject, from: number): Promise<number> {
  if (from % DAY_MS !== 0) throw new Error('readSpend: a budget period starts at a whole UTC day');
  const col = COLUMN[subject.column];
  return readLedger(database, async (ledger, watermark) => {
    const { db, dialect } = ledger;
    const [rolled, raw] = await Promise.all([
      exec(
        db,
        dialect,
        `select coalesce(sum(cost_usd), 0) as spent from usage_rollups_daily where day >= ? and ${col} = ?`,
        [from, subject.value],
      ),
      exec(
        db,
        dialect,
        `select coalesce(sum(cost_usd), 0) as spent from usage_events where id > ? and ts >= ? and ${col} = ?`,
        [watermark, from, subject.value],
      ),
    ]);
    return Number(rolled[0]?.spent ?? 0) + Number(raw[0]?.spent ?? 0);
  });
}
