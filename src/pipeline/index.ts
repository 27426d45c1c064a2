import type { EndpointScope } from '../access/model.js';
import type { Principal } from '../access/principal.js';
import type { AuditLog } from '../audit/types.js';
import type { CancelSignal } from '../canonical/cancel.js';
import type {
  ChatRequest,
  ChatResponse,
  ChatStreamEvent,
  EmbeddingsRequest,
  EmbeddingsResponse,
} from '../canonical/types.js';
import type { GuardPolicy } from '../config/guards.js';
import { toKeelError } from '../errors.js';
import type { ScreeningMemo } from '../guards/memo.js';
import { newDispatchOutcome } from '../routing/outcome.js';
import type { SchemaPool } from '../schemas/index.js';
import type { UsageSink } from '../store/types.js';
import { type AdmitDeps, admit, release } from './admit.js';
import { attribute } from './attribute.js';
import type { Authenticator } from './authenticate.js';
import { authorizeEndpoint, authorizeRequest, authorizeToolCall, scopeOf } from './authorize.js';
import type { RequestContext } from './context.js';
import { type CallEstimate, choicesOf, estimateChatCall, estimateEmbeddingsCall } from './estimate.js';
import { failureMode } from './failure-policy.js';
import { checkExternal, type ExternalOutcome } from './guard/external.js';
import { createStreamGuard, screenOutput } from './guard/output.js';
import { guardRequest } from './guard/stage.js';
import { verifyToolArguments } from './guard/tools.js';
import type { GuardEvent } from './guard/types.js';
import { capOutput, chatOutputFit, createDroppedReporter } from './output-cap.js';
import { record, type UsageObserver } from './record.js';
import { checkRequestSchemas } from './schemas.js';
import { createAttributionRules, refuseUnknownModel } from './scope.js';
import { estimateEmbeddingTokens, responseText, type Settlement, settle } from './settle.js';
import { implausibleUsage } from './usage-check.js';

/**
 * The request path, top to bottom:
 *   authenticate → authorize endpoint → attribute → authorize request → admit (rate limits,
 *   budget reservation) → dispatch (router: cache, balancing, retries, fallbacks) → screen output
 *   (tool calls) → settle (usage, cost, release reservation) → record (usage event, audit)
 */
export interface PipelineDeps extends AdmitDeps {
  authenticate: Authenticator;
  usage: UsageSink;
  audit: AuditLog | null;
  /** Guard policies: which applies to a call, and where decisions go. Absent = guards off. */
  guards?: {
    policyFor(ctx: RequestContext): GuardPolicy | null;
    onEvents(ctx: RequestContext, events: readonly GuardEvent[]): void;
    /** Detector results of recently screened texts; absent = every text screened every time. */
    memo?: ScreeningMemo | null;
  };
  /** Checks, compiles and validates caller-supplied JSON Schemas off the event loop. Absent = not checked. */
  schemas?: SchemaPool;
  /** Metrics, traces, request logs: told about every finished request. */
  observers?: readonly UsageObserver[];
  /** Told how each call to a policy's external injection classifier ended and how long it took. */
  onExternalClassifier?: (outcome: ExternalOutcome, seconds: number) => void;
  /** Told when an upstream's reported usage was not believed and Keel's estimate billed instead. */
  onImplausibleUsage?: (ctx: RequestContext, reason: string) => void;
  perfNow: () => number;
}

export type BeginInit = Pick<RequestContext, 'requestId' | 'endpoint' | 'apiShape' | 'headers' | 'clientIp'>;

export interface Pipeline {
  /** Authentication and endpoint scope alone, for endpoints that are not metered (model lists). */
  authenticate(
    headers: Record<string, string | undefined>,
    endpoint: EndpointScope,
    clientIp: string | null,
  ): Promise<Principal | null>;
  /** Authenticate and check the endpoint scope before the body is even parsed. Throws 401/403. */
  begin(init: BeginInit): Promise<RequestContext>;
  chat(ctx: RequestContext, req: ChatRequest, signal: CancelSignal): Promise<ChatResponse>;
  /** Events for the client; the usage event is recorded when the stream ends, fails or is cancelled. */
  chatStream(
    ctx: RequestContext,
    req: ChatRequest,
    signal: CancelSignal,
  ): Promise<AsyncIterable<ChatStreamEvent>>;
  embed(ctx: RequestContext, req: EmbeddingsRequest, signal: CancelSignal): Promise<EmbeddingsResponse>;
  /** Record a request that failed outside dispatch (e.g. a bad body). */
  fail(ctx: RequestContext, err: unknown): void;
}

