import { describe, expect, it } from 'vitest';
import { KeelError } from '../../errors.js';
import { isBlockedPassthroughKey, parseChatRequest, parseEmbeddingsRequest } from './wire.js';

function err(fn: () => unknown): KeelError {
  try {
    fn();
  } catch (e) {
    if (e instanceof KeelError) return e;
    throw e;
  }
  throw new Error('expected a KeelError');
}

const minimal = { model: 'chat-default', messages: [{ role: 'user', content: 'Hi' }] };

describe('parseChatRequest', () => {
  it('translates a minimal request', () => {
    expect(parseChatRequest(minimal)).toEqual({
      model: 'chat-default',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      stream: false,
    });
  });

  it('translates every supported parameter', () => {
    const req = parseChatRequest({
      model: 'm',
      messages: [
        { role: 'developer', content: [{ type: 'text', text: 'Rules.' }] },
        {
          role: 'user',
          name: 'bob',
          content: [
            { type: 'text', text: 'Look:' },
            { type: 'image_url', image_url: { url: 'https://x/y.png', detail: 'high' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'result' },
      ],
      max_tokens: 10,
      max_completion_tokens: 20,
      temperature: 0.5,
      top_p: 1,
      n: 2,
      seed: 42,
      user: 'user-7',
      stop: 'END',
      stream: true,
      stream_options: { include_usage: true },
      tools: [
        {
          type: 'function',
          function: { name: 'f', description: 'd', parameters: { type: 'object' }, strict: true },
        },
      ],
      tool_choice: { type: 'function', function: { name: 'f' } },
      parallel_tool_calls: false,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 's', schema: { type: 'object' }, strict: true },
      },
      logprobs: true,
      top_logprobs: 2,
    });
    expect(req).toEqual({
      model: 'm',
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'Rules.' }] },
        {
          role: 'user',
          name: 'bob',
          content: [
            { type: 'text', text: 'Look:' },
            { type: 'image', url: 'https://x/y.png', detail: 'high' },
          ],
        },
        { role: 'assistant', content: [], toolCalls: [{ id: 'call_1', name: 'f', arguments: '{}' }] },
        { role: 'tool', toolCallId: 'call_1', content: [{ type: 'text', text: 'result' }] },
      ],
      maxTokens: 20,
      temperature: 0.5,
      topP: 1,
      n: 2,
      seed: 42,
      user: 'user-7',
      stop: ['END'],
      stream: true,
      includeUsage: true,
      tools: [{ name: 'f', description: 'd', parameters: { type: 'object' }, strict: true }],
      toolChoice: { name: 'f' },
      parallelToolCalls: false,
      responseFormat: { type: 'json_schema', name: 's', schema: { type: 'object' }, strict: true },
      logprobs: true,
      topLogprobs: 2,
    });
  });

  it('accepts nulls for optional parameters, as OpenAI does', () => {
    const req = parseChatRequest({
      ...minimal,
      temperature: null,
      stop: null,
      max_tokens: null,
      stream_options: null,
    });
    expect(req.temperature).toBeUndefined();
    expect(req.stop).toBeUndefined();
    expect(req.maxTokens).toBeUndefined();
  });

  it('translates legacy functions, function_call and function messages', () => {
    const req = parseChatRequest({
      model: 'm',
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: null, function_call: { name: 'weather', arguments: '{"c":"Oslo"}' } },
        { role: 'function', name: 'weather', content: 'sunny' },
      ],
      functions: [{ name: 'weather', parameters: { type: 'object' } }, { name: 'noargs' }],
      function_call: { name: 'weather' },
    });
    expect(req.tools).toEqual([
      { name: 'weather', parameters: { type: 'object' } },
      { name: 'noargs', parameters: { type: 'object', properties: {} } },
    ]);
    expect(req.toolChoice).toEqual({ name: 'weather' });
    const call = req.messages[1]!.toolCalls![0]!;
    expect(call).toMatchObject({ name: 'weather', arguments: '{"c":"Oslo"}' });
    expect(req.messages[2]).toEqual({
      role: 'tool',
      toolCallId: call.id,
      name: 'weather',
      content: [{ type: 'text', text: 'sunny' }],
    });
  });

  it('accepts json_object, string tool_choice and stop arrays', () => {
    const req = parseChatRequest({
      ...minimal,
      response_format: { type: 'json_object' },
      tool_choice: 'required',
      stop: ['a', 'b'],
    });
    expect(req.responseFormat).toEqual({ type: 'json_object' });
    expect(req.toolChoice).toBe('required');
    expect(req.stop).toEqual(['a', 'b']);
  });

  it('drops parameters that could redirect the upstream or smuggle credentials', () => {
    const req = parseChatRequest({
      ...minimal,
      api_base: 'http://evil',
      base_url: 'http://evil',
      baseURL: 'http://evil',
      api_key: 'x',
      'api-key': 'x',
      apiKey: 'x',
      api_version: '1',
      extra_headers: { a: 'b' },
      custom_llm_provider: 'x',
      azure_endpoint: 'http://evil',
      presence_penalty: 0.1,
      min_tokens: 3,
    });
    expect(req.passthrough).toEqual({ presence_penalty: 0.1, min_tokens: 3 });
    expect(isBlockedPassthroughKey('API_BASE')).toBe(true);
    expect(isBlockedPassthroughKey('reasoning_effort')).toBe(false);
  });

  it.each([
    [[], null, 'The request body must be a JSON object.'],
    [{ messages: minimal.messages }, 'model', "Missing required parameter: 'model'."],
    [{ model: 'm' }, 'messages', "Missing required parameter: 'messages'."],
    [{ model: 'm', messages: [] }, 'messages', undefined],
    [{ model: 'm', messages: [{ role: 'bot', content: 'x' }] }, 'messages[0].role', undefined],
    [
      { model: 'm', messages: [{ content: 'x' }] },
      'messages[0].role',
      "Missing required parameter: 'messages[0].role'.",
    ],
    [{ model: 'm', messages: [{ role: 'user', content: 5 }] }, 'messages[0].content', undefined],
    [
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 1 }] }] },
      'messages[0].content[0].text',
      undefined,
    ],
    [{ model: 'm', messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id', undefined],
    [
      { ...minimal, temperature: 'hot' },
      'temperature',
      "Invalid type for 'temperature': expected a number, but got a string instead.",
    ],
    [
      { ...minimal, temperature: 3 },
      'temperature',
      "Invalid 'temperature': expected a value <= 2, but got 3 instead.",
    ],
    [{ ...minimal, max_tokens: 1.5 }, 'max_tokens', undefined],
    [{ ...minimal, n: 0 }, 'n', undefined],
    [
      { ...minimal, stop: 3 },
      'stop',
      "Invalid type for 'stop': expected a string or an array, but got an integer instead.",
    ],
    [{ ...minimal, tool_choice: 'sometimes' }, 'tool_choice', undefined],
    [{ ...minimal, tools: [{ type: 'function', function: {} }] }, 'tools[0].function.name', undefined],
    [{ ...minimal, response_format: { type: 'yaml' } }, 'response_format.type', undefined],
    [{ ...minimal, stream: 'yes' }, 'stream', undefined],
  ])('rejects bad input %# with param %s', (body, param, message) => {
    const e = err(() => parseChatRequest(body));
    expect(e.code).toBe('invalid_request');
    expect(e.status).toBe(400);
    expect(e.param).toBe(param);
    if (message) expect(e.message).toBe(message);
    else expect(e.message).toContain(`'${param}'`);
  });

  it('names the supported roles when the role is wrong', () => {
    const e = err(() => parseChatRequest({ model: 'm', messages: [{ role: 'bot', content: 'x' }] }));
    expect(e.message).toBe(
      "Invalid value for 'messages[0].role': 'bot'. Supported values are: 'system', 'developer', 'user', 'assistant', 'tool', 'function'.",
    );
  });

  it('refuses audio input and file ids by name; inline files become file parts', () => {
    const parse = (part: unknown) =>
      parseChatRequest({ model: 'm', messages: [{ role: 'user', content: [part] }] });
    const audio = err(() => parse({ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }));
    expect(audio.code).toBe('unsupported_feature');
    expect(audio.param).toBe('messages[0].content[0].input_audio');
    const id = err(() => parse({ type: 'file', file: { file_id: 'file-1' } }));
    expect(id).toMatchObject({ code: 'unsupported_feature', param: 'messages[0].content[0].file.file_id' });
    const pdf = parse({
      type: 'file',
      file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBE' },
    });
    expect(pdf.messages[0]!.content).toEqual([
      { type: 'file', mediaType: 'application/pdf', data: 'JVBE', filename: 'a.pdf' },
    ]);
    const spoken = err(() => parseChatRequest({ ...minimal, modalities: ['text', 'audio'] }));
    expect(spoken).toMatchObject({ code: 'unsupported_feature', param: 'audio' });
  });
});

