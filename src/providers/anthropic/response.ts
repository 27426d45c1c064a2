import type { ChatResponse, FinishReason, ThinkingPart, ToolCall, Usage } from '../../canonical/types.js';
import { UpstreamError, type UpstreamErrorKind } from '../types.js';
import type { AnthropicUsage } from './types.js';

export function toFinishReason(stop: string | null | undefined): FinishReason {
  switch (stop) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      // end_turn, stop_sequence, pause_turn (a server-tool turn paused; the text so far is final for us)
      return 'stop';
  }
}

/** Anthropic reports cache reads and writes beside input_tokens; canonical inputTokens includes them. */
export function toCanonicalUsage(u: Partial<AnthropicUsage> | null | undefined): Usage {
  const cacheRead = num(u?.cache_read_input_tokens);
  const cacheWrite = num(u?.cache_creation_input_tokens);
  return {
    inputTokens: num(u?.input_tokens) + cacheRead + cacheWrite,
    cachedInputTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    outputTokens: num(u?.output_tokens),
    reasoningTokens: num(u?.output_tokens_details?.thinking_tokens),
  };
}

/**
 * A token count: absent is 0, anything else that is not a finite number is NaN, so that the
 * pipeline's usage check refuses the report instead of billing it as 0 (pipeline/usage-check.ts).
 */
function num(v: unknown): number {
  if (v === undefined || v === null) return 0;
  return typeof v === 'number' && Number.isFinite(v) ? v : Number.NaN;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Anthropic `message` JSON → canonical response. Anything off-shape is an `invalid_response`. */
export function fromAnthropicResponse(body: unknown, created: number): ChatResponse {
  if (!isRecord(body) || !Array.isArray(body.content) || typeof body.id !== 'string') {
    throw new UpstreamError('invalid_response', 'Anthropic returned a body that is not a message');
  }
  let text = '';
  let sawText = false;
  const toolCalls: ToolCall[] = [];
  const thinking: ThinkingPart[] = [];
  for (const block of body.content as unknown[]) {
    if (!isRecord(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') {
      text += block.text;
      sawText = true;
    } else if (block.type === 'tool_use') {
      toolCalls.push({
        id: String(block.id ?? ''),
        name: String(block.name ?? ''),
        arguments: JSON.stringify(block.input ?? {}),
      });
    } else if (block.type === 'thinking') {
      thinking.push({
        type: 'thinking',
        thinking: typeof block.thinking === 'string' ? block.thinking : '',
        signature: typeof block.signature === 'string' ? block.signature : '',
      });
    } else if (block.type === 'redacted_thinking') {
      thinking.push({ type: 'redacted_thinking', data: typeof block.data === 'string' ? block.data : '' });
    }
    // server-tool blocks have no canonical counterpart.
  }
  const stopReason = typeof body.stop_reason === 'string' ? body.stop_reason : null;
  const message: ChatResponse['choices'][number]['message'] = {
    role: 'assistant',
    content: sawText || toolCalls.length === 0 ? text : null,
  };
  if (toolCalls.length > 0) message.toolCalls = toolCalls;
  if (thinking.length > 0) message.thinking = thinking;
  const res: ChatResponse = {
    id: body.id,
    model: typeof body.model === 'string' ? body.model : '',
    created,
    choices: [
      {
        index: 0,
        message,
        finishReason: toFinishReason(stopReason),
        stopSequence: typeof body.stop_sequence === 'string' ? body.stop_sequence : null,
      },
    ],
  };
  if (isRecord(body.usage)) res.usage = toCanonicalUsage(body.usage as Partial<AnthropicUsage>);
  return res;
}

const KIND_BY_ERROR_TYPE: Record<string, { kind: UpstreamErrorKind; status: number }> = {
  invalid_request_error: { kind: 'bad_request', status: 400 },
  request_too_large: { kind: 'bad_request', status: 413 },
  authentication_error: { kind: 'auth', status: 401 },
  permission_error: { kind: 'auth', status: 403 },
  billing_error: { kind: 'auth', status: 402 },
  not_found_error: { kind: 'not_found', status: 404 },
  rate_limit_error: { kind: 'rate_limit', status: 429 },
  timeout_error: { kind: 'timeout', status: 504 },
  api_error: { kind: 'server', status: 500 },
  overloaded_error: { kind: 'server', status: 529 },
};

/** Pull `{error:{type,message}}` out of an Anthropic error body; tolerant of anything else. */
export function parseAnthropicError(raw: unknown): { type?: string; message?: string } {
  let v = raw;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return {};
    }
  }
  if (!isRecord(v) || !isRecord(v.error)) return {};
  const out: { type?: string; message?: string } = {};
  if (typeof v.error.type === 'string') out.type = v.error.type;
  if (typeof v.error.message === 'string') out.message = v.error.message;
  return out;
}

/** A stream `error` event (sent after a 200) → UpstreamError; unknown types count as a cut stream. */
export function streamErrorToUpstream(data: unknown): UpstreamError {
  const { type, message } = parseAnthropicError(data);
  const mapped = type ? KIND_BY_ERROR_TYPE[type] : undefined;
  const upstreamMessage = message ?? type ?? 'unknown error';
  const opts: { status?: number; upstreamMessage: string } = { upstreamMessage };
  if (mapped) opts.status = mapped.status;
  return new UpstreamError(
    mapped?.kind ?? 'stream_interrupted',
    `Anthropic stream error${type ? ` (${type})` : ''}: ${upstreamMessage}`,
    opts,
  );
}
