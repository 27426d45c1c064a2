import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from 'hono';
import { type CancelSignal, CancelSource, fromAbortSignal } from '../canonical/cancel.js';
import { checkContentType, parseJsonText, readJsonBody, tooLarge } from './body.js';

/**
 * The hot routes read requests from Node's IncomingMessage and answer with plain-object headers when
 * the Node adapter is in use: materialising a full Web `Request` (to read its body, headers or
 * signal) or touching `Response.headers` costs more CPU than the rest of Keel's request path.
 * Without the Node adapter (tests calling `app.request()`), the Web-standard objects are used.
 */

interface NodeEnv {
  incoming: IncomingMessage;
  outgoing: ServerResponse;
}

function nodeEnv(c: Context): NodeEnv | undefined {
  const env = c.env as Partial<NodeEnv> | undefined;
  return env?.incoming && env.outgoing ? (env as NodeEnv) : undefined;
}

/** The named request headers (lower-case), and nothing else. */
export function requestHeaders(c: Context, names: readonly string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  const node = nodeEnv(c);
  if (node) {
    const h = node.incoming.headers;
    for (const n of names) {
      const v = h[n];
      if (v !== undefined) out[n] = Array.isArray(v) ? v.join(', ') : v;
    }
    return out;
  }
  const h = c.req.raw.headers;
  for (const n of names) {
    const v = h.get(n);
    if (v !== null) out[n] = v;
  }
  return out;
}

/** Read and parse a JSON body with the size limit enforced while reading. */
export function readJson(c: Context, maxBytes: number): Promise<unknown> {
  const node = nodeEnv(c);
  if (!node) return readJsonBody(c.req.raw, maxBytes);
  const { incoming } = node;
  checkContentType(incoming.headers['content-type']);
  if (Number(incoming.headers['content-length'] ?? Number.NaN) > maxBytes)
    return Promise.reject(tooLarge(maxBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        incoming.resume();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      try {
        resolve(
          parseJsonText(
            chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'),
          ),
        );
      } catch (e) {
        reject(e);
      }
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const cleanup = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
  });
}

/** Aborted when the client goes away before the response is complete. */
export function clientSignal(c: Context): CancelSignal {
  const node = nodeEnv(c);
  if (!node) return fromAbortSignal(c.req.raw.signal);
  const source = new CancelSource();
  const { outgoing } = node;
  outgoing.once('close', () => {
    if (!outgoing.writableFinished) source.abort();
  });
  return source;
}

/** A JSON response with plain-object headers (the Node adapter's fast path). */
export function jsonResponse(body: unknown, status: number, headers: Record<string, string>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}
