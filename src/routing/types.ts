import type { CancelSignal } from '../canonical/cancel.js';
import type {
  ChatRequest,
  ChatResponse,
  ChatStreamEvent,
  EmbeddingsRequest,
  EmbeddingsResponse,
} from '../canonical/types.js';
import type { DispatchOutcome } from './outcome.js';

export interface ModelInfo {
  name: string;
  type: 'chat' | 'embedding';
  description?: string;
  /** provider ids serving it */
  providers: string[];
  /** `max_output_tokens` from config: the most output one answer can have. */
  maxOutputTokens?: number;
}

/**
 * Routes a canonical request to a target: weighted choice among a model's targets, retries with
 * backoff, then the remaining targets, then the model's fallback models; circuit breaking and the
 * response cache live here too. Records what it did in `outcome`. Throws KeelError when nothing
 * could answer (the last upstream error, mapped).
 */
export interface Router {
  chat(req: ChatRequest, outcome: DispatchOutcome, signal: CancelSignal): Promise<ChatResponse>;
  /**
   * Resolves with a stream whose first event has already been received from the upstream, so every
   * failure before the first byte is retried / fallen back from. Errors later are thrown from the
   * iterator as KeelError('stream_interrupted').
   */
  chatStream(
    req: ChatRequest,
    outcome: DispatchOutcome,
    signal: CancelSignal,
  ): Promise<AsyncIterable<ChatStreamEvent>>;
  embed(req: EmbeddingsRequest, outcome: DispatchOutcome, signal: CancelSignal): Promise<EmbeddingsResponse>;
  /**
   * The input tokens of a request as the model's first target counts them, when its provider can
   * (Anthropic's count_tokens); null when it cannot, so the caller counts with Keel's estimator.
   */
  countTokens(req: ChatRequest, signal: CancelSignal): Promise<number | null>;
  /** Does a model with this name exist (and of which type)? */
  resolve(model: string): ModelInfo | undefined;
  models(): ModelInfo[];
  /**
   * Every (provider, upstream model) a request for this model could be served by, fallbacks
   * included — what budget reservations must price against. Empty for an unknown model.
   */
  candidates(model: string): Array<{ provider: string; model: string }>;
}
