import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  StreamableHTTPServerTransport,
  type StreamableHTTPServerTransportOptions,
} from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/** A `count` tool that reports progress 1…to when the call carries a progress token. */
export function registerCountTool(s: McpServer): void {
  s.registerTool(
    'count',
    { description: 'Counts with progress', inputSchema: { to: z.number() } },
    async ({ to }, extra) => {
      const token = extra._meta?.progressToken;
      for (let i = 1; i <= to; i++)
        if (token !== undefined)
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken: token, progress: i, total: to },
          });
      return { content: [{ type: 'text', text: `counted to ${to}` }] };
    },
  );
}

export interface RemoteMcp {
  /** The server's Streamable HTTP endpoint. */
  url: string;
  /** Request headers of every request the server received, in order. */
  seen: IncomingMessage['headers'][];
  close(): Promise<void>;
}

/**
 * A remote MCP server over Streamable HTTP on a loopback port, as the SDK builds them: one
 * McpServer (from `newServer`) per session. An unknown session id gets 404, as the spec says.
 */
export async function startRemoteMcp(
  newServer: () => McpServer,
  /** More transport options per session (e.g. an event store, for resumable streams). */
  transportOptions: () => Partial<StreamableHTTPServerTransportOptions> = () => ({}),
): Promise<RemoteMcp> {
  const seen: IncomingMessage['headers'][] = [];
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const http: Server = createServer(async (req, res) => {
    seen.push(req.headers);
    const sid = req.headers['mcp-session-id'];
    let t = typeof sid === 'string' ? transports.get(sid) : undefined;
    if (!t) {
      if (sid) {
        res.writeHead(404).end();
        return;
      }
      const created = new StreamableHTTPServerTransport({
        ...transportOptions(),
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => void transports.set(id, created),
      });
      await newServer().connect(created);
      t = created;
    }
    await t.handleRequest(req, res);
  });
  const port = await new Promise<number>((resolve) =>
    http.listen(0, '127.0.0.1', () => resolve((http.address() as AddressInfo).port)),
  );
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    seen,
    close: async () => {
      for (const t of transports.values()) await t.close();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
