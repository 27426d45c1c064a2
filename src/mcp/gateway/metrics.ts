import { Counter, Gauge, type Registry } from 'prom-client';
import type { McpGateway } from './index.js';

/**
 * The gateway's own series, read from its state at scrape time: open sessions, each configured
 * server's health and its restarts. Label values are configured server ids only. (Per-call series,
 * keel_mcp_calls_total and the rest, belong to the accounting stage.)
 */
export function registerGatewayMetrics(registry: Registry, gateway: McpGateway): void {
  new Gauge({
    name: 'keel_mcp_sessions',
    help: 'Open MCP sessions on /mcp in this replica.',
    registers: [registry],
    collect() {
      this.set(gateway.sessionCount());
    },
  });
  new Gauge({
    name: 'keel_mcp_server_up',
    help: 'Whether an upstream MCP server is connected (1) or not (0).',
    labelNames: ['server'],
    registers: [registry],
    collect() {
      for (const s of gateway.servers()) this.set({ server: s.id }, s.state === 'up' ? 1 : 0);
    },
  });
  const counted = new Map<string, number>();
  new Counter({
    name: 'keel_mcp_server_restarts_total',
    help: 'Restarts of local (stdio) MCP server processes, crashes and lifetime replacements alike.',
    labelNames: ['server'],
    registers: [registry],
    collect() {
      for (const s of gateway.servers()) {
        const delta = s.restarts - (counted.get(s.id) ?? 0);
        counted.set(s.id, s.restarts);
        this.inc({ server: s.id }, delta);
      }
    },
  });
}
