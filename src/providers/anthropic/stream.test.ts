import { describe, expect, it } from 'vitest';
import type { ChatStreamEvent } from '../../canonical/types.js';
import type { SSEMessage } from '../shared/sse.js';
import { UpstreamError } from '../types.js';
import { anthropicStreamEvents } from './stream.js';

function ev(type: string, data: Record<string, unknown> = {}): SSEMessage {
  return { event: type, data: JSON.stringify({ type, ...data }) };
}

async function* from(msgs: SSEMessage[]): AsyncGenerator<SSEMessage> {
  for (const m of msgs) yield m;
}

async function collect(msgs: SSEMessage[]): Promise<{ events: ChatStreamEvent[]; error?: unknown }> {
  const events: ChatStreamEvent[] = [];
  try {
    for await (const e of anthropicStreamEvents(from(msgs), 42)) events.push(e);
    return { events };
  } catch (error) {
    return { events, error };
  }
}

const start = ev('message_start', {
  message: {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-x',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: {
      input_tokens: 12,
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 8,
      output_tokens: 1,
    },
  },
});

describe('anthropicStreamEvents', () => {
  it('translates a text + tool_use stream', async () => {
    const { events, error } = await collect([
      start,
      ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      { event: 'ping', data: '{"type":"ping"}' },
      ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Checking' } }),
      ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: '…' } }),
      ev('content_block_stop', { index: 0 }),
      ev('content_block_start', {
        index: 1,
        content_block: { type: 'tool_use', id: 'toolu_a', name: 'get_weather', input: {} },
      }),
      ev('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '' } }),
      ev('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"city":' } }),
      ev('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } }),
      ev('content_block_stop', { index: 1 }),
      ev('content_block_start', {
        index: 2,
        content_block: { type: 'tool_use', id: 'toolu_b', name: 'now', input: {} },
      }),
      ev('content_block_stop', { index: 2 }),
      ev('message_delta', {
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { output_tokens: 30 },
      }),
      ev('message_stop'),
    ]);
    expect(error).toBeUndefined();
    expect(events).toEqual([
      // message_start's counts ride on the start event: Anthropic clients read input tokens there.
      {
        type: 'start',
        id: 'msg_1',
        model: 'claude-x',
        created: 42,
        usage: {
          inputTokens: 120,
          cachedInputTokens: 100,
          cacheWriteTokens: 8,
          outputTokens: 1,
          reasoningTokens: 0,
        },
      },
      { type: 'text', index: 0, text: 'Checking' },
      { type: 'text', index: 0, text: '…' },
      { type: 'tool_call_start', index: 0, toolIndex: 0, id: 'toolu_a', name: 'get_weather' },
      { type: 'tool_call_delta', index: 0, toolIndex: 0, argumentsDelta: '{"city":' },
      { type: 'tool_call_delta', index: 0, toolIndex: 0, argumentsDelta: '"Paris"}' },
      { type: 'tool_call_start', index: 0, toolIndex: 1, id: 'toolu_b', name: 'now' },
      { type: 'finish', index: 0, finishReason: 'tool_calls', stopSequence: null },
      {
        type: 'usage',
        usage: {
          inputTokens: 120,
          cachedInputTokens: 100,
          cacheWriteTokens: 8,
          outputTokens: 30,
          reasoningTokens: 0,
        },
      },
    ]);
  });

  it('relays thinking (text and signature) and redacted thinking without shifting tool indexes', async () => {
    const { events } = await collect([
      start,
      ev('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '' } }),
      ev('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'secret' } }),
      ev('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 'sig==' } }),
      ev('content_block_stop', { index: 0 }),
      ev('content_block_start', { index: 1, content_block: { type: 'redacted_thinking', data: 'opaque' } }),
      ev('content_block_stop', { index: 1 }),
      ev('content_block_start', {
        index: 2,
        content_block: { type: 'tool_use', id: 't', name: 'f', input: {} },
      }),
      ev('content_block_delta', { index: 2, delta: { type: 'input_json_delta', partial_json: '{}' } }),
      ev('message_delta', {
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { output_tokens: 3 },
      }),
      ev('message_stop'),
    ]);
    expect(events.filter((e) => e.type !== 'start' && e.type !== 'usage')).toEqual([
      { type: 'thinking_start', index: 0 },
      { type: 'thinking_delta', index: 0, text: 'secret' },
      { type: 'thinking_delta', index: 0, signature: 'sig==' },
      { type: 'thinking_start', index: 0, redactedData: 'opaque' },
      { type: 'tool_call_start', index: 0, toolIndex: 0, id: 't', name: 'f' },
      { type: 'tool_call_delta', index: 0, toolIndex: 0, argumentsDelta: '{}' },
      { type: 'finish', index: 0, finishReason: 'tool_calls', stopSequence: null },
    ]);
  });

  it('keeps the stop sequence and lets message_delta usage overwrite cumulative counts', async () => {
    const { events } = await collect([
      start,
      ev('message_delta', {
        delta: { stop_reason: 'stop_sequence', stop_sequence: '###' },
        usage: { output_tokens: 9, input_tokens: 15, cache_read_input_tokens: null },
      }),
      ev('message_stop'),
    ]);
    expect(events.slice(1)).toEqual([
      { type: 'finish', index: 0, finishReason: 'stop', stopSequence: '###' },
      {
        type: 'usage',
        usage: {
          inputTokens: 123,
          cachedInputTokens: 100,
          cacheWriteTokens: 8,
          outputTokens: 9,
          reasoningTokens: 0,
        },
      },
    ]);
  });

  it('throws stream_interrupted when the stream ends before message_stop', async () => {
    const { events, error } = await collect([
      start,
      ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Half' } }),
    ]);
    expect(events.map((e) => e.type)).toEqual(['start', 'text']);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).kind).toBe('stream_interrupted');
    expect(events.some((e) => e.type === 'finish')).toBe(false);
  });

  it('turns an error event into a classified UpstreamError', async () => {
    const { error } = await collect([
      start,
      { event: 'error', data: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}' },
    ]);
    expect((error as UpstreamError).kind).toBe('server');
    expect((error as UpstreamError).upstreamMessage).toBe('Overloaded');
  });

  it('rejects non-JSON data as invalid_response', async () => {
    const { error } = await collect([start, { event: 'content_block_delta', data: '{not json' }]);
    expect((error as UpstreamError).kind).toBe('invalid_response');
  });

  it('maps a transport failure while reading to stream_interrupted', async () => {
    async function* broken(): AsyncGenerator<SSEMessage> {
      yield start;
      throw Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    }
    const out: ChatStreamEvent[] = [];
    await expect(
      (async () => {
        for await (const e of anthropicStreamEvents(broken(), 0)) out.push(e);
      })(),
    ).rejects.toMatchObject({ kind: 'stream_interrupted' });
    expect(out).toHaveLength(1);
  });
});
