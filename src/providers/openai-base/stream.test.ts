import { describe, expect, it } from 'vitest';
import type { ChatStreamEvent } from '../../canonical/types.js';
import type { SSEMessage } from '../shared/sse.js';
import { UpstreamError } from '../types.js';
import { eventsFromSSE } from './stream.js';

const fb = { model: 'asked', now: 1_700_000_000_000 };

async function* sse(items: (unknown | SSEMessage)[]): AsyncGenerator<SSEMessage> {
  for (const it of items) {
    if (
      typeof it === 'object' &&
      it !== null &&
      'data' in it &&
      typeof (it as SSEMessage).data === 'string'
    ) {
      yield it as SSEMessage;
    } else yield { data: typeof it === 'string' ? it : JSON.stringify(it) };
  }
}

async function run(items: unknown[]): Promise<{ events: ChatStreamEvent[]; error?: UpstreamError }> {
  const events: ChatStreamEvent[] = [];
  try {
    for await (const ev of eventsFromSSE(sse(items), fb)) events.push(ev);
  } catch (e) {
    if (e instanceof UpstreamError) return { events, error: e };
    throw e;
  }
  return { events };
}

function chunk(choices: unknown[], extra: Record<string, unknown> = {}) {
  return {
    id: 'c1',
    object: 'chat.completion.chunk',
    created: 1_690_000_000,
    model: 'gpt-x',
    choices,
    ...extra,
  };
}

