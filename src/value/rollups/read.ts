import type { Database } from '../../store/db.js';
import { rollupWatermark } from '../../store/report-queries.js';
import { LATENCY_BUCKETS, LATENCY_COLUMNS } from '../../store/rollups/buckets.js';
import { exec } from '../../store/rollups/job.js';
import {
  classifiedEvents,
  DAY_MS,
  DIMENSIONS,
  type Dimension,
  floorTs,
  HOUR_MS,
  MEASURES,
  USER_BLOCK_DAYS,
} from '../../store/rollups/sql.js';

/**
 * Run `read` on one consistent snapshot of the ledger: the watermark and every rollup and raw-tail
 * query inside see the same committed state. Read separately, a rollup pass that commits between
 * the watermark and the queries (the SQLite writer thread's timer, another replica) is counted twice:
 * in the rollup rows and again in the raw tail above the old watermark. SQLite snapshots at the first
 * read of a transaction; PostgreSQL needs REPEATABLE READ for one snapshot across statements.
 * Every query of `read` must go through the `ledger` it is given: on SQLite the transaction holds
 * the one connection, so a query on the outer `database` would wait for it forever.
 */
export async function readLedger<T>(
  database: Database,
  read: (ledger: Database, watermark: number) => Promise<T>,
): Promise<T> {
  const begin = database.db.transaction();
  return (database.dialect === 'postgres' ? begin.setIsolationLevel('repeatable read') : begin).execute(
    async (trx) => {
      const ledger: Database = { ...database, db: trx };
      return read(ledger, await rollupWatermark(ledger));
    },
  );
}

/** Additive usage measures of a group (one rollup cell, or many summed). */
export interface UsageMeasures {
  requests: number;
  errors: number;
  blocked: number;
  unpriced: number;
  costUsd: number;
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  latencyCount: number;
  latencySumMs: number;
  /** Latency histogram counts, LATENCY_BOUNDS_MS buckets. */
  hist: number[];
}

export type Grain = 'hour' | 'day';

export interface UsageQuery {
  /** Epoch ms, inclusive; a multiple of the grain. */
  from: number;
  /** Epoch ms, exclusive; a multiple of the grain. */
  to: number;
  grain: Grain;
  /** Dimensions to group by (time buckets of the grain always). */
  by: readonly Dimension[];
  /** Equality filters ('' matches NULL, as in the rollups). */
  where?: Partial<Record<Dimension, string>>;
}

export interface UsageGroup {
  /** Start of the hour or day. */
  t: number;
  dims: Partial<Record<Dimension, string>>;
  m: UsageMeasures;
}

export function emptyMeasures(): UsageMeasures {
  return {
    requests: 0,
    errors: 0,
    blocked: 0,
    unpriced: 0,
    costUsd: 0,
    inputTokens: 0,
    cachedInputTokens: 0,
    outputTokens: 0,
    latencyCount: 0,
    latencySumMs: 0,
    hist: new Array<number>(LATENCY_BUCKETS).fill(0),
  };
}

export function addMeasures(into: UsageMeasures, m: UsageMeasures): void {
  into.requests += m.requests;
  into.errors += m.errors;
  into.blocked += m.blocked;
  into.unpriced += m.unpriced;
  into.costUsd += m.costUsd;
  into.inputTokens += m.inputTokens;
  into.cachedInputTokens += m.cachedInputTokens;
  into.outputTokens += m.outputTokens;
  into.latencyCount += m.latencyCount;
  into.latencySumMs += m.latencySumMs;
  for (let i = 0; i < LATENCY_BUCKETS; i++) into.hist[i] = (into.hist[i] ?? 0) + (m.hist[i] ?? 0);
}

function grainMs(g: Grain): number {
  return g === 'hour' ? HOUR_MS : DAY_MS;
}

/**
 * Usage per time bucket and dimensions: rollup rows for every event up to the watermark, plus the
 * raw events above it (those written since the last rollup pass). Exact, because the watermark
 * splits the events in two disjoint sets, and cheap, because the raw part is only the tail.
 */
