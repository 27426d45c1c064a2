import { LATENCY_BOUNDS_MS, LATENCY_COLUMNS } from './buckets.js';

/**
 * SQL fragments shared by the rollup writer (job.ts) and the readers (value/rollups/read.ts), so an event is
 * classified the same way whether it is read raw or from a rollup. Plain SQL that SQLite and
 * Postgres both accept: integer arithmetic on epoch ms, CASE, COALESCE, MATERIALIZED CTEs.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/**
 * Error codes of calls Keel refused (access, limits, guards). They count as "blocked", not as
 * errors, and stay out of the latency histogram. Any future `guard_*` code counts too.
 */
export const BLOCKED_CODES = [
  'missing_api_key',
  'invalid_api_key',
  'permission_denied',
  'tool_not_allowed',
  'rate_limit_exceeded',
  'budget_exceeded',
  // guards (src/errors.ts): refused on the way in, or an answer stopped on its way back
  'prompt_injection_detected',
  'pii_detected',
  'secret_detected',
  'output_blocked',
  'tool_call_blocked',
] as const;

const BLOCKED_IN = `(${BLOCKED_CODES.map((c) => `'${c}'`).join(',')})`;

/** 1 when the event was refused by Keel: one of BLOCKED_CODES, or any guard_* code. */
const IS_BLOCKED = `(case when error_code in ${BLOCKED_IN} or substr(error_code, 1, 6) = 'guard_' then 1 else 0 end)`;

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

/** `ts` floored to the grain, as an integer expression. */
export function floorTs(grainMs: number): string {
  return `(ts - (ts % ${grainMs}))`;
}

/**
 * Per-event columns, computed once per row: blocked flag, error flag (a failure that was not a
 * refusal), latency, and its histogram bucket (-1 when blocked).
 */
const CLASSIFIED = [
  `${IS_BLOCKED} as blk`,
  `(case when status >= 400 then 1 - ${IS_BLOCKED} else 0 end) as err`,
  'cost_usd',
  'input_tokens',
  'cached_input_tokens',
  'output_tokens',
  'cast(latency_ms as double precision) as lat',
  `(case when ${IS_BLOCKED} = 1 then -1 ${LATENCY_BOUNDS_MS.map((b, i) => `when latency_ms <= ${b} then ${i}`).join(' ')} else ${LATENCY_BOUNDS_MS.length} end) as bk`,
];

/**
 * A MATERIALIZED CTE `e` over the usage events matching `where`: time floored to `grainMs` as `t`,
 * the dimensions under their own names, and the classified columns. Materialized so the planner
 * cannot inline the classification back into each of the 34 aggregates that read it.
 */
export function classifiedEvents(where: string, grainMs: number, dims: readonly Dimension[]): string {
  const cols = [`${floorTs(grainMs)} as t`, ...dims.map((d) => `${DIMENSIONS[d]} as ${d}`), ...CLASSIFIED];
  return `e as materialized (select ${cols.join(', ')} from usage_events where ${where})`;
}

/** Additive measures: name → [aggregate over the CTE `e`, aggregate over rollup rows]. */
export const MEASURES: ReadonlyArray<readonly [string, string, string]> = [
  ['requests', 'count(*)', 'sum(requests)'],
  ['errors', 'sum(err)', 'sum(errors)'],
  ['blocked', 'sum(blk)', 'sum(blocked)'],
  ['unpriced', 'sum(case when cost_usd is null then 1 else 0 end)', 'sum(unpriced)'],
  ['cost_usd', 'coalesce(sum(cost_usd), 0)', 'sum(cost_usd)'],
  ['input_tokens', 'sum(input_tokens)', 'sum(input_tokens)'],
  ['cached_input_tokens', 'sum(cached_input_tokens)', 'sum(cached_input_tokens)'],
  ['output_tokens', 'sum(output_tokens)', 'sum(output_tokens)'],
  ['latency_count', 'sum(1 - blk)', 'sum(latency_count)'],
  ['latency_sum_ms', 'sum(case when blk = 1 then 0 else lat end)', 'sum(latency_sum_ms)'],
  ...LATENCY_COLUMNS.map((c, i) => [c, `sum(case when bk = ${i} then 1 else 0 end)`, `sum(${c})`] as const),
];

export const MEASURE_NAMES = MEASURES.map((m) => m[0]);

/** One pass over a chunk (lo < id ≤ hi): its hourly aggregate per dimension tuple. Parameters: lo, hi. */
export const CHUNK_AGGREGATE_SQL = `with ${classifiedEvents('id > ? and id <= ?', HOUR_MS, DIMENSION_NAMES)}
select t, ${DIMENSION_NAMES.join(', ')}, ${MEASURES.map(([name, raw]) => `${raw} as ${name}`).join(', ')}
from e group by t, ${DIMENSION_NAMES.join(', ')}`;

/** Users of a chunk per day and use case. Parameters: lo, hi. */
export const CHUNK_USERS_SQL = `select ${floorTs(DAY_MS)} as day, use_case, user_id, count(*) as requests
from usage_events where id > ? and id <= ? and user_id is not null
group by ${floorTs(DAY_MS)}, use_case, user_id`;

/** Days per block of the users rollup: one bit each in a bigint. */
export const USER_BLOCK_DAYS = 32;

/**
 * Multi-row upsert: `add` columns are summed into the existing row, `or` columns OR-ed (day bits).
 * The rows of one statement must have distinct keys (Postgres refuses to touch a row twice).
 */
export function upsertSql(
  table: string,
  keys: readonly string[],
  add: readonly string[],
  or: readonly string[],
  rows: number,
): string {
  const cols = [...keys, ...add, ...or];
  const tuple = `(${cols.map(() => '?').join(', ')})`;
  const set = [
    ...add.map((c) => `${c} = ${table}.${c} + excluded.${c}`),
    ...or.map((c) => `${c} = ${table}.${c} | excluded.${c}`),
  ];
  return `insert into ${table} (${cols.join(', ')}) values ${new Array(rows).fill(tuple).join(', ')}
on conflict (${keys.join(', ')}) do update set ${set.join(', ')}`;
}
