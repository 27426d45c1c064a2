import { describe, expect, it } from 'vitest';
import type { ChatStreamEvent } from '../../canonical/types.js';
import { float32Base64, toChatCompletion, toEmbeddingsResponse, toModelList } from './wire-response.js';
import { createChunkEncoder } from './wire-stream.js';

describe('toChatCompletion', () => {
  it('produces the exact chat.completion shape', () => {
    expect(
      toChatCompletion({
        id: 'chatcmpl-1',
        model: 'gpt-4o',
        created: 123,
        systemFingerprint: 'fp_x',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: null,
              toolCalls: [{ id: 'call_1', name: 'f', arguments: '{"a":1}' }],
            },
            finishReason: 'tool_calls',
          },
          {
            index: 1,
            message: { role: 'assistant', content: 'no', refusal: 'I cannot' },
            finishReason: 'stop',
          },
        ],
        usage: {
          inputTokens: 100,
          cachedInputTokens: 40,
          cacheWriteTokens: 0,
          outputTokens: 30,
          reasoningTokens: 10,
        },
      }),
    ).toEqual({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 123,
      model: 'gpt-4o',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            refusal: null,
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
        {
          index: 1,
          message: { role: 'assistant', content: 'no', refusal: 'I cannot' },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: 100,
        completion_tokens: 30,
        total_tokens: 130,
        prompt_tokens_details: { cached_tokens: 40 },
        completion_tokens_details: { reasoning_tokens: 10 },
      },
      system_fingerprint: 'fp_x',
    });
  });

  it('reports cache writes when there are some', () => {
    const out = toChatCompletion({
      id: 'x',
      model: 'm',
      created: 1,
      choices: [{ index: 0, message: { role: 'assistant', content: 'a' }, finishReason: 'stop' }],
      usage: {
        inputTokens: 10,
        cachedInputTokens: 2,
        cacheWriteTokens: 5,
        outputTokens: 1,
        reasoningTokens: 0,
      },
    });
    expect(out.usage?.prompt_tokens_details).toEqual({ cached_tokens: 2, cache_write_tokens: 5 });
  });
});

