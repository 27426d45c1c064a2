import type { ColumnType } from 'kysely';

/** Row shapes of the MCP gateway's tables (migration 015_mcp), plugged into KeelSchema. */
type Int8 = ColumnType<number | string | bigint, number, number>;

/** One tools/call through /mcp, whatever happened to it. */
export interface McpCallsTable {
  /** Keel's call id (ToolCall.callId). */
  id: string;
  /** Epoch ms the call arrived. */
  ts: Int8;
  key_id: string | null;
  /** `unassigned` when the caller has none, as for model calls. */
  use_case: string;
  team: string | null;
  server: string;
  /** Catalogue name, `<server>__<tool>`. */
  tool: string;
  /** `ok`, `tool_error`, `refused` or `failed` (ToolCallOutcome.kind). */
  outcome: string;
  /** Keel error code of a refusal or failure (McpRefusalCode). */
  error_code: string | null;
  latency_ms: number;
  request_bytes: number;
  response_bytes: number;
  approval_id: string | null;
  /** JSON array text of findings (flagged injection, masked secrets …). */
  findings: string;
  session_id: string | null;
}

/** A call held for an operator. */
export interface McpApprovalsTable {
  /** Equals the held call's id. */
  id: string;
  created_at: Int8;
  /** After this the call is denied (`expired`). */
  expires_at: Int8;
  /** `pending`, `approved`, `denied` or `expired`. */
  status: string;
  key_id: string | null;
  key_name: string | null;
  use_case: string;
  team: string | null;
  server: string;
  tool: string;
  /** The arguments as JSON text, secrets masked. */
  arguments: string;
  decided_at: Int8 | null;
  /** `admin:<name>` or `system` (timeout). */
  decided_by: string | null;
  reason: string | null;
}

/** Tool calls purged by `retention.mcp_calls_days`, per UTC day and use case (016_mcp_retention). */
export interface McpCallRollupsTable {
  /** Day-aligned epoch ms (UTC). */
  day: Int8;
  use_case: string;
  calls: Int8;
  /** Of those, calls with outcome `refused`. */
  refusals: Int8;
}

export interface McpSchema {
  mcp_calls: McpCallsTable;
  mcp_approvals: McpApprovalsTable;
  mcp_call_rollups: McpCallRollupsTable;
}
