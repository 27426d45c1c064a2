/** Response shapes of Keel's admin API, as the Command Room reads them (snake_case, as on the wire). */

export type Role = 'viewer' | 'operator' | 'admin';

export interface Whoami {
  actor: string;
  name: string;
  role: Role;
  id: string | null;
  via: 'bootstrap' | 'user';
}

export interface List<T> {
  object: 'list';
  data: T[];
}

export interface KeelErrorBody {
  error?: { message?: string; code?: string | null; param?: string | null; type?: string };
}

export interface VirtualKey {
  id: string;
  name: string;
  prefix: string;
  models: string[];
  endpoints: string[];
  use_cases: string[];
  tools: string[];
  team: string | null;
  max_tokens: number | null;
  rpm: number | null;
  tpm: number | null;
  budget_usd: number | null;
  budget_period: 'day' | 'month' | 'total';
  expires_at: string | null;
  allowed_cidrs: string[];
  created_at: string;
  updated_at: string;
  revoked_at: string | null;
  status: 'active' | 'revoked' | 'expired';
  created_by: string;
}

export interface CreatedKey extends VirtualKey {
  key: string;
  previous_key_expires_at?: string;
}

export interface AdminUser {
  id: string;
  name: string;
  role: Role;
  created_at: string;
  revoked_at: string | null;
  status: 'active' | 'revoked';
  created_by: string;
}

export interface KeyActivity {
  key_id: string;
  last_used_at: string | null;
  budget_usd: number | null;
  budget_period: string;
  budget_spent_usd: number;
  budget_used: number | null;
  requests_30d: number;
  cost_30d_usd: number;
}

export interface ValueFigures {
  requests: number;
  active_users: number;
  cost_usd: number;
  unpriced_requests: number;
  allocated_cost_usd: number;
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  outcomes: number;
  successful_outcomes: number;
  success_rate: number | null;
  value_usd: number;
  net_value_usd: number;
  roi: number | null;
  cost_per_successful_outcome_usd: number | null;
  human_baseline_cost_usd: number | null;
  savings_vs_human_usd: number | null;
  payback_months: number | null;
  feedback_count: number;
  feedback_mean: number | null;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
  errors: number;
  error_rate: number | null;
  blocked: number;
  blocked_rate: number | null;
}

export type PeriodFigures = ValueFigures & { period_start: string; period_end: string };

export interface UseCaseValue {
  use_case: string;
  name: string;
  stage: string | null;
  registered: boolean;
  target_roi: number | null;
  value_per_outcome_usd: number | null;
  total: ValueFigures;
  periods?: PeriodFigures[];
}

export interface ValueReport {
  object: 'value_report';
  from: string;
  to: string;
  granularity: string;
  generated_at: string;
  use_cases: UseCaseValue[];
  total: ValueFigures;
  total_periods?: PeriodFigures[];
  allocations: Array<{ from: string; to: string; usd: number }>;
}

export type Stage = 'pilot' | 'production' | 'paused' | 'retired';
export const STAGES: readonly Stage[] = ['pilot', 'production', 'paused', 'retired'];

export interface UseCase {
  id: string;
  name: string;
  description: string | null;
  owner: string | null;
  team: string | null;
  stage: Stage;
  business_metric: string | null;
  value_per_outcome_usd: number | null;
  human_baseline_cost_usd: number | null;
  investment_usd: number | null;
  monthly_budget_usd: number | null;
  target_roi: number | null;
  guard_policy: string | null;
  tags: string[];
  managed_by_config: string[];
  created_at: string;
  updated_at: string;
  created_by: string;
}

export interface UseCaseDetail extends UseCase {
  stage_history: Array<{ from: string | null; to: string; at: string; actor: string; reason: string | null }>;
}

export interface SpendForecast {
  scope: 'use_case' | 'team' | 'key';
  id: string;
  month: string;
  mtd_usd: number;
  forecast_usd: number;
  low_usd: number;
  high_usd: number;
  daily_rate_usd: number;
  budget_usd: number | null;
  budget_source: string | null;
  projected_crossing_at: string | null;
  status: 'no_budget' | 'ok' | 'at_risk' | 'over';
}

export type AlertState = 'open' | 'acknowledged' | 'resolved';
export type Severity = 'info' | 'warning' | 'critical';

export interface Alert {
  id: string;
  rule: string;
  scope: string;
  subject: string;
  state: AlertState;
  severity: Severity;
  title: string;
  details: Record<string, unknown>;
  opened_at: string;
  last_seen_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
}

