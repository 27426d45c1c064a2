import type { VirtualKey } from '../access/model.js';
import type { Principal } from '../access/principal.js';
import { compileScopes } from '../access/scopes.js';
import { type McpConfig, mcpConfigSchema } from '../config/mcp.js';
import type { McpCallRow } from '../store/mcp-calls.js';
import { type CatalogueTool, type McpCaller, McpRefusal, type ToolCall } from './types.js';

/** A virtual key's principal with the given MCP scopes (everything else deny-by-default). */
export function keyPrincipal(
  scopes: { mcpServers?: string[]; mcpTools?: string[] },
  id = 'key_00000000000000a1',
): Principal {
  const key: VirtualKey = {
    id,
    name: 'agent',
    prefix: 'sk-keel-xxxxxx',
    models: [],
    endpoints: [],
    useCases: [],
    tools: [],
    mcpServers: scopes.mcpServers ?? [],
    mcpTools: scopes.mcpTools ?? [],
    team: null,
    maxTokens: null,
    rpm: null,
    tpm: null,
    budgetUsd: null,
    budgetPeriod: 'month',
    expiresAt: null,
    allowedCidrs: [],
    createdAt: 0,
    updatedAt: 0,
    revokedAt: null,
    createdBy: 'test',
  };
  return { keyId: id, name: key.name, scopes: compileScopes(key) };
}

export function caller(principal: Principal | null, useCase: string | null = 'reports'): McpCaller {
  return { principal, useCase, team: null, sessionId: 'sess-1', clientIp: '127.0.0.1' };
}

export function tool(name: string): CatalogueTool {
  const [server = '', upstreamName = ''] = name.split('__');
  return { name, server, upstreamName };
}

let n = 0;
export function toolCall(
  c: McpCaller,
  name: string,
  args: Record<string, unknown> = {},
  startedAt = 1_800_000_000_000,
): ToolCall {
  return {
    caller: c,
    callId: `call_${++n}`,
    tool: tool(name),
    arguments: args,
    startedAt,
    signal: new AbortController().signal,
    findings: [],
  };
}

/** keel.yaml `mcp:` as parsed, from the keys given. */
export function mcpConfig(input: Record<string, unknown> = {}): McpConfig {
  return mcpConfigSchema.parse(input);
}

/** An `mcp_calls` row: a successful fs__read_file call at 1_800_000_000_000. */
export function mcpCallRow(id: string, over: Partial<McpCallRow> = {}): McpCallRow {
  return {
    id,
    ts: 1_800_000_000_000,
    key_id: 'key_00000000000000a1',
    use_case: 'reports',
    team: null,
    server: 'fs',
    tool: 'fs__read_file',
    outcome: 'ok',
    error_code: null,
    latency_ms: 12,
    request_bytes: 40,
    response_bytes: 512,
    approval_id: null,
    findings: '[]',
    session_id: 'sess-1',
    ...over,
  };
}

/** What a stage (or the gate) did: its value, or the McpRefusal it threw; anything else is rethrown. */
export async function settle<T>(fn: () => T | Promise<T>): Promise<T | McpRefusal> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof McpRefusal) return e;
    throw e;
  }
}
