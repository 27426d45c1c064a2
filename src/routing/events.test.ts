import { describe, expect, it } from 'vitest';
import type { ChatResponse } from '../canonical/types.js';
import { eventsToResponse, responseToEvents } from './events.js';
import { response, streamEvents } from './testkit.js';

describe('responseToEvents / eventsToResponse', () => {
  it('accumulates streamed deltas into the response they amount to', () => {
    const res = eventsToResponse(streamEvents('hello world'));
    expect(res).toEqual({
      id: 'chatcmpl-s',
      model: 'upstream-model',
      created: 1_700_000_000,
      choices: [{ index: 0, message: { role: 'assistant', content: 'hello world' }, finishReason: 'stop' }],
      usage: {
        inputTokens: 7,
        cachedInputTokens: 0,
        cacheWriteTokens: 0,
        outputTokens: 3,
        reasoningTokens: 0,
      },
    });
  });

  it('round-trips text, tool calls, several choices, stop sequences and usage', () => {
    const res: ChatResponse = {
      id: 'r1',
      model: 'm',
      created: 5,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            toolCalls: [
              { id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' },
              { id: 'c2', name: 'now', arguments: '' },
            ],
          },
          finishReason: 'tool_calls',
        },
        {
          index: 1,
          message: { role: 'assistant', content: 'Done' },
          finishReason: 'stop',
          stopSequence: 'END',
        },
      ],
      usage: {
        inputTokens: 30,
        cachedInputTokens: 10,
        cacheWriteTokens: 0,
        outputTokens: 12,
        reasoningTokens: 4,
      },
    };
    const events = responseToEvents(res);
    expect(events[0]).toEqual({ type: 'start', id: 'r1', model: 'm', created: 5 });
    expect(events.at(-1)).toEqual({ type: 'usage', usage: res.usage });
    expect(events.filter((e) => e.type === 'finish')).toHaveLength(2);
    expect(eventsToResponse(events)).toEqual(res);
  });

  it('round-trips thinking blocks with their signatures, so a cached answer replays them', () => {
    const res = response('Cold.');
    res.choices[0]!.message.thinking = [
      { type: 'thinking', thinking: 'Oslo in winter', signature: 'sig==' },
      { type: 'redacted_thinking', data: 'opaque' },
    ];
    expect(eventsToResponse(responseToEvents(res))).toEqual(res);
  });

  it('gives empty text content when a choice said nothing, and no usage when none came', () => {
    const res = response('');
    delete res.usage;
    expect(eventsToResponse(responseToEvents(res))).toEqual(res);
  });

  it('joins tool-call argument deltas', () => {
    const res = eventsToResponse([
      { type: 'start', id: 'x', model: 'm', created: 1 },
      { type: 'text', index: 0, text: 'Let me check. ' },
      { type: 'tool_call_start', index: 0, toolIndex: 0, id: 'c', name: 'f' },
      { type: 'tool_call_delta', index: 0, toolIndex: 0, argumentsDelta: '{"a"' },
      { type: 'tool_call_delta', index: 0, toolIndex: 0, argumentsDelta: ':1}' },
      { type: 'finish', index: 0, finishReason: 'tool_calls' },
    ]);
    expect(res.choices[0]!.message).toEqual({
      role: 'assistant',
      content: 'Let me check. ',
      toolCalls: [{ id: 'c', name: 'f', arguments: '{"a":1}' }],
    });
  });
});
