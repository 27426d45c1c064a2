import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import type { ChatStreamEvent, Usage } from '../../canonical/types.js';
import { createMessagesStreamEncoder } from './wire.js';

/** Splits encoder output back into [event, data] pairs, checking the exact SSE framing. */
function frames(sse: string): [string, Record<string, unknown>][] {
  expect(sse.endsWith('\n\n')).toBe(true);
  return sse
    .slice(0, -2)
    .split('\n\n')
    .map((chunk) => {
      const lines = chunk.split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^event: [a-z_]+$/);
      expect(lines[1]).toMatch(/^data: \{/);
      const data = JSON.parse(lines[1]!.slice(6)) as Record<string, unknown>;
      const name = lines[0]!.slice(7);
      // Anthropic repeats the event name as the payload's `type`.
      expect(data.type).toBe(name);
      return [name, data];
    });
}

function encodeAll(events: ChatStreamEvent[], opts = { id: 'chatcmpl-1', model: 'gpt-x' }): string {
  const enc = createMessagesStreamEncoder(opts);
  let out = '';
  for (const e of events) out += enc.encode(e);
  return out + enc.end();
}

const usage: Usage = {
  inputTokens: 1200,
  cachedInputTokens: 1000,
  cacheWriteTokens: 50,
  outputTokens: 9,
  reasoningTokens: 0,
};

const textStream: ChatStreamEvent[] = [
  { type: 'start', id: 'chatcmpl-1', model: 'gpt-x', created: 1 },
  { type: 'text', index: 0, text: 'Hel' },
  { type: 'text', index: 0, text: 'lo' },
  { type: 'finish', index: 0, finishReason: 'stop' },
  // OpenAI-family upstreams send usage after finish.
  { type: 'usage', usage },
];

const toolStream: ChatStreamEvent[] = [
  { type: 'start', id: 'msg_abc', model: 'claude-x', created: 1 },
  { type: 'text', index: 0, text: 'Checking.' },
  { type: 'tool_call_start', index: 0, toolIndex: 0, id: 'call_1', name: 'get_weather' },
  { type: 'tool_call_delta', index: 0, toolIndex: 0, argumentsDelta: '{"city":' },
  { type: 'tool_call_delta', index: 0, toolIndex: 0, argumentsDelta: '"Paris"}' },
  { type: 'tool_call_start', index: 0, toolIndex: 1, id: 'call_2', name: 'get_time' },
  { type: 'tool_call_delta', index: 0, toolIndex: 1, argumentsDelta: '{}' },
  { type: 'usage', usage },
  { type: 'finish', index: 0, finishReason: 'tool_calls' },
];

