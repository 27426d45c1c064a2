import { z } from 'zod';

/**
 * keel.yaml sections for business value: the use-case registry, shared-cost allocation, alert rules
 * and webhooks, raw-event retention and rollup/forecast tuning. Kept here (not inline in
 * src/config/schema.ts) so the value feature owns its keys; schema.ts only plugs them in.
 */

export const USE_CASE_STAGES = ['pilot', 'production', 'paused', 'retired'] as const;
export type UseCaseStage = (typeof USE_CASE_STAGES)[number];

/** Same characters usage attribution accepts in practice, minus spaces and slashes (ids appear in URLs). */
const USE_CASE_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const USE_CASE_ID_HINT = 'use 1-64 letters, digits, "_", "-", "." or ":" (starting with a letter or digit)';

export const useCaseId = z.string().regex(USE_CASE_ID, USE_CASE_ID_HINT);

/**
 * Every field but `id` is optional and has no default: a field the file declares is owned by the
 * file (it overwrites the store at start-up and the API refuses to change it), a field it leaves out
 * is owned by the API.
 */
export const useCaseConfigSchema = z
  .object({
    id: useCaseId.refine((v) => v !== 'unassigned', '"unassigned" is reserved for calls with no use case'),
    name: z.string().min(1).max(200).optional(),
    description: z.string().max(2000).optional(),
    owner: z.string().max(200).optional(),
    team: z.string().max(200).optional(),
    stage: z.enum(USE_CASE_STAGES).optional(),
    /** What one outcome is, in words ("ticket resolved without escalation"). */
    business_metric: z.string().max(500).optional(),
    /** Value of one successful outcome that reports no value_usd of its own. */
    value_per_outcome_usd: z.number().min(0).optional(),
    /** What a person doing one task costs; savings = successes × this − AI cost. */
    human_baseline_cost_usd: z.number().min(0).optional(),
    /** One-off cost to build the use case; payback = investment ÷ monthly net value. */
    investment_usd: z.number().min(0).optional(),
    /** Also enforced at admission as a monthly use-case budget. */
    monthly_budget_usd: z.number().positive().optional(),
    /** Target ROI as a ratio: 0.5 = value is 1.5× cost. */
    target_roi: z.number().optional(),
    guard_policy: z.string().max(200).optional(),
    tags: z.array(z.string().min(1).max(100)).max(50).optional(),
  })
  .strict();

export type UseCaseConfig = z.infer<typeof useCaseConfigSchema>;

/**
 * Who may book calls to a use case. A use case that declares `access` accepts calls only from the
 * keys it lists (virtual key id or name, keel.yaml key name), from keys of the teams it lists (the
 * key's own team, never a header's) and from keys bound or scoped to it by whoever issued them;
 * everyone else gets 403 `permission_denied`, so nobody can drain its budget by naming it. A use
 * case without `access` stays open to every key. Declared in keel.yaml only (not in the registry
 * API), like key bindings.
 */
const useCaseAccessSchema = z
  .object({
    keys: z.array(z.string().min(1).max(200)).max(1000).default([]),
    teams: z.array(z.string().min(1).max(200)).max(1000).default([]),
  })
  .strict();

/** A keel.yaml `use_cases:` entry: the registry's fields plus `access`. */
const useCaseEntrySchema = useCaseConfigSchema.extend({ access: useCaseAccessSchema.optional() });

