import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { CancelSource } from '../../canonical/cancel.js';
import type { ChatStreamEvent } from '../../canonical/types.js';
import { KeelError } from '../../errors.js';
import type { RequestContext } from '../../pipeline/context.js';
import type { Pipeline } from '../../pipeline/index.js';
import type { ResponseStore } from '../../store/responses.js';
import { clientIp } from '../client-ip.js';
import { beginCall, okJson, okStream, parseBody, requestHeadersOf } from '../gateway.js';
import type { Lifecycle } from '../lifecycle.js';
import { clientSignal } from '../node-io.js';
import { sseStream } from '../sse.js';
import type { AppEnv } from '../types.js';
import { type Conversation, resolveConversation, toChatRequest } from './conversation.js';
import { listInputItems } from './input-items.js';
import { parseResponsesBody } from './request.js';
import { outputItems, type ResponseShell, responseObject, statusOf } from './response.js';
import { createResponsesStreamEncoder } from './stream.js';

const DAY_MS = 86_400_000;

export interface ResponsesRouteDeps {
  pipeline: Pipeline;
  /** Null when responses are not kept (`responses.retention_days: 0`). */
  store: ResponseStore | null;
  retentionDays: number;
  maxBodyBytes: number;
  trustProxy: boolean;
  lifecycle?: Lifecycle;
  /** Told when a response could not be stored (it is answered with `store: false`). */
  onStoreError?: (err: unknown, responseId: string) => void;
  now?: () => number;
}

/**
 * OpenAI Responses API (`/v1/responses`), served by any provider family: the request becomes a
 * canonical chat request and runs the same pipeline as `/v1/chat/completions` (guards, scopes,
 * budgets, usage); the answer is kept per key for `previous_response_id` and `GET`.
 */
export function responsesRoutes(deps: ResponsesRouteDeps): Hono<AppEnv> {
  const { pipeline, store, maxBodyBytes, trustProxy, lifecycle } = deps;
  const now = deps.now ?? Date.now;
  const app = new Hono<AppEnv>();

  /** Saves a finished response when asked to and able to; says whether it is stored. */
  async function keep(
    ctx: RequestContext,
    shell: ResponseShell,
    conv: Conversation,
    response: Record<string, unknown>,
  ): Promise<boolean> {
    if (!store || !shell.body.store) return false;
    const createdAt = shell.createdAt * 1000;
    try {
      await store.save({
        id: shell.id,
        keyId: ctx.principal?.keyId ?? null,
        createdAt,
        expiresAt: createdAt + deps.retentionDays * DAY_MS,
        context: conv.context,
        input: conv.input,
        response,
      });
      return true;
    } catch (err) {
      // The caller paid for this answer: it is returned, marked as not stored.
      deps.onStoreError?.(err, shell.id);
      response.store = false;
      return false;
    }
  }

  app.post('/responses', async (c) => {
    const ctx = await beginCall(c, pipeline, { endpoint: 'responses', apiShape: 'openai', trustProxy });
    const body = await parseBody(c, pipeline, ctx, maxBodyBytes, parseResponsesBody);
    const idKey = randomBytes(12).toString('hex');
    const shell: ResponseShell = { id: `resp_${idKey}`, createdAt: Math.floor(now() / 1000), body, idKey };
    let conv: Conversation;
    let req: ReturnType<typeof toChatRequest>;
    try {
      conv = await resolveConversation(body, store, ctx.principal?.keyId ?? null, idKey);
      req = toChatRequest(body, conv);
    } catch (e) {
      pipeline.fail(ctx, e);
      throw e;
    }
    const signal = clientSignal(c);
    if (!body.stream) {
      const res = await pipeline.chat(ctx, req, signal);
      const { status, incomplete } = statusOf(res.choices[0]?.finishReason ?? null);
      const response = responseObject(shell, {
        status,
        incomplete,
        model: res.model,
        output: outputItems(shell, res),
        usage: res.usage ?? null,
        store: body.store && store !== null,
      });
      await keep(ctx, shell, conv, response);
      return okJson(c, ctx, response);
    }
    const abort = new CancelSource();
    signal.onAbort((reason) => abort.abort(reason));
    const events = await pipeline.chatStream(ctx, req, abort);
    const encoder = createResponsesStreamEncoder(shell);
    async function* frames(): AsyncGenerator<string> {
      for await (const ev of events as AsyncIterable<ChatStreamEvent>) yield encoder.encode(ev);
      const end = encoder.finish(body.store && store !== null);
      yield end.frames;
      await keep(ctx, shell, conv, end.response);
      yield encoder.completed(end.response);
    }
    const stream = sseStream(frames(), (s) => s, {
      end: () => '',
      onError: (err) => encoder.error(err),
      onCancel: (reason) => abort.abort(reason),
      lifecycle,
    });
    return okStream(c, ctx, stream);
  });

  /** The caller's key (null with auth off), after the same endpoint check as POST. */
  async function owner(c: Context<AppEnv>): Promise<string | null> {
    const principal = await pipeline.authenticate(requestHeadersOf(c), 'chat', clientIp(c, trustProxy));
    return principal?.keyId ?? null;
  }

  async function stored(c: Context<AppEnv>) {
    const keyId = await owner(c);
    const id = c.req.param('id') ?? '';
    const found = store ? await store.get(id, keyId) : null;
    if (!found) throw new KeelError('not_found', `Response with id '${id.slice(0, 100)}' not found.`);
    return found;
  }

  app.get('/responses/:id', async (c) => {
    if (c.req.query('stream') === 'true')
      throw new KeelError('unsupported_feature', 'Resuming a stream is not supported.', { param: 'stream' });
    return c.json((await stored(c)).response);
  });

  app.get('/responses/:id/input_items', async (c) => {
    const found = await stored(c);
    return c.json(listInputItems(found.input, c.req.query()));
  });

  app.delete('/responses/:id', async (c) => {
    const keyId = await owner(c);
    const id = c.req.param('id');
    if (!store || !(await store.delete(id, keyId)))
      throw new KeelError('not_found', `Response with id '${id.slice(0, 100)}' not found.`);
    return c.json({ id, object: 'response.deleted', deleted: true });
  });

  return app;
}
