import type { CancelSignal } from '../canonical/cancel.js';
import { type ProviderAdapter, type TargetCall, UpstreamError } from '../providers/types.js';
import { AttemptSignal } from './attempt.js';
import { type RetrySettings, retryDelay } from './backoff.js';
import { weightedOrder } from './balance.js';
import type { CircuitBreaker } from './circuit.js';
import {
  asUpstreamError,
  cancelledError,
  circuitsOpenError,
  type FailureContext,
  mapUpstreamError,
} from './errors.js';
import type { Route, RouteModel, RouteTarget } from './models.js';
import type { DispatchOutcome } from './outcome.js';

export interface DispatchDeps {
  providers: ReadonlyMap<string, ProviderAdapter>;
  breaker: CircuitBreaker;
  retry: RetrySettings;
  random: () => number;
  sleep: (ms: number, signal: CancelSignal) => Promise<void>;
}

/** One attempt against one target; settles when the target has answered (a stream: its first event). */
export type Attempt<T> = (adapter: ProviderAdapter, target: RouteTarget, call: TargetCall) => Promise<T>;

export interface Dispatched<T> {
  value: T;
  model: RouteModel;
  target: RouteTarget;
  /**
   * The winning attempt's signal, timeout already lifted. Still linked to the client's signal (a
   * stream keeps using it); dispose() it once the answer has been consumed.
   */
  attempt: AttemptSignal;
}

/**
 * Runs `attempt` along the route until one target answers: for each model of the chain (the
 * requested one, then its fallbacks), its targets in weighted-random order, each retried on
 * retryable errors with backoff. Errors the request caused end everything at once. Targets whose
 * circuit is open, or that asked for a pause with a 429 retry-after, are skipped; if every target of
 * the whole chain is, this fails fast with upstream_unavailable (upstream_rate_limited when a pause
 * was among the reasons) and a retry-after for when the first target can be tried again, rather
 * than piling more load on upstreams that are known to be failing or limiting. Records attempts, the target last tried and
 * the fallbacks taken in `outcome`.
 */
export async function dispatch<T>(
  deps: DispatchDeps,
  route: Route,
  outcome: DispatchOutcome,
  signal: CancelSignal,
  attempt: Attempt<T>,
  /**
   * The answer is a stream whose first event is not yet a verdict on the upstream's health: the
   * caller reports success (or failure) to the breaker when the stream ends.
   */
  verdictLater = false,
): Promise<Dispatched<T>> {
  const requested = route.chain[0]!.name;
  let last: { err: UpstreamError; ctx: FailureContext } | undefined;
  let reopenInMs = Number.POSITIVE_INFINITY;
  let rateLimited = false;

  for (let m = 0; m < route.chain.length; m++) {
    const model = route.chain[m]!;
    let taken = m === 0;
    for (const target of weightedOrder(model.targets, deps.random)) {
      const adapter = deps.providers.get(target.provider)!;
      for (let n = 0; ; n++) {
        if (signal.aborted) throw cancelledError(requested, signal);
        if (!deps.breaker.acquire(target.key)) {
          reopenInMs = Math.min(reopenInMs, deps.breaker.retryInMs(target.key));
          rateLimited ||= deps.breaker.paused(target.key);
          break;
        }
        if (!taken) {
          outcome.fallbacks.push(model.name);
          taken = true;
        }
        outcome.attempts++;
        outcome.provider = target.provider;
        outcome.modelUpstream = target.model;

        const timer = new AttemptSignal(signal, target.timeoutMs);
        let err: UpstreamError;
        try {
          const value = await timer.race(start(attempt, adapter, target, timer.signal));
          timer.lift();
          if (!verdictLater) deps.breaker.success(target.key);
          return { value, model, target, attempt: timer };
        } catch (e) {
          timer.dispose();
          if (signal.aborted) {
            deps.breaker.release(target.key);
            throw cancelledError(requested, signal);
          }
          err = timer.timedOut
            ? new UpstreamError('timeout', `no answer within ${target.timeoutMs} ms`, { cause: e })
            : asUpstreamError(e);
        }

        const ctx: FailureContext = {
          model: requested,
          via: m === 0 ? undefined : model.name,
          provider: target.provider,
          upstreamModel: target.model,
          attempts: outcome.attempts,
        };
        if (!err.fallbackable) {
          // The request itself is at fault: says nothing about the upstream's health.
          deps.breaker.release(target.key);
          throw mapUpstreamError(err, ctx);
        }
        deps.breaker.failure(target.key);
        if (err.kind === 'rate_limit' && err.retryAfter !== undefined)
          deps.breaker.pause(target.key, err.retryAfter * 1000);
        last = { err, ctx };
        if (!err.retryable || n >= model.retries) break;
        const delay = retryDelay(n, err.retryAfter, deps.retry, deps.random);
        if (delay === null) break;
        try {
          await deps.sleep(delay, signal);
        } catch (e) {
          if (signal.aborted) throw cancelledError(requested, signal);
          throw e;
        }
      }
    }
  }
  if (last) throw mapUpstreamError(last.err, last.ctx);
  throw circuitsOpenError(requested, reopenInMs, rateLimited);
}

function start<T>(attempt: Attempt<T>, adapter: ProviderAdapter, target: RouteTarget, signal: CancelSignal) {
  try {
    return attempt(adapter, target, { model: target.model, signal });
  } catch (e) {
    return Promise.reject(e);
  }
}
