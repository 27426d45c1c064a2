import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../canonical/types.js';
import { toWireChatBody, toWireEmbeddingsBody } from './request.js';

const base: ChatRequest = {
  model: 'alias',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
  stream: false,
};

describe('toWireChatBody', () => {
  it('translates every modelled field', () => {
    const req: ChatRequest = {
      model: 'alias',
      stream: false,
      messages: [
        {
          role: 'system',
          content: [
            { type: 'text', text: 'Be brief.' },
            { type: 'text', text: 'Be kind.' },
          ],
        },
        {
          role: 'user',
          name: 'ann',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image', url: 'data:image/png;base64,AAAA', detail: 'low' },
          ],
        },
        {
          role: 'assistant',
          content: [],
          toolCalls: [{ id: 'call_1', name: 'lookup', arguments: '{"q":"x"}' }],
        },
        { role: 'tool', toolCallId: 'call_1', content: [{ type: 'text', text: '{"answer":42}' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'It is 42.' }] },
      ],
      maxTokens: 100,
      temperature: 0.2,
      topP: 0.9,
      stop: ['END'],
      n: 2,
      seed: 7,
      user: 'u-1',
      tools: [{ name: 'lookup', description: 'Look up', parameters: { type: 'object' }, strict: true }],
      toolChoice: { name: 'lookup' },
      parallelToolCalls: false,
      responseFormat: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true },
      passthrough: { logprobs: true, presence_penalty: 0.5 },
    };
    expect(
      toWireChatBody(req, { model: 'gpt-4o', maxTokensField: 'max_completion_tokens', stream: false }),
    ).toEqual({
      logprobs: true,
      presence_penalty: 0.5,
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'Be brief.\nBe kind.' },
        {
          role: 'user',
          name: 'ann',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"answer":42}' },
        { role: 'assistant', content: 'It is 42.' },
      ],
      max_completion_tokens: 100,
      temperature: 0.2,
      top_p: 0.9,
      stop: ['END'],
      n: 2,
      seed: 7,
      user: 'u-1',
      tools: [
        {
          type: 'function',
          function: { name: 'lookup', description: 'Look up', parameters: { type: 'object' }, strict: true },
        },
      ],
      tool_choice: { type: 'function', function: { name: 'lookup' } },
      parallel_tool_calls: false,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'out', schema: { type: 'object' }, strict: true },
      },
    });
  });

  it('sends a single text part as a plain string and max_tokens when asked', () => {
    const body = toWireChatBody(
      { ...base, maxTokens: 5 },
      { model: 'm', maxTokensField: 'max_tokens', stream: false },
    );
    expect(body).toEqual({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 });
  });

  it('always asks for usage when streaming and omits model when told to', () => {
    const body = toWireChatBody(base, { model: undefined, maxTokensField: 'max_tokens', stream: true });
    expect(body).toEqual({
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('never lets passthrough override model, stream or messages', () => {
    const body = toWireChatBody(
      { ...base, passthrough: { model: 'evil', stream: true, messages: [], stream_options: { x: 1 } } },
      { model: undefined, maxTokensField: 'max_tokens', stream: false },
    );
    expect(body).toEqual({ messages: [{ role: 'user', content: 'hi' }] });
  });

  it('translates json_object and string tool choices', () => {
    const body = toWireChatBody(
      { ...base, responseFormat: { type: 'json_object' }, toolChoice: 'required' },
      { model: 'm', maxTokensField: 'max_tokens', stream: false },
    );
    expect(body.response_format).toEqual({ type: 'json_object' });
    expect(body.tool_choice).toBe('required');
  });
});

describe('toWireEmbeddingsBody', () => {
  it('asks for floats and forwards dimensions and user', () => {
    expect(
      toWireEmbeddingsBody(
        { model: 'e', input: ['a', 'b'], dimensions: 64, user: 'u' },
        'text-embedding-3-small',
      ),
    ).toEqual({
      model: 'text-embedding-3-small',
      input: ['a', 'b'],
      encoding_format: 'float',
      dimensions: 64,
      user: 'u',
    });
    expect(toWireEmbeddingsBody({ model: 'e', input: [[1, 2, 3]] }, undefined)).toEqual({
      input: [[1, 2, 3]],
      encoding_format: 'float',
    });
  });
});
