import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../types.js';
import {
  fromAnthropicResponse,
  parseAnthropicError,
  streamErrorToUpstream,
  toCanonicalUsage,
  toFinishReason,
} from './response.js';

const message = (over: Record<string, unknown> = {}) => ({
  id: 'msg_01',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5',
  content: [{ type: 'text', text: 'Hello' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 10, output_tokens: 5 },
  ...over,
});

describe('fromAnthropicResponse', () => {
  it('maps a text answer', () => {
    const res = fromAnthropicResponse(message(), 1700);
    expect(res).toEqual({
      id: 'msg_01',
      model: 'claude-sonnet-4-5',
      created: 1700,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello' },
          finishReason: 'stop',
          stopSequence: null,
        },
      ],
      usage: {
        inputTokens: 10,
        cachedInputTokens: 0,
        cacheWriteTokens: 0,
        outputTokens: 5,
        reasoningTokens: 0,
      },
    });
  });

  it('concatenates text blocks, skips thinking, and maps tool_use to tool calls', () => {
    const res = fromAnthropicResponse(
      message({
        content: [
          { type: 'thinking', thinking: 'hmm', signature: 'sig' },
          { type: 'text', text: 'Let me ' },
          { type: 'text', text: 'check.' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris', days: 2 } },
          { type: 'tool_use', id: 'toolu_2', name: 'now', input: {} },
        ],
        stop_reason: 'tool_use',
      }),
      0,
    );
    const choice = res.choices[0]!;
    expect(choice.message.content).toBe('Let me check.');
    expect(choice.message.toolCalls).toEqual([
      { id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Paris","days":2}' },
      { id: 'toolu_2', name: 'now', arguments: '{}' },
    ]);
    expect(choice.finishReason).toBe('tool_calls');
  });

  it('gives null content when the answer is only tool calls', () => {
    const res = fromAnthropicResponse(
      message({ content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }], stop_reason: 'tool_use' }),
      0,
    );
    expect(res.choices[0]?.message.content).toBeNull();
  });

  it('keeps the stop sequence', () => {
    const res = fromAnthropicResponse(message({ stop_reason: 'stop_sequence', stop_sequence: 'END' }), 0);
    expect(res.choices[0]).toMatchObject({ finishReason: 'stop', stopSequence: 'END' });
  });

  it('adds cache reads and writes into inputTokens', () => {
    const res = fromAnthropicResponse(
      message({
        usage: {
          input_tokens: 21,
          cache_read_input_tokens: 1800,
          cache_creation_input_tokens: 300,
          output_tokens: 77,
          output_tokens_details: { thinking_tokens: 40 },
        },
      }),
      0,
    );
    expect(res.usage).toEqual({
      inputTokens: 2121,
      cachedInputTokens: 1800,
      cacheWriteTokens: 300,
      outputTokens: 77,
      reasoningTokens: 40,
    });
  });

  it('rejects bodies that are not messages', () => {
    for (const bad of [
      null,
      'x',
      [],
      { type: 'error', error: { type: 'api_error', message: 'x' } },
      { id: 'a' },
    ]) {
      expect(() => fromAnthropicResponse(bad, 0)).toThrow(UpstreamError);
      try {
        fromAnthropicResponse(bad, 0);
      } catch (e) {
        expect((e as UpstreamError).kind).toBe('invalid_response');
      }
    }
  });
});

describe('toFinishReason', () => {
  it('maps every Anthropic stop reason', () => {
    expect(toFinishReason('end_turn')).toBe('stop');
    expect(toFinishReason('stop_sequence')).toBe('stop');
    expect(toFinishReason('pause_turn')).toBe('stop');
    expect(toFinishReason('max_tokens')).toBe('length');
    expect(toFinishReason('model_context_window_exceeded')).toBe('length');
    expect(toFinishReason('tool_use')).toBe('tool_calls');
    expect(toFinishReason('refusal')).toBe('content_filter');
    expect(toFinishReason(null)).toBe('stop');
  });
});

describe('toCanonicalUsage', () => {
  it('treats null cache fields as zero', () => {
    expect(
      toCanonicalUsage({
        input_tokens: 3,
        output_tokens: 1,
        cache_read_input_tokens: null,
        cache_creation_input_tokens: null,
      }),
    ).toEqual({
      inputTokens: 3,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: 1,
      reasoningTokens: 0,
    });
  });
});

describe('Anthropic errors', () => {
  it('parses the error body shape', () => {
    expect(
      parseAnthropicError('{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'),
    ).toEqual({
      type: 'overloaded_error',
      message: 'Overloaded',
    });
    expect(parseAnthropicError('<html>')).toEqual({});
  });

  it('classifies stream error events', () => {
    const over = streamErrorToUpstream({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });
    expect(over.kind).toBe('server');
    expect(over.status).toBe(529);
    expect(over.upstreamMessage).toBe('Overloaded');
    expect(
      streamErrorToUpstream({ type: 'error', error: { type: 'rate_limit_error', message: 'slow' } }).kind,
    ).toBe('rate_limit');
    expect(
      streamErrorToUpstream({ type: 'error', error: { type: 'something_new', message: '?' } }).kind,
    ).toBe('stream_interrupted');
  });
});
