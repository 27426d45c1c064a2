import type { McpLocalServerConfig } from '../../config/mcp.js';
import type { PreparedSandbox } from '../types.js';

/**
 * Until the sandbox (src/mcp/sandbox) is wired in: a local server runs as configured only when the
 * operator opted out of the sandbox (`sandbox.enabled: false`); otherwise Keel refuses to start it.
 */
export async function directSpawn(server: McpLocalServerConfig): Promise<PreparedSandbox> {
  if (server.sandbox.enabled)
    throw new Error(
      `MCP server "${server.id}" needs the sandbox, which this Keel does not have; set sandbox.enabled: false to run it unsandboxed`,
    );
  return {
    command: server.command,
    args: server.args,
    env: { ...server.env },
    ...(server.cwd ? { cwd: server.cwd } : {}),
    close: async () => {},
  };
}
