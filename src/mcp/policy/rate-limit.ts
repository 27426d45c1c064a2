import type { FailurePolicyConfig } from '../../config/failure-policy.js';
import { failureMode, withDeadline } from '../../pipeline/failure-policy.js';
import type { Counters, WindowResult } from '../../store/counters/memory.js';
import { McpRefusal, type ToolCall } from '../types.js';
import type { ToolRule } from './rules.js';

const MINUTE = 60_000;

export interface RateLimitDeps {
  /** The counters /v1 rate limits use: in process, or PostgreSQL / Redis shared by every replica. */
  counters: Counters;
  failurePolicy: FailurePolicyConfig | undefined;
  /** A window the store could not count: the call was `refused` (policy closed) or `admitted` unchecked. */
  onStoreFailure?: (call: ToolCall, outcome: 'refused' | 'admitted', err: unknown) => void;
}

/**
 * `rpm` of every matching `mcp.tools` entry, per key and tool: one sliding window per (key, entry,
 * catalogue name), so a glob entry limits each tool it covers on its own. A key's own `rpm` counts
 * model calls on /v1 only. Callers without a key (no virtual key exists) share one window per tool.
 * A store that does not answer is handled like /v1 rate limits: `failure_policy.rate_limits`.
 */
export async function rateLimitCall(
  deps: RateLimitDeps,
  call: ToolCall,
  rules: readonly ToolRule[],
): Promise<void> {
  const who = call.caller.principal?.keyId ?? 'anonymous';
  for (const rule of rules) {
    const rpm = rule.rpm;
    if (rpm === null) continue;
    const key = `mcp_rpm:${who}:${rule.pattern}:${call.tool.name}`;
    let w: WindowResult;
    try {
      w = await withDeadline(
        () => deps.counters.hit(key, 1, rpm, MINUTE),
        deps.failurePolicy?.timeout_ms ?? 2000,
      );
    } catch (err) {
      const ctx = {
        principal: call.caller.principal,
        attribution: {
          useCase: call.caller.useCase ?? 'unassigned',
          team: call.caller.team,
          userId: null,
          feature: null,
          traceId: null,
        },
      };
      if (failureMode(deps.failurePolicy, ctx, 'rate_limits') === 'closed') {
        deps.onStoreFailure?.(call, 'refused', err);
        throw new McpRefusal(
          'store_unavailable',
          "Keel could not check this tool's rate limit: its store is not answering. Retry shortly.",
          { retry_after: 1 },
        );
      }
      deps.onStoreFailure?.(call, 'admitted', err);
      continue;
    }
    if (!w.ok) {
      const retryAfter = Math.max(1, Math.ceil(w.retryAfterMs / 1000));
      throw new McpRefusal(
        'rate_limit_exceeded',
        `Rate limit reached for ${call.tool.name}: ${rpm} calls per minute. Retry in ${retryAfter} s.`,
        { tool: call.tool.name, limit: rpm, retry_after: retryAfter },
      );
    }
  }
}
