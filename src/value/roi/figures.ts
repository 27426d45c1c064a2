import { histogramQuantile } from '../../store/rollups/buckets.js';
import { addMeasures, emptyMeasures, type UsageMeasures } from '../rollups/read.js';

/** Average month length in days, for turning a period's net value into a monthly rate. */
export const DAYS_PER_MONTH = 30.4375;

/**
 * Everything additive about one use case in one period (or a sum of them). Ratios are computed from
 * these only at the end, so a total is the sum of its parts and ratios of the total are the ratios
 * of the sums, never an average of ratios.
 */
export interface ValueSums {
  usage: UsageMeasures;
  /** Shared cost received (+) or given away (−) by allocation rules; usage.costUsd excludes it. */
  allocatedUsd: number;
  activeUsers: number;
  outcomes: number;
  successes: number;
  /** Outcomes' value_usd, plus value_per_outcome_usd for successes that reported none. */
  valueUsd: number;
  feedbackCount: number;
  /** Sum of normalised scores (−1..1). */
  feedbackSum: number;
  /** successes × human_baseline_cost_usd, over use cases that declare a baseline. */
  humanBaselineUsd: number | null;
  /** Cost (after allocation) of the use cases that declare a baseline: what savings are net of. */
  costWithBaselineUsd: number;
  investmentUsd: number | null;
  /** Length of the period in days (for payback). */
  days: number;
  /** MCP tool calls through /mcp booked to the use case, and how many of them Keel refused. */
  toolCalls: number;
  toolRefusals: number;
}

export function emptySums(days: number): ValueSums {
  return {
    usage: emptyMeasures(),
    allocatedUsd: 0,
    activeUsers: 0,
    outcomes: 0,
    successes: 0,
    valueUsd: 0,
    feedbackCount: 0,
    feedbackSum: 0,
    humanBaselineUsd: null,
    costWithBaselineUsd: 0,
    investmentUsd: null,
    days,
    toolCalls: 0,
    toolRefusals: 0,
  };
}

/** Add b into a. Active users and days are not additive; the caller sets them. */
export function addSums(a: ValueSums, b: ValueSums): void {
  addMeasures(a.usage, b.usage);
  a.allocatedUsd += b.allocatedUsd;
  a.outcomes += b.outcomes;
  a.successes += b.successes;
  a.valueUsd += b.valueUsd;
  a.feedbackCount += b.feedbackCount;
  a.feedbackSum += b.feedbackSum;
  a.humanBaselineUsd = addNullable(a.humanBaselineUsd, b.humanBaselineUsd);
  a.costWithBaselineUsd += b.costWithBaselineUsd;
  a.toolCalls += b.toolCalls;
  a.toolRefusals += b.toolRefusals;
}

function addNullable(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : a + b;
}

/** The figures the API and `keel report` show (snake_case, USD). */
export interface ValueFigures {
  requests: number;
  active_users: number;
  /** Priced cost after allocation; unpriced calls are counted, never priced at $0. */
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
  /** (value − cost) / cost; null when cost is 0. */
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
  /** MCP tool calls (every outcome) and Keel's refusals among them; not in `requests`. */
  tool_calls: number;
  tool_refusals: number;
}

export function totalCost(s: ValueSums): number {
  return s.usage.costUsd + s.allocatedUsd;
}

export function figuresOf(s: ValueSums): ValueFigures {
  const cost = totalCost(s);
  const net = s.valueUsd - cost;
  const requests = s.usage.requests;
  const perMonth = s.days > 0 ? (net / s.days) * DAYS_PER_MONTH : 0;
  return {
    requests,
    active_users: s.activeUsers,
    cost_usd: money(cost),
    unpriced_requests: s.usage.unpriced,
    allocated_cost_usd: money(s.allocatedUsd),
    input_tokens: s.usage.inputTokens,
    cached_input_tokens: s.usage.cachedInputTokens,
    output_tokens: s.usage.outputTokens,
    outcomes: s.outcomes,
    successful_outcomes: s.successes,
    success_rate: ratio(s.successes, s.outcomes),
    value_usd: money(s.valueUsd),
    net_value_usd: money(net),
    roi: cost === 0 ? null : ratio(net, cost),
    cost_per_successful_outcome_usd: s.successes === 0 ? null : money(cost / s.successes),
    human_baseline_cost_usd: s.humanBaselineUsd === null ? null : money(s.humanBaselineUsd),
    savings_vs_human_usd:
      s.humanBaselineUsd === null ? null : money(s.humanBaselineUsd - s.costWithBaselineUsd),
    payback_months:
      s.investmentUsd !== null && s.investmentUsd > 0 && perMonth > 0
        ? round(s.investmentUsd / perMonth, 10)
        : null,
    feedback_count: s.feedbackCount,
    feedback_mean: s.feedbackCount === 0 ? null : round(s.feedbackSum / s.feedbackCount, 10),
    latency_p50_ms: nullableRound(histogramQuantile(s.usage.hist, 0.5), 3),
    latency_p95_ms: nullableRound(histogramQuantile(s.usage.hist, 0.95), 3),
    errors: s.usage.errors,
    error_rate: ratio(s.usage.errors, requests),
    blocked: s.usage.blocked,
    blocked_rate: ratio(s.usage.blocked, requests),
    tool_calls: s.toolCalls,
    tool_refusals: s.toolRefusals,
  };
}

/** Money to 1e-10 USD: hides binary float noise (0.1 + 0.2), far below any price's precision. */
export function money(v: number): number {
  return round(v, 10);
}

function ratio(a: number, b: number): number | null {
  return b === 0 ? null : round(a / b, 10);
}

function round(v: number, digits: number): number {
  // toFixed rounds the exact decimal expansion, so large amounts do not overflow a scaled integer.
  const r = Number(v.toFixed(digits));
  return Object.is(r, -0) ? 0 : r;
}

function nullableRound(v: number | null, digits: number): number | null {
  return v === null ? null : round(v, digits);
}
