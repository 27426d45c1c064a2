import { describe, expect, it } from 'vitest';
import type { ChatStreamEvent } from '../../canonical/types.js';
import { KeelError } from '../../errors.js';
import { parseResponsesBody } from './request.js';
import type { ResponseShell } from './response.js';
import { createResponsesStreamEncoder } from './stream.js';

const shell = (extra: Record<string, unknown> = {}): ResponseShell => ({
  id: 'resp_abc',
  createdAt: 1_800_000_000,
  idKey: 'abc',
  body: parseResponsesBody({ model: 'gpt-4o', input: 'hi', stream: true, ...extra }),
});

interface Frame {
  event: string;
  data: Record<string, unknown>;
}

function frames(text: string): Frame[] {
  return text
    .split('\n\n')
    .filter((f) => f.length > 0)
    .map((f) => {
      const [ev, data] = f.split('\n');
      expect(ev?.startsWith('event: ')).toBe(true);
      const parsed = JSON.parse(data?.slice('data: '.length) ?? '') as Record<string, unknown>;
      // The SSE event name and the payload's type always agree.
      expect(parsed.type).toBe(ev?.slice('event: '.length));
      return { event: parsed.type as string, data: parsed };
    });
}

function run(events: ChatStreamEvent[], extra: Record<string, unknown> = {}) {
  const enc = createResponsesStreamEncoder(shell(extra));
  let out = '';
  for (const ev of events) out += enc.encode(ev);
  const end = enc.finish(true);
  out += end.frames + enc.completed(end.response);
  return { enc, frames: frames(out), response: end.response };
}

const start: ChatStreamEvent = { type: 'start', id: 'up', model: 'gpt-4o-2024', created: 1 };
const usage: ChatStreamEvent = {
  type: 'usage',
  usage: { inputTokens: 5, cachedInputTokens: 2, cacheWriteTokens: 0, outputTokens: 7, reasoningTokens: 3 },
};

describe('Responses stream encoder', () => {
  it('text then a tool call: each item opened and closed in order, one sequence', () => {
    const { frames: f, response } = run([
      start,
      { type: 'text', index: 0, text: 'Let me ' },
      { type: 'text', index: 0, text: 'check.' },
      { type: 'tool_call_start', index: 0, toolIndex: 0, id: 'call_1', name: 'get_weather' },
      { type: 'tool_call_delta', index: 0, toolIndex: 0, argumentsDelta: '{"city":' },
      { type: 'tool_call_delta', index: 0, toolIndex: 0, argumentsDelta: '"Oslo"}' },
      { type: 'finish', index: 0, finishReason: 'tool_calls' },
      usage,
    ]);
    expect(f.map((x) => x.event)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(f.map((x) => x.data.sequence_number)).toEqual(f.map((_, i) => i));
    expect(f[6]?.data).toMatchObject({ text: 'Let me check.', item_id: 'msg_abc_o0', output_index: 0 });
    expect(f[12]?.data).toMatchObject({
      arguments: '{"city":"Oslo"}',
      item_id: 'fc_abc_o1',
      output_index: 1,
    });
    expect(response).toMatchObject({
      id: 'resp_abc',
      status: 'completed',
      model: 'gpt-4o-2024',
      usage: {
        input_tokens: 5,
        input_tokens_details: { cached_tokens: 2 },
        output_tokens: 7,
        output_tokens_details: { reasoning_tokens: 3 },
        total_tokens: 12,
      },
      output: [
        { type: 'message', status: 'completed', content: [{ type: 'output_text', text: 'Let me check.' }] },
        { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}' },
      ],
    });
    expect(f[0]?.data.response).toMatchObject({ status: 'in_progress', output: [] });
  });

  it('an answer cut by the token limit ends with response.incomplete', () => {
    const { frames: f, response } = run(
      [
        start,
        { type: 'text', index: 0, text: 'partial' },
        { type: 'finish', index: 0, finishReason: 'length' },
      ],
      { max_output_tokens: 5 },
    );
    expect(f.at(-1)?.event).toBe('response.incomplete');
    expect(response).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      max_output_tokens: 5,
      output: [{ status: 'incomplete' }],
    });
  });

  it('an empty answer is one empty message', () => {
    const { response } = run([start, { type: 'finish', index: 0, finishReason: 'stop' }]);
    expect(response.output).toEqual([
      {
        id: 'msg_abc_o0',
        type: 'message',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: '', annotations: [], logprobs: [] }],
      },
    ]);
  });

  it('a failure mid-stream is an error event that continues the sequence', () => {
    const enc = createResponsesStreamEncoder(shell());
    const before = frames(enc.encode(start) + enc.encode({ type: 'text', index: 0, text: 'x' }));
    const [err] = frames(enc.error(new KeelError('output_blocked', 'Blocked by policy.')));
    expect(err?.data).toMatchObject({
      type: 'error',
      code: 'output_blocked',
      message: 'Blocked by policy.',
      param: null,
      sequence_number: before.length,
    });
  });
});
