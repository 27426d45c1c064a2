import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Principal } from '../access/principal.js';
import type { McpLocalServerConfig } from '../config/mcp.js';
import type { ErrorCode } from '../errors.js';

/**
 * The MCP gateway's contract between its parts: the /mcp endpoint and upstream connections
 * (mcp/gateway), the policy stages a tool call passes (mcp/policy, mcp/approvals, mcp/screen), and
 * accounting (mcp/accounting). A tool call reads top to bottom in mcp/gate.ts.
 */

/** One entry of the merged catalogue: `<server id>__<upstream name>`. */
export interface CatalogueTool {
  /** Catalogue name, e.g. `everything__echo`. */
  name: string;
  server: string;
  /** The name the upstream server knows. */
  upstreamName: string;
}

/** Who is calling /mcp, fixed for the whole MCP session at initialize. */
export interface McpCaller {
  /** null: no virtual key exists and auth is off (/mcp is open like /v1). */
  principal: Principal | null;
  /** Attribution: the key's use case and team (or none). */
  useCase: string | null;
  team: string | null;
  sessionId: string;
  clientIp: string | null;
}

/** A tools/call on its way through Keel. */
export interface ToolCall {
  caller: McpCaller;
  /** Keel's id for this call (audit, approvals, accounting, traces). */
  callId: string;
  tool: CatalogueTool;
  /** As sent by the agent; stages may replace it (e.g. secrets masked) before the upstream sees it. */
  arguments: Record<string, unknown>;
  startedAt: number;
  signal: AbortSignal;
  /** Findings the stages noted without refusing (flagged injection, masked secrets …), for the record. */
  findings: string[];
}

/** Why Keel refused a call; carried to the agent as a JSON-RPC error (mcp/errors.ts). */
export type McpRefusalCode = Extract<
  ErrorCode,
  | 'tool_not_allowed'
  | 'invalid_request'
  | 'rate_limit_exceeded'
  | 'approval_denied'
  | 'approval_expired'
  | 'prompt_injection_detected'
  | 'secret_detected'
  | 'upstream_unavailable'
  | 'upstream_timeout'
  | 'upstream_error'
  | 'store_unavailable'
>;

export class McpRefusal extends Error {
  readonly code: McpRefusalCode;
  readonly data: Record<string, unknown>;
  constructor(code: McpRefusalCode, message: string, data: Record<string, unknown> = {}) {
    super(message);
    this.name = 'McpRefusal';
    this.code = code;
    this.data = data;
  }
}

export type ToolCallOutcome =
  | { kind: 'ok'; result: CallToolResult; resultBytes: number }
  /** The tool itself reported an error (`isError: true`): the call was made. */
  | { kind: 'tool_error'; result: CallToolResult; resultBytes: number }
  | { kind: 'refused'; refusal: McpRefusal }
  | { kind: 'failed'; refusal: McpRefusal };

/**
 * The stages a tools/call passes, in this order (mcp/gate.ts runs them). Every stage may throw an
 * McpRefusal; nothing after a refusal runs except `record`.
 */
export interface ToolCallStages {
  /** tools/list: may this caller see (and so call) this tool? */
  visible(caller: McpCaller, tool: CatalogueTool): boolean;
  /** Resources and prompts are granted per server (a key's `mcp_servers`): may this caller use this server's? */
  visibleServer(caller: McpCaller, server: string): boolean;
  /** Scope (key's mcp_servers / mcp_tools) and `mcp.tools` argument constraints. */
  authorize(call: ToolCall): void;
  /** Calls per minute per key and tool. */
  rateLimit(call: ToolCall): Promise<void>;
  /** Secrets in the arguments leaving the organisation: block, mask (replaces call.arguments) or flag. */
  screenArguments(call: ToolCall): Promise<void>;
  /** `approval: required` tools: hold until an operator decides or the timeout denies. */
  approve(call: ToolCall): Promise<void>;
  /** The upstream's answer through the guards: injection block/flag, secrets and PII masked. */
  screenResult(call: ToolCall, result: CallToolResult): Promise<CallToolResult>;
  /** Accounting, metrics, audit: exactly once per call, whatever happened. Never throws. */
  record(call: ToolCall, outcome: ToolCallOutcome): void;
}

/** One upstream server as the gateway sees it (GET /api/mcp/overview, the Tools view, metrics). */
export interface McpServerStatus {
  id: string;
  transport: 'http' | 'stdio';
  state: 'up' | 'down' | 'starting';
  /** stdio servers: whether bubblewrap wraps it (false only when the operator opted out). */
  sandboxed: boolean;
  restarts: number;
  /** Last connection or process error, secrets masked. */
  lastError: string | null;
  /** Tools it lists (before any key's scope). */
  tools: number;
  /** Epoch ms the current state began. */
  since: number;
}

/** What the rest of Keel may ask the gateway. */
export interface McpGatewayStatus {
  servers(): McpServerStatus[];
  catalogue(): CatalogueTool[];
}

/** How a local (stdio) server is started: src/mcp/sandbox wraps the configured command in bubblewrap. */
export interface PreparedSandbox {
  command: string;
  args: string[];
  /** The process's whole environment. */
  env: Record<string, string>;
  cwd?: string;
  /** Releases what preparing started (e.g. an egress proxy). */
  close(): Promise<void>;
}

export type PrepareSandbox = (server: McpLocalServerConfig) => Promise<PreparedSandbox>;
