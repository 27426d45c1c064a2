import type { Hono } from 'hono';
import { ipAllowed } from '../access/ip.js';
import type { AuditLog } from '../audit/types.js';
import type { KeelConfig } from '../config/schema.js';
import { KeelError } from '../errors.js';
import { mcpRoutes } from '../http/mcp/routes.js';
import type { AppEnv } from '../http/types.js';
import { type Approvals, createApprovals } from '../mcp/approvals/index.js';
import { createMcpGateway, type McpGateway } from '../mcp/gateway/index.js';
import { registerGatewayMetrics } from '../mcp/gateway/metrics.js';
import { createPolicyStages, type PolicyDeps } from '../mcp/policy/index.js';
import { createPrepareSandbox } from '../mcp/sandbox/index.js';
import { composeStages } from '../mcp/stages.js';
import type { PrepareSandbox, ToolCallStages } from '../mcp/types.js';
import type { Authenticator } from '../pipeline/authenticate.js';
import type { Database } from '../store/db.js';
import type { Logger } from '../telemetry/logger.js';
import type { KeelMetrics } from '../telemetry/metrics.js';
import { keelStatePaths } from './state-paths.js';

/** Test seams of buildKeel for the MCP gateway. */
export interface McpBuildOptions {
  prepareSandbox?: PrepareSandbox;
  stages?: ToolCallStages;
  restartBaseMs?: number;
}

export interface McpParts {
  /** Held tool calls; always made, so the admin API can list rows a previous configuration left. */
  approvals: Approvals;
  /** null when keel.yaml declares no `mcp_servers`: nothing starts. */
  gateway: McpGateway | null;
  /** The `/mcp` route, with the gateway. */
  routes: Hono<AppEnv> | null;
}

export interface McpBuildDeps {
  config: KeelConfig;
  database: Database;
  audit: AuditLog;
  metrics: KeelMetrics;
  logger: Logger;
  /** /v1's authenticator: /mcp takes the same keys. */
  authenticate: Authenticator;
  policy: Pick<PolicyDeps, 'counters' | 'recordCall' | 'recordSecurity' | 'tracing'>;
  opts?: McpBuildOptions;
}

/**
 * The MCP gateway as keel.yaml declares it: approvals in the shared store (any replica's operator
 * decides a call another replica holds), every tool-call stage composed in one place, and local
 * servers started in the bubblewrap sandbox, never granted Keel's own state.
 */
export async function buildMcp(deps: McpBuildDeps): Promise<McpParts> {
  const { config, audit, metrics, logger, opts } = deps;
  const approvals = createApprovals({
    database: deps.database,
    audit,
    config: config.mcp,
    metrics,
    onError: (err: unknown) => logger.warn({ err }, 'a held MCP tool call could not read its approval'),
  });
  if (config.mcp_servers.length === 0) return { approvals, gateway: null, routes: null };

  const gateway = createMcpGateway({
    servers: config.mcp_servers,
    config: config.mcp,
    stages:
      opts?.stages ??
      composeStages({
        policy: createPolicyStages({ ...deps.policy, config, audit, metrics, logger }),
        approve: approvals.approve,
      }),
    prepareSandbox:
      opts?.prepareSandbox ??
      createPrepareSandbox({
        protectedPaths: keelStatePaths(config),
        onEgress: (server, decision) => logger.info({ server, egress: decision }, 'MCP sandbox egress'),
      }),
    logger,
    ...(opts?.restartBaseMs !== undefined ? { restartBaseMs: opts.restartBaseMs } : {}),
  });
  await gateway.start();
  registerGatewayMetrics(metrics.registry, gateway);
  const routes = mcpRoutes({
    gateway,
    // A key's allowed_cidrs apply to /mcp as to /v1.
    authenticate: async (headers, ip) => {
      const principal = await deps.authenticate(headers);
      const cidrs = principal?.scopes?.cidrs;
      if (cidrs && !ipAllowed(cidrs, ip))
        throw new KeelError('permission_denied', 'This API key may not be used from this network address.');
      return principal;
    },
    maxBodyBytes: config.server.max_body_bytes,
    trustProxy: config.server.trust_proxy,
    loopback: ['127.0.0.1', 'localhost', '::1'].includes(config.server.host),
    allowedHosts: config.mcp.allowed_hosts,
  });
  return { approvals, gateway, routes };
}
