import type { ColumnType, Generated } from 'kysely';
import type { DataSchema } from './data-schema.js';
import type { McpSchema } from './mcp-schema.js';
import type { RedteamSchema } from './redteam-schema.js';
import type { ValueSchema } from './rollups-schema.js';
import type { SessionSchema } from './sessions-schema.js';

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

/** Virtual keys (002_access). Scope lists are JSON array text. Epoch-ms columns are int8. */
export interface VirtualKeysTable {
  id: string;
  name: string;
  prefix: string;
  models: string;
  endpoints: string;
  use_cases: string;
  tools: string;
  /** MCP scopes (015_mcp): server ids, catalogue tool names or globs. */
  mcp_servers: ColumnType<string, string | undefined, string>;
  mcp_tools: ColumnType<string, string | undefined, string>;
  allowed_cidrs: string;
  team: string | null;
  max_tokens: number | null;
  rpm: number | null;
  tpm: number | null;
  budget_usd: number | null;
  budget_period: string;
  expires_at: Int8 | null;
  created_at: Int8;
  updated_at: Int8;
  revoked_at: Int8 | null;
  created_by: string;
}

/** SHA-256 hex of each live key value; a rotated-out value carries its grace deadline. */
export interface KeySecretsTable {
  hash: string;
  key_id: string;
  created_at: Int8;
  expires_at: Int8 | null;
}

export interface AdminUsersTable {
  id: string;
  name: string;
  role: string;
  token_hash: string;
  created_at: Int8;
  revoked_at: Int8 | null;
  created_by: string;
}

/** The tamper-evident audit log (003_audit): seq is assigned by the single writer, never generated. */
export interface AuditLogTable {
  seq: Int8;
  /** Epoch milliseconds. */
  ts: Int8;
  actor: string;
  action: string;
  target: string | null;
  /** Canonical JSON text, hashed byte for byte. */
  details: string;
  prev_hash: string;
  hash: string;
}

/** Signed checkpoints over the audit chain's head (003_audit). */
export interface AuditCheckpointsTable {
  seq: Int8;
  count: Int8;
  head_hash: string;
  ts: Int8;
  signature: string | null;
  key_id: string | null;
  alg: string | null;
}

export interface SecurityEventsTable {
  id: Generated<number | string | bigint>;
  ts: Int8;
  request_id: string;
  use_case: string;
  key_id: string | null;
  model: string | null;
  detector: string;
  direction: string;
  action: string;
  score: number;
  /** JSON array of labels. */
  labels: string;
  /** JSON array of {start, end, label}: positions only. */
  spans: string;
  message_index: number;
  /** Idempotency key of a spooled event (migration 008); null for events written without one. */
  event_key: string | null;
}

/** Live traffic monitors across replicas (009_cluster). */
export interface MonitorWindowsTable {
  replica_id: string;
  use_case: string;
  first_seen: Int8;
  reference: string;
  buckets: string;
  updated_at: Int8;
}

export interface MonitorReferencesTable {
  use_case: string;
  frozen_at: Int8 | null;
  pinned: string | null;
  updated_at: Int8;
}

export interface MonitorStatusTable {
  use_case: string;
  status: string;
  drifting: string;
  last_run: Int8;
}

/** Stored Responses API answers (012_responses); JSON text columns in OpenAI's wire form. */
export interface ResponsesTable {
  id: string;
  key_id: string | null;
  created_at: Int8;
  expires_at: Int8;
  context: string;
  input: string;
  response: string;
}

export interface KeelSchema extends ValueSchema, DataSchema, SessionSchema, RedteamSchema, McpSchema {
  responses: ResponsesTable;
  monitor_windows: MonitorWindowsTable;
  monitor_references: MonitorReferencesTable;
  monitor_status: MonitorStatusTable;
  security_events: SecurityEventsTable;
  usage_events: UsageEventsTable;
  virtual_keys: VirtualKeysTable;
  key_secrets: KeySecretsTable;
  admin_users: AdminUsersTable;
  audit_log: AuditLogTable;
  audit_checkpoints: AuditCheckpointsTable;
}

export type StoreDialect = 'sqlite' | 'postgres';
