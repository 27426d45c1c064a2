import { Hono } from 'hono';
import type { Principal } from '../../access/principal.js';
import { KeelError } from '../../errors.js';
import { JSONRPC, jsonRpcErrorBody } from '../../mcp/errors.js';
import { type McpGateway, sameCaller } from '../../mcp/gateway/index.js';
import { clientIp } from '../client-ip.js';
import { readJson, requestHeaders } from '../node-io.js';
import type { AppEnv } from '../types.js';
import { coalesceSse } from './coalesce.js';
import { directToolCall } from './direct.js';
import { hostRefusal } from './hosts.js';

export interface McpRouteDeps {
  gateway: McpGateway;
  /** /v1's authenticator and network check: a virtual key, or nothing while no key exists. */
  authenticate: (
    headers: Record<string, string | undefined>,
    clientIp: string | null,
  ) => Promise<Principal | null>;
  maxBodyBytes: number;
  trustProxy: boolean;
  /** Keel listens on loopback only: Host and Origin must name loopback too (DNS rebinding). */
  loopback: boolean;
  allowedHosts: readonly string[];
}

const AUTH_HEADERS = ['authorization', 'x-api-key'] as const;
/** Read from Node's request without materialising a Web Request (node-io.ts). */
const MCP_HEADERS = [
  ...AUTH_HEADERS,
  'host',
  'origin',
  'mcp-session-id',
  'accept',
  'content-type',
  'mcp-protocol-version',
] as const;
/** How long a POST's SSE answer may be held to be sent in one write (coalesce.ts, direct-reply.ts). */
const COALESCE_MS = 20;

function rpcError(
  status: number,
  code: number,
  message: string,
  data?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(jsonRpcErrorBody(code, message, data)), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** Keel's errors before a session exists (auth, body), as JSON-RPC errors with the HTTP status of the code. */
function keelRpcError(err: KeelError): Response {
  const code =
    err.code === 'invalid_json'
      ? JSONRPC.parseError
      : err.code === 'invalid_request'
        ? JSONRPC.invalidRequest
        : JSONRPC.serverError;
  const headers: Record<string, string> = err.status === 401 ? { 'www-authenticate': 'Bearer' } : {};
  return rpcError(err.status, code, err.message, { code: err.code }, headers);
}

function isInitialize(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { method?: unknown }).method === 'initialize';
}

/**
 * `/mcp`: MCP over Streamable HTTP. Keel checks Host/Origin, authenticates like /v1, parses the
 * body itself (so malformed input gets a JSON-RPC error, not a stack trace), and hands the request
 * to the session's SDK transport; a session answers only the key that opened it.
 */
export function mcpRoutes(deps: McpRouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.all('/', async (c) => {
    const { gateway } = deps;
    const req = c.req.raw;
    const headers = requestHeaders(c, MCP_HEADERS);
    const header = (name: string) => headers[name];
    const refused = hostRefusal({ get: (name) => headers[name] ?? null }, deps);
    if (refused) return rpcError(403, JSONRPC.serverError, refused, { code: 'permission_denied' });
    const method = req.method;
    if (method !== 'POST' && method !== 'GET' && method !== 'DELETE')
      return rpcError(405, JSONRPC.serverError, 'Method not allowed.', undefined, {
        allow: 'GET, POST, DELETE',
      });
    const ip = clientIp(c, deps.trustProxy);
    let principal: Principal | null;
    try {
      principal = await deps.authenticate(
        { authorization: headers.authorization, 'x-api-key': headers['x-api-key'] },
        ip,
      );
    } catch (err) {
      if (err instanceof KeelError) return keelRpcError(err);
      throw err;
    }
    let body: unknown;
    if (method === 'POST') {
      try {
        body = await readJson(c, deps.maxBodyBytes);
      } catch (err) {
        if (err instanceof KeelError) return keelRpcError(err);
        throw err;
      }
    }
    const sessionId = headers['mcp-session-id'];
    if (!sessionId) {
      if (!isInitialize(body))
        return rpcError(400, JSONRPC.serverError, 'Bad Request: Mcp-Session-Id header is required');
      const session = gateway.open({
        principal,
        useCase: principal?.useCase ?? null,
        team: principal?.team ?? null,
        clientIp: ip,
      });
      if (!session)
        return rpcError(
          503,
          JSONRPC.serverError,
          'Too many open MCP sessions (mcp.max_sessions); try again later.',
          {
            code: 'not_ready',
          },
        );
      await session.connect();
      const res = await session.transport.handleRequest(req, { parsedBody: body });
      if (!res.ok) session.close();
      return res;
    }
    const session = gateway.session(sessionId);
    if (!session) return rpcError(404, -32001, 'Session not found');
    if (!sameCaller(session.caller, principal))
      return rpcError(403, JSONRPC.serverError, 'This MCP session belongs to another API key.', {
        code: 'permission_denied',
      });
    session.lastSeen = Date.now();
    if (body === undefined) return session.transport.handleRequest(req);
    if (directToolCall(body, header)) {
      // Keel's request id goes with the answer's own headers, so the app's middleware need not
      // turn them into a Headers object afterwards (sealed, as /v1 does).
      const answered = session.answer(body, COALESCE_MS, { 'x-keel-request-id': c.get('requestId') });
      if (answered) {
        c.set('sealed', true);
        return answered;
      }
    }
    return coalesceSse(await session.transport.handleRequest(req, { parsedBody: body }), COALESCE_MS);
  });
  return app;
}

/** /mcp while no `mcp_servers` are configured: a JSON-RPC error saying so, nothing started. */
export function mcpDisabledRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.all('/', () =>
    rpcError(404, JSONRPC.methodNotFound, 'MCP is not enabled on this Keel: no mcp_servers are configured.', {
      code: 'not_found',
    }),
  );
  return app;
}
