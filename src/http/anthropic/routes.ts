import { Hono } from 'hono';
import type { Pipeline } from '../../pipeline/index.js';
import { readJsonBody } from '../body.js';
import { clientIp } from '../client-ip.js';
import { streamErrorEvent } from '../errors.js';
import { pickHeaders } from '../headers.js';
import { SSE_HEADERS, sseStream } from '../sse.js';
import type { AppEnv } from '../types.js';
import { createMessagesStreamEncoder, parseMessagesRequest, toMessagesResponse } from './wire.js';

/** Anthropic-compatible surface (`POST /v1/messages`), served by any provider family. */
export function anthropicRoutes(deps: {
  pipeline: Pipeline;
  maxBodyBytes: number;
  trustProxy: boolean;
}): Hono<AppEnv> {
  const { pipeline, maxBodyBytes, trustProxy } = deps;
  const app = new Hono<AppEnv>();

  app.post('/messages', async (c) => {
    const requestId = c.get('requestId');
    const ctx = await pipeline.begin({
      requestId,
      endpoint: 'messages',
      apiShape: 'anthropic',
      headers: pickHeaders(c.req.raw.headers),
      clientIp: clientIp(c, trustProxy),
    });
    c.set('ctx', ctx);
    let req: ReturnType<typeof parseMessagesRequest>;
    try {
      req = parseMessagesRequest(await readJsonBody(c.req.raw, maxBodyBytes));
    } catch (e) {
      pipeline.fail(ctx, e);
      throw e;
    }
    const signal = c.req.raw.signal;
    if (!req.stream) {
      const res = await pipeline.chat(ctx, req, signal);
      return c.json(toMessagesResponse(res));
    }
    const abort = new AbortController();
    const events = await pipeline.chatStream(ctx, req, AbortSignal.any([signal, abort.signal]));
    let encoder: ReturnType<typeof createMessagesStreamEncoder> | null = null;
    const body = sseStream(
      events,
      (ev) => {
        if (!encoder) {
          const start = ev.type === 'start' ? ev : { id: requestId, model: req.model };
          encoder = createMessagesStreamEncoder({ id: start.id, model: start.model });
        }
        return encoder.encode(ev);
      },
      {
        end: () => encoder?.end() ?? '',
        onError: (err) => streamErrorEvent(err, 'anthropic'),
        onCancel: () => abort.abort(),
      },
    );
    return new Response(body, { status: 200, headers: { ...SSE_HEADERS, 'x-keel-request-id': requestId } });
  });

  return app;
}
