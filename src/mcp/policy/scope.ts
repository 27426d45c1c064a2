import type { CatalogueTool, McpCaller } from '../types.js';

/**
 * A key's MCP scopes, as common to /v1: a virtual key may use what its `mcp_servers` (whole servers)
 * or `mcp_tools` (single catalogue tools, globs as the operator wrote them) grant, and nothing when
 * both are empty. Keys from keel.yaml (`scopes === null`) and calls with no principal at all (no
 * virtual key exists, auth off) are unrestricted.
 */
export function toolAllowed(caller: McpCaller, tool: CatalogueTool): boolean {
  const scopes = caller.principal?.scopes;
  if (!scopes) return true;
  return scopes.mcpServers(tool.server) || scopes.mcpTools(tool.name);
}

/** Resources and prompts are granted per server: only `mcp_servers` grants them. */
export function serverAllowed(caller: McpCaller, server: string): boolean {
  const scopes = caller.principal?.scopes;
  if (!scopes) return true;
  return scopes.mcpServers(server);
}
