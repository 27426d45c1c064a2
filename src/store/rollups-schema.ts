import type { ColumnType, Generated } from 'kysely';

/**
 * Row shapes of the business-value tables (migration 004_value), plugged into KeelSchema. int8
 * columns come back as strings from node-postgres, so selects are normalised with Number().
 */
type Int8 = ColumnType<number | string | bigint, number, number>;

export interface UseCasesTable {
  id: string;
  name: string;
  description: string | null;
  owner: string | null;
  team: string | null;
  stage: string;
  business_metric: string | null;
  value_per_outcome_usd: number | null;
  human_baseline_cost_usd: number | null;
  investment_usd: number | null;
  monthly_budget_usd: number | null;
  target_roi: number | null;
  guard_policy: string | null;
  /** JSON array text. */
  tags: string;
  /** JSON array text: fields keel.yaml declares. */
  config_fields: string;
  created_at: Int8;
  updated_at: Int8;
  created_by: string;
}

export interface UseCaseStagesTable {
  id: Generated<number | string | bigint>;
  use_case_id: string;
  from_stage: string | null;
  to_stage: string;
  at: Int8;
  actor: string;
  reason: string | null;
}

export interface OutcomesTable {
  id: string;
  reporter: string;
  idempotency_key: string | null;
  request_id: string | null;
  trace_id: string | null;
  use_case: string;
  type: string;
  success: number;
  value_usd: number | null;
  occurred_at: Int8;
  received_at: Int8;
  metadata: string | null;
}

export interface FeedbackTable {
  id: string;
  reporter: string;
  request_id: string | null;
  trace_id: string | null;
  use_case: string;
  score: number;
  raw_score: number;
  scale: string;
  comment: string | null;
  at: Int8;
  received_at: Int8;
}

export interface OutcomeRollupsTable {
  day: Int8;
  use_case: string;
  outcomes: Int8;
  successes: Int8;
  value_usd: number;
  successes_unvalued: Int8;
  feedback_count: Int8;
  feedback_sum: number;
}

/** Shared by the hourly (`hour`) and daily (`day`) tables; histogram columns lat_00…lat_23 are read with raw SQL. */
interface UsageRollupColumns {
  use_case: string;
  team: string;
  key_id: string;
  model: string;
  provider: string;
  requests: Int8;
  errors: Int8;
  blocked: Int8;
  unpriced: Int8;
  cost_usd: number;
  input_tokens: Int8;
  cached_input_tokens: Int8;
  output_tokens: Int8;
  latency_count: Int8;
  latency_sum_ms: number;
}

export interface UsageRollupsHourlyTable extends UsageRollupColumns {
  hour: Int8;
}

export interface UsageRollupsDailyTable extends UsageRollupColumns {
  day: Int8;
}

/** `block` = epoch day ÷ 32; bit i of `days` = active on day block × 32 + i. */
export interface UsageRollupUsersTable {
  block: Int8;
  use_case: string;
  user_id: string;
  days: Int8;
  requests: Int8;
}

export interface RollupStateTable {
  name: string;
  last_id: Int8;
  pending_id: Int8;
  updated_at: Int8;
}

export interface AlertsTable {
  id: string;
  fingerprint: string;
  rule: string;
  scope: string;
  subject: string;
  state: string;
  severity: string;
  title: string;
  details: string;
  opened_at: Int8;
  last_seen_at: Int8;
  acknowledged_at: Int8 | null;
  acknowledged_by: string | null;
  resolved_at: Int8 | null;
  resolved_by: string | null;
  delivery: string;
}

export interface ValueSchema {
  use_cases: UseCasesTable;
  use_case_stages: UseCaseStagesTable;
  outcomes: OutcomesTable;
  feedback: FeedbackTable;
  outcome_rollups: OutcomeRollupsTable;
  usage_rollups_hourly: UsageRollupsHourlyTable;
  usage_rollups_daily: UsageRollupsDailyTable;
  usage_rollup_users: UsageRollupUsersTable;
  rollup_state: RollupStateTable;
  alerts: AlertsTable;
}
