import {
  type ChatResponse,
  type FinishReason,
  type JsonObject,
  toolInputObject,
} from '../../canonical/types.js';
import type { ModelInfo } from '../../routing/types.js';

const STOP_REASON: Record<FinishReason, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'refusal',
};

export function toStopReason(
  finish: FinishReason | undefined,
  stopSequence: string | null | undefined,
): string {
  if (stopSequence) return 'stop_sequence';
  return finish ? STOP_REASON[finish] : 'end_turn';
}

/** Anthropic ids look like `msg_…`; upstream ids (chatcmpl-…) are prefixed so clients that check still pass. */
export function toMessageId(id: string): string {
  return id.startsWith('msg_') ? id : `msg_${id}`;
}

/** Canonical response → Anthropic `message` JSON. Only the first choice is used (Anthropic has no `n`). */
export function toMessagesResponse(res: ChatResponse): object {
  const choice = res.choices[0];
  const content: JsonObject[] = [];
  for (const t of choice?.message.thinking ?? []) content.push({ ...t });
  const text = choice?.message.content || choice?.message.refusal || '';
  if (text) content.push({ type: 'text', text });
  for (const c of choice?.message.toolCalls ?? []) {
    content.push({ type: 'tool_use', id: c.id, name: c.name, input: toolInputObject(c.arguments) });
  }
  const u = res.usage;
  return {
    id: toMessageId(res.id),
    type: 'message',
    role: 'assistant',
    model: res.model,
    content,
    stop_reason: toStopReason(choice?.finishReason, choice?.stopSequence),
    stop_sequence: choice?.stopSequence ?? null,
    usage: {
      input_tokens: u ? Math.max(0, u.inputTokens - u.cachedInputTokens - u.cacheWriteTokens) : 0,
      output_tokens: u?.outputTokens ?? 0,
      cache_read_input_tokens: u?.cachedInputTokens ?? 0,
      cache_creation_input_tokens: u?.cacheWriteTokens ?? 0,
    },
  };
}

const LISTED_AT = new Date().toISOString();

/** Anthropic's `GET /v1/models` page: every model on one page. */
export function toAnthropicModelList(models: ModelInfo[]): object {
  const data = models.map((m) => ({
    type: 'model',
    id: m.name,
    display_name: m.description ?? m.name,
    created_at: LISTED_AT,
  }));
  return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}

/** Anthropic's single model object (`GET /v1/models/{id}`). */
export function toAnthropicModel(m: ModelInfo): object {
  return { type: 'model', id: m.name, display_name: m.description ?? m.name, created_at: LISTED_AT };
}

/**
 * Anthropic SDKs send `anthropic-version` on every call and authenticate with `x-api-key`; OpenAI
 * clients send neither. Such a caller gets Anthropic's shapes on the shared `/v1/models` routes.
 */
export function isAnthropicClient(headers: Record<string, string | undefined>): boolean {
  return (
    headers['anthropic-version'] !== undefined ||
    (headers['x-api-key'] !== undefined && !headers.authorization)
  );
}
