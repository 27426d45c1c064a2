import type { UsageEvent } from './types.js';

/** What a caller must say about a usage event; everything else has the value of a plain successful call. */
export type UsageEventFields = Pick<UsageEvent, 'requestId' | 'ts' | 'modelRequested' | 'useCase'> &
  Partial<UsageEvent>;

/**
 * A complete usage event from the fields that matter to the caller: a non-streaming OpenAI-shaped chat
 * call answered 200 on the first attempt, no tokens, unpriced, no attribution. For tools that generate
 * usage (benchmarks, seeding), so that a field added to UsageEvent gets its default in one place.
 */
export function usageEvent(fields: UsageEventFields): UsageEvent {
  return {
    endpoint: 'chat',
    apiShape: 'openai',
    stream: false,
    provider: null,
    modelUpstream: null,
    attempts: 1,
    fallbacks: [],
    cacheHit: false,
    status: 200,
    errorCode: null,
    latencyMs: 0,
    ttftMs: null,
    inputTokens: 0,
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    tokensEstimated: false,
    costUsd: null,
    priceVersion: null,
    keyId: null,
    team: null,
    userId: null,
    feature: null,
    traceId: null,
    ...fields,
  };
}
