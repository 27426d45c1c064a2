import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { textOf } from './fakes/common.js';
import type { FakeUpstream } from './fakes/index.js';
import { arr, obj, openaiClient, standardConfig, WEATHER_TOOL } from './helpers/fixtures.js';
import { setupGateway } from './helpers/gateway.js';
import { type StartedKeel, TEST_ENV } from './helpers/keel.js';

// openai SDK → Keel → fake Anthropic: the upstream must see a valid Anthropic request, the client an OpenAI answer.

let ant: FakeUpstream;
let keel: StartedKeel;
let client: OpenAI;

setupGateway(
  (up) => standardConfig(up),
  (g) => {
    ({ ant, keel } = g);
    client = openaiClient(keel.url, 'client-side-key-not-for-upstream');
  },
);

describe('non-streaming', () => {
  it('hoists the system prompt, sends Keel’s provider key, and maps usage with cached tokens', async () => {
    ant.enqueue({ text: 'Short answer.', usage: { input: 20, cached: 100, cacheWrite: 10, output: 5 } });
    const r = await client.chat.completions.create({
      model: 'claude',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Explain tides' },
      ],
      temperature: 0.5,
    });
    expect(r.object).toBe('chat.completion');
    expect(r.choices[0]?.message).toMatchObject({ role: 'assistant', content: 'Short answer.' });
    expect(r.choices[0]?.finish_reason).toBe('stop');
    // OpenAI semantics: prompt_tokens include cache reads and writes.
    expect(r.usage).toMatchObject({ prompt_tokens: 130, completion_tokens: 5, total_tokens: 135 });
    expect(r.usage?.prompt_tokens_details?.cached_tokens).toBe(100);

    const req = ant.last();
    const sent = obj(req.body);
    // The default guard policy's canary rides on a line of its own after the prompt.
    expect(textOf(sent.system)).toMatch(/^You are terse\.\n\n\[keel-canary:[0-9a-f]{24}\]$/);
    const msgs = arr(sent.messages);
    expect(msgs).toHaveLength(1);
    expect(obj(msgs[0]).role).toBe('user');
    expect(textOf(obj(msgs[0]).content)).toBe('Explain tides');
    expect(sent.model).toBe('claude-sonnet-4-5-20250929');
    expect(sent.temperature).toBe(0.5);
    expect(typeof sent.max_tokens).toBe('number');
    expect(req.headers['x-api-key']).toBe(TEST_ENV.ANT_KEY);
    expect(req.headers['anthropic-version']).toBeTruthy();
    expect(JSON.stringify(req.headers)).not.toContain('client-side-key-not-for-upstream');
  });

  it('maps max_tokens, stop and stop reasons', async () => {
    ant.enqueue({ text: 'one two', stopSequence: 'END' }, { text: 'cut sh', finishReason: 'max_tokens' });
    const r1 = await client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'count' }],
      max_tokens: 33,
      stop: ['END'],
    });
    expect(obj(ant.last().body)).toMatchObject({ max_tokens: 33, stop_sequences: ['END'] });
    expect(r1.choices[0]?.finish_reason).toBe('stop');
    const r2 = await client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'long' }],
    });
    expect(r2.choices[0]?.finish_reason).toBe('length');
  });

  it('translates tools and tool_choice, and returns tool_calls', async () => {
    ant.enqueue({ toolCalls: [{ id: 'toolu_p', name: 'get_weather', arguments: '{"city":"Paris"}' }] });
    const r = await client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [WEATHER_TOOL],
      tool_choice: 'required',
    });
    const sent = obj(ant.last().body);
    expect(sent.tools).toMatchObject([
      {
        name: 'get_weather',
        description: 'Current weather for a city',
        input_schema: WEATHER_TOOL.function.parameters,
      },
    ]);
    expect(sent.tool_choice).toMatchObject({ type: 'any' });

    const choice = r.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    const call = choice?.message.tool_calls?.[0];
    expect(call).toMatchObject({ id: 'toolu_p', type: 'function', function: { name: 'get_weather' } });
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' });

    await client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'Weather?' }],
      tools: [WEATHER_TOOL],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    expect(obj(ant.last().body).tool_choice).toMatchObject({ type: 'tool', name: 'get_weather' });
  });

  it('sends tool results back as tool_use / tool_result blocks', async () => {
    await client.chat.completions.create({
      model: 'claude',
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'toolu_p',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_p', content: '18C and sunny' },
      ],
      tools: [WEATHER_TOOL],
    });
    const msgs = arr(obj(ant.last().body).messages);
    expect(msgs.map((m) => obj(m).role)).toEqual(['user', 'assistant', 'user']);
    expect(arr(obj(msgs[1]).content)).toContainEqual({
      type: 'tool_use',
      id: 'toolu_p',
      name: 'get_weather',
      input: { city: 'Paris' },
    });
    const result = arr(obj(msgs[2]).content)
      .map(obj)
      .find((b) => b.type === 'tool_result');
    expect(result).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_p' });
    expect(textOf(result?.content) || result?.content).toBe('18C and sunny');
  });
});

