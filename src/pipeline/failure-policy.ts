import {
  FAILURE_POLICY_DEFAULTS,
  type FailureCheck,
  type FailureMode,
  type FailurePolicyConfig,
} from '../config/failure-policy.js';
import { KeelError } from '../errors.js';
import type { RequestContext } from './context.js';

/**
 * The mode of one check for this call. A use case's override that is more open than the default is
 * honoured only when the key itself is bound or scoped to that use case: a caller naming a use case in
 * `x-keel-use-case` must not pick a laxer treatment than its own (the rule guards follow too).
 */
export function failureMode(
  policy: FailurePolicyConfig | undefined,
  ctx: Pick<RequestContext, 'principal' | 'attribution'>,
  check: FailureCheck,
): FailureMode {
  const base = policy?.[check] ?? FAILURE_POLICY_DEFAULTS[check];
  const useCase = ctx.attribution.useCase;
  const override = policy?.use_cases[useCase]?.[check];
  if (!override || override === base) return base;
  if (override === 'closed') return 'closed';
  const p = ctx.principal;
  const own = !!p && (p.useCase === useCase || (p.scopes?.useCases.includes(useCase) ?? false));
  return own ? 'open' : base;
}

/** Thrown by `withDeadline` when the store took longer than the policy's timeout. */
export class StoreTimeoutError extends Error {
  constructor(ms: number) {
    super(`the store did not answer within ${ms} ms`);
    this.name = 'StoreTimeoutError';
  }
}

/**
 * `op()`, or a StoreTimeoutError after `ms`. The operation itself is not cancelled: a reservation
 * that lands after its caller gave up holds budget until it expires (limits.reservation_ttl_s),
 * which errs on the side of spending less.
 */
export function withDeadline<T>(op: () => Promise<T>, ms: number): Promise<T> {
  let run: Promise<T>;
  try {
    run = op();
  } catch (e) {
    return Promise.reject(e);
  }
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreTimeoutError(ms)), ms);
    timer.unref();
  });
  // The loser of the race must not become an unhandled rejection.
  run.catch(() => undefined);
  return Promise.race([run, deadline]).finally(() => clearTimeout(timer));
}

export function storeUnavailable(check: FailureCheck, cause: unknown): KeelError {
  const what =
    check === 'budgets'
      ? 'the budgets of this call'
      : check === 'rate_limits'
        ? 'the rate limits of this call'
        : 'this call';
  return new KeelError(
    'store_unavailable',
    `Keel could not check ${what}: its store is not answering, and the failure policy refuses unchecked calls. Retry shortly.`,
    { retryAfter: 1, cause },
  );
}
