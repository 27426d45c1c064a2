import type { AuditLog } from '../../audit/types.js';
import type { KeelConfig } from '../../config/schema.js';
import type { SchemaCompiler } from '../../schemas/index.js';
import type { Counters } from '../../store/counters/memory.js';
import type { McpCallRow } from '../../store/mcp-calls.js';
import type { SecurityEvent } from '../../store/security-events.js';
import type { Logger } from '../../telemetry/logger.js';
import type { KeelMetrics } from '../../telemetry/metrics.js';
import type { KeelTracing } from '../../telemetry/tracing.js';
import { createRecorder } from '../accounting/record.js';
import { screenCallArguments } from '../screen/arguments.js';
import type { OnGuardDecision } from '../screen/decision.js';
import { screenToolResult } from '../screen/result.js';
import type { ToolCallStages } from '../types.js';
import { authorizeCall } from './authorize.js';
import { type RateLimitDeps, rateLimitCall } from './rate-limit.js';
import { compileToolRules } from './rules.js';
import { serverAllowed, toolAllowed } from './scope.js';

export { serverAllowed, toolAllowed } from './scope.js';

export interface PolicyDeps {
  config: Pick<KeelConfig, 'mcp' | 'mcp_servers' | 'failure_policy'>;
  /** Keel's rate-limit counters (build.ts: `limits.counters`), shared by replicas when configured so. */
  counters: Counters;
  /** The `mcp_calls` sink (build/records.ts: `records.recordMcpCall`). */
  recordCall: (row: McpCallRow) => void;
  audit: Pick<AuditLog, 'append'>;
  /** Screening decisions as security events, like /v1's guards (build/records.ts: `records.recordSecurity`). */
  recordSecurity?: (e: SecurityEvent) => void;
  metrics?: Pick<KeelMetrics, 'recordMcpCall' | 'recordStoreFailure' | 'recordGuardDecision'>;
  tracing?: Pick<KeelTracing, 'enabled' | 'recordToolCall'>;
  logger?: Pick<Logger, 'warn'>;
  now?: () => number;
  /** Compiles `mcp.tools[].arguments`; a fresh bounded compiler by default. */
  schemaCompiler?: SchemaCompiler;
}

/**
 * Every stage of a tools/call but approval: scope and argument constraints, per-tool rate limits,
 * argument and result screening, and the record. Built once at start-up: a `mcp.tools` schema that
 * does not compile throws here, naming its entry.
 */
export function createPolicyStages(deps: PolicyDeps): Omit<ToolCallStages, 'approve'> {
  const { mcp } = deps.config;
  const rules = compileToolRules(mcp.tools, deps.schemaCompiler);
  const servers = new Set(deps.config.mcp_servers.map((s) => s.id));
  const now = deps.now ?? Date.now;
  const record = createRecorder({
    recordCall: deps.recordCall,
    audit: deps.audit,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.tracing ? { tracing: deps.tracing } : {}),
    knownServer: (id) => servers.has(id),
    needsApproval: (tool) => rules(tool).some((r) => r.approval === 'required'),
    onError: (err) => deps.logger?.warn({ err }, 'MCP call accounting failed'),
    now,
  });
  // Request id = the call id (the mcp_calls row); no model. Refusals are audited by record().
  const onDecision: OnGuardDecision = (call, d) => {
    deps.recordSecurity?.({
      ts: now(),
      requestId: call.callId,
      useCase: call.caller.useCase ?? 'unassigned',
      keyId: call.caller.principal?.keyId ?? null,
      model: null,
      detector: d.detector,
      direction: d.direction,
      action: d.action,
      score: d.score,
      labels: d.labels,
      spans: [],
      index: 0,
    });
    deps.metrics?.recordGuardDecision(d.detector, d.direction, d.action);
  };
  const limits: RateLimitDeps = {
    counters: deps.counters,
    failurePolicy: deps.config.failure_policy,
    onStoreFailure: (call, outcome, err) => {
      deps.metrics?.recordStoreFailure('rate_limits', outcome);
      deps.logger?.warn(
        { err, tool: call.tool.name, outcome },
        'MCP tool rate limit could not be counted: the store did not answer',
      );
    },
  };
  return {
    visible: toolAllowed,
    visibleServer: serverAllowed,
    authorize: (call) => authorizeCall(call, rules(call.tool.name)),
    rateLimit: (call) => rateLimitCall(limits, call, rules(call.tool.name)),
    screenArguments: async (call) => screenCallArguments(call, mcp.screening.argument_secrets, onDecision),
    screenResult: async (call, result) => screenToolResult(call, result, mcp.screening, onDecision),
    record,
  };
}