/** Refusals that belong in the audit log (who was stopped, by which rule). */
const AUDITED = new Set([
  'missing_api_key',
  'invalid_api_key',
  'permission_denied',
  'tool_not_allowed',
  'rate_limit_exceeded',
  'budget_exceeded',
]);

export function createPipeline(deps: PipelineDeps): Pipeline {
  const latency = (ctx: RequestContext) => Math.round((deps.perfNow() - ctx.startedAt) * 1000) / 1000;
  const defaultMaxOutput = deps.config.access.default_max_output_tokens;
  const attributionRules = createAttributionRules(deps.config);
  const reportDropped = createDroppedReporter(deps.config);

  /**
   * The one exit of every request: price what was spent, release the admission, write the usage
   * event and, for refusals, the audit entry. A failed call that produced no output cost nothing,
   * unless the upstream had started answering (`upstreamStarted`: a stream cut after its first
   * event), which the provider bills at least for the input.
   */
  function finish(
    ctx: RequestContext,
    status: number,
    error: unknown,
    outputText: string | null,
    upstreamStarted = false,
  ): Settlement | null {
    const e = error === null ? null : toKeelError(error);
    const spent =
      ctx.dispatch.provider !== null &&
      (e === null || upstreamStarted || !!outputText || ctx.dispatch.usage !== null);
    const settlement = spent ? settle(ctx, deps.prices, ctx.dispatch.usage ? null : outputText) : null;
    const u = settlement?.usage;
    void release(deps, ctx, settlement?.costUsd ?? 0, u ? u.inputTokens + u.outputTokens : 0);
    record(deps.usage, deps.observers ?? [], ctx, {
      status: e?.status ?? status,
      errorCode: e?.code ?? (status === 499 ? 'client_closed' : null),
      settlement,
      latencyMs: latency(ctx),
    });
    if (ctx.guardEvents.length > 0) deps.guards?.onEvents(ctx, ctx.guardEvents);
    if (e && AUDITED.has(e.code)) {
      deps.audit?.append({
        actor: ctx.principal ? `key:${ctx.principal.keyId}` : 'anonymous',
        action: 'request.refused',
        target: ctx.requestId,
        details: {
          code: e.code,
          reason: e.message,
          endpoint: ctx.endpoint,
          model: ctx.chat?.model ?? ctx.embeddings?.model ?? null,
          use_case: ctx.attribution.useCase,
          client_ip: ctx.clientIp,
        },
      });
    }
    return settlement;
  }

  async function prepare(
    ctx: RequestContext,
    model: string,
    user: string | undefined,
    chat: ChatRequest | undefined,
    estimate: () => CallEstimate,
  ): Promise<void> {
    ctx.attribution = attribute(ctx.headers, ctx.principal, user);
    try {
      refuseUnknownModel(ctx, deps.router, model);
      attributionRules.check(ctx);
      if (chat) choicesOf(chat);
      authorizeRequest(ctx, model, chat);
      const modelMax = chat ? deps.router.resolve(model)?.maxOutputTokens : undefined;
      if (chat?.maxTokens !== undefined && modelMax !== undefined) capOutput(ctx, chat, modelMax, 'model');
      if (chat && deps.schemas)
        await checkRequestSchemas(
          chat,
          ctx.endpoint === 'responses' ? 'responses' : ctx.apiShape,
          deps.schemas,
        );
      const fit =
        chat && chatOutputFit(ctx, chat, deps.config.limits.budget_min_output_tokens, defaultMaxOutput);
      await admit(deps, ctx, model, estimate, fit);
      if (chat && chat.maxTokens === undefined) limitUnbounded(ctx, chat, modelMax);
      if (chat && deps.guards) {
        const policy = deps.guards.policyFor(ctx);
        if (policy) {
          ctx.guardOutput = guardRequest(
            chat,
            policy,
            { events: ctx.guardEvents },
            deps.schemas,
            deps.guards.memo?.view(ctx.principal?.keyId ?? '') ?? null,
          ).output;
          if (policy.injection.external && policy.injection.input !== 'off')
            await externalCheck(ctx, chat, policy);
        }
      }
    } catch (e) {
      finish(ctx, 0, e, null);
      throw e;
    }
  }

  /**
   * A call that names no max_tokens. The reservation assumed the default output limit: send it
   * upstream, or the call (a reasoning model above all) could produce more than was reserved. A
   * model's max_output_tokens is a ceiling the operator set for the route: a request must not escape
   * it by leaving max_tokens out, so such a call gets the default, never above the model's limit.
   */
  function limitUnbounded(ctx: RequestContext, chat: ChatRequest, modelMax: number | undefined): void {
    if (modelMax !== undefined) capOutput(ctx, chat, Math.min(defaultMaxOutput, modelMax), 'model');
    else if (ctx.admission?.reservation) chat.maxTokens = defaultMaxOutput;
  }

  /**
   * Usage an upstream reported that cannot be a bill (see usage-check.ts) is dropped, so the call is
   * settled on Keel's estimate, marked estimated; the reason goes to onImplausibleUsage. Returns
   * false when it was dropped.
   */
  function vetUsage(ctx: RequestContext): boolean {
    const u = ctx.dispatch.usage;
    if (!u || u.estimated) return true;
    const why = implausibleUsage(u, ctx.chat);
    if (why === null) return true;
    ctx.dispatch.usage = null;
    deps.onImplausibleUsage?.(ctx, why);
    return false;
  }

  /** The external classifier, under the guards failure policy; an unanswered check is counted as such. */
  async function externalCheck(ctx: RequestContext, chat: ChatRequest, policy: GuardPolicy): Promise<void> {
    const before = ctx.guardEvents.length;
    const fallback = failureMode(deps.config.failure_policy, ctx, 'guards') === 'closed' ? 'block' : 'allow';
    try {
      await checkExternal(chat, policy, ctx.guardEvents, fallback, deps.onExternalClassifier);
    } finally {
      for (let i = before; i < ctx.guardEvents.length; i++) {
        const ev = ctx.guardEvents[i]!;
        if (ev.labels.includes('injection.external.unavailable'))
          deps.onStoreFailure?.(ctx, 'guards', ev.action === 'block' ? 'refused' : 'admitted', null);
      }
    }
  }

  function screen(ctx: RequestContext, res: ChatResponse): void {
    if (!ctx.principal?.scopes) return;
    for (const c of res.choices) for (const t of c.message.toolCalls ?? []) authorizeToolCall(ctx, t);
  }

  return {
    async authenticate(headers, endpoint, clientIp) {
      const principal = await deps.authenticate(headers);
      authorizeEndpoint(principal, endpoint, clientIp);
      return principal;
    },

    async begin(init) {
      // Every field spelled out: on Node 20, an object literal that starts with a spread and then
      // adds properties (`{ ...init, x }`) was measured to get its per-request objects promoted to
      // the old generation, growing the heap by ~1 MB per young-generation GC under load.
      const ctx: RequestContext = {
        requestId: init.requestId,
        endpoint: init.endpoint,
        apiShape: init.apiShape,
        headers: init.headers,
        clientIp: init.clientIp,
        receivedAt: deps.now(),
        startedAt: deps.perfNow(),
        principal: null,
        attribution: { useCase: 'unassigned', team: null, userId: null, feature: null, traceId: null },
        dispatch: newDispatchOutcome(),
        admission: null,
        responseHeaders: {},
        guardEvents: [],
        guardOutput: null,
      };
      try {
        ctx.principal = await deps.authenticate(init.headers);
        authorizeEndpoint(ctx.principal, scopeOf(init.endpoint), init.clientIp);
      } catch (e) {
        ctx.attribution = attribute(ctx.headers, ctx.principal, undefined);
        finish(ctx, 0, e, null);
        throw e;
      }
      return ctx;
    },

    async chat(ctx, req, signal) {
      ctx.chat = req;
      await prepare(ctx, req.model, req.user, req, () => estimateChatCall(req, defaultMaxOutput));
      let res: ChatResponse;
      try {
        res = await deps.router.chat(req, ctx.dispatch, signal);
        reportDropped(ctx, req);
        if (!vetUsage(ctx)) delete res.usage;
        screen(ctx, res);
        if (ctx.guardOutput)
          screenOutput(
            res,
            ctx.guardOutput,
            ctx.guardEvents,
            await verifyToolArguments(res, ctx.guardOutput),
          );
      } catch (e) {
        finish(ctx, 0, e, null);
        throw e;
      }
      ctx.response = { id: res.id, model: res.model, finishReasons: res.choices.map((c) => c.finishReason) };
      const settlement = finish(ctx, 200, null, ctx.dispatch.usage ? null : responseText(res));
      if (settlement && (!res.usage || settlement.usage.estimated)) res.usage = settlement.usage;
      return res;
    },

    async chatStream(ctx, req, signal) {
      ctx.chat = req;
      await prepare(ctx, req.model, req.user, req, () => estimateChatCall(req, defaultMaxOutput));
      let upstream: AsyncIterable<ChatStreamEvent>;
      try {
        upstream = await deps.router.chatStream(req, ctx.dispatch, signal);
        reportDropped(ctx, req);
      } catch (e) {
        finish(ctx, 0, e, null);
        throw e;
      }
      const screened = !!ctx.principal?.scopes;
      const guard = ctx.guardOutput ? createStreamGuard(ctx.guardOutput, ctx.guardEvents) : null;
      return (async function* metered(): AsyncGenerator<ChatStreamEvent> {
        // Text is kept only to estimate output tokens if the upstream never reports usage.
        let text = '';
        let finished = false;
        try {
          for await (let ev of upstream) {
            // An implausible count never reaches the client either; Keel's estimate follows at the end.
            if (ev.type === 'usage' && !vetUsage(ctx)) continue;
            // Start-of-stream counts (Anthropic's message_start) reach the client only if believable;
            // the final usage event is vetted and reported as above.
            if (ev.type === 'start' && ev.usage && implausibleUsage(ev.usage, ctx.chat) !== null) {
              ev = { type: 'start', id: ev.id, model: ev.model, created: ev.created };
            }
            if (ev.type === 'text') text += ev.text;
            else if (ev.type === 'tool_call_delta') text += ev.argumentsDelta;
            else if (ev.type === 'thinking_delta' && ev.text) text += ev.text;
            else if (ev.type === 'tool_call_start' && screened) authorizeToolCall(ctx, ev);
            else if (ev.type === 'start') ctx.response = { id: ev.id, model: ev.model, finishReasons: [] };
            else if (ev.type === 'finish') ctx.response?.finishReasons.push(ev.finishReason);
            if (guard) yield* guard(ev);
            else yield ev;
          }
          finished = true;
          const settlement = finish(ctx, 200, null, text);
          // Clients that asked for usage get Keel's estimate when the upstream reported none.
          if (settlement?.usage.estimated) yield { type: 'usage', usage: settlement.usage };
        } catch (e) {
          finished = true;
          // The router hands over a stream whose first event has arrived: the upstream has started.
          finish(ctx, 0, e, text, !ctx.dispatch.cacheHit);
          throw e;
        } finally {
          if (!finished) finish(ctx, 499, null, text, !ctx.dispatch.cacheHit);
        }
      })();
    },

    async embed(ctx, req, signal) {
      ctx.embeddings = req;
      await prepare(ctx, req.model, req.user, undefined, () => estimateEmbeddingsCall(req));
      let res: EmbeddingsResponse;
      try {
        res = await deps.router.embed(req, ctx.dispatch, signal);
        if (!vetUsage(ctx)) res.usage = { inputTokens: estimateEmbeddingTokens(req), estimated: true };
      } catch (e) {
        finish(ctx, 0, e, null);
        throw e;
      }
      finish(ctx, 200, null, null);
      return res;
    },

    fail(ctx, err) {
      // A bad body is still booked to the use case, team and user the caller's headers name.
      ctx.attribution = attribute(ctx.headers, ctx.principal, undefined);
      finish(ctx, 0, err, null);
    },
  };
}
