import { z } from 'zod';

/**
 * What a call does when a check cannot get an answer: the store behind budgets or rate limits
 * (PostgreSQL or Redis counters, the ledger a budget starts from) fails or times out, or an external
 * guard does not answer. `closed` refuses the call with 503 `store_unavailable`; `open` lets it
 * through unchecked and records that it did (security event, metric, log line).
 */
const mode = z.enum(['open', 'closed']);
export type FailureMode = z.infer<typeof mode>;
export type FailureCheck = 'budgets' | 'rate_limits' | 'guards';

const overrides = z
  .object({ budgets: mode.optional(), rate_limits: mode.optional(), guards: mode.optional() })
  .strict();

export const FAILURE_POLICY_DEFAULTS = {
  budgets: 'closed',
  rate_limits: 'open',
  guards: 'closed',
  timeout_ms: 2000,
  use_cases: {},
} as const;

export const failurePolicySchema = z
  .object({
    /** A budget that cannot be checked: refuse (default), or admit and reconcile the spend later. */
    budgets: mode.default('closed'),
    /** A rate-limit window that cannot be counted: admit (default), or refuse. */
    rate_limits: mode.default('open'),
    /** An external guard that does not answer, when its own `on_error` is not set: refuse (default). */
    guards: mode.default('closed'),
    /** A counter or ledger call on the request path that takes longer than this counts as unanswered. */
    timeout_ms: z.number().int().positive().default(2000),
    /** Use case id → overrides. A more open override applies only to keys bound or scoped to it. */
    use_cases: z.record(z.string(), overrides).default({}),
  })
  .strict()
  .default(FAILURE_POLICY_DEFAULTS);

export type FailurePolicyConfig = z.infer<typeof failurePolicySchema>;
