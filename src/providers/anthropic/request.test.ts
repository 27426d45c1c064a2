import { describe, expect, it } from 'vitest';
import type { ChatRequest, ToolDef } from '../../canonical/types.js';
import { UpstreamError } from '../types.js';
import { DEFAULT_MAX_TOKENS, toAnthropicRequest } from './request.js';

const text = (t: string) => [{ type: 'text' as const, text: t }];

function base(over: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'alias', messages: [{ role: 'user', content: text('hi') }], stream: false, ...over };
}

describe('toAnthropicRequest', () => {
  it('uses the target model, a default max_tokens and block content', () => {
    const body = toAnthropicRequest(base(), 'claude-x', false);
    expect(body).toEqual({
      model: 'claude-x',
      max_tokens: DEFAULT_MAX_TOKENS,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    });
    expect(DEFAULT_MAX_TOKENS).toBe(4096);
  });

  it('maps sampling parameters, stop, user and stream', () => {
    const body = toAnthropicRequest(
      base({ maxTokens: 50, temperature: 1.7, topP: 0.9, stop: ['END'], user: 'u-1', seed: 3 }),
      'm',
      true,
    );
    expect(body.max_tokens).toBe(50);
    expect(body.temperature).toBe(1); // clamped to Anthropic's range
    expect(body.top_p).toBe(0.9);
    expect(body.stop_sequences).toEqual(['END']);
    expect(body.metadata).toEqual({ user_id: 'u-1' });
    expect(body.stream).toBe(true);
    expect(body).not.toHaveProperty('seed');
  });

  it('hoists system messages into `system` (string for one, blocks for several)', () => {
    const one = toAnthropicRequest(
      base({
        messages: [
          { role: 'system', content: text('be brief') },
          { role: 'user', content: text('q') },
        ],
      }),
      'm',
      false,
    );
    expect(one.system).toBe('be brief');
    expect(one.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'q' }] }]);

    const two = toAnthropicRequest(
      base({
        messages: [
          { role: 'system', content: text('a') },
          { role: 'user', content: text('q') },
          { role: 'system', content: text('b') },
        ],
      }),
      'm',
      false,
    );
    expect(two.system).toEqual([
      { type: 'text', text: 'a' },
      { type: 'text', text: 'b' },
    ]);
  });

  it('merges consecutive same-role messages and drops empty ones', () => {
    const body = toAnthropicRequest(
      base({
        messages: [
          { role: 'user', content: text('one') },
          { role: 'user', content: text('two') },
          { role: 'assistant', content: [] },
          { role: 'user', content: text('') },
          { role: 'assistant', content: text('ok') },
        ],
      }),
      'm',
      false,
    );
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'one' },
          { type: 'text', text: 'two' },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'ok' }] },
    ]);
  });

  it('turns tool calls into tool_use and tool messages into leading tool_result blocks', () => {
    const body = toAnthropicRequest(
      base({
        messages: [
          { role: 'user', content: text('weather?') },
          {
            role: 'assistant',
            content: text('checking'),
            toolCalls: [
              { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
              { id: 'call_2', name: 'broken', arguments: '{"city":' },
              { id: 'call_3', name: 'noargs', arguments: '' },
            ],
          },
          { role: 'tool', toolCallId: 'call_1', content: text('sunny') },
          { role: 'tool', toolCallId: 'call_2', content: text('bad args'), isError: true },
          { role: 'tool', toolCallId: 'call_3', content: [] },
          { role: 'user', content: text('thanks') },
        ],
      }),
      'm',
      false,
    );
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'weather?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'checking' },
          { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_2', name: 'broken', input: {} },
          { type: 'tool_use', id: 'call_3', name: 'noargs', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: 'sunny' },
          { type: 'tool_result', tool_use_id: 'call_2', content: 'bad args', is_error: true },
          { type: 'tool_result', tool_use_id: 'call_3' },
          { type: 'text', text: 'thanks' },
        ],
      },
    ]);
  });

  it('keeps tool_result blocks first even when user text precedes them', () => {
    const body = toAnthropicRequest(
      base({
        messages: [
          { role: 'assistant', content: [], toolCalls: [{ id: 't1', name: 'f', arguments: '{}' }] },
          { role: 'user', content: text('note') },
          { role: 'tool', toolCallId: 't1', content: text('r') },
        ],
      }),
      'm',
      false,
    );
    expect(body.messages[1]?.content.map((b) => b.type)).toEqual(['tool_result', 'text']);
  });

  it('maps images: data URLs to base64 sources, http URLs to url sources', () => {
    const body = toAnthropicRequest(
      base({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'look' },
              { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=' },
              { type: 'image', url: 'https://example.com/cat.jpg' },
              { type: 'image', url: 'data:image/svg+xml,%3Csvg%2F%3E' },
            ],
          },
        ],
      }),
      'm',
      false,
    );
    expect(body.messages[0]?.content).toEqual([
      { type: 'text', text: 'look' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
      {
        type: 'image',
        source: {
          type: 'base64',
          media_type: 'image/svg+xml',
          data: Buffer.from('<svg/>').toString('base64'),
        },
      },
    ]);
  });

  it('maps tools and every tool choice', () => {
    const tools: ToolDef[] = [
      {
        name: 'a',
        description: 'does a',
        parameters: { type: 'object', properties: { x: { type: 'string' } } },
      },
      { name: 'b', parameters: {} },
    ];
    const body = toAnthropicRequest(base({ tools }), 'm', false);
    expect(body.tools).toEqual([
      {
        name: 'a',
        description: 'does a',
        input_schema: { type: 'object', properties: { x: { type: 'string' } } },
      },
      { name: 'b', input_schema: { type: 'object', properties: {} } },
    ]);
    expect(body).not.toHaveProperty('tool_choice');

    const choice = (over: Partial<ChatRequest>) =>
      toAnthropicRequest(base({ tools, ...over }), 'm', false).tool_choice;
    expect(choice({ toolChoice: 'auto' })).toEqual({ type: 'auto' });
    expect(choice({ toolChoice: 'required' })).toEqual({ type: 'any' });
    expect(choice({ toolChoice: 'none' })).toEqual({ type: 'none' });
    expect(choice({ toolChoice: { name: 'b' } })).toEqual({ type: 'tool', name: 'b' });
    expect(choice({ parallelToolCalls: false })).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(choice({ toolChoice: 'required', parallelToolCalls: false })).toEqual({
      type: 'any',
      disable_parallel_tool_use: true,
    });
    expect(choice({ toolChoice: 'none', parallelToolCalls: false })).toEqual({ type: 'none' });
  });

  it('omits tool_choice when there are no tools (Anthropic rejects it)', () => {
    expect(toAnthropicRequest(base({ toolChoice: 'required' }), 'm', false)).not.toHaveProperty(
      'tool_choice',
    );
  });

  it('asks for JSON through the system prompt for json_object and json_schema', () => {
    const obj = toAnthropicRequest(
      base({ messages: [{ role: 'system', content: text('sys') }], responseFormat: { type: 'json_object' } }),
      'm',
      false,
    );
    expect(Array.isArray(obj.system)).toBe(true);
    const blocks = obj.system as { text: string }[];
    expect(blocks[0]?.text).toBe('sys');
    expect(blocks[1]?.text).toMatch(/JSON object only/);

    const schema = { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] };
    const js = toAnthropicRequest(
      base({ responseFormat: { type: 'json_schema', name: 'out', schema } }),
      'm',
      false,
    );
    expect(typeof js.system).toBe('string');
    expect(js.system).toContain(JSON.stringify(schema));
    // no assistant prefill
    expect(js.messages.at(-1)?.role).toBe('user');
  });

  it('refuses n > 1 as unsupported', () => {
    expect(() => toAnthropicRequest(base({ n: 2 }), 'm', false)).toThrow(UpstreamError);
    try {
      toAnthropicRequest(base({ n: 2 }), 'm', false);
    } catch (e) {
      expect((e as UpstreamError).kind).toBe('unsupported');
      expect((e as UpstreamError).fallbackable).toBe(false);
    }
    expect(() => toAnthropicRequest(base({ n: 1 }), 'm', false)).not.toThrow();
  });
});