describe('parseEmbeddingsRequest', () => {
  it('normalises every input form', () => {
    expect(parseEmbeddingsRequest({ model: 'e', input: 'a' })).toEqual({
      req: { model: 'e', input: ['a'] },
      encodingFormat: 'float',
    });
    expect(
      parseEmbeddingsRequest({
        model: 'e',
        input: ['a', 'b'],
        encoding_format: 'base64',
        dimensions: 8,
        user: 'u',
      }),
    ).toEqual({
      req: { model: 'e', input: ['a', 'b'], dimensions: 8, user: 'u' },
      encodingFormat: 'base64',
    });
    expect(parseEmbeddingsRequest({ model: 'e', input: [1, 2, 3] }).req.input).toEqual([[1, 2, 3]]);
    expect(parseEmbeddingsRequest({ model: 'e', input: [[1], [2, 3]] }).req.input).toEqual([[1], [2, 3]]);
  });

  it('rejects bad input naming the parameter', () => {
    expect(err(() => parseEmbeddingsRequest({ model: 'e' })).param).toBe('input');
    expect(err(() => parseEmbeddingsRequest({ model: 'e', input: [] })).param).toBe('input');
    expect(err(() => parseEmbeddingsRequest({ model: 'e', input: '' })).param).toBe('input');
    expect(err(() => parseEmbeddingsRequest({ model: 'e', input: 'x', encoding_format: 'hex' })).param).toBe(
      'encoding_format',
    );
    expect(err(() => parseEmbeddingsRequest({ model: 'e', input: 'x', dimensions: 0 })).param).toBe(
      'dimensions',
    );
    expect(err(() => parseEmbeddingsRequest({ input: 'x' })).param).toBe('model');
  });
});