describe('createMessagesStreamEncoder', () => {
  it('emits the exact event sequence for a text-only stream', () => {
    expect(frames(encodeAll(textStream))).toEqual([
      [
        'message_start',
        {
          type: 'message_start',
          message: {
            id: 'msg_chatcmpl-1',
            type: 'message',
            role: 'assistant',
            model: 'gpt-x',
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: {
              input_tokens: 0,
              output_tokens: 0,
              cache_creation_input_tokens: 0,
              cache_read_input_tokens: 0,
            },
          },
        },
      ],
      [
        'content_block_start',
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      ],
      [
        'content_block_delta',
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } },
      ],
      [
        'content_block_delta',
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'lo' } },
      ],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      [
        'message_delta',
        {
          type: 'message_delta',
          delta: { stop_reason: 'end_turn', stop_sequence: null },
          usage: {
            output_tokens: 9,
            input_tokens: 150,
            cache_creation_input_tokens: 50,
            cache_read_input_tokens: 1000,
          },
        },
      ],
      ['message_stop', { type: 'message_stop' }],
    ]);
  });

  it('emits the exact event sequence for text followed by tool_use blocks', () => {
    const got = frames(encodeAll(toolStream, { id: 'msg_abc', model: 'claude-x' }));
    expect(got.map(([n, d]) => [n, d.index ?? null])).toEqual([
      ['message_start', null],
      ['content_block_start', 0],
      ['content_block_delta', 0],
      ['content_block_stop', 0],
      ['content_block_start', 1],
      ['content_block_delta', 1],
      ['content_block_delta', 1],
      ['content_block_stop', 1],
      ['content_block_start', 2],
      ['content_block_delta', 2],
      ['content_block_stop', 2],
      ['message_delta', null],
      ['message_stop', null],
    ]);
    expect((got[0]![1].message as { id: string }).id).toBe('msg_abc');
    expect(got[4]![1].content_block).toEqual({
      type: 'tool_use',
      id: 'call_1',
      name: 'get_weather',
      input: {},
    });
    expect(got[5]![1].delta).toEqual({ type: 'input_json_delta', partial_json: '{"city":' });
    expect(got[8]![1].content_block).toEqual({ type: 'tool_use', id: 'call_2', name: 'get_time', input: {} });
    expect(got[11]![1].delta).toEqual({ stop_reason: 'tool_use', stop_sequence: null });
  });

  it('reports stop sequences and max_tokens', () => {
    const stopSeq = frames(
      encodeAll([
        { type: 'text', index: 0, text: 'a' },
        { type: 'finish', index: 0, finishReason: 'stop', stopSequence: 'END' },
      ]),
    );
    expect(stopSeq.at(-2)![1].delta).toEqual({ stop_reason: 'stop_sequence', stop_sequence: 'END' });
    const length = frames(encodeAll([{ type: 'finish', index: 0, finishReason: 'length' }]));
    expect(length.at(-2)![1].delta).toEqual({ stop_reason: 'max_tokens', stop_sequence: null });
    // No usage known: only output_tokens, which the SDK requires.
    expect(length.at(-2)![1].usage).toEqual({ output_tokens: 0 });
  });

  it('puts usage into message_start when it arrived before the first event was encoded', () => {
    const out = frames(
      encodeAll([
        { type: 'usage', usage },
        { type: 'text', index: 0, text: 'x' },
      ]),
    );
    expect((out[0]![1].message as { usage: unknown }).usage).toEqual({
      input_tokens: 150,
      output_tokens: 9,
      cache_creation_input_tokens: 50,
      cache_read_input_tokens: 1000,
    });
  });

  it('still produces a complete message for an empty stream', () => {
    expect(frames(encodeAll([])).map(([n]) => n)).toEqual(['message_start', 'message_delta', 'message_stop']);
  });

  it('formats error events like Anthropic', () => {
    const enc = createMessagesStreamEncoder({ id: 'x', model: 'm' });
    expect(enc.error('overloaded_error', 'Overloaded')).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
    );
  });
});

function sdkAgainst(body: string, status = 200): Anthropic {
  return new Anthropic({
    apiKey: 'test',
    baseURL: 'http://keel.invalid',
    maxRetries: 0,
    fetch: async () =>
      new Response(body, {
        status,
        headers: { 'content-type': status === 200 ? 'text/event-stream' : 'application/json' },
      }),
  });
}

describe('the official SDK reads what the encoder writes', () => {
  const params = { model: 'm', max_tokens: 100, messages: [{ role: 'user' as const, content: 'hi' }] };

  it('accumulates a text + tool_use stream into the right final message', async () => {
    const stream = sdkAgainst(encodeAll(toolStream, { id: 'msg_abc', model: 'claude-x' })).messages.stream(
      params,
    );
    const texts: string[] = [];
    stream.on('text', (t) => texts.push(t));
    const msg = await stream.finalMessage();
    expect(texts).toEqual(['Checking.']);
    expect(msg.id).toBe('msg_abc');
    expect(msg.content).toEqual([
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'call_2', name: 'get_time', input: {} },
    ]);
    expect(msg.stop_reason).toBe('tool_use');
    expect(msg.usage).toMatchObject({
      input_tokens: 150,
      output_tokens: 9,
      cache_read_input_tokens: 1000,
      cache_creation_input_tokens: 50,
    });
  });

  it('accumulates a text stream and surfaces an error event as an APIError', async () => {
    const msg = await sdkAgainst(encodeAll(textStream)).messages.stream(params).finalMessage();
    expect(msg.content).toEqual([{ type: 'text', text: 'Hello' }]);
    expect(msg.stop_reason).toBe('end_turn');

    const enc = createMessagesStreamEncoder({ id: 'x', model: 'm' });
    const cut =
      enc.encode({ type: 'text', index: 0, text: 'partial' }) + enc.error('api_error', 'upstream cut');
    await expect(sdkAgainst(cut).messages.stream(params).finalMessage()).rejects.toThrow(/upstream cut/);
  });
});
