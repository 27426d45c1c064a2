import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { textOf } from './fakes/common.js';
import { type FakeUpstream, fakeEmbedding } from './fakes/index.js';
import { arr, obj, standardConfig, WEATHER_TOOL } from './helpers/fixtures.js';
import { setupGateway } from './helpers/gateway.js';
import { type StartedKeel, TEST_ENV } from './helpers/keel.js';

// openai SDK → Keel → fake OpenAI: the SDK must work unchanged, and the upstream must see the request it sent.

let oai: FakeUpstream;
let ant: FakeUpstream;
let keel: StartedKeel;
let client: OpenAI;

setupGateway(standardConfig, (g) => ({ oai, ant, keel, openai: client } = g));

describe('chat completions', () => {
  it('answers a chat and records usage', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello there' }] })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]?.message).toMatchObject({ role: 'assistant', content: 'Echo: Hello there' });
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
    const requestId = response.headers.get('x-keel-request-id');
    expect(requestId).toBeTruthy();

    const sent = obj(oai.last().body);
    expect(sent.model).toBe('gpt-4o');
    expect(arr(sent.messages)).toHaveLength(1);
    expect(obj(arr(sent.messages)[0]).role).toBe('user');
    expect(textOf(obj(arr(sent.messages)[0]).content)).toBe('Hello there');
    expect(oai.last().headers.authorization).toBe(`Bearer ${TEST_ENV.OAI_KEY}`);

    const row = await keel.usageFor(requestId);
    expect(row).toMatchObject({
      endpoint: 'chat',
      apiShape: 'openai',
      stream: false,
      modelRequested: 'gpt-4o',
      provider: 'oai',
      modelUpstream: 'gpt-4o',
      status: 200,
      errorCode: null,
      attempts: 1,
      fallbacks: [],
      cacheHit: false,
      inputTokens: data.usage?.prompt_tokens,
      outputTokens: data.usage?.completion_tokens,
    });
  });

  it('passes n, stop, seed, user, temperature and unmodelled parameters through', async () => {
    const r = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Count' },
      ],
      n: 2,
      stop: ['\n\n', 'END'],
      seed: 42,
      user: 'user-123',
      temperature: 0.2,
      max_tokens: 64,
      presence_penalty: 0.5,
      logprobs: false,
    });
    expect(r.choices).toHaveLength(2);
    expect(r.choices.map((c) => c.index)).toEqual([0, 1]);
    expect(obj(oai.last().body)).toMatchObject({
      n: 2,
      stop: ['\n\n', 'END'],
      seed: 42,
      user: 'user-123',
      temperature: 0.2,
      presence_penalty: 0.5,
      logprobs: false,
    });
    const sent = obj(oai.last().body);
    expect(sent.max_tokens ?? sent.max_completion_tokens).toBe(64);
    expect(obj(arr(sent.messages)[0]).role).toBe('system');
    // The default guard policy's canary rides on a line of its own after the prompt.
    expect(textOf(obj(arr(sent.messages)[0]).content)).toMatch(
      /^You are terse\.\n\n\[keel-canary:[0-9a-f]{24}\]$/,
    );
  });

  it('passes JSON mode and json_schema through', async () => {
    const r1 = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'json please' }],
      response_format: { type: 'json_object' },
    });
    expect(JSON.parse(r1.choices[0]?.message.content ?? '')).toEqual({ echo: 'json please' });
    expect(obj(oai.last().body).response_format).toEqual({ type: 'json_object' });

    const schema = {
      type: 'object',
      properties: { echo: { type: 'string' } },
      required: ['echo'],
      additionalProperties: false,
    };
    await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'schema please' }],
      response_format: { type: 'json_schema', json_schema: { name: 'echo', schema, strict: true } },
    });
    expect(obj(oai.last().body).response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'echo', schema, strict: true },
    });
  });

  it('round-trips tools: tool_calls, then a tool message', async () => {
    oai.enqueue({
      toolCalls: [{ id: 'call_w1', name: 'get_weather', arguments: '{"city":"Paris","unit":"c"}' }],
    });
    const first = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [WEATHER_TOOL],
      tool_choice: 'auto',
    });
    const choice = first.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.tool_calls).toMatchObject([
      {
        id: 'call_w1',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"c"}' },
      },
    ]);
    expect(obj(oai.last().body).tools).toMatchObject([WEATHER_TOOL]);
    expect(obj(oai.last().body).tool_choice).toBe('auto');

    const second = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: choice?.message.tool_calls ?? [] },
        { role: 'tool', tool_call_id: 'call_w1', content: '18C and sunny' },
      ],
      tools: [WEATHER_TOOL],
    });
    expect(second.choices[0]?.message.content).toBe('Echo: 18C and sunny');
    const sent = arr(obj(oai.last().body).messages);
    expect(obj(sent[1]).tool_calls).toMatchObject(choice?.message.tool_calls ?? []);
    expect(sent[2]).toMatchObject({ role: 'tool', tool_call_id: 'call_w1' });
    expect(textOf(obj(sent[2]).content)).toBe('18C and sunny');
  });
});