export async function readUsage(database: Database, watermark: number, q: UsageQuery): Promise<UsageGroup[]> {
  const g = grainMs(q.grain);
  if (q.from % g !== 0 || q.to % g !== 0) throw new Error(`usage range must be aligned to whole ${q.grain}s`);
  if (q.to <= q.from) return [];
  const table = q.grain === 'hour' ? 'usage_rollups_hourly' : 'usage_rollups_daily';
  const dims = [...q.by];
  const filters = Object.entries(q.where ?? {}) as [Dimension, string][];

  const rollupSql = `select ${q.grain} as t${dims.map((d) => `, ${d}`).join('')}, ${MEASURES.map(
    ([name, , agg]) => `${agg} as ${name}`,
  ).join(', ')}
from ${table} where ${q.grain} >= ? and ${q.grain} < ?${filters.map(([d]) => ` and ${d} = ?`).join('')}
group by ${[q.grain, ...dims].join(', ')}`;

  // `+ts`: the raw tail is found by id (a rowid range); an index on ts would scan the whole period.
  const rawWhere = `id > ? and +ts >= ? and +ts < ?${filters.map(([d]) => ` and ${DIMENSIONS[d]} = ?`).join('')}`;
  const rawSql = `with ${classifiedEvents(rawWhere, g, dims)}
select t${dims.map((d) => `, ${d}`).join('')}, ${MEASURES.map(([name, raw]) => `${raw} as ${name}`).join(', ')}
from e group by ${['t', ...dims].join(', ')}`;

  const values = filters.map(([, v]) => v);
  const [rolled, raw] = await Promise.all([
    exec(database.db, database.dialect, rollupSql, [q.from, q.to, ...values]),
    exec(database.db, database.dialect, rawSql, [watermark, q.from, q.to, ...values]),
  ]);

  const out = new Map<string, UsageGroup>();
  for (const row of [...rolled, ...raw]) {
    const t = Number(row.t);
    const key = `${t}\u0000${dims.map((d) => String(row[d] ?? '')).join('\u0000')}`;
    let grp = out.get(key);
    if (!grp) {
      const groupDims: Partial<Record<Dimension, string>> = {};
      for (const d of dims) groupDims[d] = String(row[d] ?? '');
      grp = { t, dims: groupDims, m: emptyMeasures() };
      out.set(key, grp);
    }
    addMeasures(grp.m, rowMeasures(row));
  }
  return [...out.values()];
}

function rowMeasures(r: Record<string, unknown>): UsageMeasures {
  const n = (v: unknown) => (v == null ? 0 : Number(v));
  return {
    requests: n(r.requests),
    errors: n(r.errors),
    blocked: n(r.blocked),
    unpriced: n(r.unpriced),
    costUsd: n(r.cost_usd),
    inputTokens: n(r.input_tokens),
    cachedInputTokens: n(r.cached_input_tokens),
    outputTokens: n(r.output_tokens),
    latencyCount: n(r.latency_count),
    latencySumMs: n(r.latency_sum_ms),
    hist: LATENCY_COLUMNS.map((c) => n(r[c])),
  };
}

export interface ActiveUsersQuery {
  /** Day-aligned range. */
  from: number;
  to: number;
  /** Sorted starts of the periods covering [from, to); the first is `from`. */
  periodStarts: readonly number[];
  /** Only these use cases (also for the total). */
  useCases?: readonly string[];
}

export interface ActiveUsers {
  /** Period start → use case → distinct users. */
  byUseCase: Map<number, Map<string, number>>;
  /** Period start → distinct users over all use cases (a user of two use cases counts once). */
  total: Map<number, number>;
  /** Over the whole range: per use case, and over all. */
  rangeByUseCase: Map<string, number>;
  rangeTotal: number;
}

