import { describe, expect, it } from 'vitest';
import type { ChatResponse } from '../../canonical/types.js';
import { KeelError } from '../../errors.js';
import { toAnthropicRequest } from '../../providers/anthropic/request.js';
import { fromAnthropicResponse } from '../../providers/anthropic/response.js';
import { parseMessagesRequest, toMessagesResponse } from './wire.js';

function invalid(body: unknown): KeelError {
  try {
    parseMessagesRequest(body);
  } catch (e) {
    expect(e).toBeInstanceOf(KeelError);
    expect((e as KeelError).code).toBe('invalid_request');
    return e as KeelError;
  }
  throw new Error('expected invalid_request');
}

const minimal = { model: 'claude-x', max_tokens: 100, messages: [{ role: 'user', content: 'Hello' }] };

describe('parseMessagesRequest', () => {
  it('parses a minimal request', () => {
    expect(parseMessagesRequest(minimal)).toEqual({
      model: 'claude-x',
      maxTokens: 100,
      stream: false,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
    });
  });

  it('maps system (string and blocks, cache_control kept), sampling, top_k, stop, metadata and stream', () => {
    const req = parseMessagesRequest({
      ...minimal,
      system: [
        { type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } },
        { type: 'text', text: 'Answer in French.' },
      ],
      temperature: 0.2,
      top_p: 0.8,
      top_k: 40,
      stop_sequences: ['\n\nHuman:'],
      metadata: { user_id: 'user-7' },
      stream: true,
    });
    expect(req.messages[0]).toEqual({
      role: 'system',
      content: [
        { type: 'text', text: 'You are terse.', cacheControl: { type: 'ephemeral' } },
        { type: 'text', text: 'Answer in French.' },
      ],
    });
    expect(req).toMatchObject({
      temperature: 0.2,
      topP: 0.8,
      topK: 40,
      stop: ['\n\nHuman:'],
      user: 'user-7',
      metadata: { user_id: 'user-7' },
      stream: true,
    });
    expect(parseMessagesRequest({ ...minimal, system: 'sys' }).messages[0]).toEqual({
      role: 'system',
      content: [{ type: 'text', text: 'sys' }],
    });
  });

  it('maps images, tool_use, tool_result (string and blocks, is_error) and keeps thinking with its signature', () => {
    const req = parseMessagesRequest({
      ...minimal,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'hmm', signature: 'sig' },
            { type: 'text', text: 'Let me look.' },
            { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 'cat' } },
            { type: 'tool_use', id: 'toolu_2', name: 'zoom', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: 'a cat' },
            {
              type: 'tool_result',
              tool_use_id: 'toolu_2',
              is_error: true,
              content: [{ type: 'text', text: 'zoom failed' }],
            },
            { type: 'text', text: 'And now?' },
          ],
        },
      ],
    });
    expect(req.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image', url: 'data:image/png;base64,AAAA' },
          { type: 'image', url: 'https://example.com/a.png' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'hmm', signature: 'sig' },
          { type: 'text', text: 'Let me look.' },
        ],
        toolCalls: [
          { id: 'toolu_1', name: 'lookup', arguments: '{"q":"cat"}' },
          { id: 'toolu_2', name: 'zoom', arguments: '{}' },
        ],
      },
      { role: 'tool', toolCallId: 'toolu_1', content: [{ type: 'text', text: 'a cat' }] },
      {
        role: 'tool',
        toolCallId: 'toolu_2',
        isError: true,
        content: [{ type: 'text', text: 'zoom failed' }],
      },
      { role: 'user', content: [{ type: 'text', text: 'And now?' }] },
    ]);
  });

  it('maps tools and each tool_choice', () => {
    const tools = [
      {
        name: 'get_weather',
        description: 'Weather by city',
        input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    ];
    const req = parseMessagesRequest({ ...minimal, tools, tool_choice: { type: 'auto' } });
    expect(req.tools).toEqual([
      { name: 'get_weather', description: 'Weather by city', parameters: tools[0]!.input_schema },
    ]);
    expect(req.toolChoice).toBe('auto');
    expect(req).not.toHaveProperty('parallelToolCalls');
    const choice = (tc: unknown) => parseMessagesRequest({ ...minimal, tools, tool_choice: tc });
    expect(choice({ type: 'any' }).toolChoice).toBe('required');
    expect(choice({ type: 'none' }).toolChoice).toBe('none');
    expect(choice({ type: 'tool', name: 'get_weather' }).toolChoice).toEqual({ name: 'get_weather' });
    expect(choice({ type: 'any', disable_parallel_tool_use: true }).parallelToolCalls).toBe(false);
  });

  it('maps output_config.format json_schema to a JSON-schema response format', () => {
    const schema = { type: 'object', properties: { a: { type: 'number' } } };
    const req = parseMessagesRequest({
      ...minimal,
      output_config: { format: { type: 'json_schema', schema } },
    });
    expect(req.responseFormat).toEqual({ type: 'json_schema', name: 'output', schema });
  });

  it('refuses fields no target can honour through Keel, by name', () => {
    for (const field of ['mcp_servers', 'container', 'context_management']) {
      const e = (() => {
        try {
          parseMessagesRequest({ ...minimal, [field]: [] });
        } catch (err) {
          return err;
        }
      })();
      expect(e).toMatchObject({ code: 'unsupported_feature', param: field });
    }
  });

  it('strips fields that could redirect Keel upstream', () => {
    const req = parseMessagesRequest({
      ...minimal,
      base_url: 'http://evil',
      api_key: 'x',
      extra_headers: { 'x-api-key': 'y' },
    });
    expect(JSON.stringify(req)).not.toMatch(/evil|api_key|extra_headers/);
    expect(req).not.toHaveProperty('passthrough');
  });

  it('rejects bad requests with a clear message and param', () => {
    expect(invalid(null).message).toMatch(/JSON object/);
    expect(invalid([]).param).toBeNull();
    const noMax = invalid({ model: 'm', messages: minimal.messages });
    expect(noMax.param).toBe('max_tokens');
    expect(noMax.message).toBe('max_tokens: Field required');
    expect(invalid({ ...minimal, max_tokens: 0 }).param).toBe('max_tokens');
    expect(invalid({ ...minimal, max_tokens: '10' }).param).toBe('max_tokens');
    expect(invalid({ ...minimal, messages: [] }).param).toBe('messages');
    expect(invalid({ ...minimal, messages: [{ role: 'system', content: 'x' }] }).param).toBe(
      'messages.0.role',
    );
    expect(invalid({ ...minimal, temperature: 1.5 }).param).toBe('temperature');
    const badContent = invalid({ ...minimal, messages: [{ role: 'user', content: 5 }] });
    expect(badContent.param).toBe('messages.0.content');
    expect(badContent.message).toMatch(/expected string or array/);
    const badBlock = invalid({ ...minimal, messages: [{ role: 'user', content: [{ type: 'text' }] }] });
    expect(badBlock.param).toBe('messages.0.content.0.text');
    const unknownBlock = invalid({
      ...minimal,
      messages: [{ role: 'user', content: [{ type: 'search_result' }] }],
    });
    expect(unknownBlock.param).toBe('messages.0.content.0.type');
    const serverTool = invalid({ ...minimal, tools: [{ type: 'web_search_20250305', name: 'web_search' }] });
    expect(serverTool.param).toMatch(/^tools\.0\./);
    expect(serverTool.message).toMatch(/server tools/);
    expect(invalid({ ...minimal, tool_choice: { type: 'tool' } }).param).toBe('tool_choice.name');
  });
});

