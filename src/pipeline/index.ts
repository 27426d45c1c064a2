import type {
  ChatRequest,
  ChatResponse,
  ChatStreamEvent,
  EmbeddingsRequest,
  EmbeddingsResponse,
} from '../canonical/types.js';
import { toKeelError } from '../errors.js';
import type { Router } from '../routing/types.js';
import type { UsageSink } from '../store/types.js';
import type { PriceBook } from '../value/pricing/types.js';
import { attribute } from './attribute.js';
import type { Authenticator } from './authenticate.js';
import { newDispatchOutcome, type Principal, type RequestContext } from './context.js';
import { record } from './record.js';
import { responseText, settle } from './settle.js';

/**
 * The request path, top to bottom:
 *   authenticate → attribute → dispatch (router: cache, balancing, retries, fallbacks)
 *   → settle (usage, cost) → record (one usage event)
 * Later stages (authorize, admit, guards) slot in between without the HTTP edge changing.
 */
export interface PipelineDeps {
  authenticate: Authenticator;
  router: Router;
  prices: PriceBook;
  usage: UsageSink;
  now: () => number;
  perfNow: () => number;
}

export interface Pipeline {
  /** Authentication alone, for endpoints that are not metered (model lists). */
  authenticate(headers: Record<string, string | undefined>): Principal | null;
  /** Stage 1: authenticate before the body is even parsed. Throws KeelError 401. */
  begin(
    init: Pick<RequestContext, 'requestId' | 'endpoint' | 'apiShape' | 'headers' | 'clientIp'>,
  ): RequestContext;
  chat(ctx: RequestContext, req: ChatRequest, signal: AbortSignal): Promise<ChatResponse>;
  /** Events for the client; the usage event is recorded when the stream ends, fails or is cancelled. */
  chatStream(
    ctx: RequestContext,
    req: ChatRequest,
    signal: AbortSignal,
  ): Promise<AsyncIterable<ChatStreamEvent>>;
  embed(ctx: RequestContext, req: EmbeddingsRequest, signal: AbortSignal): Promise<EmbeddingsResponse>;
  /** Record a request that failed before or outside dispatch (bad body, auth). */
  fail(ctx: RequestContext, err: unknown): void;
}

/** Status recorded for a stream the client abandoned (nginx's convention). */
const CLIENT_CLOSED = 499;

export function createPipeline(deps: PipelineDeps): Pipeline {
  const latency = (ctx: RequestContext) => Math.round((deps.perfNow() - ctx.startedAt) * 1000) / 1000;

  function attach(ctx: RequestContext, user: string | undefined) {
    ctx.attribution = attribute(ctx.headers, ctx.principal, user);
  }

  function fail(ctx: RequestContext, err: unknown, outputText: string | null = null): void {
    const e = toKeelError(err);
    const settlement = ctx.dispatch.provider ? settle(ctx, deps.prices, outputText) : null;
    record(deps.usage, ctx, { status: e.status, errorCode: e.code, settlement, latencyMs: latency(ctx) });
  }

  return {
    authenticate: deps.authenticate,

    begin(init) {
      const ctx: RequestContext = {
        ...init,
        receivedAt: deps.now(),
        startedAt: deps.perfNow(),
        principal: null,
        attribution: { useCase: 'unassigned', team: null, userId: null, feature: null, traceId: null },
        dispatch: newDispatchOutcome(),
      };
      try {
        ctx.principal = deps.authenticate(init.headers);
      } catch (e) {
        ctx.attribution = attribute(ctx.headers, null, undefined);
        fail(ctx, e);
        throw e;
      }
      return ctx;
    },

    async chat(ctx, req, signal) {
      ctx.chat = req;
      attach(ctx, req.user);
      let res: ChatResponse;
      try {
        res = await deps.router.chat(req, ctx.dispatch, signal);
      } catch (e) {
        fail(ctx, e);
        throw e;
      }
      const settlement = settle(ctx, deps.prices, ctx.dispatch.usage ? null : responseText(res));
      if (!res.usage || settlement.usage.estimated) res.usage = settlement.usage;
      record(deps.usage, ctx, { status: 200, errorCode: null, settlement, latencyMs: latency(ctx) });
      return res;
    },

    async chatStream(ctx, req, signal) {
      ctx.chat = req;
      attach(ctx, req.user);
      let upstream: AsyncIterable<ChatStreamEvent>;
      try {
        upstream = await deps.router.chatStream(req, ctx.dispatch, signal);
      } catch (e) {
        fail(ctx, e);
        throw e;
      }
      return (async function* metered() {
        // Text is kept only to estimate output tokens if the upstream never reports usage.
        let text = '';
        let done = false;
        let error: unknown = null;
        try {
          for await (const ev of upstream) {
            if (ev.type === 'text') text += ev.text;
            else if (ev.type === 'tool_call_delta') text += ev.argumentsDelta;
            yield ev;
          }
          done = true;
        } catch (e) {
          error = e;
          throw e;
        } finally {
          if (done) {
            const settlement = settle(ctx, deps.prices, ctx.dispatch.usage ? null : text);
            record(deps.usage, ctx, { status: 200, errorCode: null, settlement, latencyMs: latency(ctx) });
          } else if (error) {
            fail(ctx, error, text);
          } else {
            const settlement = settle(ctx, deps.prices, text);
            record(deps.usage, ctx, {
              status: CLIENT_CLOSED,
              errorCode: 'client_closed',
              settlement,
              latencyMs: latency(ctx),
            });
          }
        }
      })();
    },

    async embed(ctx, req, signal) {
      ctx.embeddings = req;
      attach(ctx, req.user);
      let res: EmbeddingsResponse;
      try {
        res = await deps.router.embed(req, ctx.dispatch, signal);
      } catch (e) {
        fail(ctx, e);
        throw e;
      }
      const settlement = settle(ctx, deps.prices, null);
      record(deps.usage, ctx, { status: 200, errorCode: null, settlement, latencyMs: latency(ctx) });
      return res;
    },

    fail,
  };
}
