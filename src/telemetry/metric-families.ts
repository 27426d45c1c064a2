import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Seconds. Cache hits answer in milliseconds, long generations take minutes. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];
const TTFT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30];
/** Seconds. A classifier on the same host answers in milliseconds; the default timeout is 2 s. */
const EXTERNAL_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];

export type MetricFamilies = ReturnType<typeof metricFamilies>;

/**
 * Keel's metric families, registered in `registry`. Counters fed in bulk at scrape time call
 * `beforeScrape` from their collect hook, so their values are exact whenever they are read.
 */
export function metricFamilies(registry: Registry, beforeScrape: () => void, usageBuffered?: () => number) {
  const registers = [registry];
  const collect = beforeScrape;
  return {
    requests: new Counter({
      name: 'keel_requests_total',
      help: 'Requests that reached the gateway, by requested model, provider used, use case, endpoint and HTTP status class.',
      labelNames: ['model', 'provider', 'use_case', 'endpoint', 'status_class'],
      registers,
      collect,
    }),
    tokens: new Counter({
      name: 'keel_tokens_total',
      help: 'Tokens as the provider reported them. input includes cached_input and cache_write; output includes reasoning.',
      labelNames: ['model', 'use_case', 'kind'],
      registers,
      collect,
    }),
    cost: new Counter({
      name: 'keel_cost_usd_total',
      help: 'Cost in US dollars from the price table. Calls with no known price are not in here: see keel_unpriced_requests_total.',
      labelNames: ['model', 'use_case'],
      registers,
      collect,
    }),
    unpriced: new Counter({
      name: 'keel_unpriced_requests_total',
      help: 'Calls that spent tokens on a model with no known price (their cost is unknown, not zero).',
      labelNames: ['model', 'use_case'],
      registers,
      collect,
    }),
    duration: new Histogram({
      name: 'keel_request_duration_seconds',
      help: 'Time from request arrival to the last byte of the answer, including retries and fallbacks.',
      labelNames: ['model', 'endpoint'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    ttft: new Histogram({
      name: 'keel_time_to_first_token_seconds',
      help: 'Time from request arrival to the first token from upstream.',
      labelNames: ['model', 'endpoint'],
      buckets: TTFT_BUCKETS,
      registers,
    }),
    attempts: new Counter({
      name: 'keel_upstream_attempts_total',
      help: 'Upstream calls made, counting retries and fallbacks, by requested model and the provider that answered last.',
      labelNames: ['model', 'provider'],
      registers,
      collect,
    }),
    fallbacks: new Counter({
      name: 'keel_fallbacks_total',
      help: 'Fallback models tried after the requested one failed.',
      labelNames: ['model'],
      registers,
      collect,
    }),
    cacheHits: new Counter({
      name: 'keel_cache_hits_total',
      help: 'Requests answered from the response cache.',
      labelNames: ['model'],
      registers,
      collect,
    }),
    guard: new Counter({
      name: 'keel_guard_decisions_total',
      help: 'Guard detector decisions, by detector, direction (input or output) and action taken.',
      labelNames: ['detector', 'direction', 'action'],
      registers,
    }),
    guardExternal: new Histogram({
      name: 'keel_guard_external_seconds',
      help: 'Time the external injection classifier took, by outcome: below or above its threshold, timeout, or error (unreachable, bad status or answer).',
      labelNames: ['outcome'],
      buckets: EXTERNAL_BUCKETS,
      registers,
    }),
    mcpCalls: new Counter({
      name: 'keel_mcp_calls_total',
      help: 'MCP tool calls through /mcp, by server, catalogue tool and outcome (ok, tool_error, refused, failed).',
      labelNames: ['server', 'tool', 'outcome'],
      registers,
    }),
    mcpDuration: new Histogram({
      name: 'keel_mcp_call_duration_seconds',
      help: 'Time from a tool call reaching Keel to its answer, approval waits included, for calls that were made (not refused).',
      labelNames: ['server', 'tool'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    mcpRefusals: new Counter({
      name: 'keel_mcp_refusals_total',
      help: 'MCP tool calls Keel refused, by server, catalogue tool and error code.',
      labelNames: ['server', 'tool', 'code'],
      registers,
    }),
    budgetRefusals: new Counter({
      name: 'keel_budget_refusals_total',
      help: 'Requests refused because a budget was exhausted.',
      labelNames: ['use_case'],
      registers,
    }),
    rateLimitRefusals: new Counter({
      name: 'keel_rate_limit_refusals_total',
      help: "Requests refused by Keel's own rate limits (not the upstream's).",
      labelNames: ['use_case'],
      registers,
    }),
    mcpApprovals: new Counter({
      name: 'keel_mcp_approvals_total',
      help: 'MCP tool calls held for approval, by how they ended: approved, denied, or expired (timed out or cancelled).',
      labelNames: ['decision'],
      registers,
    }),
    usageBuffered: new Gauge({
      name: 'keel_usage_writer_buffered_events',
      help: 'Usage events waiting in memory to be written to the store.',
      registers,
      collect() {
        this.set(usageBuffered ? usageBuffered() : 0);
      },
    }),
  };
}
