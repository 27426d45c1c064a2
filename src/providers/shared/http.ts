/**
 * The upstream HTTP client every adapter uses: undici's dispatcher over a keep-alive Agent (one pool
 * per origin, capped at ProviderConfig.max_connections), with transport failures mapped to
 * UpstreamError so the router can tell "retry elsewhere" from "the client left".
 */
import { Agent } from 'undici';
import type { CancelSignal } from '../../canonical/cancel.js';
import { kindForStatus, parseRetryAfter, UpstreamError } from '../types.js';
import { assertEgressAllowed, guardedLookup } from './egress.js';
import { type UpstreamBody, UpstreamCall, type UpstreamResponse } from './upstream-call.js';

export type { UpstreamBody, UpstreamResponse } from './upstream-call.js';

interface UpstreamRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  signal: CancelSignal;
}

export interface HttpClient {
  request(req: UpstreamRequest): Promise<UpstreamResponse>;
  close(): Promise<void>;
}

/** Where a URL goes, split once: adapters call the same few URLs over and over. */
interface Target {
  origin: string;
  path: string;
}

export function createHttpClient(opts: { maxConnections: number; allowLinkLocal?: boolean }): HttpClient {
  const guarded = opts.allowLinkLocal !== true;
  const agent = new Agent({
    connections: opts.maxConnections,
    ...(guarded ? { connect: { lookup: guardedLookup } } : {}),
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
    // Per-attempt deadlines come from the router's CancelSignal; these are only a backstop for a
    // peer that stops talking without closing the socket.
    headersTimeout: 300_000,
    bodyTimeout: 300_000,
  });
  const targets = new Map<string, Target>();
  const targetOf = (url: string): Target => {
    let t = targets.get(url);
    if (!t) {
      const u = new URL(url);
      t = { origin: u.origin, path: `${u.pathname}${u.search}` };
      if (targets.size >= 256) targets.clear();
      targets.set(url, t);
    }
    return t;
  };
  return {
    async request(req) {
      const call = new UpstreamCall(req.signal);
      // A call whose signal has already aborted is settled by UpstreamCall and never sent.
      if (!req.signal.aborted) {
        try {
          if (guarded) assertEgressAllowed(req.url);
          const { origin, path } = targetOf(req.url);
          agent.dispatch(
            { origin, path, method: req.method, headers: req.headers, body: req.body ?? null },
            call,
          );
        } catch (err) {
          call.failed(err instanceof Error ? err : new Error(String(err)));
        }
      }
      try {
        return await call.response;
      } catch (err) {
        throw toUpstreamError(err, req.signal);
      }
    },
    close() {
      return agent.close();
    },
  };
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const cause = (err as { cause?: unknown }).cause;
  if (typeof cause === 'object' && cause !== null) {
    const c = (cause as { code?: unknown }).code;
    if (typeof c === 'string') return c;
  }
  return undefined;
}

export function isTimeoutReason(reason: unknown): boolean {
  return (
    typeof reason === 'object' && reason !== null && (reason as { name?: unknown }).name === 'TimeoutError'
  );
}

/**
 * Maps a transport failure to UpstreamError. An abort that is not a timeout means the caller gave
 * up (client disconnected), so it is rethrown unchanged: there is nothing to retry for.
 */
export function toUpstreamError(err: unknown, signal?: CancelSignal): unknown {
  if (err instanceof UpstreamError) return err;
  if (signal?.aborted) {
    if (isTimeoutReason(signal.reason)) {
      return new UpstreamError('timeout', 'upstream request timed out', { cause: err });
    }
    return err;
  }
  if (isTimeoutReason(err)) return new UpstreamError('timeout', 'upstream request timed out', { cause: err });
  const code = errorCode(err);
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    return new UpstreamError('timeout', `upstream timed out (${code})`, { cause: err });
  }
  const detail = code !== undefined && CONNECTION_CODES.has(code) ? code : 'transport error';
  return new UpstreamError('connection', `could not reach upstream (${detail})`, { cause: err });
}

/** Reads a 2xx body as JSON; transport errors and unparsable bodies become UpstreamError. */
export async function readJson(res: UpstreamResponse, signal: CancelSignal): Promise<unknown> {
  let text: string;
  try {
    text = await res.body.text();
  } catch (err) {
    throw toUpstreamError(err, signal);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UpstreamError('invalid_response', 'upstream returned a body that is not JSON', {
      status: res.status,
    });
  }
}

