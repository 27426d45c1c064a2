import type { CancelSignal } from '../canonical/cancel.js';
import type { ChatResponse, ChatStreamEvent, EmbeddingsResponse } from '../canonical/types.js';
import type { KeelConfig } from '../config/schema.js';
import type { ProviderAdapter } from '../providers/types.js';
import { sleep as realSleep } from './attempt.js';
import { cacheKey, LruTtlCache } from './cache.js';
import { CircuitBreaker } from './circuit.js';
import { type DispatchDeps, dispatch } from './dispatch.js';
import { asUpstreamError, mapUpstreamError } from './errors.js';
import { eventsToResponse, responseToEvents } from './events.js';
import { ModelTable } from './models.js';
import type { DispatchOutcome } from './outcome.js';
import { openStream, RelayStream, replay } from './stream.js';
import type { Router } from './types.js';

export interface RouterOptions {
  config: KeelConfig;
  /** Adapters by provider id; every provider a model targets must be present. */
  providers: ReadonlyMap<string, ProviderAdapter>;
  /** Monotonic ms clock for TTFT, cooldowns and cache TTLs. Default performance.now. */
  now?: () => number;
  /** Uniform [0, 1): load balancing and backoff jitter. Default Math.random. */
  random?: () => number;
  /** Waits between retries; must reject when `signal` aborts. */
  sleep?: (ms: number, signal: CancelSignal) => Promise<void>;
}

interface CachedChat {
  response: ChatResponse;
  provider: string;
  modelUpstream: string;
}

export function createRouter(opts: RouterOptions): Router {
  const { config, providers } = opts;
  const now = opts.now ?? (() => performance.now());
  for (const m of config.models) {
    for (const t of m.targets) {
      // A wiring bug, not a request error: fail at start-up rather than on the first call.
      if (!providers.has(t.provider))
        throw new Error(`model "${m.name}": no adapter for provider "${t.provider}"`);
    }
  }
  const table = new ModelTable(config);
  const deps: DispatchDeps = {
    providers,
    breaker: new CircuitBreaker(config.routing.circuit_breaker, now),
    retry: config.routing.retries,
    random: opts.random ?? Math.random,
    sleep: opts.sleep ?? realSleep,
  };
  const cache = new LruTtlCache<CachedChat>(config.routing.cache.max_entries, now);

  const lookup = (key: string | undefined, outcome: DispatchOutcome): CachedChat | undefined => {
    const hit = key === undefined ? undefined : cache.get(key);
    if (hit) {
      outcome.cacheHit = true;
      outcome.attempts = 0;
      outcome.provider = hit.provider;
      outcome.modelUpstream = hit.modelUpstream;
      // Report what the answer cost when it was made; the pipeline prices cache hits at 0.
      outcome.usage = hit.response.usage ? { ...hit.response.usage } : null;
    }
    return hit;
  };

  return {
    async chat(req, outcome, signal): Promise<ChatResponse> {
      const route = table.route(req.model, 'chat');
      const ttlMs = route.chain[0]!.cacheTtlMs;
      const key = ttlMs > 0 ? cacheKey(req) : undefined;
      const hit = lookup(key, outcome);
      // Clones keep later pipeline stages (e.g. output redaction) from editing the cached copy.
      if (hit) return structuredClone(hit.response);

      const { value, target, attempt } = await dispatch(deps, route, outcome, signal, (a, _t, call) =>
        a.chat(req, call),
      );
      attempt.dispose();
      outcome.usage = value.usage ?? null;
      if (key !== undefined) {
        const entry = {
          response: structuredClone(value),
          provider: target.provider,
          modelUpstream: target.model,
        };
        cache.set(key, entry, ttlMs);
      }
      return value;
    },

    async chatStream(req, outcome, signal): Promise<AsyncIterable<ChatStreamEvent>> {
      const startedAt = now();
      const route = table.route(req.model, 'chat');
      const ttlMs = route.chain[0]!.cacheTtlMs;
      const key = ttlMs > 0 ? cacheKey(req) : undefined;
      const hit = lookup(key, outcome);
      if (hit) {
        outcome.ttftMs = now() - startedAt;
        return replay(responseToEvents(hit.response));
      }

      const { value, model, target, attempt } = await dispatch(
        deps,
        route,
        outcome,
        signal,
        (a, _t, call) => openStream(a, req, call, now),
        true,
      );
      outcome.ttftMs = value.firstAt - startedAt;
      return new RelayStream(value, {
        outcome,
        signal,
        breaker: deps.breaker,
        targetKey: target.key,
        attempt,
        idleMs: target.timeoutMs,
        failure: {
          model: req.model,
          via: model.name === req.model ? undefined : model.name,
          provider: target.provider,
          upstreamModel: target.model,
          attempts: outcome.attempts,
        },
        onComplete:
          key === undefined
            ? undefined
            : (events) => {
                const entry = {
                  response: eventsToResponse(events),
                  provider: target.provider,
                  modelUpstream: target.model,
                };
                cache.set(key, entry, ttlMs);
              },
      });
    },

    async embed(req, outcome, signal): Promise<EmbeddingsResponse> {
      const route = table.route(req.model, 'embedding');
      const { value, attempt } = await dispatch(deps, route, outcome, signal, (a, _t, call) =>
        a.embed(req, call),
      );
      attempt.dispose();
      const usage = {
        inputTokens: value.usage.inputTokens,
        cachedInputTokens: 0,
        cacheWriteTokens: 0,
        outputTokens: 0,
        reasoningTokens: 0,
      };
      outcome.usage = value.usage.estimated ? { ...usage, estimated: true } : usage;
      return value;
    },

    async countTokens(req, signal) {
      const target = table.candidates(req.model)[0];
      const adapter = target && providers.get(target.provider);
      if (!target || !adapter?.countTokens) return null;
      try {
        return await adapter.countTokens(req, { model: target.model, signal });
      } catch (e) {
        throw mapUpstreamError(asUpstreamError(e), {
          model: req.model,
          provider: target.provider,
          upstreamModel: target.model,
          attempts: 1,
        });
      }
    },

    resolve: (model) => table.info(model),
    candidates: (model) => table.candidates(model),
    models: () => table.list(),
  };
}
