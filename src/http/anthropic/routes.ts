import { Hono } from 'hono';
import { CancelSource } from '../../canonical/cancel.js';
import type { Pipeline } from '../../pipeline/index.js';
import { streamErrorEvent } from '../errors.js';
import { beginCall, okJson, okStream, parseBody } from '../gateway.js';
import type { Lifecycle } from '../lifecycle.js';
import { clientSignal } from '../node-io.js';
import { sseStream } from '../sse.js';
import type { AppEnv } from '../types.js';
import { createMessagesStreamEncoder, parseMessagesRequest, toMessagesResponse } from './wire.js';

/** Anthropic-compatible surface (`POST /v1/messages`), served by any provider family. */
export function anthropicRoutes(deps: {
  pipeline: Pipeline;
  maxBodyBytes: number;
  trustProxy: boolean;
  /** Ends open streams at the shutdown deadline. */
  lifecycle?: Lifecycle;
}): Hono<AppEnv> {
  const { pipeline, maxBodyBytes, trustProxy, lifecycle } = deps;
  const app = new Hono<AppEnv>();

  app.post('/messages', async (c) => {
    const ctx = await beginCall(c, pipeline, { endpoint: 'messages', apiShape: 'anthropic', trustProxy });
    const req = await parseBody(c, pipeline, ctx, maxBodyBytes, parseMessagesRequest);
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

  return app;
}
