/** Canonical responses → the exact JSON bodies OpenAI returns (what the official SDKs parse). */
import { endianness } from 'node:os';
import type { ChatResponse, EmbeddingsResponse, JsonValue, Usage } from '../../canonical/types.js';
import type { ModelInfo } from '../../routing/types.js';

interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; cache_write_tokens?: number };
  completion_tokens_details: { reasoning_tokens: number };
}

interface OpenAIChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: {
    index: number;
    message: {
      role: 'assistant';
      content: string | null;
      refusal: string | null;
      tool_calls?: OpenAIToolCall[];
    };
    logprobs: JsonValue;
    finish_reason: string;
  }[];
  usage?: OpenAIUsage;
  system_fingerprint?: string;
}

export function toOpenAIUsage(u: Usage): OpenAIUsage {
  const prompt: OpenAIUsage['prompt_tokens_details'] = { cached_tokens: u.cachedInputTokens };
  // Not part of OpenAI's own responses, but in the SDK's types: carries Anthropic cache writes.
  if (u.cacheWriteTokens > 0) prompt.cache_write_tokens = u.cacheWriteTokens;
  return {
    prompt_tokens: u.inputTokens,
    completion_tokens: u.outputTokens,
    total_tokens: u.inputTokens + u.outputTokens,
    prompt_tokens_details: prompt,
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens },
  };
}

export function toChatCompletion(res: ChatResponse): OpenAIChatCompletion {
  const choices: OpenAIChatCompletion['choices'] = new Array(res.choices.length);
  for (let i = 0; i < res.choices.length; i++) {
    const c = res.choices[i]!;
    const message: OpenAIChatCompletion['choices'][number]['message'] = {
      role: 'assistant',
      content: c.message.content,
      refusal: c.message.refusal ?? null,
    };
    const calls = c.message.toolCalls;
    if (calls && calls.length > 0) {
      message.tool_calls = calls.map((t) => ({
        id: t.id,
        type: 'function',
        function: { name: t.name, arguments: t.arguments },
      }));
    }
    choices[i] = { index: c.index, message, logprobs: c.logprobs ?? null, finish_reason: c.finishReason };
  }
  const out: OpenAIChatCompletion = {
    id: res.id,
    object: 'chat.completion',
    created: res.created,
    model: res.model,
    choices,
  };
  if (res.usage) out.usage = toOpenAIUsage(res.usage);
  if (res.systemFingerprint !== undefined) out.system_fingerprint = res.systemFingerprint;
  return out;
}

interface OpenAIEmbeddingsResponse {
  object: 'list';
  data: { object: 'embedding'; index: number; embedding: number[] | string }[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

const LITTLE_ENDIAN = endianness() === 'LE';

/** Little-endian float32 bytes, base64: what the openai SDKs decode (and ask for by default). */
export function float32Base64(v: number[]): string {
  const f = Float32Array.from(v);
  if (LITTLE_ENDIAN) return Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString('base64');
  const buf = Buffer.allocUnsafe(v.length * 4);
  for (let i = 0; i < v.length; i++) buf.writeFloatLE(v[i]!, i * 4);
  return buf.toString('base64');
}

export function toEmbeddingsResponse(
  res: EmbeddingsResponse,
  encodingFormat: 'float' | 'base64',
): OpenAIEmbeddingsResponse {
  const data: OpenAIEmbeddingsResponse['data'] = new Array(res.data.length);
  for (let i = 0; i < res.data.length; i++) {
    const d = res.data[i]!;
    data[i] = {
      object: 'embedding',
      index: d.index,
      embedding: encodingFormat === 'base64' ? float32Base64(d.embedding) : d.embedding,
    };
  }
  const tokens = res.usage.inputTokens;
  return { object: 'list', data, model: res.model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

interface OpenAIModel {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

// Keel's models are aliases from the config, with no creation date of their own: report the time
// this process loaded them, which is stable for the life of the process.
const LOADED_AT = Math.floor(Date.now() / 1000);

export function toModelList(
  models: ModelInfo[],
  opts: { created?: number; ownedBy?: string } = {},
): { object: 'list'; data: OpenAIModel[] } {
  const created = opts.created ?? LOADED_AT;
  const ownedBy = opts.ownedBy ?? 'keel';
  return {
    object: 'list',
    data: models.map((m) => ({ id: m.name, object: 'model', created, owned_by: ownedBy })),
  };
}