export const useCasesConfigSchema = z
  .array(useCaseEntrySchema)
  .default([])
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((u, i) => {
      if (seen.has(u.id))
        ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate use case "${u.id}"` });
      seen.add(u.id);
    });
  });

const fixedRule = z
  .object({
    /** The use case whose cost is shared out (e.g. a common embedding job). */
    use_case: useCaseId,
    method: z.literal('fixed'),
    /** Target use case → share; shares must add up to 1. */
    shares: z.record(useCaseId, z.number().positive()),
  })
  .strict();

const proportionalRule = z
  .object({
    use_case: useCaseId,
    method: z.literal('proportional'),
    targets: z.array(useCaseId).min(1),
    /** What the split follows: the targets' own priced cost or their request count in the same period. */
    basis: z.enum(['cost', 'requests']).default('cost'),
  })
  .strict();

export const costAllocationSchema = z
  .array(z.discriminatedUnion('method', [fixedRule, proportionalRule]))
  .default([])
  .superRefine((rules, ctx) => {
    const sources = new Set(rules.map((r) => r.use_case));
    const seen = new Set<string>();
    rules.forEach((r, i) => {
      if (seen.has(r.use_case))
        ctx.addIssue({
          code: 'custom',
          path: [i, 'use_case'],
          message: `"${r.use_case}" is allocated twice`,
        });
      seen.add(r.use_case);
      const targets = r.method === 'fixed' ? Object.keys(r.shares) : r.targets;
      if (targets.length === 0)
        ctx.addIssue({ code: 'custom', path: [i], message: 'needs at least one target use case' });
      for (const t of targets) {
        // One level only: shared cost lands on use cases that keep it, so the order of rules cannot matter.
        if (sources.has(t))
          ctx.addIssue({
            code: 'custom',
            path: [i, r.method === 'fixed' ? 'shares' : 'targets'],
            message: `"${t}" is itself allocated; allocation does not chain`,
          });
      }
      if (r.method === 'fixed') {
        const sum = Object.values(r.shares).reduce((a, b) => a + b, 0);
        if (Math.abs(sum - 1) > 1e-9)
          ctx.addIssue({ code: 'custom', path: [i, 'shares'], message: `shares add up to ${sum}, not 1` });
      }
    });
  });

export type CostAllocationRule = z.infer<typeof costAllocationSchema>[number];

const webhookSchema = z
  .object({
    url: z.url(),
    /** HMAC-SHA256 key for the x-keel-signature header. */
    secret: z.string().min(16),
    name: z.string().optional(),
  })
  .strict();

const enabled = z.boolean().default(true);

export const alertsConfigSchema = z
  .object({
    webhooks: z.array(webhookSchema).default([]),
    /** How often the lead's timer should call evaluateAlerts. */
    evaluate_every_s: z.number().int().positive().default(300),
    delivery: z
      .object({
        max_attempts: z.number().int().min(1).max(20).default(6),
        /** First retry delay; doubles each attempt (with jitter) up to max_backoff_ms. */
        backoff_ms: z.number().int().min(0).default(1000),
        max_backoff_ms: z.number().int().min(0).default(300_000),
        timeout_ms: z.number().int().positive().default(10_000),
      })
      .strict()
      .prefault({}),
    rules: z
      .object({
        /** Month-end forecast ≥ threshold × budget (before the budget is crossed). */
        budget_forecast: z
          .object({ enabled, threshold: z.number().positive().default(1) })
          .strict()
          .prefault({}),
        /** Daily ROI below the use case's target_roi on each of the last N complete days. */
        roi_below_target: z
          .object({ enabled, days: z.number().int().min(1).max(90).default(7) })
          .strict()
          .prefault({}),
        /** Last hour's spend ≥ factor × the hourly average of the baseline window, and ≥ min_usd. */
        spend_spike: z
          .object({
            enabled,
            factor: z.number().min(1).default(3),
            min_usd: z.number().min(0).default(1),
            baseline_hours: z.number().int().min(1).default(168),
          })
          .strict()
          .prefault({}),
        /** Last hour's error rate ≥ max(factor × baseline rate, min_rate) with ≥ min_requests calls. */
        error_rate_spike: z
          .object({
            enabled,
            factor: z.number().min(1).default(3),
            min_rate: z.number().min(0).max(1).default(0.05),
            min_requests: z.number().int().min(1).default(20),
            baseline_hours: z.number().int().min(1).default(24),
          })
          .strict()
          .prefault({}),
        /** Calls with no known price in the last window_hours. */
        unpriced_calls: z
          .object({ enabled, window_hours: z.number().int().min(1).default(24) })
          .strict()
          .prefault({}),
        /** Features the live traffic monitors (keel.yaml `monitors`) currently judge as drifting. */
        data_drift: z.object({ enabled }).strict().prefault({}),
        /** The newest red-team run of a use case scored under its `redteam:` min_score. */
        redteam_score: z.object({ enabled }).strict().prefault({}),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

export type AlertsConfig = z.infer<typeof alertsConfigSchema>;

export const retentionConfigSchema = z
  .object({
    /** Delete raw usage events older than this many days (rollups stay). Absent: keep forever. */
    raw_days: z.number().int().positive().optional(),
    /**
     * Delete MCP tool calls (`mcp_calls`) and decided or expired approvals older than this many days;
     * the value report's tool call counts stay (mcp_call_rollups). Absent: keep forever.
     */
    mcp_calls_days: z.number().int().positive().optional(),
  })
  .strict()
  .prefault({});

export const valueConfigSchema = z
  .object({
    /** How often new usage events are rolled up. */
    rollup_interval_ms: z.number().int().positive().default(5000),
    /** Events per rollup transaction; small chunks keep each synchronous SQLite step short. */
    rollup_chunk: z.number().int().positive().default(1000),
    /** EWMA smoothing of daily spend for forecasts (higher = follows recent days more). */
    forecast_alpha: z.number().gt(0).max(1).default(0.3),
    /** Complete days of history a forecast looks at. */
    forecast_lookback_days: z.number().int().min(1).max(365).default(28),
  })
  .strict()
  .prefault({});
