import type { UsageEvent, UsageSink } from '../store/types.js';
import type { RequestContext } from './context.js';
import type { Settlement } from './settle.js';

/** Told about every finished request (metrics, traces, request logs). Must be cheap and never throw. */
export type UsageObserver = (event: UsageEvent, ctx: RequestContext) => void;

/** Turn a finished request into its one usage event, write it and tell the observers. */
export function record(
  sink: UsageSink,
  observers: readonly UsageObserver[],
  ctx: RequestContext,
  result: { status: number; errorCode: string | null; settlement: Settlement | null; latencyMs: number },
): void {
  const d = ctx.dispatch;
  const u = result.settlement?.usage;
  const model = ctx.chat?.model ?? ctx.embeddings?.model ?? '';
  const event: UsageEvent = {
    requestId: ctx.requestId,
    ts: ctx.receivedAt,
    endpoint: ctx.endpoint,
    apiShape: ctx.apiShape,
    stream: ctx.chat?.stream ?? false,
    modelRequested: model,
    provider: d.provider,
    modelUpstream: d.modelUpstream,
    attempts: d.attempts,
    fallbacks: d.fallbacks,
    cacheHit: d.cacheHit,
    status: result.status,
    errorCode: result.errorCode,
    latencyMs: result.latencyMs,
    ttftMs: d.ttftMs,
    inputTokens: u?.inputTokens ?? 0,
    cachedInputTokens: u?.cachedInputTokens ?? 0,
    cacheWriteTokens: u?.cacheWriteTokens ?? 0,
    outputTokens: u?.outputTokens ?? 0,
    reasoningTokens: u?.reasoningTokens ?? 0,
    tokensEstimated: u?.estimated === true,
    // No settlement means nothing was spent upstream: $0, which is not the same as unpriced.
    costUsd: result.settlement ? result.settlement.costUsd : 0,
    priceVersion: result.settlement?.priceVersion ?? null,
    keyId: ctx.principal?.keyId ?? null,
    useCase: ctx.attribution.useCase,
    team: ctx.attribution.team,
    userId: ctx.attribution.userId,
    feature: ctx.attribution.feature,
    traceId: ctx.attribution.traceId,
  };
  sink.record(event);
  for (const o of observers) o(event, ctx);
}
