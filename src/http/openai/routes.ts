import { Hono } from 'hono';
import { KeelError } from '../../errors.js';
import type { Pipeline } from '../../pipeline/index.js';
import type { Router } from '../../routing/types.js';
import { readJsonBody } from '../body.js';
import { clientIp } from '../client-ip.js';
import { streamErrorEvent } from '../errors.js';
import { pickHeaders } from '../headers.js';
import { SSE_HEADERS, sseStream } from '../sse.js';
import type { AppEnv } from '../types.js';
import {
  createChunkEncoder,
  parseChatRequest,
  parseEmbeddingsRequest,
  toChatCompletion,
  toEmbeddingsResponse,
  toModelList,
} from './wire.js';

/** OpenAI-compatible surface: translate at the edge, run the pipeline, translate back. */
export function openaiRoutes(deps: {
  pipeline: Pipeline;
  router: Router;
  maxBodyBytes: number;
  trustProxy: boolean;
}): Hono<AppEnv> {
  const { pipeline, router, maxBodyBytes, trustProxy } = deps;
  const app = new Hono<AppEnv>();

  app.post('/chat/completions', async (c) => {
    const requestId = c.get('requestId');
    const ctx = await pipeline.begin({
      requestId,
      endpoint: 'chat',
      apiShape: 'openai',
      headers: pickHeaders(c.req.raw.headers),
      clientIp: clientIp(c, trustProxy),
    });
    c.set('ctx', ctx);
    let req: ReturnType<typeof parseChatRequest>;
    try {
      req = parseChatRequest(await readJsonBody(c.req.raw, maxBodyBytes));
    } catch (e) {
      pipeline.fail(ctx, e);
      throw e;
    }
    const signal = c.req.raw.signal;
    if (!req.stream) {
      const res = await pipeline.chat(ctx, req, signal);
      return c.json(toChatCompletion(res));
    }
    const abort = new AbortController();
    const events = await pipeline.chatStream(ctx, req, AbortSignal.any([signal, abort.signal]));
    let encoder: ReturnType<typeof createChunkEncoder> | null = null;
    const body = sseStream(
      events,
      (ev) => {
        if (!encoder) {
          // The first event is always `start` (the router peeks it before resolving).
          const start =
            ev.type === 'start'
              ? ev
              : { id: requestId, model: req.model, created: Math.floor(Date.now() / 1000) };
          encoder = createChunkEncoder({
            id: start.id,
            model: start.model,
            created: start.created,
            includeUsage: req.includeUsage === true,
          });
        }
        return encoder.encode(ev);
      },
      {
        end: () => encoder?.done() ?? 'data: [DONE]\n\n',
        onError: (err) => streamErrorEvent(err, 'openai'),
        onCancel: () => abort.abort(),
      },
    );
    return new Response(body, { status: 200, headers: { ...SSE_HEADERS, 'x-keel-request-id': requestId } });
  });

  app.post('/embeddings', async (c) => {
    const ctx = await pipeline.begin({
      requestId: c.get('requestId'),
      endpoint: 'embeddings',
      apiShape: 'openai',
      headers: pickHeaders(c.req.raw.headers),
      clientIp: clientIp(c, trustProxy),
    });
    c.set('ctx', ctx);
    let parsed: ReturnType<typeof parseEmbeddingsRequest>;
    try {
      parsed = parseEmbeddingsRequest(await readJsonBody(c.req.raw, maxBodyBytes));
    } catch (e) {
      pipeline.fail(ctx, e);
      throw e;
    }
    const res = await pipeline.embed(ctx, parsed.req, c.req.raw.signal);
    return c.json(toEmbeddingsResponse(res, parsed.encodingFormat));
  });

  // Listing models is not metered, so it authenticates without starting a usage record. A key sees
  // only the models it may use; an unknown and a forbidden model look the same.
  app.get('/models', async (c) => {
    const principal = await pipeline.authenticate(
      pickHeaders(c.req.raw.headers),
      'models',
      clientIp(c, trustProxy),
    );
    const allowed = principal?.scopes?.models;
    return c.json(toModelList(allowed ? router.models().filter((m) => allowed(m.name)) : router.models()));
  });

  app.get('/models/:id', async (c) => {
    const principal = await pipeline.authenticate(
      pickHeaders(c.req.raw.headers),
      'models',
      clientIp(c, trustProxy),
    );
    const id = c.req.param('id');
    const info = router.resolve(id);
    if (!info || (principal?.scopes && !principal.scopes.models(id)))
      throw new KeelError('model_not_found', `The model \`${id}\` does not exist.`, { param: 'model' });
    return c.json(toModelList([info]).data[0]);
  });

  return app;
}
