import type { CancelSignal } from '../canonical/cancel.js';
import type {
  ChatRequest,
  ChatResponse,
  ChatStreamEvent,
  EmbeddingsRequest,
  EmbeddingsResponse,
} from '../canonical/types.js';
import type { ProviderConfig } from '../config/schema.js';

/** What the router hands an adapter for one attempt against one target. */
export interface TargetCall {
  /** The provider's own model (or Azure deployment) name. */
  model: string;
  /** Aborted on timeout or when the client goes away. */
  signal: CancelSignal;
}

/**
 * A provider adapter translates canonical requests into one provider family's wire format and back.
 * Adapters never retry or fall back (the router does) and throw only UpstreamError.
 */
export interface ProviderAdapter {
  readonly id: string;
  readonly kind: ProviderConfig['kind'];
  chat(req: ChatRequest, call: TargetCall): Promise<ChatResponse>;
  /**
   * Resolves once the upstream has accepted the request (2xx and headers received), so that errors
   * before the first byte can still be retried or fallen back from. Errors after that are thrown
   * from the iterator as UpstreamError with kind `stream_interrupted` or `invalid_response`.
   */
  chatStream(req: ChatRequest, call: TargetCall): Promise<AsyncIterable<ChatStreamEvent>>;
  embed(req: EmbeddingsRequest, call: TargetCall): Promise<EmbeddingsResponse>;
  /** The provider's own input-token count for a request (Anthropic's count_tokens), when it has one. */
  countTokens?(req: ChatRequest, call: TargetCall): Promise<number>;
  close?(): Promise<void>;
}

export type UpstreamErrorKind =
  | 'rate_limit' // 429
  | 'server' // 5xx
  | 'timeout'
  | 'connection' // refused, reset, DNS
  | 'bad_request' // 4xx caused by the request: never retried or fallen back from
  | 'auth' // 401/403 from the provider: Keel's provider key is wrong; fall back, do not retry
  | 'not_found' // 404 from the provider (unknown model/deployment): fall back, do not retry
  | 'invalid_response' // garbage body, unparsable JSON, wrong shape
  | 'stream_interrupted' // the upstream cut a stream mid-answer
  | 'unsupported' // the provider cannot do what was asked (e.g. embeddings on Anthropic)
  | 'blocked'; // Keel refused to connect (egress policy): fall back, never retry

export class UpstreamError extends Error {
  readonly kind: UpstreamErrorKind;
  readonly status: number | undefined;
  /** Seconds, from the upstream's `retry-after` header. */
  readonly retryAfter: number | undefined;
  /** The upstream's error message, safe to show (never contains Keel's provider key). */
  readonly upstreamMessage: string | undefined;

  constructor(
    kind: UpstreamErrorKind,
    message: string,
    opts: { status?: number; retryAfter?: number; upstreamMessage?: string; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'UpstreamError';
    this.kind = kind;
    this.status = opts.status;
    this.retryAfter = opts.retryAfter;
    this.upstreamMessage = opts.upstreamMessage;
  }

  /** Worth another try at the same target. */
  get retryable(): boolean {
    return (
      this.kind === 'rate_limit' ||
      this.kind === 'server' ||
      this.kind === 'timeout' ||
      this.kind === 'connection'
    );
  }

  /** Worth trying the next target / fallback model. Never for errors the request itself caused. */
  get fallbackable(): boolean {
    return this.kind !== 'bad_request' && this.kind !== 'unsupported';
  }
}

/** Classify an upstream HTTP status into an error kind. */
export function kindForStatus(status: number): UpstreamErrorKind {
  if (status === 429) return 'rate_limit';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server';
  return 'bad_request';
}

/** Parse a `retry-after` header (seconds or HTTP date) into seconds. */
export function parseRetryAfter(
  value: string | string[] | undefined | null,
  now = Date.now(),
): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs)) return Math.max(0, secs);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, (at - now) / 1000);
}
