import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import type { Database, KeelSchema } from '../db.js';
import {
  CHUNK_AGGREGATE_SQL,
  CHUNK_USERS_SQL,
  DAY_MS,
  DIMENSION_NAMES,
  MEASURE_NAMES,
  USER_BLOCK_DAYS,
  upsertSql,
} from './sql.js';

export interface RollupJobOptions {
  /** Usage events per rollup transaction (default 1000: a few ms of synchronous SQLite each). */
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
/** Bound parameters per statement, under SQLite's 32766 and Postgres' 65535. */
const MAX_PARAMS = 30_000;

/** node-postgres returns int8 sums as strings; numbers go back in as numbers. Text stays text. */
function numeric(v: unknown): unknown {
  return typeof v === 'bigint' ? Number(v) : v;
}

/** Chunk users per day → one row per (32-day block, use case, user) with a bit per active day. */
function userBlocks(rows: ReadonlyArray<Record<string, unknown>>): Array<Record<string, unknown>> {
  const out = new Map<
    string,
    { block: number; use_case: unknown; user_id: unknown; days: number; requests: number }
  >();
  for (const r of rows) {
    const dayIndex = Math.floor(Number(r.day) / DAY_MS);
    const block = Math.floor(dayIndex / USER_BLOCK_DAYS);
    const bit = 2 ** (dayIndex - block * USER_BLOCK_DAYS);
    const key = `${block}\u0000${String(r.use_case)}\u0000${String(r.user_id)}`;
    const cur = out.get(key);
    if (!cur)
      out.set(key, {
        block,
        use_case: r.use_case,
        user_id: r.user_id,
        days: bit,
        requests: Number(r.requests),
      });
    else {
      // Bits above 2^31 overflow JS's 32-bit `|`; distinct days of one block never repeat a bit here.
      if (Math.floor(cur.days / bit) % 2 === 0) cur.days += bit;
      cur.requests += Number(r.requests);
    }
  }
  return [...out.values()];
}
/** Rows per delete: about 20 ms of synchronous SQLite work on a large table, then a yield. */
const PURGE_BATCH = 2_000;

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
  const chunk = Math.max(1, Math.floor(opts.chunk ?? 1000));
  const now = opts.now ?? Date.now;
  const yieldFn = opts.yieldFn ?? (() => new Promise<void>((r) => setImmediate(r)));
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
      // One classified pass over the chunk; the daily rows are summed from its hourly ones here.
      const hours = await exec(trx, dialect, CHUNK_AGGREGATE_SQL, [lo, hi]);
      const days = new Map<string, Record<string, unknown>>();
      for (const h of hours) {
        const day = Number(h.t) - (Number(h.t) % DAY_MS);
        const key = `${day}\u0000${DIMENSION_NAMES.map((d) => h[d]).join('\u0000')}`;
        const d = days.get(key);
        if (!d) days.set(key, { ...h, t: day });
        else for (const m of MEASURE_NAMES) d[m] = Number(d[m] ?? 0) + Number(h[m] ?? 0);
      }
      await upsert(trx, 'usage_rollups_hourly', ['hour', ...DIMENSION_NAMES], MEASURE_NAMES, [], hours, 't');
      await upsert(
        trx,
        'usage_rollups_daily',
        ['day', ...DIMENSION_NAMES],
        MEASURE_NAMES,
        [],
        [...days.values()],
        't',
      );
      await upsert(
        trx,
        'usage_rollup_users',
        ['block', 'use_case', 'user_id'],
        ['requests'],
        ['days'],
        userBlocks(await exec(trx, dialect, CHUNK_USERS_SQL, [lo, hi])),
      );
      return true;
    });
  }

  /** Rows as multi-row upserts, a bounded number per statement (parameter limits). `rename` maps t → the grain column. */
  async function upsert(
    trx: Transaction<KeelSchema>,
    table: string,
    keys: readonly string[],
    add: readonly string[],
    or: readonly string[],
    rows: ReadonlyArray<Record<string, unknown>>,
    rename?: string,
  ): Promise<void> {
    const cols = [...keys, ...add, ...or];
    const per = Math.max(1, Math.floor(MAX_PARAMS / cols.length));
    const source = cols.map((c, i) => (i === 0 && rename ? rename : c));
    for (let i = 0; i < rows.length; i += per) {
      const batch = rows.slice(i, i + per);
      const text =
        batch.length === per
          ? fullSqlOf(table, () => upsertSql(table, keys, add, or, per))
          : upsertSql(table, keys, add, or, batch.length);
      const params: unknown[] = [];
      for (const r of batch) for (const c of source) params.push(numeric(r[c]));
      await exec(trx, dialect, text, params);
    }
  }
  const fullSql = new Map<string, string>();
  const fullSqlOf = (table: string, make: () => string): string => {
    let text = fullSql.get(table);
    if (text === undefined) {
      text = make();
      fullSql.set(table, text);
    }
    return text;
  };

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
