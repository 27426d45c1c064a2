import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import type { Database, KeelSchema } from '../../store/db.js';
import { DAY_MS, rollupUpsertSql, USERS_UPSERT_SQL } from './sql.js';

export interface RollupJobOptions {
  /** Usage events per rollup transaction (default 5000). */
  chunk?: number;
  /** Delete raw usage events older than this many days after they are rolled up. */
  rawDays?: number;
  now?: () => number;
  /** Yield to the event loop between chunks (SQLite steps are synchronous). Default setImmediate. */
  yieldFn?: () => Promise<void>;
}

export interface RollupStats {
  /** Events added to the rollups by this call. */
  rolledUp: number;
  /** Watermark after the call: every event with id ≤ lastId is in the rollups. */
  lastId: number;
}

export interface RollupJob {
  /**
   * Roll up every usage event written since the last call. Single flight: concurrent callers share
   * one pass. Exact and idempotent: each chunk moves the watermark in the same transaction that
   * adds its events, so a crash or a second process can neither skip nor double count a chunk.
   */
  refresh(): Promise<RollupStats>;
  /** Every event with id ≤ this is in the rollups; readers take raw events above it. */
  watermark(): Promise<number>;
  /** Delete raw events older than retention.raw_days that are already rolled up. Returns rows deleted. */
  purge(now?: number): Promise<number>;
}

const STATE = 'usage';
const PURGE_BATCH = 20_000;

/** Runs one statement with `?` placeholders on either dialect. */
export async function exec(
  db: Kysely<KeelSchema> | Transaction<KeelSchema>,
  dialect: Database['dialect'],
  text: string,
  params: readonly unknown[] = [],
): Promise<Array<Record<string, unknown>>> {
  const r = await db.executeQuery(CompiledQuery.raw(placeholders(dialect, text), [...params]));
  return r.rows as Array<Record<string, unknown>>;
}

/** `?` → `$n` for Postgres. The SQL here never contains a literal question mark. */
export function placeholders(dialect: Database['dialect'], text: string): string {
  if (dialect !== 'postgres') return text;
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

/**
 * Hourly and daily usage rollups (plus distinct users per day), maintained incrementally behind a
 * watermark on usage_events.id. Ids grow with inserts, so "id > watermark" is exactly the events
 * not yet rolled up; the request path does nothing extra.
 *
 * Postgres: ids are assigned at insert but become visible at commit, so with several writers an id
 * below a visible one can still be in flight. A pass there only rolls up to the max id seen by the
 * previous pass (one interval ago); a usage batch commits in milliseconds. SQLite serialises
 * writers, so commit order is id order and no lag is needed.
 */
export function createRollupJob(database: Database, opts: RollupJobOptions = {}): RollupJob {
  const { db, dialect } = database;
  const chunk = Math.max(1, Math.floor(opts.chunk ?? 5000));
  const now = opts.now ?? Date.now;
  const yieldFn = opts.yieldFn ?? (() => new Promise<void>((r) => setImmediate(r)));
  const hourly = rollupUpsertSql('usage_rollups_hourly');
  const daily = rollupUpsertSql('usage_rollups_daily');
  let inflight: Promise<RollupStats> | null = null;

  async function state(): Promise<{ lastId: number; pendingId: number }> {
    const row = await db
      .selectFrom('rollup_state')
      .select(['last_id', 'pending_id'])
      .where('name', '=', STATE)
      .executeTakeFirst();
    if (row) return { lastId: Number(row.last_id), pendingId: Number(row.pending_id) };
    await db
      .insertInto('rollup_state')
      .values({ name: STATE, last_id: 0, pending_id: 0, updated_at: now() })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    return { lastId: 0, pendingId: 0 };
  }

  async function maxId(): Promise<number> {
    const rows = await exec(db, dialect, 'select max(id) as m from usage_events');
    return Number(rows[0]?.m ?? 0);
  }

  /** One chunk: claim (lo, hi] by moving the watermark, then add the events. False if another process moved it. */
  async function step(lo: number, hi: number): Promise<boolean> {
    return db.transaction().execute(async (trx) => {
      const claimed = await trx
        .updateTable('rollup_state')
        .set({ last_id: hi, updated_at: now() })
        .where('name', '=', STATE)
        .where('last_id', '=', lo)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) return false;
      await exec(trx, dialect, hourly, [lo, hi]);
      await exec(trx, dialect, daily, [lo, hi]);
      await exec(trx, dialect, USERS_UPSERT_SQL, [lo, hi]);
      return true;
    });
  }

  async function run(): Promise<RollupStats> {
    let { lastId, pendingId } = await state();
    const max = await maxId();
    const target = dialect === 'postgres' ? Math.min(max, pendingId) : max;
    let rolledUp = 0;
    while (lastId < target) {
      const hi = Math.min(lastId + chunk, target);
      if (!(await step(lastId, hi))) {
        // Another process advanced the watermark: continue from where it is now.
        lastId = (await state()).lastId;
        continue;
      }
      rolledUp += hi - lastId;
      lastId = hi;
      if (lastId < target) await yieldFn();
    }
    if (dialect === 'postgres' && max !== pendingId)
      await db.updateTable('rollup_state').set({ pending_id: max }).where('name', '=', STATE).execute();
    return { rolledUp, lastId };
  }

  return {
    refresh() {
      inflight ??= run().finally(() => {
        inflight = null;
      });
      return inflight;
    },

    async watermark() {
      return (await state()).lastId;
    },

    async purge(at = now()) {
      if (!opts.rawDays) return 0;
      const cutoff = Math.floor((at - opts.rawDays * DAY_MS) / DAY_MS) * DAY_MS;
      const { lastId } = await state();
      // Never the newest row: SQLite reuses rowids above the largest remaining one, and a reused id
      // at or below the watermark would never be rolled up.
      const newest = await maxId();
      const limit = Math.min(lastId, newest - 1);
      let deleted = 0;
      for (;;) {
        const text = `delete from usage_events where id in (select id from usage_events where ts < ? and id <= ? limit ${PURGE_BATCH})`;
        const r = await db.executeQuery(CompiledQuery.raw(placeholders(dialect, text), [cutoff, limit]));
        const n = Number(r.numAffectedRows ?? 0);
        deleted += n;
        if (n < PURGE_BATCH) return deleted;
        await yieldFn();
      }
    },
  };
}
