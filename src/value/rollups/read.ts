import type { Database } from '../../store/db.js';
import { LATENCY_BUCKETS, LATENCY_COLUMNS } from './buckets.js';
import { exec } from './job.js';
import { DAY_MS, DIMENSIONS, type Dimension, floorTs, HOUR_MS, MEASURES } from './sql.js';

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

  const rawSql = `select ${floorTs(g)} as t${dims.map((d) => `, ${DIMENSIONS[d]} as ${d}`).join('')}, ${MEASURES.map(
    ([name, raw]) => `${raw} as ${name}`,
  ).join(', ')}
from usage_events where id > ? and ts >= ? and ts < ?${filters.map(([d]) => ` and ${DIMENSIONS[d]} = ?`).join('')}
group by ${[floorTs(g), ...dims.map((d) => DIMENSIONS[d])].join(', ')}`;

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

/**
 * An SQL expression mapping a day start (epoch ms) to the start of its period, given the sorted
 * period starts. Daily periods are the day itself; otherwise a CASE over the boundaries (a handful
 * for weeks or months).
 */
function periodOf(expr: string, starts: readonly number[], daily: boolean): string {
  if (daily) return expr;
  if (starts.length === 1) return String(starts[0]);
  const branches = starts
    .slice(1)
    .map((s, i) => `when ${expr} < ${s} then ${starts[i]}`)
    .join(' ');
  return `(case ${branches} else ${starts[starts.length - 1]} end)`;
}

export interface ActiveUsersQuery {
  /** Day-aligned range. */
  from: number;
  to: number;
  /** Sorted starts of the periods covering [from, to); the first is `from`. */
  periodStarts: readonly number[];
  /** True when each period is one day (the cheap path). */
  daily: boolean;
  /** Only these use cases (also for the total). */
  useCases?: readonly string[];
}

/**
 * Distinct users (x-keel-user / OpenAI `user`) per period: per use case, and over all use cases (a
 * user active in two use cases counts once in the total, so the total is not the sum).
 */
export async function readActiveUsers(
  database: Database,
  watermark: number,
  q: ActiveUsersQuery,
): Promise<{ byUseCase: Map<number, Map<string, number>>; total: Map<number, number> }> {
  const rollupPeriod = periodOf('day', q.periodStarts, q.daily);
  const rawPeriod = periodOf(floorTs(DAY_MS), q.periodStarts, q.daily);
  const only = q.useCases ? ` and use_case in (${q.useCases.map(() => '?').join(', ') || 'null'})` : '';
  const union = `select ${rollupPeriod} as p, use_case, user_id from usage_rollup_users where day >= ? and day < ?${only}
union
select ${rawPeriod} as p, use_case, user_id from usage_events where id > ? and ts >= ? and ts < ? and user_id is not null${only}`;
  const ucs = q.useCases ?? [];
  const params = [q.from, q.to, ...ucs, watermark, q.from, q.to, ...ucs];
  const [perUseCase, total] = await Promise.all([
    exec(
      database.db,
      database.dialect,
      `select p, use_case, count(*) as users from (${union}) u group by p, use_case`,
      params,
    ),
    exec(
      database.db,
      database.dialect,
      `select p, count(distinct user_id) as users from (${union}) u group by p`,
      params,
    ),
  ]);
  const byUseCase = new Map<number, Map<string, number>>();
  for (const r of perUseCase) {
    const p = Number(r.p);
    let m = byUseCase.get(p);
    if (!m) byUseCase.set(p, (m = new Map()));
    m.set(String(r.use_case), Number(r.users));
  }
  return { byUseCase, total: new Map(total.map((r) => [Number(r.p), Number(r.users)])) };
}
