import { Hono } from 'hono';
import { CancelSource } from '../../canonical/cancel.js';
import { KeelError } from '../../errors.js';
import type { Pipeline } from '../../pipeline/index.js';
import type { Router } from '../../routing/types.js';
import { estimateChatInputTokens } from '../../value/tokens.js';
import { clientIp } from '../client-ip.js';
import { streamErrorEvent } from '../errors.js';
import { beginCall, okJson, okStream, parseBody, requestHeadersOf } from '../gateway.js';
import type { Lifecycle } from '../lifecycle.js';
import { clientSignal, readJson } from '../node-io.js';
import { sseStream } from '../sse.js';
import type { AppEnv } from '../types.js';
import {
  betasOf,
  createMessagesStreamEncoder,
  parseCountTokensRequest,
  parseMessagesRequest,
  toMessagesResponse,
} from './wire.js';

/** Anthropic-compatible surface (`POST /v1/messages`, `count_tokens`), served by any provider family. */
export function anthropicRoutes(deps: {
  pipeline: Pipeline;
  router: Router;
  maxBodyBytes: number;
  trustProxy: boolean;
  /** Ends open streams at the shutdown deadline. */
  lifecycle?: Lifecycle;
}): Hono<AppEnv> {
  const { pipeline, router, maxBodyBytes, trustProxy, lifecycle } = deps;
  const app = new Hono<AppEnv>();

  app.post('/messages', async (c) => {
    const ctx = await beginCall(c, pipeline, { endpoint: 'messages', apiShape: 'anthropic', trustProxy });
    const req = await parseBody(c, pipeline, ctx, maxBodyBytes, parseMessagesRequest);
    const betas = betasOf(ctx.headers['anthropic-beta']);
    if (betas) req.betas = betas;
    const signal = clientSignal(c);
    if (!req.stream) return okJson(c, ctx, toMessagesResponse(await pipeline.chat(ctx, req, signal)));
    // Aborted by the client leaving or by the response stream being cancelled, whichever is first.
    const abort = new CancelSource();
    signal.onAbort((reason) => abort.abort(reason));
    const events = await pipeline.chatStream(ctx, req, abort);
    let encoder: ReturnType<typeof createMessagesStreamEncoder> | null = null;
    const body = sseStream(
      events,
      (ev) => {
        if (!encoder) {
          const start = ev.type === 'start' ? ev : { id: ctx.requestId, model: req.model };
          encoder = createMessagesStreamEncoder({ id: start.id, model: start.model });
        }
        return encoder.encode(ev);
      },
      {
        end: () => encoder?.end() ?? '',
        onError: (err) => streamErrorEvent(err, 'anthropic'),
        onCancel: (reason) => abort.abort(reason),
        lifecycle,
      },
    );
    return okStream(c, ctx, body);
  });

  // Counting is free upstream and not metered here: authenticated and scoped like a model list.
  app.post('/messages/count_tokens', async (c) => {
    const headers = requestHeadersOf(c);
    const principal = await pipeline.authenticate(headers, 'messages', clientIp(c, trustProxy));
    const req = parseCountTokensRequest(await readJson(c, maxBodyBytes));
    if (!router.resolve(req.model) || (principal?.scopes && !principal.scopes.models(req.model)))
      throw new KeelError('model_not_found', `The model \`${req.model}\` does not exist.`, {
        param: 'model',
      });
    const betas = betasOf(headers['anthropic-beta']);
    if (betas) req.betas = betas;
    const counted = await router.countTokens(req, clientSignal(c));
    c.header('x-keel-token-count', counted === null ? 'estimated' : 'upstream');
    return c.json({ input_tokens: counted ?? estimateChatInputTokens(req) });
  });

  return app;
}