export interface AuditEntry {
  seq: number;
  ts: number;
  time: string;
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

export interface AuditPage extends List<AuditEntry> {
  next_cursor: number | null;
  has_more: boolean;
}

export interface VerifyResult {
  ok: boolean;
  entries: number;
  checkpoints: number;
  problems: Array<{ seq: number | null; kind: string; message: string }>;
  head: { seq: number; hash: string } | null;
  warnings: string[];
}

export interface UsageMeasures {
  requests: number;
  errors: number;
  blocked: number;
  unpriced: number;
  cost_usd: number;
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
  error_rate: number | null;
  blocked_rate: number | null;
}

export type UsageDimension = 'model' | 'provider' | 'team' | 'key_id' | 'use_case';

export type UsageRow = UsageMeasures & { period_start?: string } & Partial<
    Record<UsageDimension, string | null>
  >;

export interface UsageReport {
  object: 'usage_report';
  from: string;
  to: string;
  by: UsageDimension[];
  granularity: 'total' | 'day';
  use_case: string | null;
  data: UsageRow[];
  total: UsageMeasures;
  price_versions: {
    sample: number;
    in_use: Array<{ version: string | null; requests: number }>;
    shipped: string[];
  };
}

export interface TopRow {
  user?: string | null;
  feature?: string | null;
  requests: number;
  cost_usd: number;
  unpriced: number;
  errors: number;
}

export interface DatasetVersionInfo {
  id: string;
  dataset: string;
  version: number;
  ref: string;
  sha256: string;
  source: string | null;
  rows: number;
  bytes: number;
  columns: number | string[];
  profile?: DatasetProfile;
  created_at: string;
  created_by: string;
}

export interface ColumnProfile {
  name: string;
  kind: string;
  rows: number;
  nulls: number;
  distinct: number;
  numeric?: { min: number; max: number; mean: number; std: number; quantiles: Record<string, number> };
  top?: Array<{ value: string; count: number }>;
}

export interface DatasetProfile {
  rows: number;
  columns: ColumnProfile[];
}

export interface DatasetInfo {
  id: string;
  name: string;
  owner: string | null;
  description: string | null;
  source: string | null;
  format: string | null;
  created_at: string;
  updated_at: string;
  created_by: string;
  versions: number;
  latest: DatasetVersionInfo | null;
}

export interface ColumnDrift {
  column: string;
  type: string;
  method: string;
  statistic: number | null;
  p_value: number | null;
  threshold: number;
  drifted: boolean;
  reference_rows: number;
  current_rows: number;
  new_categories?: string[];
}

export interface DriftReport {
  columns: ColumnDrift[];
  dataset: {
    drifted_columns: number;
    share: number;
    dataset_drift: boolean;
    columns: number;
    drift_share: number;
  };
  skipped?: Array<{ column: string; error: string }>;
}

export interface VersionResults {
  version: string;
  checks: Array<{
    id: string;
    contract: string;
    passed: boolean;
    failed_rules: number;
    report: unknown;
    created_at: string;
    created_by: string;
  }>;
  drifts: Array<{
    id: string;
    role: 'current' | 'reference';
    dataset_drift: boolean;
    share: number;
    drifted_columns: number;
    report: DriftReport;
    created_at: string;
    created_by: string;
  }>;
}

export interface MonitorFeature {
  feature: string;
  state: 'ok' | 'drifting' | 'insufficient_data';
  method: string;
  statistic: number;
  p_value: number | null;
  drifted: boolean;
  reference: Record<string, number>;
  current: Record<string, number>;
}

export interface MonitorStatus {
  useCase: string;
  reference: {
    source: 'traffic' | 'pinned';
    from: number | null;
    until: number | null;
    complete: boolean;
    events: number;
  };
  current: { from: number; until: number; events: number };
  features: MonitorFeature[];
  lastRun: number | null;
}

export interface DataHealthInfo {
  monitors: MonitorStatus[];
  capture_text: boolean;
  lineage_endpoint: boolean;
}

export interface LineageNode {
  id: string;
  type: 'dataset' | 'prompt' | 'model' | 'use_case' | 'output';
  name: string;
  version?: string;
  meta?: Record<string, unknown>;
}

export interface LineageGraphInfo {
  root: string | null;
  nodes: LineageNode[];
  edges: Array<{ from: string; to: string; relation: string; source: 'recorded' | 'observed' }>;
}

export interface RefusalReport {
  object: 'refusal_report';
  from: string;
  to: string;
  data: Array<{ day: string; code: string; requests: number }>;
  by_code: Array<{ code: string; requests: number }>;
}
