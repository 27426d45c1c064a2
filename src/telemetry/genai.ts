import type { Attributes } from '@opentelemetry/api';
import type { ChatRequest } from '../canonical/types.js';
import { ANTHROPIC_BASE_URL, GEMINI_BASE_URL, OPENAI_DEFAULT_BASE_URL } from '../config/base-urls.js';
import type { ProviderConfig } from '../config/schema.js';
import type { UsageEvent } from '../store/types.js';

/**
 * OpenTelemetry GenAI semantic conventions (semantic-conventions-genai, inference and embeddings
 * client spans; Development status) mapped from Keel's usage event. Names checked against
 * docs/gen-ai/gen-ai-spans.md and @opentelemetry/semantic-conventions 1.41 incubating attributes.
 */

/** What the pipeline knows about a request that the usage event does not carry. All optional. */
export interface SpanExtra {
  /** W3C trace context headers of the incoming request: the span becomes their child. */
  traceparent?: string | undefined;
  tracestate?: string | undefined;
  maxTokens?: number | undefined;
  temperature?: number | undefined;
  topP?: number | undefined;
  /** One per choice, in Keel's canonical spelling (stop, length, tool_calls, content_filter…). */
  finishReasons?: readonly string[] | undefined;
  /** The completion id the upstream returned. */
  responseId?: string | undefined;
  /** The model the upstream says answered (e.g. gpt-4o-2024-08-06); defaults to the model Keel asked for. */
  responseModel?: string | undefined;
}

/** How a configured provider shows up on spans. Resolved once from config, not per request. */
export interface ProviderIdentity {
  /** gen_ai.provider.name: a well-known value where one applies. */
  name: string;
  address?: string;
  port?: number;
}

/** Spans for requests that never reached an upstream (refused, invalid) are Keel's own. */
const NO_PROVIDER: ProviderIdentity = { name: 'keel' };

/** Hosts of OpenAI-compatible services that have their own well-known gen_ai.provider.name. */
const COMPATIBLE_HOSTS: Record<string, string> = {
  'api.openai.com': 'openai',
  'api.groq.com': 'groq',
  'api.deepseek.com': 'deepseek',
  'api.mistral.ai': 'mistral_ai',
  'api.x.ai': 'x_ai',
  'api.perplexity.ai': 'perplexity',
};

export function providerIdentities(providers: readonly ProviderConfig[]): Map<string, ProviderIdentity> {
  const out = new Map<string, ProviderIdentity>();
  for (const p of providers) out.set(p.id, identify(p));
  return out;
}

function identify(p: ProviderConfig): ProviderIdentity {
  const defaults: Partial<Record<ProviderConfig['kind'], string>> = {
    openai: OPENAI_DEFAULT_BASE_URL,
    anthropic: ANTHROPIC_BASE_URL,
    gemini: GEMINI_BASE_URL,
  };
  const url = parseUrl(p.base_url ?? defaults[p.kind]);
  const where = url
    ? {
        address: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443,
      }
    : {};
  switch (p.kind) {
    case 'openai':
      return { name: 'openai', ...where };
    case 'azure-openai':
      return { name: 'azure.ai.openai', ...where };
    case 'anthropic':
      return { name: 'anthropic', ...where };
    case 'gemini':
      return { name: 'gcp.gemini', ...where };
    case 'simulator':
      return { name: 'keel.simulator' };
    default:
      // Spoken to over OpenAI's API: the spec's telemetry flavour is "openai" unless the host is a
      // provider with its own name; server.address tells the rest.
      return { name: (url && COMPATIBLE_HOSTS[url.hostname]) ?? 'openai', ...where };
  }
}

function parseUrl(s: string | undefined): URL | null {
  if (!s) return null;
  try {
    return new URL(s);
  } catch {
    return null;
  }
}

export function operationName(e: UsageEvent): 'chat' | 'embeddings' {
  return e.endpoint === 'embeddings' ? 'embeddings' : 'chat';
}

/** The model Keel asked the upstream for (the span is Keel's client call); the alias when none was reached. */
export function requestModel(e: UsageEvent): string {
  return e.modelUpstream ?? e.modelRequested;
}

/** `{gen_ai.operation.name} {gen_ai.request.model}`, or just the operation when no model is known. */
export function spanName(e: UsageEvent): string {
  const model = requestModel(e);
  return model ? `${operationName(e)} ${model}` : operationName(e);
}

export function providerOf(
  e: UsageEvent,
  providers: ReadonlyMap<string, ProviderIdentity>,
): ProviderIdentity {
  return (e.provider !== null && providers.get(e.provider)) || NO_PROVIDER;
}

