import type BetterSqlite3 from 'better-sqlite3';
import type { Insertable, Selectable } from 'kysely';
import type { UsageEventsTable } from './schema.js';
import type { UsageEvent } from './types.js';

/** Longest attribution / id string stored; headers and the OpenAI `user` field are client controlled. */
export const MAX_TEXT = 512;

export type UsageRow = Insertable<UsageEventsTable>;

/** Insert column order; values() below must follow it. */
export const USAGE_COLUMNS = [
  'request_id',
  'ts',
  'endpoint',
  'api_shape',
  'stream',
  'model_requested',
  'provider',
  'model_upstream',
  'attempts',
  'fallbacks',
  'cache_hit',
  'status',
  'error_code',
  'latency_ms',
  'ttft_ms',
  'input_tokens',
  'cached_input_tokens',
  'cache_write_tokens',
  'output_tokens',
  'reasoning_tokens',
  'tokens_estimated',
  'cost_usd',
  'price_version',
  'key_id',
  'use_case',
  'team',
  'user_id',
  'feature',
  'trace_id',
] as const satisfies ReadonlyArray<keyof UsageRow>;

type RowValue = string | number | null;

/** Row values in USAGE_COLUMNS order, for hand-built statements. */
export function rowValues(r: UsageRow): RowValue[] {
  const out = new Array<RowValue>(USAGE_COLUMNS.length);
  for (let i = 0; i < USAGE_COLUMNS.length; i++) out[i] = (r[USAGE_COLUMNS[i]!] ?? null) as RowValue;
  return out;
}

/**
 * Insert text for `rows` rows. Idempotent on request_id, so a batch retried after an ambiguous commit
 * is not counted twice. Built by hand because Kysely's compiler takes several ms for a 1000-row
 * insert, all of it on the event loop.
 */
export function insertSql(rows: number, placeholder: 'question' | 'dollar'): string {
  const n = USAGE_COLUMNS.length;
  const tuples = new Array<string>(rows);
  for (let r = 0; r < rows; r++) {
    const p = new Array<string>(n);
    for (let c = 0; c < n; c++) p[c] = placeholder === 'question' ? '?' : `$${r * n + c + 1}`;
    tuples[r] = `(${p.join(',')})`;
  }
  return `insert into usage_events (${USAGE_COLUMNS.join(',')}) values ${tuples.join(',')} on conflict (request_id) do nothing`;
}

/**
 * Turns an event into a row that every dialect accepts. A row Postgres refuses would fail its whole
 * batch on every retry, so values are coerced here rather than trusted: integers rounded, non-finite
 * numbers zeroed (cost: null), NUL bytes (rejected by Postgres text) removed, long strings cut.
 */
export function toRow(e: UsageEvent): UsageRow {
  return {
    request_id: str(e.requestId),
    ts: int(e.ts),
    endpoint: str(e.endpoint),
    api_shape: str(e.apiShape),
    stream: e.stream ? 1 : 0,
    model_requested: str(e.modelRequested),
    provider: optStr(e.provider),
    model_upstream: optStr(e.modelUpstream),
    attempts: int(e.attempts),
    fallbacks:
      e.fallbacks && e.fallbacks.length > 0 ? clean(JSON.stringify(e.fallbacks), 4 * MAX_TEXT) : null,
    cache_hit: e.cacheHit ? 1 : 0,
    status: int(e.status),
    error_code: optStr(e.errorCode),
    latency_ms: num(e.latencyMs),
    ttft_ms: e.ttftMs == null || !Number.isFinite(e.ttftMs) ? null : e.ttftMs,
    input_tokens: int(e.inputTokens),
    cached_input_tokens: int(e.cachedInputTokens),
    cache_write_tokens: int(e.cacheWriteTokens),
    output_tokens: int(e.outputTokens),
    reasoning_tokens: int(e.reasoningTokens),
    tokens_estimated: e.tokensEstimated ? 1 : 0,
    cost_usd: e.costUsd == null || !Number.isFinite(e.costUsd) ? null : e.costUsd,
    price_version: optStr(e.priceVersion),
    key_id: optStr(e.keyId),
    use_case: str(e.useCase),
    team: optStr(e.team),
    user_id: optStr(e.userId),
    feature: optStr(e.feature),
    trace_id: optStr(e.traceId),
  };
}

export function fromRow(r: Selectable<UsageEventsTable>): UsageEvent {
  return {
    requestId: r.request_id,
    ts: Number(r.ts),
    endpoint: r.endpoint as UsageEvent['endpoint'],
    apiShape: r.api_shape as UsageEvent['apiShape'],
    stream: Number(r.stream) === 1,
    modelRequested: r.model_requested,
    provider: r.provider,
    modelUpstream: r.model_upstream,
    attempts: Number(r.attempts),
    fallbacks: parseFallbacks(r.fallbacks),
    cacheHit: Number(r.cache_hit) === 1,
    status: Number(r.status),
    errorCode: r.error_code,
    latencyMs: Number(r.latency_ms),
    ttftMs: r.ttft_ms == null ? null : Number(r.ttft_ms),
    inputTokens: Number(r.input_tokens),
    cachedInputTokens: Number(r.cached_input_tokens),
    cacheWriteTokens: Number(r.cache_write_tokens),
    outputTokens: Number(r.output_tokens),
    reasoningTokens: Number(r.reasoning_tokens),
    tokensEstimated: Number(r.tokens_estimated) === 1,
    costUsd: r.cost_usd == null ? null : Number(r.cost_usd),
    priceVersion: r.price_version,
    keyId: r.key_id,
    useCase: r.use_case,
    team: r.team,
    userId: r.user_id,
    feature: r.feature,
    traceId: r.trace_id,
  };
}

function parseFallbacks(text: string | null): string[] {
  if (!text) return [];
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
}

function int(v: number): number {
  return Number.isFinite(v) ? Math.round(v) : 0;
}

function num(v: number): number {
  return Number.isFinite(v) ? v : 0;
}

function str(v: string): string {
  return clean(typeof v === 'string' ? v : String(v ?? ''), MAX_TEXT);
}

function optStr(v: string | null | undefined): string | null {
  return v == null ? null : str(v);
}

function clean(s: string, max: number): string {
  const cut = s.length > max ? s.slice(0, max) : s;
  return cut.includes('\0') ? cut.replaceAll('\0', '') : cut;
}

/**
 * Inserts rows (as rowValues() arrays) in one transaction with a prepared single-row statement:
 * measured about twice as fast in-process as a multi-row insert (4 ms vs 7-10 ms per 1000 rows).
 */
export function prepareRowInsert(sqlite: BetterSqlite3.Database): (rows: readonly unknown[][]) => void {
  const stmt = sqlite.prepare(insertSql(1, 'question'));
  return sqlite.transaction((rows: readonly unknown[][]) => {
    for (const values of rows) stmt.run(values);
  });
}
