import type { AuditLog } from '../../audit/types.js';
import type { McpCallRow } from '../../store/mcp-calls.js';
import type { KeelMetrics } from '../../telemetry/metrics.js';
import type { KeelTracing } from '../../telemetry/tracing.js';
import type { ToolCall, ToolCallOutcome } from '../types.js';

export interface AccountingDeps {
  /** Where the `mcp_calls` row goes: the spool first, then the batched writer (build/records.ts). */
  recordCall: (row: McpCallRow) => void;
  audit: Pick<AuditLog, 'append'>;
  metrics?: Pick<KeelMetrics, 'recordMcpCall'>;
  tracing?: Pick<KeelTracing, 'enabled' | 'recordToolCall'>;
  /** Configured server ids: metric labels of anything else are `other`. */
  knownServer: (id: string) => boolean;
  /** Whether a held approval applies to this tool (its `mcp_approvals` row has the call's id). */
  needsApproval: (tool: string) => boolean;
  onError?: (err: unknown) => void;
  now: () => number;
}

const OTHER = 'other';

/**
 * A call's record, exactly once whatever happened: its `mcp_calls` row (durable, like a usage
 * event), `keel_mcp_*` metrics, an audit entry (`mcp.call` when the call was made, `mcp.refused`
 * when Keel refused it) and a trace span. Only names, sizes, codes and finding labels are kept:
 * never arguments or results. Never throws.
 */
export function createRecorder(deps: AccountingDeps): (call: ToolCall, outcome: ToolCallOutcome) => void {
  return (call, outcome) => {
    const end = deps.now();
    const latencyMs = Math.max(0, Math.round(end - call.startedAt));
    const refusal = outcome.kind === 'refused' || outcome.kind === 'failed' ? outcome.refusal : null;
    const code = refusal?.code ?? null;
    const keyId = call.caller.principal?.keyId ?? null;
    const useCase = call.caller.useCase ?? 'unassigned';
    const responseBytes = outcome.kind === 'ok' || outcome.kind === 'tool_error' ? outcome.resultBytes : 0;
    // Held calls' approvals share the call's id; a call refused before the approval stage has none.
    const approvalHeld =
      deps.needsApproval(call.tool.name) &&
      (outcome.kind !== 'refused' || code === 'approval_denied' || code === 'approval_expired');
    const row: McpCallRow = {
      id: call.callId,
      ts: call.startedAt,
      key_id: keyId,
      use_case: useCase,
      team: call.caller.team,
      server: call.tool.server,
      tool: call.tool.name,
      outcome: outcome.kind,
      error_code: code,
      latency_ms: latencyMs,
      request_bytes: argumentBytes(call.arguments),
      response_bytes: responseBytes,
      approval_id: approvalHeld ? call.callId : null,
      findings: JSON.stringify(call.findings),
      session_id: call.caller.sessionId,
    };
    attempt(deps, () => deps.recordCall(row));
    attempt(deps, () => {
      const known = deps.knownServer(call.tool.server);
      deps.metrics?.recordMcpCall(
        known ? call.tool.server : OTHER,
        known ? call.tool.name : OTHER,
        outcome.kind,
        outcome.kind === 'refused' ? null : latencyMs / 1000,
        code,
      );
    });
    attempt(deps, () =>
      deps.audit.append({
        actor: keyId ? `key:${keyId}` : 'anonymous',
        action: outcome.kind === 'refused' ? 'mcp.refused' : 'mcp.call',
        target: call.callId,
        details: {
          tool: call.tool.name,
          server: call.tool.server,
          outcome: outcome.kind,
          code,
          ...(refusal ? { message: refusal.message } : {}),
          use_case: useCase,
          session_id: call.caller.sessionId,
          latency_ms: latencyMs,
          request_bytes: row.request_bytes,
          response_bytes: responseBytes,
          findings: call.findings,
        },
      }),
    );
    if (deps.tracing?.enabled)
      attempt(deps, () =>
        deps.tracing?.recordToolCall({
          callId: call.callId,
          server: call.tool.server,
          tool: call.tool.name,
          sessionId: call.caller.sessionId,
          useCase,
          keyId,
          outcome: outcome.kind,
          errorCode: code,
          start: call.startedAt,
          end,
        }),
      );
  };
}

function argumentBytes(args: Record<string, unknown>): number {
  try {
    return Buffer.byteLength(JSON.stringify(args));
  } catch {
    return 0;
  }
}

/** Accounting never fails a call: one part that throws is reported, the others still run. */
function attempt(deps: AccountingDeps, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    deps.onError?.(err);
  }
}
