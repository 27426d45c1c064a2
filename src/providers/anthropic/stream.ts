import type { CancelSignal } from '../../canonical/cancel.js';
import type { ChatStreamEvent, FinishReason } from '../../canonical/types.js';
import { toUpstreamError } from '../shared/http.js';
import type { SSEMessage } from '../shared/sse.js';
import { UpstreamError } from '../types.js';
import { streamErrorToUpstream, toCanonicalUsage, toFinishReason } from './response.js';
import type { AnthropicUsage } from './types.js';

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Anthropic SSE events → canonical stream events. Emits `start` on message_start, `finish` then
 * `usage` on message_stop, and throws `stream_interrupted` if the stream ends without message_stop
 * (a cut stream must never look like a clean finish).
 */
export async function* anthropicStreamEvents(
  sse: AsyncIterable<SSEMessage>,
  created: number,
  signal?: CancelSignal,
): AsyncGenerator<ChatStreamEvent> {
  // Block index → tool index (position among tool_use blocks only); -1 for text, -2 for thinking,
  // absent for others.
  const blockKinds = new Map<number, number>();
  let toolCount = 0;
  const usage: Partial<AnthropicUsage> = {};
  let finishReason: FinishReason = 'stop';
  let stopSequence: string | null = null;
  let started = false;

  try {
    for await (const msg of sse) {
      if (msg.event === 'ping') continue;
      let ev: unknown;
      try {
        ev = JSON.parse(msg.data);
      } catch (e) {
        throw new UpstreamError('invalid_response', 'Anthropic sent a stream event that is not JSON', {
          cause: e,
        });
      }
      if (!isRecord(ev))
        throw new UpstreamError('invalid_response', 'Anthropic sent a stream event that is not an object');
      const type = typeof ev.type === 'string' ? ev.type : msg.event;
      switch (type) {
        case 'message_start': {
          const m = isRecord(ev.message) ? ev.message : {};
          started = true;
          const start: ChatStreamEvent = {
            type: 'start',
            id: typeof m.id === 'string' ? m.id : '',
            model: typeof m.model === 'string' ? m.model : '',
            created,
          };
          if (isRecord(m.usage)) {
            Object.assign(usage, m.usage);
            // Input and cache counts are known now: Anthropic clients read them from message_start.
            start.usage = toCanonicalUsage(usage);
          }
          yield start;
          break;
        }
        case 'content_block_start': {
          const index = Number(ev.index);
          const block = isRecord(ev.content_block) ? ev.content_block : {};
          if (block.type === 'text') {
            blockKinds.set(index, -1);
            if (typeof block.text === 'string' && block.text)
              yield { type: 'text', index: 0, text: block.text };
          } else if (block.type === 'thinking' || block.type === 'redacted_thinking') {
            blockKinds.set(index, -2);
            if (block.type === 'redacted_thinking')
              yield { type: 'thinking_start', index: 0, redactedData: String(block.data ?? '') };
            else {
              yield { type: 'thinking_start', index: 0 };
              if (typeof block.thinking === 'string' && block.thinking)
                yield { type: 'thinking_delta', index: 0, text: block.thinking };
            }
          } else if (block.type === 'tool_use') {
            const toolIndex = toolCount++;
            blockKinds.set(index, toolIndex);
            yield {
              type: 'tool_call_start',
              index: 0,
              toolIndex,
              id: String(block.id ?? ''),
              name: String(block.name ?? ''),
            };
          }
          break;
        }
        case 'content_block_delta': {
          const kind = blockKinds.get(Number(ev.index));
          const delta = isRecord(ev.delta) ? ev.delta : {};
          if (kind === undefined) break; // server-tool blocks
          if (kind === -2) {
            if (delta.type === 'thinking_delta' && typeof delta.thinking === 'string')
              yield { type: 'thinking_delta', index: 0, text: delta.thinking };
            else if (delta.type === 'signature_delta' && typeof delta.signature === 'string')
              yield { type: 'thinking_delta', index: 0, signature: delta.signature };
          } else if (
            delta.type === 'text_delta' &&
            kind === -1 &&
            typeof delta.text === 'string' &&
            delta.text
          ) {
            yield { type: 'text', index: 0, text: delta.text };
          } else if (delta.type === 'input_json_delta' && kind >= 0) {
            const part = typeof delta.partial_json === 'string' ? delta.partial_json : '';
            if (part) yield { type: 'tool_call_delta', index: 0, toolIndex: kind, argumentsDelta: part };
          }
          break;
        }
        case 'message_delta': {
          const delta = isRecord(ev.delta) ? ev.delta : {};
          if (typeof delta.stop_reason === 'string') finishReason = toFinishReason(delta.stop_reason);
          if (typeof delta.stop_sequence === 'string') stopSequence = delta.stop_sequence;
          // Counts here are cumulative totals: overwrite, never add.
          if (isRecord(ev.usage)) {
            for (const [k, v] of Object.entries(ev.usage)) {
              if (v !== null && v !== undefined) (usage as Json)[k] = v;
            }
          }
          break;
        }
        case 'message_stop': {
          if (!started)
            throw new UpstreamError('invalid_response', 'Anthropic sent message_stop before message_start');
          yield { type: 'finish', index: 0, finishReason, stopSequence };
          yield { type: 'usage', usage: toCanonicalUsage(usage) };
          return;
        }
        case 'error':
          throw streamErrorToUpstream(ev);
        default:
          // content_block_stop needs no action; unknown future events are ignored, as the SDK does.
          break;
      }
    }
  } catch (e) {
    if (e instanceof UpstreamError) throw e;
    // A client that went away is not an upstream failure: let its abort through unchanged.
    if (!(toUpstreamError(e, signal) instanceof UpstreamError)) throw e;
    throw new UpstreamError('stream_interrupted', 'Anthropic stream failed mid-answer', { cause: e });
  }
  if (!started) throw new UpstreamError('invalid_response', 'Anthropic stream ended without a message_start');
  throw new UpstreamError('stream_interrupted', 'Anthropic stream ended before message_stop');
}
