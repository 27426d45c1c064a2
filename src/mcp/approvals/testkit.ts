import type { McpConfig } from '../../config/mcp.js';
import type { Database } from '../../store/db.js';
import type { McpApprovalsTable, McpCallsTable } from '../../store/mcp-schema.js';
import type { ToolCall } from '../types.js';

/** `mcp:` with these tool policies and approval timeout. */
export function mcpPolicy(
  tools: Record<string, 'required' | 'none'>,
  timeout = '5m',
): Pick<McpConfig, 'tools' | 'approvals'> {
  return {
    tools: Object.fromEntries(Object.entries(tools).map(([name, approval]) => [name, { approval }])),
    approvals: { timeout },
  };
}

let calls = 0;

/** A tools/call from key `key_ops` (use case `billing`), as the gateway hands it to the stages. */
export function toolCall(
  tool: string,
  args: Record<string, unknown> = {},
  opts: { signal?: AbortSignal; keyId?: string | null } = {},
): ToolCall {
  const [server = 'srv', upstream = tool] = tool.split('__');
  const keyId = opts.keyId === undefined ? 'key_ops' : opts.keyId;
  return {
    caller: {
      principal: keyId === null ? null : { keyId, name: 'ops-agent', useCase: 'billing', scopes: null },
      useCase: keyId === null ? null : 'billing',
      team: keyId === null ? null : 'finance',
      sessionId: 'sess_1',
      clientIp: '127.0.0.1',
    },
    callId: `call_${++calls}_${Math.random().toString(36).slice(2, 8)}`,
    tool: { name: tool, server, upstreamName: upstream },
    arguments: args,
    startedAt: 0,
    signal: opts.signal ?? new AbortController().signal,
    findings: [],
  };
}

export type McpCallRow = Omit<McpCallsTable, 'ts'> & { ts: number };

/** One `mcp_calls` row as the accounting stage writes it; tests override what they exercise. */
export function mcpCallRow(over: Partial<McpCallRow> & { id: string }): McpCallRow {
  return {
    ts: 0,
    key_id: 'key_ops',
    use_case: 'billing',
    team: 'finance',
    server: 'crm',
    tool: 'crm__lookup',
    outcome: 'ok',
    error_code: null,
    latency_ms: 10,
    request_bytes: 100,
    response_bytes: 400,
    approval_id: null,
    findings: '[]',
    session_id: 'sess_1',
    ...over,
  };
}

export async function insertMcpCalls(database: Database, rows: McpCallRow[]): Promise<void> {
  if (rows.length > 0) await database.db.insertInto('mcp_calls').values(rows).execute();
}

export type McpApprovalRow = Omit<McpApprovalsTable, 'created_at' | 'expires_at' | 'decided_at'> & {
  created_at: number;
  expires_at: number;
  decided_at: number | null;
};

/** One `mcp_approvals` row: a pending hold of crm__export by key_ops, five minutes to decide. */
export function mcpApprovalRow(
  over: Partial<McpApprovalRow> & { id: string; created_at: number },
): McpApprovalRow {
  return {
    expires_at: over.created_at + 300_000,
    status: 'pending',
    key_id: 'key_ops',
    key_name: 'ops-agent',
    use_case: 'billing',
    team: null,
    server: 'crm',
    tool: 'crm__export',
    arguments: '{}',
    decided_at: null,
    decided_by: null,
    reason: null,
    ...over,
  };
}
