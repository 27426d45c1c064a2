import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../types.js';
import {
  errorFromPayload,
  fromWireChatCompletion,
  fromWireEmbeddings,
  fromWireUsage,
  mapFinishReason,
} from './response.js';

const fb = { model: 'asked-model', now: 1_700_000_000_000 };

function caught(fn: () => unknown): UpstreamError {
  try {
    fn();
  } catch (e) {
    if (e instanceof UpstreamError) return e;
    throw e;
  }
  throw new Error('expected an UpstreamError');
}

describe('fromWireChatCompletion', () => {
  it('maps a full OpenAI completion', () => {
    const res = fromWireChatCompletion(
      {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1_699_999_999,
        model: 'gpt-4o-2024-08-06',
        system_fingerprint: 'fp_1',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: null,
              refusal: null,
              tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } }],
            },
            logprobs: null,
            finish_reason: 'tool_calls',
          },
        ],
        usage: {
          prompt_tokens: 100,
          completion_tokens: 50,
          total_tokens: 150,
          prompt_tokens_details: { cached_tokens: 64, audio_tokens: 0 },
          completion_tokens_details: { reasoning_tokens: 20 },
        },
      },
      fb,
    );
    expect(res).toEqual({
      id: 'chatcmpl-1',
      model: 'gpt-4o-2024-08-06',
      created: 1_699_999_999,
      systemFingerprint: 'fp_1',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            refusal: null,
            toolCalls: [{ id: 'call_a', name: 'f', arguments: '{"x":1}' }],
          },
          finishReason: 'tool_calls',
        },
      ],
      usage: {
        inputTokens: 100,
        cachedInputTokens: 64,
        cacheWriteTokens: 0,
        outputTokens: 50,
        reasoningTokens: 20,
      },
    });
  });

  it('tolerates what compatible servers leave out or get different', () => {
    const res = fromWireChatCompletion(
      {
        choices: [
          {
            message: { content: 'ok', function_call: { name: 'legacy', arguments: { a: 1 } } },
            finish_reason: 'function_call',
          },
          { message: { content: [{ type: 'text', text: 'part' }] }, finish_reason: 'eos' },
        ],
      },
      fb,
    );
    expect(res.model).toBe('asked-model');
    expect(res.created).toBe(1_700_000_000);
    expect(res.id).toMatch(/^chatcmpl-/);
    expect(res.usage).toBeUndefined();
    expect(res.choices[0]!.finishReason).toBe('tool_calls');
    expect(res.choices[0]!.message.toolCalls![0]).toMatchObject({ name: 'legacy', arguments: '{"a":1}' });
    expect(res.choices[0]!.message.toolCalls![0]!.id).toMatch(/^call_/);
    expect(res.choices[1]).toMatchObject({ index: 1, finishReason: 'stop', message: { content: 'part' } });
  });

  it('rejects bodies that are not chat completions', () => {
    expect(caught(() => fromWireChatCompletion('hello', fb)).kind).toBe('invalid_response');
    expect(caught(() => fromWireChatCompletion({ choices: [] }, fb)).kind).toBe('invalid_response');
    expect(caught(() => fromWireChatCompletion({ choices: [{ text: 'x' }] }, fb)).kind).toBe(
      'invalid_response',
    );
  });

  it('turns an error payload in a 200 body into a classified error', () => {
    const e = caught(() =>
      fromWireChatCompletion(
        { error: { message: 'Rate limit', type: 'rate_limit_error', code: 'rate_limit_exceeded' } },
        fb,
      ),
    );
    expect(e.kind).toBe('rate_limit');
    expect(e.upstreamMessage).toBe('Rate limit');
  });
});

describe('helpers', () => {
  it('maps finish reasons', () => {
    expect(mapFinishReason('stop')).toBe('stop');
    expect(mapFinishReason('length')).toBe('length');
    expect(mapFinishReason('function_call')).toBe('tool_calls');
    expect(mapFinishReason('content_filter')).toBe('content_filter');
    expect(mapFinishReason(null)).toBe('stop');
  });

  it('maps usage, including cache writes, and refuses nonsense', () => {
    expect(
      fromWireUsage({
        prompt_tokens: 10,
        completion_tokens: 2,
        prompt_tokens_details: { cache_write_tokens: 4 },
      }),
    ).toEqual({
      inputTokens: 10,
      cachedInputTokens: 0,
      cacheWriteTokens: 4,
      outputTokens: 2,
      reasoningTokens: 0,
    });
    expect(fromWireUsage(null)).toBeUndefined();
    expect(fromWireUsage({ total_tokens: 3 })).toBeUndefined();
  });

  it('classifies error payloads', () => {
    expect(errorFromPayload({ message: 'x', type: 'invalid_request_error' }, { midStream: false }).kind).toBe(
      'bad_request',
    );
    expect(errorFromPayload({ message: 'x', type: 'server_error' }, { midStream: false }).kind).toBe(
      'server',
    );
    expect(errorFromPayload({ message: 'x', code: 503 }, { midStream: false }).kind).toBe('server');
    expect(errorFromPayload({ message: 'x', type: 'rate_limit_error' }, { midStream: true }).kind).toBe(
      'stream_interrupted',
    );
    expect(errorFromPayload('plain', { midStream: false }).upstreamMessage).toBe('plain');
  });

  it('parses float and base64 embeddings', () => {
    const f = Float32Array.from([0.5, -1.25]);
    const b64 = Buffer.from(f.buffer).toString('base64');
    const { res, inputTokens } = fromWireEmbeddings(
      {
        object: 'list',
        model: 'e-1',
        data: [
          { object: 'embedding', index: 0, embedding: [0.1, 0.2] },
          { object: 'embedding', index: 1, embedding: b64 },
        ],
        usage: { prompt_tokens: 9, total_tokens: 9 },
      },
      fb,
    );
    expect(res).toEqual({
      model: 'e-1',
      data: [
        { index: 0, embedding: [0.1, 0.2] },
        { index: 1, embedding: [0.5, -1.25] },
      ],
    });
    expect(inputTokens).toBe(9);
    expect(fromWireEmbeddings({ data: [] }, fb).inputTokens).toBeNull();
    expect(caught(() => fromWireEmbeddings({ data: [{ index: 0 }] }, fb)).kind).toBe('invalid_response');
  });
});
