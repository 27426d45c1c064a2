import { Hono } from 'hono';
import { CancelSource } from '../../canonical/cancel.js';
import { KeelError } from '../../errors.js';
import type { Pipeline } from '../../pipeline/index.js';
import type { Router } from '../../routing/types.js';
import { isAnthropicClient, toAnthropicModel, toAnthropicModelList } from '../anthropic/wire.js';
import { clientIp } from '../client-ip.js';
import { streamErrorEvent } from '../errors.js';
import { beginCall, okJson, okStream, parseBody, requestHeadersOf } from '../gateway.js';
import type { Lifecycle } from '../lifecycle.js';
import { clientSignal } from '../node-io.js';
import { sseStream } from '../sse.js';
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
  /** Ends open streams at the shutdown deadline. */
  lifecycle?: Lifecycle;
}): Hono<AppEnv> {
  const { pipeline, router, maxBodyBytes, trustProxy, lifecycle } = deps;
  const app = new Hono<AppEnv>();

  app.post('/chat/completions', async (c) => {
    const ctx = await beginCall(c, pipeline, { endpoint: 'chat', apiShape: 'openai', trustProxy });
    const req = await parseBody(c, pipeline, ctx, maxBodyBytes, parseChatRequest);
    const signal = clientSignal(c);
    if (!req.stream) return okJson(c, ctx, toChatCompletion(await pipeline.chat(ctx, req, signal)));
    // Aborted by the client leaving or by the response stream being cancelled, whichever is first.
    const abort = new CancelSource();
    signal.onAbort((reason) => abort.abort(reason));
    const events = await pipeline.chatStream(ctx, req, abort);
    let encoder: ReturnType<typeof createChunkEncoder> | null = null;
    const body = sseStream(
      events,
      (ev) => {
        if (!encoder) {
          // The first event is always `start` (the router peeks it before resolving).
          const start =
            ev.type === 'start'
              ? ev
              : { id: ctx.requestId, model: req.model, created: Math.floor(Date.now() / 1000) };
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
        onCancel: (reason) => abort.abort(reason),
        lifecycle,
      },
    );
    return okStream(c, ctx, body);
  });

  app.post('/embeddings', async (c) => {
    const ctx = await beginCall(c, pipeline, { endpoint: 'embeddings', apiShape: 'openai', trustProxy });
    const parsed = await parseBody(c, pipeline, ctx, maxBodyBytes, parseEmbeddingsRequest);
    const res = await pipeline.embed(ctx, parsed.req, clientSignal(c));
    return okJson(c, ctx, toEmbeddingsResponse(res, parsed.encodingFormat));
  });

  // Listing models is not metered, so it authenticates without starting a usage record. A key sees
  // only the models it may use; an unknown and a forbidden model look the same.
  app.get('/models', async (c) => {
    const headers = requestHeadersOf(c);
    const principal = await pipeline.authenticate(headers, 'models', clientIp(c, trustProxy));
    const allowed = principal?.scopes?.models;
    const models = allowed ? router.models().filter((m) => allowed(m.name)) : router.models();
    return c.json(isAnthropicClient(headers) ? toAnthropicModelList(models) : toModelList(models));
  });

  app.get('/models/:id', async (c) => {
    const headers = requestHeadersOf(c);
    const principal = await pipeline.authenticate(headers, 'models', clientIp(c, trustProxy));
    const id = c.req.param('id');
    const info = router.resolve(id);
    if (!info || (principal?.scopes && !principal.scopes.models(id)))
      throw new KeelError('model_not_found', `The model \`${id}\` does not exist.`, { param: 'model' });
    return c.json(isAnthropicClient(headers) ? toAnthropicModel(info) : toModelList([info]).data[0]);
  });

  return app;
}
