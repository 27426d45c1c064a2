/**
 * The canonical request/response types. Every API shape (OpenAI, Anthropic) is translated into these
 * at the HTTP edge, the pipeline works only on them, and every provider adapter translates them into
 * its own wire format. Token semantics follow OpenAI's: `inputTokens` includes cached and
 * cache-write tokens, `outputTokens` includes reasoning tokens.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };
export type JsonObject = { [k: string]: JsonValue };

export type Role = 'system' | 'user' | 'assistant' | 'tool';

/**
 * Anthropic's prompt-caching marker (`{type:'ephemeral', ttl?}`), kept on the block it was set on.
 * Only Anthropic targets honour it; OpenAI-family and Gemini targets cache prompts on their own and
 * drop it (the response's `x-keel-dropped-fields` header says so).
 */
export type CacheControl = JsonObject;

/** A file (a PDF above all) in a message: Anthropic `document` blocks and OpenAI `file` parts. */
export interface FilePart {
  type: 'file';
  /** e.g. `application/pdf`, `text/plain`. */
  mediaType: string;
  /** Base64 content. Exactly one of data, url and text is set. */
  data?: string;
  url?: string;
  /** Plain-text document content (Anthropic `source.type: text`). */
  text?: string;
  filename?: string;
  /** Anthropic document `title`, `context` and `citations`: forwarded to Anthropic targets only. */
  title?: string;
  context?: string;
  citations?: JsonObject;
  cacheControl?: CacheControl;
}

/**
 * A model's reasoning as Anthropic returns it: clients must send thinking blocks back unchanged,
 * signature included, in later turns of a tool-using conversation.
 */
export type ThinkingPart =
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string };

export type ContentPart =
  | { type: 'text'; text: string; cacheControl?: CacheControl }
  /** `url` is an http(s) URL or a `data:` URL. */
  | { type: 'image'; url: string; detail?: string; cacheControl?: CacheControl }
  | FilePart
  | ThinkingPart;

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text exactly as the model produced it (may be invalid JSON; guards check it). */
  arguments: string;
  /** cache_control of the tool_use block, when a client set one on a past call. */
  cacheControl?: CacheControl;
}

export interface ChatMessage {
  role: Role;
  content: ContentPart[];
  name?: string;
  /** assistant messages: tool calls the model made */
  toolCalls?: ToolCall[];
  /** tool messages: the call this result answers */
  toolCallId?: string;
  /** tool messages: whether the tool reported an error (Anthropic `is_error`) */
  isError?: boolean;
  /** tool messages: cache_control of the tool_result block */
  cacheControl?: CacheControl;
}

export interface ToolDef {
  name: string;
  description?: string;
  parameters: JsonObject;
  strict?: boolean;
  cacheControl?: CacheControl;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: JsonObject; strict?: boolean; description?: string };

/**
 * Most choices (`n`) one chat call may ask for: OpenAI's own limit, so no request valid there is
 * refused here. Budgets and the key's `max_tokens` count every choice, so this bounds the size of one
 * answer, not what a caller may spend.
 */
export const MAX_CHOICES = 128;

export interface ChatRequest {
  /** The model name the client asked for (a Keel model alias). */
  model: string;
  /** System prompts are leading messages with role `system`. */
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string[];
  n?: number;
  seed?: number;
  user?: string;
  tools?: ToolDef[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  responseFormat?: ResponseFormat;
  stream: boolean;
  /** OpenAI `stream_options.include_usage`; Keel always asks upstream for usage regardless. */
  includeUsage?: boolean;
  /** Anthropic `top_k`; also Gemini's topK and OpenAI-compatible servers' `top_k`. */
  topK?: number;
  /** Anthropic extended thinking (`{type:'enabled', budget_tokens}`, `{type:'adaptive'}`…), verbatim. */
  thinking?: JsonObject;
  /** Anthropic `output_config` other than `format` (e.g. `effort`), verbatim. */
  outputConfig?: JsonObject;
  /** Anthropic `metadata` (user_id is also `user`), verbatim. */
  metadata?: JsonObject;
  /** Values of the client's `anthropic-beta` header, forwarded to Anthropic targets. */
  betas?: string[];
  /** OpenAI `logprobs` / `top_logprobs`: returned per choice (and per stream delta) when the target supports them. */
  logprobs?: boolean;
  topLogprobs?: number;
  /**
   * Parameters Keel does not model, passed through verbatim to OpenAI-family upstreams
   * (e.g. `logprobs`, `presence_penalty`, `reasoning_effort`). Never read by other providers.
   */
  passthrough?: JsonObject;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface Usage {
  /** All input tokens, including cached reads and cache writes. */
  inputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  /** All output tokens, including reasoning tokens. */
  outputTokens: number;
  reasoningTokens: number;
  /** True when Keel estimated the counts because the provider reported none. */
  estimated?: boolean;
}

export interface ChatChoice {
  index: number;
  message: {
    role: 'assistant';
    content: string | null;
    toolCalls?: ToolCall[];
    refusal?: string | null;
    /** Reasoning blocks in the order the model produced them, before the answer (Anthropic). */
    thinking?: ThinkingPart[];
  };
  /** OpenAI `logprobs` object as the upstream returned it. */
  logprobs?: JsonValue;
  finishReason: FinishReason;
  /** The stop sequence that ended generation, when known (Anthropic reports it). */
  stopSequence?: string | null;
}

export interface ChatResponse {
  id: string;
  /** The model the upstream says answered. */
  model: string;
  created: number;
  choices: ChatChoice[];
  usage?: Usage;
  systemFingerprint?: string;
}

/** Streaming deltas, provider-neutral. A provider's stream yields these in order. */
export type ChatStreamEvent =
  /** `usage`: input (and cache) counts when the upstream reports them at the start (Anthropic). */
  | { type: 'start'; id: string; model: string; created: number; usage?: Usage }
  | { type: 'text'; index: number; text: string; logprobs?: JsonValue }
  /** A new reasoning block begins: redacted blocks arrive whole, thinking blocks as deltas below. */
  | { type: 'thinking_start'; index: number; redactedData?: string }
  | { type: 'thinking_delta'; index: number; text?: string; signature?: string }
  | { type: 'tool_call_start'; index: number; toolIndex: number; id: string; name: string }
  | { type: 'tool_call_delta'; index: number; toolIndex: number; argumentsDelta: string }
  | { type: 'finish'; index: number; finishReason: FinishReason; stopSequence?: string | null }
  | { type: 'usage'; usage: Usage };

export interface EmbeddingsRequest {
  model: string;
  /** Strings, or pre-tokenised inputs (arrays of token ids). */
  input: string[] | number[][];
  dimensions?: number;
  user?: string;
}

export interface EmbeddingsResponse {
  model: string;
  data: { index: number; embedding: number[] }[];
  usage: { inputTokens: number; estimated?: boolean };
}

/** Plain text of a message's parts (images dropped), for token estimation and guards. */
export function messageText(m: ChatMessage): string {
  let out = '';
  for (const p of m.content) if (p.type === 'text') out += p.text;
  return out;
}

/**
 * A tool call's `arguments` (JSON text) as the object Anthropic's wire requires for `tool_use.input`:
 * empty, malformed or non-object arguments from a model become `{}`.
 */
export function toolInputObject(args: string): JsonObject {
  if (!args) return {};
  try {
    const v = JSON.parse(args) as JsonValue;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}