describe('streaming', () => {
  it('streams deltas and the include_usage chunk with cached tokens', async () => {
    oai.enqueue({ text: 'The quick brown fox', usage: { input: 120, cached: 64, output: 4 } });
    const { data: stream, response } = await client.chat.completions
      .create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'go' }],
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('The quick brown fox');
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: 120, completion_tokens: 4, total_tokens: 124 });
    expect(usage?.prompt_tokens_details?.cached_tokens).toBe(64);

    const row = await keel.usageFor(response.headers.get('x-keel-request-id'));
    expect(row).toMatchObject({
      stream: true,
      status: 200,
      inputTokens: 120,
      cachedInputTokens: 64,
      outputTokens: 4,
    });
    expect(row.ttftMs).not.toBeNull();
  });

  it('omits the usage chunk when the client did not ask, but still records usage', async () => {
    oai.enqueue({ text: 'no usage for you', usage: { input: 30, output: 4 } });
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'go' }], stream: true })
      .withResponse();
    let text = '';
    for await (const chunk of stream) {
      expect(chunk.usage ?? null).toBeNull();
      expect(chunk.choices.length).toBeGreaterThan(0);
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe('no usage for you');
    // Keel asks the upstream for usage regardless, so that cost is recorded.
    expect(obj(oai.last().body).stream_options).toMatchObject({ include_usage: true });
    const row = await keel.usageFor(response.headers.get('x-keel-request-id'));
    expect(row).toMatchObject({ inputTokens: 30, outputTokens: 4, tokensEstimated: false });
  });

  it('streams n > 1 choices by index', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'twice' }],
      n: 2,
      stream: true,
    });
    const texts = ['', ''];
    for await (const chunk of stream) {
      for (const c of chunk.choices) texts[c.index] += c.delta.content ?? '';
    }
    expect(texts).toEqual(['Echo: twice', 'Echo: twice (1)']);
  });

  it('streams tool call deltas the SDK helper assembles', async () => {
    oai.enqueue({
      toolCalls: [
        { id: 'call_a', name: 'get_weather', arguments: '{"city":"Oslo"}' },
        { id: 'call_b', name: 'get_weather', arguments: '{"city":"Rome","unit":"f"}' },
      ],
    });
    const final = await client.chat.completions
      .stream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'two cities' }], tools: [WEATHER_TOOL] })
      .finalChatCompletion();
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(final.choices[0]?.message.tool_calls).toMatchObject([
      { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
      {
        id: 'call_b',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Rome","unit":"f"}' },
      },
    ]);
  });
});

describe('embeddings and models', () => {
  it('returns base64 embeddings (the SDK default) that decode to the upstream vectors', async () => {
    const { data, response } = await client.embeddings
      .create({ model: 'text-embedding-3-small', input: ['alpha', 'beta gamma'] })
      .withResponse();
    expect(data.data).toHaveLength(2);
    expect(Array.from(data.data[0]?.embedding ?? [])).toEqual(fakeEmbedding(0, 'alpha'));
    expect(Array.from(data.data[1]?.embedding ?? [])).toEqual(fakeEmbedding(1, 'beta gamma'));
    expect(data.usage.prompt_tokens).toBeGreaterThan(0);
    const row = await keel.usageFor(response.headers.get('x-keel-request-id'));
    expect(row).toMatchObject({ endpoint: 'embeddings', status: 200, provider: 'oai' });
  });

  it("honours encoding_format: 'float' and dimensions", async () => {
    const r = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'hello',
      encoding_format: 'float',
      dimensions: 4,
    });
    expect(r.data[0]?.embedding).toEqual(fakeEmbedding(0, 'hello', 4));
    expect(obj(oai.last().body)).toMatchObject({ dimensions: 4, model: 'text-embedding-3-small' });
  });

  it('lists the configured models', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) {
      expect(m.object).toBe('model');
      ids.push(m.id);
    }
    expect(ids.sort()).toEqual(['claude', 'gpt-4o', 'text-embedding-3-small']);
  });
});
