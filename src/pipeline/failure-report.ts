import type { FailureCheck } from '../config/failure-policy.js';
import type { SecurityEvent } from '../store/security-events.js';
import type { Logger } from '../telemetry/logger.js';
import type { StoreFailureOutcome } from './admit.js';
import type { RequestContext } from './context.js';

const LOG_EVERY_MS = 10_000;

/**
 * Where a check the store could not answer goes: a metric always; a security event for each call
 * admitted unchecked on budgets or rate limits (an external guard records its own); a log line per
 * check and outcome at most every 10 s, with how many were not logged, so an outage does not flood
 * the log with one line per call.
 */
export function createStoreFailureReporter(deps: {
  logger: Logger;
  metric: (check: FailureCheck, outcome: StoreFailureOutcome) => void;
  recordSecurity: (e: SecurityEvent) => void;
  now?: () => number;
}): (ctx: RequestContext, check: FailureCheck, outcome: StoreFailureOutcome, err: unknown) => void {
  const now = deps.now ?? Date.now;
  const lastLog = new Map<string, { at: number; suppressed: number }>();
  return (ctx, check, outcome, err) => {
    deps.metric(check, outcome);
    if (outcome === 'admitted' && check !== 'guards')
      deps.recordSecurity({
        ts: ctx.receivedAt,
        requestId: ctx.requestId,
        useCase: ctx.attribution.useCase,
        keyId: ctx.principal?.keyId ?? null,
        model: ctx.chat?.model ?? ctx.embeddings?.model ?? null,
        detector: 'store',
        direction: 'input',
        action: 'admitted_unchecked',
        score: 0,
        labels: [`store.unavailable.${check}`],
        spans: [],
        index: -1,
      });
    const k = `${check}:${outcome}`;
    const t = now();
    const seen = lastLog.get(k);
    if (seen && t - seen.at < LOG_EVERY_MS) {
      seen.suppressed++;
      return;
    }
    lastLog.set(k, { at: t, suppressed: 0 });
    const message =
      outcome === 'refused'
        ? `store unavailable: ${check} could not be checked; call refused (failure_policy closed)`
        : outcome === 'admitted'
          ? `store unavailable: ${check} could not be checked; call admitted unchecked (failure_policy open)`
          : 'store unavailable: a settle was lost; reconciliation adds the spend from the ledger';
    deps.logger.warn(
      {
        err,
        check,
        outcome,
        request_id: ctx.requestId,
        use_case: ctx.attribution.useCase,
        not_logged_since_last: seen?.suppressed ?? 0,
      },
      message,
    );
  };
}