const baseResponse = (over: Partial<ChatResponse['choices'][number]> = {}, usage?: ChatResponse['usage']) => {
  const res: ChatResponse = {
    id: 'chatcmpl-abc',
    model: 'gpt-4o-mini',
    created: 1,
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finishReason: 'stop', ...over }],
  };
  if (usage) res.usage = usage;
  return res;
};

describe('toMessagesResponse', () => {
  it('produces Anthropic message JSON with cache-aware usage', () => {
    const out = toMessagesResponse(
      baseResponse(
        {},
        {
          inputTokens: 2000,
          cachedInputTokens: 1500,
          cacheWriteTokens: 200,
          outputTokens: 42,
          reasoningTokens: 0,
        },
      ),
    );
    expect(out).toEqual({
      id: 'msg_chatcmpl-abc',
      type: 'message',
      role: 'assistant',
      model: 'gpt-4o-mini',
      content: [{ type: 'text', text: 'Hello!' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: 300,
        output_tokens: 42,
        cache_read_input_tokens: 1500,
        cache_creation_input_tokens: 200,
      },
    });
  });

  it('keeps msg_ ids, emits tool_use blocks with parsed input and maps stop reasons', () => {
    const out = toMessagesResponse({
      ...baseResponse({
        message: {
          role: 'assistant',
          content: null,
          toolCalls: [
            { id: 'call_1', name: 'f', arguments: '{"a":1}' },
            { id: 'call_2', name: 'g', arguments: 'not json' },
          ],
        },
        finishReason: 'tool_calls',
      }),
      id: 'msg_keep',
    }) as Record<string, unknown>;
    expect(out.id).toBe('msg_keep');
    expect(out.content).toEqual([
      { type: 'tool_use', id: 'call_1', name: 'f', input: { a: 1 } },
      { type: 'tool_use', id: 'call_2', name: 'g', input: {} },
    ]);
    expect(out.stop_reason).toBe('tool_use');
    const stop = (over: Partial<ChatResponse['choices'][number]>) =>
      (toMessagesResponse(baseResponse(over)) as Record<string, unknown>).stop_reason;
    expect(stop({ finishReason: 'length' })).toBe('max_tokens');
    expect(stop({ finishReason: 'content_filter' })).toBe('refusal');
    expect(stop({ finishReason: 'stop', stopSequence: 'END' })).toBe('stop_sequence');
    expect(
      (toMessagesResponse(baseResponse({ stopSequence: 'END' })) as { stop_sequence: unknown }).stop_sequence,
    ).toBe('END');
  });

  it('reports zero usage when the upstream reported none', () => {
    expect((toMessagesResponse(baseResponse()) as { usage: unknown }).usage).toEqual({
      input_tokens: 0,
      output_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    });
  });
});

describe('round trips through both translation directions', () => {
  it('an Anthropic request survives inbound parse → outbound adapter body', () => {
    const body = {
      model: 'claude-x',
      max_tokens: 300,
      system: 'sys',
      temperature: 0.5,
      stop_sequences: ['END'],
      metadata: { user_id: 'u' },
      tools: [{ name: 'f', description: 'd', input_schema: { type: 'object', properties: {} } }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'q' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'calling' },
            { type: 'tool_use', id: 'toolu_1', name: 'f', input: { x: [1, 2] } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: 'done', is_error: true },
            { type: 'text', text: 'next' },
          ],
        },
      ],
    };
    const out = toAnthropicRequest(parseMessagesRequest(body), 'claude-x', false);
    expect(out).toEqual(body);
  });

  it('an Anthropic response survives adapter → canonical → /v1/messages JSON', () => {
    const upstream = {
      id: 'msg_x',
      type: 'message',
      role: 'assistant',
      model: 'claude-x',
      content: [
        { type: 'text', text: 'ok' },
        { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 'b' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: {
        input_tokens: 5,
        output_tokens: 6,
        cache_read_input_tokens: 7,
        cache_creation_input_tokens: 8,
      },
    };
    expect(toMessagesResponse(fromAnthropicResponse(upstream, 0))).toEqual(upstream);
  });
});
