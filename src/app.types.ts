import type { KeyStore } from './access/store.js';
import type { AuditLog } from './audit/types.js';
import type { KeelConfig } from './config/schema.js';
import type { McpGatewayStatus } from './mcp/types.js';
import type { RedteamScheduler } from './redteam/schedule.js';
import type { Database } from './store/db.js';
import type { UsageSink } from './store/types.js';
import type { ValueService } from './value/service.js';

/** Long-lived services a Keel instance owns; exposed for the CLI and tests. */
export interface KeelServices {
  database: Database;
  usage: UsageSink;
  audit: AuditLog;
  keys: KeyStore;
  /** Use-case registry, outcomes, rollups (for the CLI, e.g. `keel demo`). */
  value: ValueService;
  /** Scheduled red-team suites (keel.yaml `redteam.schedules`), to run one now. */
  redteamSchedules?: Pick<RedteamScheduler, 'runNow'>;
  /** The MCP gateway's servers and catalogue; absent when no `mcp_servers` are configured. */
  mcp?: McpGatewayStatus;
}

/**
 * A composed Keel instance. `fetch` is the Web-standard handler (Hono): tests call it directly with
 * `request()`; src/server.ts adapts it to Node's HTTP server.
 */
export interface KeelApp {
  readonly config: KeelConfig;
  readonly services: KeelServices;
  fetch(request: Request, env?: unknown): Response | Promise<Response>;
  /** Convenience for tests: like Hono's app.request(path, init). */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** Every mounted route (method and path pattern, middleware excluded), so tests can cover them all. */
  routes(): readonly { method: string; path: string }[];
  /** Shutdown has begun: /readyz answers 503 from now on; calls are still served. */
  drain(): void;
  /** The shutdown grace is over: end open streams with an error event. Returns how many were open. */
  endStreams(): number;
  /** Flush usage, close providers and the store. */
  close(): Promise<void>;
}

export interface RunningServer {
  /** e.g. http://127.0.0.1:54321 */
  url: string;
  port: number;
  /** Stop accepting connections and wait until the open ones have ended. */
  close(): Promise<void>;
  /** The same as close(): new connections are refused; resolves once the last one has ended. */
  stopAccepting(): Promise<void>;
  /** Destroy every open connection, requests in flight included. */
  abortConnections(): void;
}
