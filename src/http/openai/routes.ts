import { Hono } from 'hono';
import { KeelError } from '../../errors.js';
import type { Pipeline } from '../../pipeline/index.js';
import type { Router } from '../../routing/types.js';
import { readJsonBody } from '../body.js';
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
}): Hono<AppEnv> {
  const { pipeline, router, maxBodyBytes } = deps;
  const app = new Hono<AppEnv>();

  app.post('/chat/completions', async (c) => {
    const requestId = c.get('requestId');
    const ctx = pipeline.begin({
      requestId,
      endpoint: 'chat',
      apiShape: 'openai',
      headers: pickHeaders(c.req.raw.headers),
      clientIp: null,
    });
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
    const ctx = pipeline.begin({
      requestId: c.get('requestId'),
      endpoint: 'embeddings',
      apiShape: 'openai',
      headers: pickHeaders(c.req.raw.headers),
      clientIp: null,
    });
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

  // Listing models is not metered, so it authenticates without starting a usage record.
  app.get('/models', (c) => {
    pipeline.authenticate(pickHeaders(c.req.raw.headers));
    return c.json(toModelList(router.models()));
  });

  app.get('/models/:id', (c) => {
    pipeline.authenticate(pickHeaders(c.req.raw.headers));
    const id = c.req.param('id');
    const info = router.resolve(id);
    if (!info)
      throw new KeelError('model_not_found', `The model \`${id}\` does not exist.`, { param: 'model' });
    return c.json(toModelList([info]).data[0]);
  });

  return app;
}
