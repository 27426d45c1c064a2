import { LATENCY_BOUNDS_MS, LATENCY_COLUMNS } from './buckets.js';

/**
 * SQL fragments shared by the rollup writer (job.ts) and the readers (read.ts), so an event is
 * classified the same way whether it is read raw or from a rollup. Plain SQL that SQLite and
 * Postgres both accept: integer arithmetic on epoch ms, CASE, COALESCE.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/**
 * Error codes of calls Keel refused before any upstream spend (access, limits, guards). They count
 * as "blocked", not as errors, and stay out of the latency histogram (their latency is Keel's own).
 */
export const BLOCKED_CODES = [
  'missing_api_key',
  'invalid_api_key',
  'permission_denied',
  'tool_not_allowed',
  'rate_limit_exceeded',
  'budget_exceeded',
] as const;

const BLOCKED_IN = `(${BLOCKED_CODES.map((c) => `'${c}'`).join(',')})`;

/** 1 when the event was refused by Keel: one of BLOCKED_CODES, or any guard_* code. */
export const IS_BLOCKED = `(case when error_code in ${BLOCKED_IN} or substr(error_code, 1, 6) = 'guard_' then 1 else 0 end)`;

/** 1 for a failed call that was not a refusal (status ≥ 400). */
export const IS_ERROR = `(case when status >= 400 and not (coalesce(error_code, '') in ${BLOCKED_IN} or substr(coalesce(error_code, ''), 1, 6) = 'guard_') then 1 else 0 end)`;

/** The histogram bucket of a raw event; -1 for blocked calls (not in the histogram). */
export const LATENCY_BUCKET = `(case when ${IS_BLOCKED} = 1 then -1 ${LATENCY_BOUNDS_MS.map(
  (b, i) => `when latency_ms <= ${b} then ${i}`,
).join(' ')} else ${LATENCY_BOUNDS_MS.length} end)`;

/** Dimensions a rollup row is keyed by, and the raw expression each comes from ('' stands for NULL). */
export const DIMENSIONS = {
  use_case: 'use_case',
  team: "coalesce(team, '')",
  key_id: "coalesce(key_id, '')",
  model: 'model_requested',
  provider: "coalesce(provider, '')",
} as const;

export type Dimension = keyof typeof DIMENSIONS;
export const DIMENSION_NAMES = Object.keys(DIMENSIONS) as Dimension[];

/** Additive measures: name → [aggregate over raw events, aggregate over rollup rows]. */
export const MEASURES: ReadonlyArray<readonly [string, string, string]> = [
  ['requests', 'count(*)', 'sum(requests)'],
  ['errors', `sum(${IS_ERROR})`, 'sum(errors)'],
  ['blocked', `sum(${IS_BLOCKED})`, 'sum(blocked)'],
  ['unpriced', 'sum(case when cost_usd is null then 1 else 0 end)', 'sum(unpriced)'],
  ['cost_usd', 'coalesce(sum(cost_usd), 0)', 'sum(cost_usd)'],
  ['input_tokens', 'sum(input_tokens)', 'sum(input_tokens)'],
  ['cached_input_tokens', 'sum(cached_input_tokens)', 'sum(cached_input_tokens)'],
  ['output_tokens', 'sum(output_tokens)', 'sum(output_tokens)'],
  ['latency_count', `sum(1 - ${IS_BLOCKED})`, 'sum(latency_count)'],
  ['latency_sum_ms', `sum(case when ${IS_BLOCKED} = 1 then 0 else cast(latency_ms as double precision) end)`, 'sum(latency_sum_ms)'],
  ...LATENCY_COLUMNS.map(
    (c, i) => [c, `sum(case when ${LATENCY_BUCKET} = ${i} then 1 else 0 end)`, `sum(${c})`] as const,
  ),
];

export const MEASURE_NAMES = MEASURES.map((m) => m[0]);

/** `ts` floored to the grain, as an integer expression. */
export function floorTs(grainMs: number): string {
  return `(ts - (ts % ${grainMs}))`;
}

/**
 * Upsert-add of the events with lo < id ≤ hi into a rollup table: adding, not replacing, so a
 * rollup row can receive a later chunk's events of the same hour. Exactly-once comes from the
 * watermark moving in the same transaction (job.ts). Parameters: lo, hi.
 */
export function rollupUpsertSql(table: 'usage_rollups_hourly' | 'usage_rollups_daily'): string {
  const grain = table === 'usage_rollups_hourly' ? 'hour' : 'day';
  const grainMs = grain === 'hour' ? HOUR_MS : DAY_MS;
  const dims = DIMENSION_NAMES;
  const cols = [grain, ...dims, ...MEASURE_NAMES];
  const select = [
    `${floorTs(grainMs)} as ${grain}`,
    ...dims.map((d) => `${DIMENSIONS[d]} as ${d}`),
    ...MEASURES.map(([name, raw]) => `${raw} as ${name}`),
  ];
  const groupBy = [floorTs(grainMs), ...dims.map((d) => DIMENSIONS[d])];
  const updates = MEASURE_NAMES.map((m) => `${m} = ${table}.${m} + excluded.${m}`);
  return `insert into ${table} (${cols.join(', ')})
select ${select.join(', ')}
from usage_events where id > ? and id <= ?
group by ${groupBy.join(', ')}
on conflict (${[grain, ...dims].join(', ')}) do update set ${updates.join(', ')}`;
}

/** Distinct users per day and use case; parameters lo, hi. */
export const USERS_UPSERT_SQL = `insert into usage_rollup_users (day, use_case, user_id, requests)
select ${floorTs(DAY_MS)} as day, use_case, user_id, count(*) as requests
from usage_events where id > ? and id <= ? and user_id is not null
group by ${floorTs(DAY_MS)}, use_case, user_id
on conflict (day, use_case, user_id) do update set requests = usage_rollup_users.requests + excluded.requests`;
