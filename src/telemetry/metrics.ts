import { Counter, collectDefaultMetrics, type Histogram, Registry } from 'prom-client';
import type { UsageEvent } from '../store/types.js';
import { LabelLimiter, LabelTree, statusClass } from './labels.js';
import { type MetricFamilies, metricFamilies } from './metric-families.js';

/** Prometheus metrics of one Keel instance. Every series lives in this instance's own registry. */
export interface KeelMetrics {
  /** One call per finished request (the pipeline's record stage). Never throws. */
  observe(event: UsageEvent): void;
  /** Called by the guard stage for each detector that decided something. */
  recordGuardDecision(detector: string, direction: GuardDirection, action: string): void;
  /** One call to a policy's external injection classifier: how it ended and how long it took. */
  recordGuardExternal(outcome: ExternalOutcome, seconds: number): void;
  /**
   * One MCP tool call, once recorded. `server` and `tool` must already be bounded (configured
   * servers' catalogue names, the rest as `other`); a per-label limit backs that up.
   */
  recordMcpCall(
    server: string,
    tool: string,
    outcome: string,
    seconds: number | null,
    code: string | null,
  ): void;
  /**
   * A store that could not answer a check: the call `refused` (failure policy closed) or `admitted`
   * unchecked (open), or an answered call's settle `lost` (reconciliation adds its spend back).
   */
  recordStoreFailure(
    check: 'budgets' | 'rate_limits' | 'guards',
    outcome: 'refused' | 'admitted' | 'lost',
  ): void;
  /** A held MCP tool call ended: approved, denied, or expired (timeout or cancelled). */
  recordMcpApproval(decision: 'approved' | 'denied' | 'expired'): void;
  /** The text exposition format, as Prometheus and `promtool check metrics` expect it. */
  render(): Promise<{ contentType: string; body: string }>;
  readonly registry: Registry;
}

export type GuardDirection = 'input' | 'output';
/** How a call to an external guard classifier ended: score below or at/above its threshold, or no usable answer. */
export type ExternalOutcome = 'below' | 'above' | 'timeout' | 'error';

export interface MetricsOptions {
  /** Distinct model / use-case values per label before the rest collapse into "other". */
  maxLabelValues?: number;
  /** Events waiting in the usage writer's buffer, read at scrape time (e.g. `() => usage.pending`). */
  usageBuffered?: () => number;
  /** Include Node.js process metrics (shared by every instance in the process). */
  processMetrics?: boolean;
  /**
   * Model and use-case values that may become labels (configured models, declared or registered
   * use cases); anything else a caller sends is counted under "other", so no caller-chosen string
   * (a pasted secret, a loop of random names) ever becomes a series. Omitted = first come, first served.
   */
  knownModel?: (name: string) => boolean;
  knownUseCase?: (id: string) => boolean;
}

/** Token kinds, in UsageEvent field order. Inclusive, like canonical Usage (see the HELP text). */
const TOKEN_KINDS = ['input', 'cached_input', 'cache_write', 'output', 'reasoning'] as const;
/** Distinct label combinations cached before the cache is flushed into the registry and restarted. */
const MAX_BUNDLES = 20_000;

type CounterChild = Counter.Internal;
type HistogramChild = Histogram.Internal<string>;

/**
 * Every series one (model, provider, use case, endpoint, status class) touches, bound once, with
 * the counter increments not yet handed to prom-client. Counting into plain fields and handing the
 * sums over at scrape time keeps observe() to additions: prom-client hashes the label set on every
 * inc(), even through a labels() child, which made counters most of observe()'s cost.
 */
interface Bundle {
  requests: CounterChild;
  tokens: CounterChild[];
  cost: CounterChild;
  unpriced: CounterChild;
  attempts: CounterChild;
  fallbacks: CounterChild;
  cacheHits: CounterChild;
  duration: HistogramChild;
  ttft: HistogramChild;
  dirty: boolean;
  nRequests: number;
  nTokens: [number, number, number, number, number];
  /** Calls with a known price (possibly $0), so free calls still create the cost series. */
  nPriced: number;
  costUsd: number;
  nUnpriced: number;
  nAttempts: number;
  nFallbacks: number;
  nCacheHits: number;
}