/** What samplers may look at, so it is set when the span starts (as the conventions ask). */
export function startAttributes(e: UsageEvent, who: ProviderIdentity): Attributes {
  const a: Attributes = {
    'gen_ai.operation.name': operationName(e),
    'gen_ai.provider.name': who.name,
  };
  const model = requestModel(e);
  if (model) a['gen_ai.request.model'] = model;
  if (who.address !== undefined) a['server.address'] = who.address;
  if (who.port !== undefined) a['server.port'] = who.port;
  return a;
}

/** Everything else: request settings, response, usage, error and Keel's own attributes. */
export function endAttributes(e: UsageEvent, extra: SpanExtra, who: ProviderIdentity): Attributes {
  const a: Attributes = {
    // Deprecated by gen_ai.provider.name (semconv 1.37) but still what many backends group by.
    'gen_ai.system': who.name,
    'keel.request_id': e.requestId,
    'keel.use_case': e.useCase,
    'keel.endpoint': e.endpoint,
    'keel.api_shape': e.apiShape,
    'keel.status_code': e.status,
    'keel.cache_hit': e.cacheHit,
    'keel.attempts': e.attempts,
    'keel.fallbacks': e.fallbacks.length,
  };
  if (e.modelRequested) a['keel.model.requested'] = e.modelRequested;
  if (e.provider !== null) a['keel.provider.id'] = e.provider;
  if (e.stream) a['gen_ai.request.stream'] = true;
  if (extra.maxTokens !== undefined) a['gen_ai.request.max_tokens'] = extra.maxTokens;
  if (extra.temperature !== undefined) a['gen_ai.request.temperature'] = extra.temperature;
  if (extra.topP !== undefined) a['gen_ai.request.top_p'] = extra.topP;

  const responseModel = extra.responseModel ?? e.modelUpstream;
  if (responseModel) a['gen_ai.response.model'] = responseModel;
  if (extra.responseId) a['gen_ai.response.id'] = extra.responseId;
  if (extra.finishReasons && extra.finishReasons.length > 0)
    a['gen_ai.response.finish_reasons'] = [...extra.finishReasons];
  if (e.stream && e.ttftMs !== null) a['gen_ai.response.time_to_first_chunk'] = e.ttftMs / 1000;

  if (e.provider !== null || e.inputTokens > 0 || e.outputTokens > 0) {
    // Canonical Usage and the spec agree: input includes cache reads and writes, output includes reasoning.
    a['gen_ai.usage.input_tokens'] = e.inputTokens;
    a['gen_ai.usage.output_tokens'] = e.outputTokens;
    if (e.cachedInputTokens > 0) a['gen_ai.usage.cache_read.input_tokens'] = e.cachedInputTokens;
    if (e.cacheWriteTokens > 0) a['gen_ai.usage.cache_creation.input_tokens'] = e.cacheWriteTokens;
    if (e.reasoningTokens > 0) a['gen_ai.usage.reasoning.output_tokens'] = e.reasoningTokens;
    if (e.tokensEstimated) a['keel.usage.estimated'] = true;
  }
  if (e.costUsd === null) a['keel.cost.unpriced'] = true;
  else a['keel.cost.usd'] = e.costUsd;
  if (e.fallbacks.length > 0) a['keel.fallback_models'] = e.fallbacks;
  // Keel's stable error codes are low-cardinality, as error.type wants.
  if (e.errorCode !== null) a['error.type'] = e.errorCode;
  if (e.team !== null) a['keel.team'] = e.team;
  if (e.feature !== null) a['keel.feature'] = e.feature;
  if (e.traceId !== null) a['keel.trace_id'] = e.traceId;
  if (e.keyId !== null) a['keel.key_id'] = e.keyId;
  return a;
}

/**
 * The SpanExtra of a request, from what the pipeline holds. Build it only when tracing is enabled:
 * `if (tracing.enabled) tracing.recordSpan(event, spanExtra(ctx, …))`.
 */
export function spanExtra(
  ctx: { headers: Readonly<Record<string, string | undefined>>; chat?: ChatRequest | undefined },
  response?: { finishReasons?: readonly string[]; id?: string; model?: string },
): SpanExtra {
  const chat = ctx.chat;
  return {
    traceparent: ctx.headers.traceparent,
    tracestate: ctx.headers.tracestate,
    maxTokens: chat?.maxTokens,
    temperature: chat?.temperature,
    topP: chat?.topP,
    finishReasons: response?.finishReasons,
    responseId: response?.id,
    responseModel: response?.model,
  };
}
