import type { Context } from 'hono';
import type { RequestContext } from '../pipeline/context.js';
import type { Pipeline } from '../pipeline/index.js';
import { clientIp } from './client-ip.js';
import { WANTED_HEADERS } from './headers.js';
import { jsonResponse, readJson, requestHeaders } from './node-io.js';
import { SSE_HEADERS } from './sse.js';
import type { AppEnv } from './types.js';

/**
 * What every metered gateway route does around its own translation: start the pipeline (auth and
 * endpoint scope before the body is read), parse the body (recording a bad one as a failed call),
 * and answer with Keel's headers.
 */
export async function beginCall(
  c: Context<AppEnv>,
  pipeline: Pipeline,
  init: { endpoint: RequestContext['endpoint']; apiShape: RequestContext['apiShape']; trustProxy: boolean },
): Promise<RequestContext> {
  const ctx = await pipeline.begin({
    requestId: c.get('requestId'),
    endpoint: init.endpoint,
    apiShape: init.apiShape,
    headers: requestHeadersOf(c),
    clientIp: clientIp(c, init.trustProxy),
  });
  c.set('ctx', ctx);
  return ctx;
}

export function requestHeadersOf(c: Context<AppEnv>): Record<string, string | undefined> {
  return requestHeaders(c, WANTED_HEADERS);
}

export async function parseBody<T>(
  c: Context<AppEnv>,
  pipeline: Pipeline,
  ctx: RequestContext,
  maxBytes: number,
  parse: (body: unknown) => T,
): Promise<T> {
  try {
    return parse(await readJson(c, maxBytes));
  } catch (e) {
    pipeline.fail(ctx, e);
    throw e;
  }
}

/**
 * Keel's response headers: the request id, and rate-limit state when a limit applies. Built by
 * assignment: on Node 20 a per-request `{ ...a, ...b }` literal gets its objects promoted to the old
 * generation (see pipeline begin()).
 */
function keelHeaders(ctx: RequestContext, base?: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = base ? Object.assign({}, base) : {};
  out['x-keel-request-id'] = ctx.requestId;
  for (const k in ctx.responseHeaders) out[k] = ctx.responseHeaders[k]!;
  return out;
}

export function okJson(c: Context<AppEnv>, ctx: RequestContext, body: unknown): Response {
  c.set('sealed', true);
  return jsonResponse(body, 200, keelHeaders(ctx));
}

export function okStream(
  c: Context<AppEnv>,
  ctx: RequestContext,
  body: ReadableStream<Uint8Array>,
): Response {
  c.set('sealed', true);
  return new Response(body, { status: 200, headers: keelHeaders(ctx, SSE_HEADERS) });
}
