import type { McpRefusal, McpRefusalCode } from './types.js';

/**
 * How Keel's refusals reach an MCP client: one JSON-RPC error code per refusal, the Keel code and
 * the call id in `error.data`, so an agent (and its operator) can tell a policy decision from a
 * tool failure without parsing messages.
 */
export const MCP_ERROR_CODES: Record<McpRefusalCode, number> = {
  tool_not_allowed: -32001,
  rate_limit_exceeded: -32002,
  approval_denied: -32003,
  approval_expired: -32004,
  prompt_injection_detected: -32005,
  secret_detected: -32005,
  upstream_unavailable: -32006,
  upstream_timeout: -32006,
  upstream_error: -32006,
  store_unavailable: -32006,
  invalid_request: -32602,
};

/** JSON-RPC error codes the gateway answers with outside tools/call refusals. */
export const JSONRPC = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  /** Transport-level refusals (auth, sessions), as the SDK's own transport answers them. */
  serverError: -32000,
  /** The MCP spec's code for an unknown resource URI. */
  resourceNotFound: -32002,
} as const;

/**
 * An error the SDK's Protocol sends as-is: it copies `code`, `message` and `data` into the JSON-RPC
 * error. (The SDK's McpError prefixes "MCP error <code>:" to the message, which agents would see.)
 */
export class McpWireError extends Error {
  readonly code: number;
  readonly data: Record<string, unknown> | undefined;
  constructor(code: number, message: string, data?: Record<string, unknown>) {
    super(message);
    this.name = 'McpWireError';
    this.code = code;
    this.data = data;
  }
}

export function refusalToWire(refusal: McpRefusal, callId: string): McpWireError {
  return new McpWireError(MCP_ERROR_CODES[refusal.code], refusal.message, {
    code: refusal.code,
    call_id: callId,
    ...refusal.data,
  });
}

/** A JSON-RPC error response body, for answers made outside a session (auth, bad JSON, no session). */
export function jsonRpcErrorBody(
  code: number,
  message: string,
  data?: Record<string, unknown>,
  id: string | number | null = null,
): { jsonrpc: '2.0'; id: string | number | null; error: { code: number; message: string; data?: unknown } } {
  return { jsonrpc: '2.0', id, error: data ? { code, message, data } : { code, message } };
}
