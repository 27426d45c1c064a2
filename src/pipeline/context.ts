import type { BlockList } from 'node:net';
import type { BudgetPeriod, EndpointScope } from '../access/model.js';
import type { ChatRequest, EmbeddingsRequest, Usage } from '../canonical/types.js';
import type { OutputContext } from './guard/output.js';
import type { GuardEvent } from './guard/types.js';

/** What a key may do, compiled once per key (globs → matchers, CIDRs → a BlockList). */
export interface KeyScopes {
  models: (name: string) => boolean;
  endpoints: ReadonlySet<EndpointScope>;
  /** Empty = any use case; otherwise the first is the default attribution. */
  useCases: readonly string[];
  tools: (name: string) => boolean;
  maxTokens: number | null;
  rpm: number | null;
  tpm: number | null;
  budgetUsd: number | null;
  budgetPeriod: BudgetPeriod;
  cidrs: BlockList | null;
}

/** Who is calling, once authenticated. Null principal = auth is off. */
export interface Principal {
  keyId: string;
  name: string;
  /** Use case the key is bound to; becomes the default attribution. */
  useCase?: string;
  team?: string;
  /** null = unrestricted (keys declared in keel.yaml). */
  scopes: KeyScopes | null;
}

export interface Attribution {
  useCase: string;
  team: string | null;
  userId: string | null;
  feature: string | null;
  traceId: string | null;
}

/** What dispatch learned while calling upstream; filled in by the router. */
export interface DispatchOutcome {
  provider: string | null;
  modelUpstream: string | null;
  attempts: number;
  fallbacks: string[];
  cacheHit: boolean;
  ttftMs: number | null;
  usage: Usage | null;
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
  endpoint: 'chat' | 'messages' | 'embeddings';
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

export function newDispatchOutcome(): DispatchOutcome {
  return {
    provider: null,
    modelUpstream: null,
    attempts: 0,
    fallbacks: [],
    cacheHit: false,
    ttftMs: null,
    usage: null,
  };
}