const MAX_ERROR_BODY = 64 * 1024;
const MAX_MESSAGE = 500;
// Compiled once: things that look like an API key or bearer token an upstream echoed back.
const SK_KEY = /\bsk-[A-Za-z0-9_-]{8,}/g;
const BEARER = /\bBearer\s+[A-Za-z0-9._~+/=-]{6,}/gi;

async function readBounded(body: UpstreamBody, limit: number): Promise<string> {
  const decoder = new TextDecoder();
  let out = '';
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    out += decoder.decode(chunk, { stream: true });
    // Leaving the loop early destroys the body: the connection is not worth saving for a huge error.
    if (size >= limit) break;
  }
  return out + decoder.decode();
}

/** Pulls a human-readable message out of the error bodies the common providers send. */
export function extractErrorMessage(parsed: unknown): string | undefined {
  const root = Array.isArray(parsed) ? parsed[0] : parsed;
  if (typeof root !== 'object' || root === null) return undefined;
  const o = root as Record<string, unknown>;
  const err = o.error;
  if (typeof err === 'string') return err;
  if (typeof err === 'object' && err !== null) {
    const m = (err as Record<string, unknown>).message;
    if (typeof m === 'string') return m;
  }
  if (typeof o.message === 'string') return o.message;
  if (typeof o.detail === 'string') return o.detail;
  if (Array.isArray(o.detail)) {
    const first = o.detail[0] as { msg?: unknown } | undefined;
    if (first && typeof first.msg === 'string') return first.msg;
  }
  return undefined;
}

export function sanitizeMessage(msg: string, secrets: readonly string[] = []): string {
  let out = msg;
  for (const s of secrets) if (s.length >= 4 && out.includes(s)) out = out.split(s).join('***');
  out = out.replace(SK_KEY, 'sk-***').replace(BEARER, 'Bearer ***');
  return out.length > MAX_MESSAGE ? `${out.slice(0, MAX_MESSAGE)}…` : out;
}

/**
 * Turns a non-2xx upstream response into an UpstreamError: the provider's own message (bounded and
 * scrubbed of anything that looks like a credential, including the `secrets` we sent), the
 * `retry-after` delay and the error kind the router acts on.
 */
export async function throwForStatus(
  res: UpstreamResponse,
  opts: { signal?: CancelSignal; secrets?: readonly string[]; label?: string } = {},
): Promise<never> {
  const status = res.status;
  let raw = '';
  try {
    raw = await readBounded(res.body, MAX_ERROR_BODY);
  } catch (err) {
    const mapped = toUpstreamError(err, opts.signal);
    if (!(mapped instanceof UpstreamError)) throw mapped;
    // The status is what matters; an unreadable error body is not a reason to change the kind.
  }
  let message: string | undefined;
  const trimmed = raw.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      message = extractErrorMessage(JSON.parse(raw));
    } catch {
      // not JSON after all
    }
  }
  if (message === undefined && trimmed.length > 0 && !trimmed.startsWith('<')) message = trimmed;
  const upstreamMessage = message === undefined ? undefined : sanitizeMessage(message, opts.secrets);
  const retryAfterMs = res.headers['retry-after-ms'];
  const ms = typeof retryAfterMs === 'string' ? Number(retryAfterMs) : Number.NaN;
  const retryAfter = Number.isFinite(ms) && ms >= 0 ? ms / 1000 : parseRetryAfter(res.headers['retry-after']);
  // undici does not follow redirects; a 3xx means the base URL is wrong, not that the request is.
  const kind = status < 400 ? 'invalid_response' : kindForStatus(status);
  const label = opts.label ?? 'upstream';
  throw new UpstreamError(
    kind,
    `${label} returned HTTP ${status}${upstreamMessage ? `: ${upstreamMessage}` : ''}`,
    { status, retryAfter, upstreamMessage },
  );
}

/**
 * Serialise an upstream request body. A body that cannot be serialised (a cycle, or nesting deep
 * enough to overflow the stack) is the request's fault: never retried, never counted against the
 * provider's circuit.
 */
export function serializeBody(body: unknown): string {
  try {
    return JSON.stringify(body);
  } catch (err) {
    throw new UpstreamError('bad_request', 'the request could not be serialised for the provider', {
      cause: err,
    });
  }
}
