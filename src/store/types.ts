/**
 * One lean, immutable usage event per request (also for errors and blocked calls). Prices are not
 * copied into the row: only the computed cost and the price-table version that produced it.
 */
export interface UsageEvent {
  requestId: string;
  /** Epoch milliseconds when the request arrived. */
  ts: number;
  endpoint: 'chat' | 'messages' | 'embeddings' | 'responses';
  apiShape: 'openai' | 'anthropic';
  stream: boolean;
  modelRequested: string;
  /** Provider id from config, null when no upstream was reached. */
  provider: string | null;
  modelUpstream: string | null;
  attempts: number;
  /** Model names tried after the first, in order (empty when the first model answered). */
  fallbacks: string[];
  cacheHit: boolean;
  /** HTTP status returned to the client. */
  status: number;
  errorCode: string | null;
  latencyMs: number;
  ttftMs: number | null;
  inputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  tokensEstimated: boolean;
  /** null = unpriced (no price known for the model), never silently 0. */
  costUsd: number | null;
  priceVersion: string | null;
  keyId: string | null;
  useCase: string;
  team: string | null;
  userId: string | null;
  feature: string | null;
  traceId: string | null;
}

/** Where the pipeline records usage; the store batches writes behind it. */
export interface UsageSink {
  record(event: UsageEvent): void;
  /** Write everything buffered; resolves when it is durable. */
  flush(): Promise<void>;
  /** Writers that buffer: true while the last write attempt failed (the store takes no writes). */
  readonly failing?: boolean;
  /** Writers that buffer: events waiting for the store. */
  readonly pending?: number;
}
