import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type {
  ClientCapabilities,
  JSONRPCNotification,
  Notification,
  Request,
  RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { maskString } from '../../audit/mask.js';
import { scrub } from '../../routing/errors.js';
import { JSONRPC, McpWireError } from '../errors.js';
import { McpRefusal, type McpServerStatus } from '../types.js';
import type { ListingPart } from './catalogue.js';

/**
 * Results are handed on as the upstream sent them: the downstream Server validates what it sends
 * (tools/call results against the spec's schema), so a second deep parse here would only cost time.
 */
export const AnyResult = z.looseObject({});

/**
 * Connecting (initialize) and reading the lists may take longer than one call is allowed to:
 * `call_timeout` bounds forwarded requests only.
 */
export const CONNECT_TIMEOUT_MS = 30_000;

/** What an upstream connection needs from the downstream session it serves. */
export interface SessionLink {
  readonly id: string;
  clientCapabilities(): ClientCapabilities | undefined;
  /** A request from the upstream (sampling, elicitation, roots) to the agent. */
  requestClient(server: string, request: Request, signal: AbortSignal): Promise<Record<string, unknown>>;
  /** A notification from the upstream (log message, resource updated) to the agent. */
  notifyClient(server: string, notification: Notification | JSONRPCNotification): void;
}

/** Tells the gateway that a server's listing changed, so sessions hear of it. */
export type ListChanged = (server: string, part: ListingPart) => void;

export interface Upstream {
  readonly id: string;
  readonly transport: 'http' | 'stdio';
  readonly callTimeoutMs: number;
  /** Values from Keel's config for this server (headers, env) that must never reach an agent or a log. */
  readonly secrets: readonly string[];
  status(): McpServerStatus;
  /** First connection and catalogue; resolves (never rejects) once the first attempt is over. */
  start(): Promise<void>;
  close(): Promise<void>;
  /** The client that serves this session's requests to this server. */
  clientFor(session: SessionLink): Promise<Client>;
  /**
   * Per-session subscriptions on a shared connection (who hears `resources/updated`); answers
   * whether the (un)subscribe must still go upstream.
   */
  subscribe?(session: SessionLink, uri: string, on: boolean): boolean;
  /** Whether this session already has its own connection here. */
  has(sessionId: string): boolean;
  /** The session is gone: release what it held upstream. */
  release(sessionId: string): void;
}

/** The capabilities an upstream client announces: what the agent behind the session can do. */
export function forwardedCapabilities(caps: ClientCapabilities | undefined): ClientCapabilities {
  const out: ClientCapabilities = {};
  if (caps?.sampling) out.sampling = caps.sampling;
  if (caps?.elicitation) out.elicitation = caps.elicitation;
  if (caps?.roots) out.roots = caps.roots;
  return out;
}

/** Text from an upstream (errors, stderr) as Keel may show or log it: credentials masked, bounded. */
export function maskText(text: string, secrets: readonly string[]): string {
  let s = text;
  for (const secret of secrets) if (secret.length >= 4) s = s.split(secret).join('***');
  return maskString(scrub(s));
}

/** The SDK prefixes "MCP error <code>: " to the upstream's message; the agent gets the original. */
function upstreamMessage(err: McpError): string {
  return err.message.replace(/^MCP error -?\d+: /, '');
}

function isLocalTimeout(err: McpError): boolean {
  return (
    err.code === ErrorCode.RequestTimeout &&
    typeof err.data === 'object' &&
    err.data !== null &&
    'timeout' in err.data
  );
}

/**
 * A failed tools/call as a refusal: timeouts and lost connections are Keel's upstream codes; a
 * JSON-RPC error the tool server answered is carried in `data.upstream`.
 */
export function callFailure(err: unknown, server: string, secrets: readonly string[]): McpRefusal {
  if (err instanceof McpRefusal) return err;
  if (err instanceof McpError) {
    if (isLocalTimeout(err))
      return new McpRefusal('upstream_timeout', `The tool server "${server}" did not answer in time.`);
    if (err.code === ErrorCode.ConnectionClosed)
      return new McpRefusal('upstream_unavailable', `The tool server "${server}" closed the connection.`);
    return new McpRefusal('upstream_error', `The tool server "${server}" answered with an error.`, {
      upstream: { code: err.code, message: maskText(upstreamMessage(err), secrets) },
    });
  }
  return new McpRefusal('upstream_unavailable', `The tool server "${server}" is not reachable.`, {
    reason: maskText(err instanceof Error ? err.message : String(err), secrets),
  });
}

/**
 * A failed forwarded request (resources, prompts, completion …): the upstream's own JSON-RPC error
 * passes through unchanged; Keel's failures use its upstream code.
 */
export function forwardFailure(err: unknown, server: string, secrets: readonly string[]): McpWireError {
  if (err instanceof McpWireError) return err;
  if (err instanceof McpError && !isLocalTimeout(err) && err.code !== ErrorCode.ConnectionClosed)
    return new McpWireError(
      err.code,
      maskText(upstreamMessage(err), secrets),
      typeof err.data === 'object' && err.data !== null ? (err.data as Record<string, unknown>) : undefined,
    );
  const r = callFailure(err, server, secrets);
  return new McpWireError(-32006, r.message, { code: r.code, ...r.data });
}

/** An in-flight downstream request an upstream's own request or notification can ride along. */
export interface Related {
  relatedRequestId?: RequestId;
}

export function unknownRequest(what: string): McpWireError {
  return new McpWireError(JSONRPC.invalidParams, what);
}
