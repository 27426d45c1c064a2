import type { ChatStreamEvent, FinishReason, Usage } from '../../canonical/types.js';
import { toMessageId, toStopReason } from './wire-response.js';

export interface MessagesStreamEncoder {
  /** SSE text for one canonical event; '' when the event produces nothing yet (finish, usage). */
  encode(ev: ChatStreamEvent): string;
  /** Closes the open block, then message_delta (stop reason, usage) and message_stop. */
  end(): string;
  /** An Anthropic `error` event, for a stream that fails after bytes were sent. */
  error(type: string, message: string): string;
}

function sse(event: string, data: object): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Canonical stream events → Anthropic Messages SSE, in the order the official SDK's MessageStream
 * accumulates: message_start, then per block content_block_start / _delta… / _stop with indexes
 * counting up from 0, then message_delta and message_stop.
 *
 * `finish` is held until end() because OpenAI-family upstreams send usage after their finish
 * chunk, and Anthropic carries both in the one message_delta.
 */
export function createMessagesStreamEncoder(opts: { id: string; model: string }): MessagesStreamEncoder {
  const id = toMessageId(opts.id);
  let started = false;
  let nextBlock = 0;
  /** Index of the open block, or -1. */
  let openBlock = -1;
  /** Tool index of the open block when it is a tool_use block, -1 for text, -2 for thinking. */
  let openTool = -1;
  const toolBlocks = new Map<number, number>();
  let finish: FinishReason | undefined;
  let stopSequence: string | null = null;
  let usage: Usage | undefined;

  function start(): string {
    if (started) return '';
    started = true;
    return sse('message_start', {
      type: 'message_start',
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model: opts.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: usage ? inputExcludingCache(usage) : 0,
          output_tokens: usage?.outputTokens ?? 0,
          cache_creation_input_tokens: usage?.cacheWriteTokens ?? 0,
          cache_read_input_tokens: usage?.cachedInputTokens ?? 0,
        },
      },
    });
  }

  function closeOpen(): string {
    if (openBlock < 0) return '';
    const out = sse('content_block_stop', { type: 'content_block_stop', index: openBlock });
    openBlock = -1;
    openTool = -1;
    return out;
  }

  function openBlockOf(contentBlock: object, toolIndex: number): string {
    const out = closeOpen();
    openBlock = nextBlock++;
    openTool = toolIndex;
    return (
      out +
      sse('content_block_start', {
        type: 'content_block_start',
        index: openBlock,
        content_block: contentBlock,
      })
    );
  }

  return {
    encode(ev) {
      // Anthropic has no `n`: anything but the first choice is dropped.
      if (ev.type !== 'start' && ev.type !== 'usage' && ev.index !== 0) return '';
      switch (ev.type) {
        case 'start':
          // Anthropic upstreams report input and cache tokens here; message_start carries them.
          if (ev.usage) usage = ev.usage;
          return start();
        case 'thinking_start':
          if (ev.redactedData !== undefined)
            return start() + openBlockOf({ type: 'redacted_thinking', data: ev.redactedData }, -3);
          return start() + openBlockOf({ type: 'thinking', thinking: '', signature: '' }, -2);
        case 'thinking_delta': {
          let out = start();
          if (openBlock < 0 || openTool !== -2)
            out += openBlockOf({ type: 'thinking', thinking: '', signature: '' }, -2);
          const delta =
            ev.signature !== undefined
              ? { type: 'signature_delta', signature: ev.signature }
              : { type: 'thinking_delta', thinking: ev.text ?? '' };
          return out + sse('content_block_delta', { type: 'content_block_delta', index: openBlock, delta });
        }
        case 'text': {
          if (!ev.text) return start();
          let out = start();
          if (openBlock < 0 || openTool !== -1) out += openBlockOf({ type: 'text', text: '' }, -1);
          return (
            out +
            sse('content_block_delta', {
              type: 'content_block_delta',
              index: openBlock,
              delta: { type: 'text_delta', text: ev.text },
            })
          );
        }
        case 'tool_call_start': {
          const out =
            start() + openBlockOf({ type: 'tool_use', id: ev.id, name: ev.name, input: {} }, ev.toolIndex);
          toolBlocks.set(ev.toolIndex, openBlock);
          return out;
        }
        case 'tool_call_delta': {
          // Deltas for an already-closed tool block (interleaved parallel calls) still go to its own
          // index: blocks cannot be reopened, and the SDK accumulates deltas by index regardless.
          const index = toolBlocks.get(ev.toolIndex);
          if (index === undefined || !ev.argumentsDelta) return '';
          return sse('content_block_delta', {
            type: 'content_block_delta',
            index,
            delta: { type: 'input_json_delta', partial_json: ev.argumentsDelta },
          });
        }
        case 'finish':
          finish = ev.finishReason;
          stopSequence = ev.stopSequence ?? null;
          return '';
        case 'usage':
          usage = ev.usage;
          return '';
        default:
          return '';
      }
    },

    end() {
      const deltaUsage: Record<string, number> = { output_tokens: usage?.outputTokens ?? 0 };
      if (usage) {
        deltaUsage.input_tokens = inputExcludingCache(usage);
        deltaUsage.cache_creation_input_tokens = usage.cacheWriteTokens;
        deltaUsage.cache_read_input_tokens = usage.cachedInputTokens;
      }
      return (
        start() +
        closeOpen() +
        sse('message_delta', {
          type: 'message_delta',
          delta: { stop_reason: toStopReason(finish, stopSequence), stop_sequence: stopSequence },
          usage: deltaUsage,
        }) +
        sse('message_stop', { type: 'message_stop' })
      );
    },

    error(type, message) {
      return sse('error', { type: 'error', error: { type, message } });
    },
  };
}

function inputExcludingCache(u: Usage): number {
  return Math.max(0, u.inputTokens - u.cachedInputTokens - u.cacheWriteTokens);
}