/**
 * Distinct users (x-keel-user / OpenAI `user`) per period, exactly: the users rollup keeps one row
 * per 32-day block, use case and user with a bit per active day, so a 90-day range reads about
 * three rows per user and use case; the raw tail above the watermark is merged in.
 */
export async function readActiveUsers(
  database: Database,
  watermark: number,
  q: ActiveUsersQuery,
): Promise<ActiveUsers> {
  const firstDay = Math.floor(q.from / DAY_MS);
  const lastDay = Math.floor(q.to / DAY_MS) - 1;
  const ucs = q.useCases ?? [];
  const only = q.useCases ? ` and use_case in (${ucs.map(() => '?').join(', ') || 'null'})` : '';
  const [blocks, tail] = await Promise.all([
    exec(
      database.db,
      database.dialect,
      `select block, use_case, user_id, days from usage_rollup_users where block >= ? and block <= ?${only}`,
      [Math.floor(firstDay / USER_BLOCK_DAYS), Math.floor(lastDay / USER_BLOCK_DAYS), ...ucs],
    ),
    exec(
      database.db,
      database.dialect,
      `select distinct ${floorTs(DAY_MS)} as day, use_case, user_id from usage_events where id > ? and +ts >= ? and +ts < ? and user_id is not null${only}`,
      [watermark, q.from, q.to, ...ucs],
    ),
  ]);

  // Day index → period index, for the days of the range (-1 outside it).
  const starts = q.periodStarts;
  const periodOfDay = new Int32Array(lastDay - firstDay + 1);
  for (let d = firstDay, p = 0; d <= lastDay; d++) {
    while (p + 1 < starts.length && d * DAY_MS >= starts[p + 1]!) p++;
    periodOfDay[d - firstDay] = p;
  }
  const periodAt = (day: number) => (day < firstDay || day > lastDay ? -1 : periodOfDay[day - firstDay]!);
  const perPeriod = starts.map(() => ({ byUseCase: new Map<string, Set<string>>(), all: new Set<string>() }));
  const rangeUseCase = new Map<string, Set<string>>();
  const rangeAll = new Set<string>();
  const add = (period: number, useCase: string, user: string) => {
    const pp = perPeriod[period]!;
    setOf(pp.byUseCase, useCase).add(user);
    pp.all.add(user);
  };
  const addRange = (useCase: string, user: string) => {
    setOf(rangeUseCase, useCase).add(user);
    rangeAll.add(user);
  };
  for (const r of blocks) {
    const base = Number(r.block) * USER_BLOCK_DAYS;
    let bits = Number(r.days);
    const useCase = String(r.use_case);
    const user = String(r.user_id);
    let last = -1;
    for (let i = 0; bits > 0 && i < USER_BLOCK_DAYS; i++, bits = Math.floor(bits / 2)) {
      if (bits % 2 === 0) continue;
      const period = periodAt(base + i);
      // One add per period: consecutive active days usually share a period.
      if (period === -1 || period === last) continue;
      if (last === -1) addRange(useCase, user);
      last = period;
      add(period, useCase, user);
    }
  }
  for (const r of tail) {
    const period = periodAt(Math.floor(Number(r.day) / DAY_MS));
    if (period === -1) continue;
    addRange(String(r.use_case), String(r.user_id));
    add(period, String(r.use_case), String(r.user_id));
  }

  const byUseCase = new Map<number, Map<string, number>>();
  const total = new Map<number, number>();
  perPeriod.forEach((pp, i) => {
    if (pp.all.size === 0) return;
    byUseCase.set(starts[i]!, new Map([...pp.byUseCase].map(([uc, set]) => [uc, set.size])));
    total.set(starts[i]!, pp.all.size);
  });
  return {
    byUseCase,
    total,
    rangeByUseCase: new Map([...rangeUseCase].map(([uc, set]) => [uc, set.size])),
    rangeTotal: rangeAll.size,
  };
}

function setOf<K>(map: Map<K, Set<string>>, key: K): Set<string> {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  return set;
}
