import type Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { textOf } from './fakes/common.js';
import type { FakeUpstream } from './fakes/index.js';
import { ANTHROPIC_WEATHER_TOOL, arr, obj, standardConfig } from './helpers/fixtures.js';
import { setupGateway } from './helpers/gateway.js';
import { type StartedKeel, TEST_ENV } from './helpers/keel.js';

// anthropic SDK → Keel → fake Anthropic: same family both sides, so the upstream sees what the client sent.

let ant: FakeUpstream;
let keel: StartedKeel;
let client: Anthropic;

setupGateway(
  (up) => standardConfig(up),
  (g) => {
    ({ ant, keel, anthropic: client } = g);
  },
);

describe('messages', () => {
  it('creates a message with a system prompt and reports cache usage in Anthropic terms', async () => {
    ant.enqueue({ text: 'Bonjour.', usage: { input: 20, cached: 100, cacheWrite: 10, output: 5 } });
    const { data, response } = await client.messages
      .create({
        model: 'claude',
        max_tokens: 100,
        system: 'Answer in French.',
        messages: [{ role: 'user', content: 'Hello' }],
        temperature: 0.3,
      })
      .withResponse();
    expect(data.type).toBe('message');
    expect(data.role).toBe('assistant');
    expect(data.content).toMatchObject([{ type: 'text', text: 'Bonjour.' }]);
    expect(data.stop_reason).toBe('end_turn');
    expect(data.usage).toMatchObject({
      input_tokens: 20,
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 10,
      output_tokens: 5,
    });

    const sent = obj(ant.last().body);
    expect(sent.model).toBe('claude-sonnet-4-5-20250929');
    expect(sent.max_tokens).toBe(100);
    expect(sent.temperature).toBe(0.3);
    // The default guard policy's canary rides on a line of its own after the prompt.
    expect(textOf(sent.system)).toMatch(/^Answer in French\.\n\n\[keel-canary:[0-9a-f]{24}\]$/);
    expect(arr(sent.messages)).toHaveLength(1);
    expect(textOf(obj(arr(sent.messages)[0]).content)).toBe('Hello');
    expect(ant.last().headers['x-api-key']).toBe(TEST_ENV.ANT_KEY);
    expect(ant.last().path.endsWith('/messages')).toBe(true);

    const row = await keel.usageFor(response.headers.get('x-keel-request-id'));
    expect(row).toMatchObject({
      endpoint: 'messages',
      apiShape: 'anthropic',
      provider: 'ant',
      status: 200,
      inputTokens: 130,
      cachedInputTokens: 100,
      cacheWriteTokens: 10,
      outputTokens: 5,
    });
  });

  it('reports stop sequences', async () => {
    ant.enqueue({ text: 'one two', stopSequence: 'three' });
    const m = await client.messages.create({
      model: 'claude',
      max_tokens: 50,
      stop_sequences: ['three'],
      messages: [{ role: 'user', content: 'count' }],
    });
    expect(obj(ant.last().body).stop_sequences).toEqual(['three']);
    expect(m.stop_reason).toBe('stop_sequence');
    expect(m.stop_sequence).toBe('three');
  });

  it('round-trips tool use: tool_use block, then a tool_result', async () => {
    ant.enqueue({
      text: 'Checking.',
      toolCalls: [{ id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Lima"}' }],
    });
    const first = await client.messages.create({
      model: 'claude',
      max_tokens: 200,
      tools: [ANTHROPIC_WEATHER_TOOL],
      tool_choice: { type: 'any' },
      messages: [{ role: 'user', content: 'Weather in Lima?' }],
    });
    expect(first.stop_reason).toBe('tool_use');
    expect(first.content).toMatchObject([
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Lima' } },
    ]);
    const sent = obj(ant.last().body);
    expect(sent.tools).toMatchObject([ANTHROPIC_WEATHER_TOOL]);
    expect(sent.tool_choice).toMatchObject({ type: 'any' });

    const second = await client.messages.create({
      model: 'claude',
      max_tokens: 200,
      tools: [ANTHROPIC_WEATHER_TOOL],
      messages: [
        { role: 'user', content: 'Weather in Lima?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '22C' }] },
      ],
    });
    expect(second.content[0]).toMatchObject({ type: 'text', text: 'Echo: 22C' });
    const msgs = arr(obj(ant.last().body).messages);
    expect(arr(obj(msgs[1]).content)).toContainEqual({
      type: 'tool_use',
      id: 'toolu_1',
      name: 'get_weather',
      input: { city: 'Lima' },
    });
    const result = obj(arr(obj(msgs[2]).content)[0]);
    expect(result).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_1' });
    expect(textOf(result.content) || result.content).toBe('22C');
  });
});

describe('streaming', () => {
  it('streams with messages.stream() and finalMessage()', async () => {
    ant.enqueue({ text: 'Streaming works fine', usage: { input: 7, cached: 50, cacheWrite: 0, output: 4 } });
    const stream = client.messages.stream({
      model: 'claude',
      max_tokens: 100,
      system: 'Be helpful.',
      messages: [{ role: 'user', content: 'stream please' }],
    });
    let deltas = '';
    stream.on('text', (t) => {
      deltas += t;
    });
    const final = await stream.finalMessage();
    expect(deltas).toBe('Streaming works fine');
    expect(final.content).toMatchObject([{ type: 'text', text: 'Streaming works fine' }]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage).toMatchObject({ input_tokens: 7, cache_read_input_tokens: 50, output_tokens: 4 });
    expect(obj(ant.last().body).stream).toBe(true);

    const rows = await keel.usage();
    expect(rows.at(-1)).toMatchObject({
      stream: true,
      apiShape: 'anthropic',
      status: 200,
      inputTokens: 57,
      cachedInputTokens: 50,
      outputTokens: 4,
    });
  });

  it('sends the full event sequence', async () => {
    const stream = await client.messages.create({
      model: 'claude',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'a b c' }],
      stream: true,
    });
    const types: string[] = [];
    for await (const ev of stream) types.push(ev.type);
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
    expect(types).toContain('content_block_start');
    expect(types).toContain('content_block_delta');
    expect(types).toContain('content_block_stop');
    expect(types.at(-2)).toBe('message_delta');
  });

  it('streams tool use with input_json_delta', async () => {
    ant.enqueue({ toolCalls: [{ id: 'toolu_s', name: 'get_weather', arguments: '{"city":"Kyiv"}' }] });
    const stream = client.messages.stream({
      model: 'claude',
      max_tokens: 100,
      tools: [ANTHROPIC_WEATHER_TOOL],
      messages: [{ role: 'user', content: 'Weather in Kyiv?' }],
    });
    let json = '';
    stream.on('inputJson', (partial) => {
      json += partial;
    });
    const final = await stream.finalMessage();
    expect(json).toBe('{"city":"Kyiv"}');
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content).toContainEqual({
      type: 'tool_use',
      id: 'toolu_s',
      name: 'get_weather',
      input: { city: 'Kyiv' },
    });
  });
});
