import type { ColumnType, Generated } from 'kysely';

/**
 * Row shapes as Kysely sees them. Integer columns come back as numbers from SQLite but as strings
 * from node-postgres for int8 (ts, sums), so selects are typed loosely and normalised in one place
 * (rowToUsageEvent / the summary mapper).
 */
type Int8 = ColumnType<number | string | bigint, number, number>;

export interface UsageEventsTable {
  id: Generated<number | string | bigint>;
  request_id: string;
  /** Epoch milliseconds. */
  ts: Int8;
  endpoint: string;
  api_shape: string;
  /** 0 | 1 */
  stream: number;
  model_requested: string;
  provider: string | null;
  model_upstream: string | null;
  attempts: number;
  /** JSON array text of fallback model names; null when none were taken (the common case). */
  fallbacks: string | null;
  cache_hit: number;
  status: number;
  error_code: string | null;
  latency_ms: number;
  ttft_ms: number | null;
  input_tokens: number;
  cached_input_tokens: number;
  cache_write_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  tokens_estimated: number;
  /** null = unpriced. */
  cost_usd: number | null;
  price_version: string | null;
  key_id: string | null;
  use_case: string;
  team: string | null;
  user_id: string | null;
  feature: string | null;
  trace_id: string | null;
}

export interface KeelSchema {
  usage_events: UsageEventsTable;
}

export type StoreDialect = 'sqlite' | 'postgres';