describe('createChunkEncoder', () => {
  const base = { id: 'chatcmpl-s', model: 'gpt-4o', created: 1000 };
  const events: ChatStreamEvent[] = [
    { type: 'start', id: 'up', model: 'up', created: 1 },
    { type: 'text', index: 0, text: 'He said "hi"\n' },
    { type: 'tool_call_start', index: 0, toolIndex: 0, id: 'call_1', name: 'f' },
    { type: 'tool_call_delta', index: 0, toolIndex: 0, argumentsDelta: '{"a":' },
    { type: 'finish', index: 0, finishReason: 'tool_calls' },
    {
      type: 'usage',
      usage: {
        inputTokens: 5,
        cachedInputTokens: 0,
        cacheWriteTokens: 0,
        outputTokens: 3,
        reasoningTokens: 0,
      },
    },
  ];

  function frames(s: string): unknown[] {
    expect(s.endsWith('\n\n')).toBe(true);
    return s
      .split('\n\n')
      .filter((f) => f !== '')
      .map((f) => {
        expect(f.startsWith('data: ')).toBe(true);
        const d = f.slice(6);
        return d === '[DONE]' ? d : JSON.parse(d);
      });
  }

  it('encodes OpenAI chunks with usage:null on each and a final usage chunk', () => {
    const enc = createChunkEncoder({ ...base, includeUsage: true });
    const out = events.map((e) => frames(enc.encode(e))[0]);
    const head = { id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 1000, model: 'gpt-4o' };
    expect(out).toEqual([
      {
        ...head,
        choices: [
          {
            index: 0,
            delta: { role: 'assistant', content: '', refusal: null },
            logprobs: null,
            finish_reason: null,
          },
        ],
        usage: null,
      },
      {
        ...head,
        choices: [{ index: 0, delta: { content: 'He said "hi"\n' }, logprobs: null, finish_reason: null }],
        usage: null,
      },
      {
        ...head,
        choices: [
          {
            index: 0,
            delta: {
              tool_calls: [
                { index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } },
              ],
            },
            logprobs: null,
            finish_reason: null,
          },
        ],
        usage: null,
      },
      {
        ...head,
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] },
            logprobs: null,
            finish_reason: null,
          },
        ],
        usage: null,
      },
      {
        ...head,
        choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'tool_calls' }],
        usage: null,
      },
      {
        ...head,
        choices: [],
        usage: {
          prompt_tokens: 5,
          completion_tokens: 3,
          total_tokens: 8,
          prompt_tokens_details: { cached_tokens: 0 },
          completion_tokens_details: { reasoning_tokens: 0 },
        },
      },
    ]);
    expect(enc.done()).toBe('data: [DONE]\n\n');
  });

  it('sends no usage at all without include_usage', () => {
    const enc = createChunkEncoder({ ...base, includeUsage: false });
    const text = frames(enc.encode({ type: 'text', index: 0, text: 'x' }))[0] as Record<string, unknown>;
    expect('usage' in text).toBe(false);
    expect(enc.encode(events[5]!)).toBe('');
    const usage = events[5]!.type === 'usage' ? events[5]!.usage : undefined;
    expect(enc.done(usage)).toBe('data: [DONE]\n\n');
  });

  it('owes a usage chunk at the end when none was streamed', () => {
    const enc = createChunkEncoder({ ...base, includeUsage: true });
    const u = {
      inputTokens: 1,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: 2,
      reasoningTokens: 0,
      estimated: true,
    };
    const out = frames(enc.done(u));
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    });
    expect(out[1]).toBe('[DONE]');
  });

  it('announces the assistant role on the first chunk of every choice', () => {
    const enc = createChunkEncoder({ ...base, includeUsage: false });
    enc.encode({ type: 'start', id: 'a', model: 'b', created: 1 });
    const c1 = frames(enc.encode({ type: 'finish', index: 1, finishReason: 'length' }))[0];
    expect(c1).toMatchObject({
      choices: [{ index: 1, delta: { role: 'assistant' }, finish_reason: 'length' }],
    });
    const c1b = frames(enc.encode({ type: 'text', index: 1, text: 'x' }))[0];
    expect(c1b).toMatchObject({ choices: [{ index: 1, delta: { content: 'x' } }] });
  });
});

describe('toEmbeddingsResponse', () => {
  const res = {
    model: 'text-embedding-3-small',
    data: [{ index: 0, embedding: [0.5, -0.25, 1e-3] }],
    usage: { inputTokens: 4 },
  };

  it('returns floats as given', () => {
    expect(toEmbeddingsResponse(res, 'float')).toEqual({
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: [0.5, -0.25, 1e-3] }],
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: 4, total_tokens: 4 },
    });
  });

  it('returns base64 of little-endian float32, as the openai SDK decodes it', () => {
    const out = toEmbeddingsResponse(res, 'base64');
    const b64 = out.data[0]!.embedding as string;
    const buf = Buffer.from(b64, 'base64');
    expect(buf.length).toBe(12);
    expect([buf.readFloatLE(0), buf.readFloatLE(4), buf.readFloatLE(8)]).toEqual([
      0.5,
      -0.25,
      Math.fround(1e-3),
    ]);
    expect(float32Base64([1])).toBe(Buffer.from([0, 0, 0x80, 0x3f]).toString('base64'));
  });
});

describe('toModelList', () => {
  it('lists models in the OpenAI shape', () => {
    expect(
      toModelList(
        [
          { name: 'chat-default', type: 'chat', providers: ['sim'] },
          { name: 'embed', type: 'embedding', providers: ['sim'] },
        ],
        { created: 77 },
      ),
    ).toEqual({
      object: 'list',
      data: [
        { id: 'chat-default', object: 'model', created: 77, owned_by: 'keel' },
        { id: 'embed', object: 'model', created: 77, owned_by: 'keel' },
      ],
    });
  });
});