export function createMetrics(opts: MetricsOptions = {}): KeelMetrics {
  const max = opts.maxLabelValues ?? 200;
  const registry = new Registry();
  const f: MetricFamilies = metricFamilies(registry, () => flushAll(), opts.usageBuffered);

  const models = new LabelLimiter(max, opts.knownModel);
  const useCases = new LabelLimiter(max, opts.knownUseCase);
  // Providers come from config, detectors from code: bounded already, limited anyway as a backstop.
  const providers = new LabelLimiter(max);
  const detectors = new LabelLimiter(max);
  const actions = new LabelLimiter(max);
  const mcpServers = new LabelLimiter(max);
  const mcpTools = new LabelLimiter(max);

  let bundles = new LabelTree<Bundle>(5, Number.POSITIVE_INFINITY);
  let all: Bundle[] = [];
  const dirty: Bundle[] = [];
  const path: string[] = ['', '', '', '', ''];
  const guardChildren = new LabelTree<CounterChild>(3);
  const guardPath: string[] = ['', '', ''];
  const budgetChildren = new Map<string, CounterChild>();
  const rateChildren = new Map<string, CounterChild>();

  function newBundle(
    model: string,
    provider: string,
    useCase: string,
    endpoint: string,
    status: string,
  ): Bundle {
    return {
      requests: f.requests.labels(model, provider, useCase, endpoint, status),
      tokens: TOKEN_KINDS.map((kind) => f.tokens.labels(model, useCase, kind)),
      cost: f.cost.labels(model, useCase),
      unpriced: f.unpriced.labels(model, useCase),
      attempts: f.attempts.labels(model, provider),
      fallbacks: f.fallbacks.labels(model),
      cacheHits: f.cacheHits.labels(model),
      duration: f.duration.labels(model, endpoint),
      ttft: f.ttft.labels(model, endpoint),
      dirty: false,
      nRequests: 0,
      nTokens: [0, 0, 0, 0, 0],
      nPriced: 0,
      costUsd: 0,
      nUnpriced: 0,
      nAttempts: 0,
      nFallbacks: 0,
      nCacheHits: 0,
    };
  }

  function bundle(
    model: string,
    provider: string,
    useCase: string,
    endpoint: string,
    status: string,
  ): Bundle {
    path[0] = model;
    path[1] = provider;
    path[2] = useCase;
    path[3] = endpoint;
    path[4] = status;
    let b = bundles.get(path);
    if (b === undefined) {
      if (all.length >= MAX_BUNDLES) {
        flushAll();
        bundles = new LabelTree<Bundle>(5, Number.POSITIVE_INFINITY);
        all = [];
      }
      b = newBundle(model, provider, useCase, endpoint, status);
      bundles.set(path, b);
      all.push(b);
    }
    return b;
  }

  function flush(b: Bundle): void {
    b.dirty = false;
    if (b.nRequests > 0) b.requests.inc(b.nRequests);
    for (let i = 0; i < 5; i++) {
      const n = b.nTokens[i] as number;
      if (n > 0) b.tokens[i]?.inc(n);
      b.nTokens[i] = 0;
    }
    if (b.nPriced > 0) b.cost.inc(b.costUsd);
    if (b.nUnpriced > 0) b.unpriced.inc(b.nUnpriced);
    if (b.nAttempts > 0) b.attempts.inc(b.nAttempts);
    if (b.nFallbacks > 0) b.fallbacks.inc(b.nFallbacks);
    if (b.nCacheHits > 0) b.cacheHits.inc(b.nCacheHits);
    b.nRequests = b.nPriced = b.costUsd = b.nUnpriced = b.nAttempts = b.nFallbacks = b.nCacheHits = 0;
  }

  /** Hand pending counts to prom-client. Runs from the counters' collect hooks, i.e. on every read. */
  function flushAll(): void {
    for (const b of dirty) flush(b);
    dirty.length = 0;
  }

  function refusal(children: Map<string, CounterChild>, counter: Counter, useCase: string): void {
    let child = children.get(useCase);
    if (child === undefined) {
      child = counter.labels(useCase);
      children.set(useCase, child);
    }
    child.inc();
  }

  function observe(e: UsageEvent): void {
    const model = models.value(e.modelRequested);
    const useCase = useCases.value(e.useCase);
    const b = bundle(model, providers.value(e.provider), useCase, e.endpoint, statusClass(e.status));
    if (!b.dirty) {
      b.dirty = true;
      dirty.push(b);
    }
    b.nRequests++;
    const t = b.nTokens;
    // Guarded so a NaN or negative count from a broken adapter cannot poison a counter.
    if (e.inputTokens > 0) t[0] += e.inputTokens;
    if (e.cachedInputTokens > 0) t[1] += e.cachedInputTokens;
    if (e.cacheWriteTokens > 0) t[2] += e.cacheWriteTokens;
    if (e.outputTokens > 0) t[3] += e.outputTokens;
    if (e.reasoningTokens > 0) t[4] += e.reasoningTokens;
    if (e.costUsd === null) b.nUnpriced++;
    else if (e.costUsd >= 0) {
      b.nPriced++;
      b.costUsd += e.costUsd;
    }
    if (e.attempts > 0) b.nAttempts += e.attempts;
    b.nFallbacks += e.fallbacks.length;
    if (e.cacheHit) b.nCacheHits++;
    if (e.latencyMs >= 0) b.duration.observe(e.latencyMs / 1000);
    if (e.ttftMs !== null && e.ttftMs >= 0) b.ttft.observe(e.ttftMs / 1000);
    if (e.errorCode === 'budget_exceeded') refusal(budgetChildren, f.budgetRefusals, useCase);
    else if (e.errorCode === 'rate_limit_exceeded') refusal(rateChildren, f.rateLimitRefusals, useCase);
  }

  const withProcess = opts.processMetrics ?? true;
  if (withProcess) attachProcessMetrics();
  const storeFailures = new Counter({
    name: 'keel_store_unavailable_total',
    help: 'Checks the store could not answer, by check (budgets, rate_limits, guards) and outcome: refused or admitted by the failure policy, or an answered call whose settle was lost.',
    labelNames: ['check', 'outcome'],
    registers: [registry],
  });

  return {
    registry,
    observe(event) {
      try {
        observe(event);
      } catch {
        // A metric is never worth failing a request over; a malformed event just goes uncounted.
      }
    },
    recordGuardDecision(detector, direction, action) {
      guardPath[0] = detectors.value(detector);
      guardPath[1] = direction;
      guardPath[2] = actions.value(action);
      let child = guardChildren.get(guardPath);
      if (child === undefined) {
        child = f.guard.labels(guardPath[0], guardPath[1], guardPath[2]);
        guardChildren.set(guardPath, child);
      }
      child.inc();
    },
    recordGuardExternal(outcome, seconds) {
      if (seconds >= 0) f.guardExternal.labels(outcome).observe(seconds);
    },
    recordMcpCall(server, tool, outcome, seconds, code) {
      const s = mcpServers.value(server);
      const t = mcpTools.value(tool);
      f.mcpCalls.labels(s, t, outcome).inc();
      if (seconds !== null && seconds >= 0) f.mcpDuration.labels(s, t).observe(seconds);
      if (code !== null && outcome === 'refused') f.mcpRefusals.labels(s, t, code).inc();
    },
    recordStoreFailure(check, outcome) {
      storeFailures.labels(check, outcome).inc();
    },
    recordMcpApproval(decision) {
      f.mcpApprovals.labels(decision).inc();
    },
    async render() {
      const own = await registry.metrics();
      const proc = withProcess && processRegistry ? await processRegistry.metrics() : '';
      return { contentType: registry.contentType, body: proc ? `${own}${proc}` : own };
    },
  };
}

/**
 * Process metrics describe the process, not an app instance, and their collectors (a GC observer,
 * an event-loop delay monitor) cannot be stopped once started: so one registry per process,
 * created on first use and appended to each instance's exposition.
 */
let processRegistry: Registry | null = null;

function attachProcessMetrics(): void {
  if (processRegistry) return;
  processRegistry = new Registry();
  collectDefaultMetrics({ register: processRegistry });
  // Gauges named *_total fail `promtool check metrics`; the unsuffixed gauges carry the same counts by type.
  for (const name of LINT_FAILING_DEFAULTS) processRegistry.removeSingleMetric(name);
}

const LINT_FAILING_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];
