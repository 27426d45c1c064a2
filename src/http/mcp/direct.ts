import { isJsonContentType } from '@modelcontextprotocol/sdk/shared/mediaType.js';
import { type JSONRPCRequest, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';

const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Whether a POST on an open session is a plain `tools/call` that Keel answers itself
 * (GatewaySession.answer) instead of through the SDK transport's HTTP handling: one JSON-RPC
 * request the transport would accept as is (its Accept, Content-Type and protocol-version checks
 * pass, the message is valid), with no `_meta` (a progress token asks for a stream from the start).
 * Anything else takes the transport's path, which gives the same answers and errors as before.
 */
export function directToolCall(
  body: unknown,
  header: (name: string) => string | undefined,
): body is JSONRPCRequest {
  if (!isPlainObject(body) || body.method !== 'tools/call' || body.jsonrpc !== '2.0') return false;
  for (const k in body) if (!REQUEST_KEYS.has(k)) return false;
  const id = body.id;
  if (!(typeof id === 'string' || Number.isInteger(id))) return false;
  const params = body.params;
  if (params !== undefined && (!isPlainObject(params) || params._meta !== undefined)) return false;
  const accept = header('accept');
  if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) return false;
  if (!isJsonContentType(header('content-type'))) return false;
  const version = header('mcp-protocol-version');
  return version === undefined || SUPPORTED_PROTOCOL_VERSIONS.includes(version);
}