describe('eventsFromSSE', () => {
  it('yields start, text, finish and usage for a plain answer', async () => {
    const { events, error } = await run([
      chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], { usage: null }),
      chunk([{ index: 0, delta: { content: 'Hel' }, finish_reason: null }], { usage: null }),
      chunk([{ index: 0, delta: { content: 'lo' }, finish_reason: null }], { usage: null }),
      chunk([{ index: 0, delta: {}, finish_reason: 'stop' }], { usage: null }),
      chunk([], {
        usage: {
          prompt_tokens: 12,
          completion_tokens: 2,
          total_tokens: 14,
          prompt_tokens_details: { cached_tokens: 8 },
          completion_tokens_details: { reasoning_tokens: 0 },
        },
      }),
      '[DONE]',
    ]);
    expect(error).toBeUndefined();
    expect(events).toEqual([
      { type: 'start', id: 'c1', model: 'gpt-x', created: 1_690_000_000 },
      { type: 'text', index: 0, text: 'Hel' },
      { type: 'text', index: 0, text: 'lo' },
      { type: 'finish', index: 0, finishReason: 'stop' },
      {
        type: 'usage',
        usage: {
          inputTokens: 12,
          cachedInputTokens: 8,
          cacheWriteTokens: 0,
          outputTokens: 2,
          reasoningTokens: 0,
        },
      },
    ]);
  });

  it('streams parallel tool calls by index', async () => {
    const { events } = await run([
      chunk([
        {
          index: 0,
          delta: {
            role: 'assistant',
            content: null,
            tool_calls: [
              { index: 0, id: 'call_a', type: 'function', function: { name: 'get', arguments: '' } },
            ],
          },
        },
      ]),
      chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"q":' } }] } }]),
      chunk([
        {
          index: 0,
          delta: {
            tool_calls: [
              { index: 1, id: 'call_b', type: 'function', function: { name: 'put', arguments: '{}' } },
            ],
          },
        },
      ]),
      chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '1}' } }] } }]),
      chunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]),
      '[DONE]',
    ]);
    expect(events.slice(1)).toEqual([
      { type: 'tool_call_start', index: 0, toolIndex: 0, id: 'call_a', name: 'get' },
      { type: 'tool_call_delta', index: 0, toolIndex: 0, argumentsDelta: '{"q":' },
      { type: 'tool_call_start', index: 0, toolIndex: 1, id: 'call_b', name: 'put' },
      { type: 'tool_call_delta', index: 0, toolIndex: 1, argumentsDelta: '{}' },
      { type: 'tool_call_delta', index: 0, toolIndex: 0, argumentsDelta: '1}' },
      { type: 'finish', index: 0, finishReason: 'tool_calls' },
    ]);
  });

  it('copes with tool calls that lack index, id, or send the name late', async () => {
    const { events } = await run([
      chunk([{ index: 0, delta: { tool_calls: [{ function: { arguments: '{"a"' } }] } }]),
      chunk([{ index: 0, delta: { tool_calls: [{ function: { name: 'late', arguments: ':1}' } }] } }]),
      chunk([
        { index: 0, delta: { tool_calls: [{ id: 'x2', function: { name: 'second', arguments: '{}' } }] } },
      ]),
      chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]),
      '[DONE]',
    ]);
    const starts = events.filter((e) => e.type === 'tool_call_start');
    expect(starts).toHaveLength(2);
    expect(starts[0]).toMatchObject({ toolIndex: 0, name: 'late' });
    expect(starts[1]).toMatchObject({ toolIndex: 1, name: 'second', id: 'x2' });
    expect(events.filter((e) => e.type === 'tool_call_delta').map((e) => e.argumentsDelta)).toEqual([
      '{"a":1}',
      '{}',
    ]);
    // 'stop' with tool calls is reported as tool_calls, which is what callers act on.
    expect(events.at(-1)).toEqual({ type: 'finish', index: 0, finishReason: 'tool_calls' });
  });

  it('skips Azure content-filter preambles and handles n > 1', async () => {
    const { events } = await run([
      { id: '', object: '', created: 0, model: '', choices: [], prompt_filter_results: [] },
      chunk([
        { index: 0, delta: { content: 'a' } },
        { index: 1, delta: { content: 'b' } },
      ]),
      chunk([
        { index: 0, delta: {}, finish_reason: 'stop' },
        { index: 1, delta: {}, finish_reason: 'length' },
      ]),
      '[DONE]',
    ]);
    expect(events).toEqual([
      { type: 'start', id: 'c1', model: 'gpt-x', created: 1_690_000_000 },
      { type: 'text', index: 0, text: 'a' },
      { type: 'text', index: 1, text: 'b' },
      { type: 'finish', index: 0, finishReason: 'stop' },
      { type: 'finish', index: 1, finishReason: 'length' },
    ]);
  });

  it('treats a stream without [DONE] as interrupted', async () => {
    const { events, error } = await run([chunk([{ index: 0, delta: { content: 'partial' } }])]);
    expect(events.map((e) => e.type)).toEqual(['start', 'text']);
    expect(error?.kind).toBe('stream_interrupted');
  });

  it('treats [DONE] without a finish_reason as interrupted', async () => {
    const { error } = await run([chunk([{ index: 0, delta: { content: 'x' } }]), '[DONE]']);
    expect(error?.kind).toBe('stream_interrupted');
  });

  it('classifies an error before content, and interrupts after content', async () => {
    const before = await run([{ error: { message: 'Too many requests', type: 'rate_limit_error' } }]);
    expect(before.error?.kind).toBe('rate_limit');
    expect(before.error?.upstreamMessage).toBe('Too many requests');
    const after = await run([
      chunk([{ index: 0, delta: { content: 'x' } }]),
      { error: { message: 'boom', type: 'server_error' } },
    ]);
    expect(after.error?.kind).toBe('stream_interrupted');
    const evt = await run([{ event: 'error', data: '{"message":"overloaded"}' }]);
    expect(evt.error?.kind).toBe('server');
  });

  it('reports unparsable chunks as invalid_response', async () => {
    const { error } = await run(['{not json']);
    expect(error?.kind).toBe('invalid_response');
  });

  it('keeps the latest usage when servers repeat it, and reads Groq x_groq usage', async () => {
    const cumulative = await run([
      chunk([{ index: 0, delta: { content: 'a' } }], { usage: { prompt_tokens: 5, completion_tokens: 1 } }),
      chunk([{ index: 0, delta: {}, finish_reason: 'stop' }], {
        usage: { prompt_tokens: 5, completion_tokens: 2 },
      }),
      '[DONE]',
    ]);
    expect(cumulative.events.filter((e) => e.type === 'usage')).toEqual([
      {
        type: 'usage',
        usage: {
          inputTokens: 5,
          cachedInputTokens: 0,
          cacheWriteTokens: 0,
          outputTokens: 2,
          reasoningTokens: 0,
        },
      },
    ]);
    const groq = await run([
      chunk([{ index: 0, delta: {}, finish_reason: 'stop' }], {
        x_groq: { usage: { prompt_tokens: 3, completion_tokens: 4 } },
      }),
      '[DONE]',
    ]);
    expect(groq.events.at(-1)).toMatchObject({ type: 'usage', usage: { inputTokens: 3, outputTokens: 4 } });
  });
});
