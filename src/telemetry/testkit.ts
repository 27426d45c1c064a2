import type { UsageEvent } from '../store/types.js';

/** A finished, successful, priced chat call; tests override what they exercise. */
export function usageEvent(over: Partial<UsageEvent> = {}): UsageEvent {
  return {
    requestId: 'req_test',
    ts: Date.UTC(2025, 0, 15, 12, 0, 0),
    endpoint: 'chat',
    apiShape: 'openai',
    stream: false,
    modelRequested: 'gpt-4o',
    provider: 'oai',
    modelUpstream: 'gpt-4o',
    attempts: 1,
    fallbacks: [],
    cacheHit: false,
    status: 200,
    errorCode: null,
    latencyMs: 420,
    ttftMs: 180,
    inputTokens: 1000,
    cachedInputTokens: 200,
    cacheWriteTokens: 0,
    outputTokens: 300,
    reasoningTokens: 50,
    tokensEstimated: false,
    costUsd: 0.0055,
    priceVersion: 'v1',
    keyId: 'key_1',
    useCase: 'support',
    team: 'cx',
    userId: 'u1',
    feature: 'reply',
    traceId: null,
    ...over,
  };
}
