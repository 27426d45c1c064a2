import { randomBytes, randomUUID } from 'node:crypto';
import type { Principal } from '../../access/principal.js';
import { durationMs, isLocalServer, type McpConfig, type McpServerConfig } from '../../config/mcp.js';
import type { Logger } from '../../telemetry/logger.js';
import type { McpCaller, McpGatewayStatus, PrepareSandbox, ToolCallStages } from '../types.js';
import { Catalogue, type ListingPart } from './catalogue.js';
import { createHttpUpstream, createUpstreamFetch, type UpstreamDeps } from './http-upstream.js';
import { GatewaySession } from './session.js';
import { createStdioUpstream } from './stdio-upstream.js';
import type { Upstream } from './upstream.js';

export interface McpGatewayDeps {
  servers: readonly McpServerConfig[];
  config: McpConfig;
  /** The tool-call stages (src/mcp/stages.ts composes them). */
  stages: ToolCallStages;
  /** Turns a local server's config into the command Keel spawns (the sandbox wraps it). */
  prepareSandbox: PrepareSandbox;
  logger: Logger;
  /** Announced to agents and upstream servers. */
  version?: string;
  /** Restart backoff base for stdio servers (tests shorten it). */
  restartBaseMs?: number;
}

export interface McpGateway extends McpGatewayStatus {
  /** Connect every upstream (first attempt) and start the idle sweep. */
  start(): Promise<void>;
  /** Close every session and upstream; local servers' processes are stopped. */
  close(): Promise<void>;
  /** A new session for this caller, or null when `mcp.max_sessions` are open. */
  open(caller: Omit<McpCaller, 'sessionId'>): GatewaySession | null;
  session(id: string): GatewaySession | undefined;
  sessionCount(): number;
}

/** The same key (or, with auth off, no key) that opened a session: anything else is refused. */
export function sameCaller(caller: McpCaller, principal: Principal | null): boolean {
  return (caller.principal?.keyId ?? null) === (principal?.keyId ?? null);
}

export function createMcpGateway(deps: McpGatewayDeps): McpGateway {
  const { logger } = deps;
  const version = deps.version ?? '0.1.0';
  const catalogue = new Catalogue(deps.servers.map((s) => s.id));
  const sessions = new Map<string, GatewaySession>();
  const idleMs = durationMs(deps.config.session_idle);
  const onListChanged = (_server: string, part: ListingPart) => {
    for (const s of sessions.values()) s.listChanged(part);
  };
  const http = createUpstreamFetch();
  const upstreamDeps: UpstreamDeps = {
    fetch: http.fetch,
    post: http.post,
    catalogue,
    onListChanged,
    onProblem: (server, message) => logger.warn({ server, error: message }, 'MCP server problem'),
    clientInfo: { name: 'keel', version },
  };
  const upstreams = new Map<string, Upstream>(
    deps.servers.map((s) => [
      s.id,
      isLocalServer(s)
        ? createStdioUpstream(s, {
            ...upstreamDeps,
            prepareSandbox: deps.prepareSandbox,
            logger,
            ...(deps.restartBaseMs !== undefined ? { restartBaseMs: deps.restartBaseMs } : {}),
          })
        : createHttpUpstream(s, upstreamDeps),
    ]),
  );
  // Call ids: a per-process random prefix and a counter, like request ids.
  const callPrefix = `mcp_${randomBytes(6).toString('hex')}`;
  let callSeq = 0;
  let sweep: NodeJS.Timeout | undefined;

  return {
    servers: () => [...upstreams.values()].map((u) => u.status()),
    catalogue: () => catalogue.tools().map((t) => t.entry),
    async start() {
      await Promise.all([...upstreams.values()].map((u) => u.start()));
      sweep = setInterval(
        () => {
          const before = Date.now() - idleMs;
          for (const s of sessions.values()) if (s.lastSeen < before) s.close();
        },
        Math.min(60_000, Math.max(1000, idleMs / 4)),
      );
      sweep.unref();
    },
    async close() {
      clearInterval(sweep);
      for (const s of [...sessions.values()]) s.close();
      await Promise.all([...upstreams.values()].map((u) => u.close()));
      await http.close();
    },
    open(caller) {
      if (sessions.size >= deps.config.max_sessions) return null;
      // A replica's name leads its session ids: the load balancer routes a session by it.
      const id = deps.config.replica ? `${deps.config.replica}.${randomUUID()}` : randomUUID();
      const session = new GatewaySession(
        id,
        { ...caller, sessionId: id },
        {
          catalogue,
          upstreams,
          stages: deps.stages,
          newCallId: () => `${callPrefix}${(++callSeq).toString(36).padStart(6, '0')}`,
          serverInfo: { name: 'keel', version },
          onClosed: (s) => sessions.delete(s.id),
        },
      );
      sessions.set(id, session);
      return session;
    },
    session: (id) => sessions.get(id),
    sessionCount: () => sessions.size,
  };
}
