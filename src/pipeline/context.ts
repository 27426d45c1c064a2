import type { Principal } from '../access/principal.js';
import type { ChatRequest, EmbeddingsRequest } from '../canonical/types.js';
import type { DispatchOutcome } from '../routing/outcome.js';
import type { OutputContext } from './guard/output.js';
import type { GuardEvent } from './guard/types.js';

export interface Attribution {
  useCase: string;
  team: string | null;
  userId: string | null;
  feature: string | null;
  traceId: string | null;
}

/** What admission reserved, so settlement can release it. */
export interface Admission {
  reservation: string | null;
  /** Tokens counted against the TPM window at admission (estimated input). */
  tpmCounted: number;
  tpmKey: string | null;
}

/**
 * The per-request context every pipeline stage reads and extends. Created by the HTTP edge after
 * the body is translated into a canonical request; recorded as one usage event at the end.
 */
export interface RequestContext {
  requestId: string;
  /** Epoch ms when the request arrived. */
  receivedAt: number;
  /** performance.now() at arrival, for latency. */
  startedAt: number;
  /** `responses` is served under the key's `chat` endpoint scope (scopeOf). */
  endpoint: 'chat' | 'messages' | 'embeddings' | 'responses';
  apiShape: 'openai' | 'anthropic';
  /** Client-supplied headers the pipeline may read (lower-case names). */
  headers: Record<string, string | undefined>;
  clientIp: string | null;
  principal: Principal | null;
  attribution: Attribution;
  chat?: ChatRequest;
  embeddings?: EmbeddingsRequest;
  dispatch: DispatchOutcome;
  admission: Admission | null;
  /** Guard decisions so far (input, then output). */
  guardEvents: GuardEvent[];
  /** What the output guard needs, when a guard policy applies. */
  guardOutput: OutputContext | null;
  /** What the upstream said about its answer, for traces. */
  response?: { id?: string; model?: string; finishReasons: string[] };
  /** Headers for the client's response (rate-limit state), whatever the outcome. */
  responseHeaders: Record<string, string>;
}
