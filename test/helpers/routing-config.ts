import type { Upstreams } from './fixtures.js';
import { standardConfig } from './fixtures.js';

/**
 * The standard config plus aliases for routing tests: `primary` (OpenAI, no retries) falls back to
 * `backup` (Anthropic); `slow` has a short timeout; `cached` has the response cache on.
 */
export function routingConfig(up: Upstreams, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const base = standardConfig(up);
  return {
    ...base,
    models: [
      ...(base.models as unknown[]),
      { name: 'primary', targets: [{ provider: 'oai', model: 'gpt-4o' }], retries: 0, fallbacks: ['backup'] },
      { name: 'backup', targets: [{ provider: 'ant', model: 'claude-sonnet-4-5-20250929' }], retries: 0 },
      {
        name: 'slow',
        targets: [{ provider: 'oai', model: 'gpt-4o' }],
        retries: 0,
        timeout_ms: 300,
        fallbacks: ['backup'],
      },
      { name: 'cached', targets: [{ provider: 'oai', model: 'gpt-4o' }], cache_ttl_s: 60 },
      {
        name: 'balanced',
        targets: [
          { provider: 'oai', model: 'gpt-4o', weight: 3 },
          { provider: 'ant', model: 'claude-sonnet-4-5-20250929', weight: 1 },
        ],
      },
    ],
    routing: {
      retries: { max: 1, base_delay_ms: 5, max_delay_ms: 2000 },
      circuit_breaker: { failure_threshold: 1000, cooldown_ms: 1000 },
      cache: { enabled: true, ttl_s: 0 },
    },
    ...extra,
  };
}