describe('message shapes', () => {
  it('hoists developer messages too, and keeps text parts', async () => {
    await client.chat.completions.create({
      model: 'claude',
      messages: [
        { role: 'developer', content: 'Rule one.' },
        { role: 'system', content: [{ type: 'text', text: 'Rule two.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'part A ' },
            { type: 'text', text: 'part B' },
          ],
        },
      ],
    });
    const sent = obj(ant.last().body);
    const system = textOf(sent.system);
    expect(system).toContain('Rule one.');
    expect(system).toContain('Rule two.');
    const msgs = arr(sent.messages).map(obj);
    expect(msgs.map((m) => m.role)).toEqual(['user']);
    expect(textOf(msgs[0]?.content)).toBe('part A part B');
  });

  it('answers parallel tool calls with all tool results after the tool_use turn', async () => {
    await client.chat.completions.create({
      model: 'claude',
      messages: [
        { role: 'user', content: 'Paris and Rome?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'toolu_a',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
            {
              id: 'toolu_b',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Rome"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_a', content: '18C' },
        { role: 'tool', tool_call_id: 'toolu_b', content: '25C' },
      ],
      tools: [WEATHER_TOOL],
    });
    const msgs = arr(obj(ant.last().body).messages).map(obj);
    expect(msgs[1]?.role).toBe('assistant');
    const uses = arr(msgs[1]?.content)
      .map(obj)
      .filter((b) => b.type === 'tool_use');
    expect(uses.map((u) => u.id)).toEqual(['toolu_a', 'toolu_b']);
    // every block after the assistant turn, across however many user turns Keel sent
    const results = msgs
      .slice(2)
      .flatMap((m) => (Array.isArray(m.content) ? m.content : []))
      .map(obj)
      .filter((b) => b.type === 'tool_result');
    expect(results.map((r) => r.tool_use_id)).toEqual(['toolu_a', 'toolu_b']);
    expect(msgs.slice(2).every((m) => m.role === 'user')).toBe(true);
  });

  it('translates an image part into an Anthropic image block', async () => {
    const png =
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
    await client.chat.completions.create({
      model: 'claude',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } },
          ],
        },
      ],
    });
    const content = arr(obj(arr(obj(ant.last().body).messages)[0]).content).map(obj);
    expect(content.find((b) => b.type === 'image')).toMatchObject({
      type: 'image',
      source: { type: 'base64', media_type: 'image/png', data: png },
    });
  });
});

describe('streaming', () => {
  it('streams text deltas and the usage chunk with cached tokens', async () => {
    ant.enqueue({
      text: 'Tides follow the moon',
      usage: { input: 12, cached: 400, cacheWrite: 30, output: 4 },
    });
    const stream = await client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'tides' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Tides follow the moon');
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: 442, completion_tokens: 4, total_tokens: 446 });
    expect(usage?.prompt_tokens_details?.cached_tokens).toBe(400);
    expect(obj(ant.last().body).stream).toBe(true);

    const row = (await keel.usage()).at(-1);
    expect(row).toMatchObject({
      inputTokens: 442,
      cachedInputTokens: 400,
      cacheWriteTokens: 30,
      outputTokens: 4,
    });
  });

  it('streams tool calls the SDK helper assembles', async () => {
    ant.enqueue({
      text: 'Let me look.',
      toolCalls: [{ id: 'toolu_s', name: 'get_weather', arguments: '{"city":"Oslo"}' }],
    });
    const final = await client.chat.completions
      .stream({ model: 'claude', messages: [{ role: 'user', content: 'Oslo?' }], tools: [WEATHER_TOOL] })
      .finalChatCompletion();
    const choice = final.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBe('Let me look.');
    const call = choice?.message.tool_calls?.[0];
    expect(call).toMatchObject({ id: 'toolu_s', type: 'function', function: { name: 'get_weather' } });
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ city: 'Oslo' });
  });
});
