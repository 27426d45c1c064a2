import { createAnthropic } from '@ai-sdk/anthropic';
import Anthropic from '@anthropic-ai/sdk';
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { describe, expect, it } from 'vitest';
import type { KeyInput } from '../src/access/store.js';
import type { FakeUpstream } from './fakes/index.js';
import { arr, obj, standardConfig } from './helpers/fixtures.js';
import { setupGateway } from './helpers/gateway.js';
import { eventually, type StartedKeel } from './helpers/keel.js';

// The Anthropic-shaped client matrix: the AI SDK's Anthropic provider, the official SDK (prompt
// caching, thinking, countTokens), against fake upstreams that record what Keel sends them.
// LangChain's ChatAnthropic is in clients-langchain.test.ts.

// claude-sonnet-4-5 seed prices per token: input $3/M, output $15/M, cache read $0.30/M, write $3.75/M.
const IN = 3e-6;
const OUT = 15e-6;
const CACHE_READ = 3e-7;

let ant: FakeUpstream;
let oai: FakeUpstream;
let keel: StartedKeel;

setupGateway(
  (up) => {
    const base = standardConfig(up);
    // Named like a current model so @ai-sdk/anthropic applies its own default max_tokens (128,000).
    const current = {
      name: 'claude-sonnet-4-6',
      targets: [{ provider: 'ant', model: 'claude-sonnet-4-5-20250929' }],
    };
    return { ...base, models: [...(base.models as unknown[]), current] };
  },
  (g) => {
    ({ ant, oai, keel } = g);
  },
);

const newKey = async (input: Partial<KeyInput> = {}) =>
  (await keel.app.services.keys.create({ name: 'clients', models: ['*'], tools: ['*'], ...input }, 'test'))
    .secret;

const sdk = (apiKey: string, maxRetries = 0) => new Anthropic({ baseURL: keel.url, apiKey, maxRetries });
const aiSdk = (apiKey: string) => createAnthropic({ baseURL: `${keel.url}/v1`, apiKey });

describe('AI SDK createAnthropic({ baseURL })', () => {
  it('a key capped at 1,000 output tokens serves the library default max_tokens, capped', async () => {
    const secret = await newKey({ maxTokens: 1000, budgetUsd: 1, budgetPeriod: 'day' });
    ant.enqueue({ text: 'Hello there', usage: { input: 12, output: 3 } });
    const r = await generateText({ model: aiSdk(secret)('claude-sonnet-4-6'), prompt: 'Hi', maxRetries: 0 });
    expect(r.text).toBe('Hello there');
    // The installed @ai-sdk/anthropic asks for 128,000 tokens for this model; the upstream got the cap.
    expect(r.response.headers?.['x-keel-max-tokens-capped']).toBe('1000; requested=128000; by=key');
    expect(obj(ant.last().body).max_tokens).toBe(1000);
  });

  it('a $0.05 budget serves the 128,000-token default with max_tokens lowered to what it pays for', async () => {
    // 128,000 × $15/M = $1.92 could never be reserved; the answer costs a fraction of a cent.
    const secret = await newKey({ budgetUsd: 0.05, budgetPeriod: 'day' });
    ant.enqueue({ text: 'Fine', usage: { input: 12, output: 2 } });
    const r = await generateText({ model: aiSdk(secret)('claude-sonnet-4-6'), prompt: 'Hi', maxRetries: 0 });
    expect(r.text).toBe('Fine');
    const sent = Number(obj(ant.last().body).max_tokens);
    // The overshoot guarantee: every token the upstream may produce is paid for by the reservation.
    expect(sent * OUT).toBeLessThanOrEqual(0.05);
    expect(sent).toBeGreaterThan(3000);
    expect(r.response.headers?.['x-keel-max-tokens-capped']).toBe(`${sent}; requested=128000; by=budget`);
  });

  it('streamText with tools: the tool call streams back, the tool reaches the upstream', async () => {
    const secret = await newKey();
    ant.enqueue({ toolCalls: [{ id: 'toolu_1', name: 'weather', arguments: '{"city":"Oslo"}' }] });
    ant.enqueue({ text: 'It is cold in Oslo.' });
    const result = streamText({
      model: aiSdk(secret)('claude'),
      prompt: 'Weather in Oslo?',
      tools: {
        weather: tool({
          description: 'Weather by city',
          inputSchema: jsonSchema<{ city: string }>({
            type: 'object',
            properties: { city: { type: 'string' } },
            required: ['city'],
          }),
          execute: async ({ city }) => `cold in ${city}`,
        }),
      },
      stopWhen: stepCountIs(2),
      maxRetries: 0,
    });
    expect(await result.text).toBe('It is cold in Oslo.');
    const first = obj(ant.requests[0]!.body);
    expect(obj(arr(first.tools)[0])).toMatchObject({ name: 'weather', input_schema: { required: ['city'] } });
    // The second call carries the tool_use and its tool_result.
    const turns = arr(obj(ant.requests[1]!.body).messages).map(obj);
    expect(arr(turns[1]!.content).map((b) => obj(b).type)).toContain('tool_use');
    expect(obj(arr(turns[2]!.content)[0])).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_1' });
  });
});

describe('official SDK: prompt caching, thinking, countTokens', () => {
  it('cache_control reaches the Anthropic upstream and cache reads are billed at the cache price', async () => {
    const client = sdk(await newKey());
    ant.enqueue({ text: 'ok', usage: { input: 10, cached: 5000, output: 20 } });
    const cc = { type: 'ephemeral' as const };
    const res = await client.messages
      .create({
        model: 'claude',
        max_tokens: 100,
        system: [{ type: 'text', text: 'A long shared prefix.', cache_control: cc }],
        tools: [{ name: 'f', input_schema: { type: 'object' }, cache_control: cc }],
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Question', cache_control: cc }] }],
      })
      .withResponse();
    const body = obj(ant.last().body);
    // The default policy's canary is derived from the prompt, so the cached prefix stays the same call to call.
    expect(arr(body.system)[0]).toEqual({
      type: 'text',
      text: expect.stringMatching(/^A long shared prefix\.\n\n\[keel-canary:[0-9a-f]{24}\]$/),
      cache_control: cc,
    });
    expect(obj(arr(body.tools)[0]).cache_control).toEqual(cc);
    expect(obj(arr(obj(arr(body.messages)[0]).content)[0]).cache_control).toEqual(cc);
    expect(res.data.usage).toMatchObject({ input_tokens: 10, cache_read_input_tokens: 5000 });

    const row = await keel.usageFor(res.response.headers.get('x-keel-request-id'));
    expect(row).toMatchObject({ inputTokens: 5010, cachedInputTokens: 5000, outputTokens: 20 });
    expect(row.costUsd).toBeCloseTo(10 * IN + 5000 * CACHE_READ + 20 * OUT, 12);
  });

  it('thinking round-trips with its signature, whole and streamed', async () => {
    const client = sdk(await newKey());
    const thinking = { thinking: 'The user wants the weather.', signature: 'EqQBCkYIBxgCKkB-sig==' };
    ant.enqueue({ thinking, toolCalls: [{ id: 'toolu_7', name: 'weather', arguments: '{"city":"Oslo"}' }] });
    const params = {
      model: 'claude',
      max_tokens: 4000,
      thinking: { type: 'enabled' as const, budget_tokens: 2000 },
      tools: [{ name: 'weather', input_schema: { type: 'object' as const } }],
    };
    const first = await client.messages.create({
      ...params,
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
    });
    expect(obj(ant.last().body).thinking).toEqual({ type: 'enabled', budget_tokens: 2000 });
    expect(first.content[0]).toEqual({ type: 'thinking', ...thinking });

    // The next turn sends the thinking block back; Anthropic verifies the signature, so it must arrive intact.
    ant.enqueue({ thinking, text: 'Cold.' });
    const stream = client.messages.stream({
      ...params,
      messages: [
        { role: 'user', content: 'Weather in Oslo?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_7', content: '-3°C' }] },
      ],
    });
    const final = await stream.finalMessage();
    const assistant = obj(arr(obj(ant.last().body).messages)[1]);
    expect(arr(assistant.content)[0]).toEqual({ type: 'thinking', ...thinking });
    expect(final.content[0]).toEqual({ type: 'thinking', ...thinking });
    expect(final.content[1]).toMatchObject({ type: 'text', text: 'Cold.' });
  });

  it('message_start reports the input and cache tokens the upstream gave', async () => {
    const client = sdk(await newKey());
    ant.enqueue({ text: 'Hi', usage: { input: 42, cached: 100, cacheWrite: 7, output: 2 } });
    const stream = client.messages.stream({
      model: 'claude',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'x' }],
    });
    let startUsage: unknown;
    stream.on('streamEvent', (ev) => {
      if (ev.type === 'message_start') startUsage = ev.message.usage;
    });
    await stream.done();
    expect(startUsage).toMatchObject({
      input_tokens: 42,
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 7,
    });
  });

  it('messages.countTokens: forwarded to an Anthropic target, counted by Keel for others', async () => {
    const client = sdk(await newKey());
    ant.enqueue({ usage: { input: 321 } });
    const messages = [{ role: 'user' as const, content: 'How many tokens is this?' }];
    const counted = await client.messages.countTokens({ model: 'claude', messages });
    expect(counted.input_tokens).toBe(321);
    expect(ant.last().path).toBe('/v1/messages/count_tokens');
    expect(obj(ant.last().body)).toMatchObject({ model: 'claude-sonnet-4-5-20250929' });
    expect(obj(ant.last().body)).not.toHaveProperty('max_tokens');
    const local = await client.messages.countTokens({ model: 'gpt-4o', messages }).withResponse();
    expect(local.data.input_tokens).toBeGreaterThan(5);
    expect(local.response.headers.get('x-keel-token-count')).toBe('estimated');
  });

  it('models.list and unknown routes answer in Anthropic shapes', async () => {
    const client = sdk(await newKey());
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toContain('claude');
    expect(page.data[0]).toMatchObject({ type: 'model' });
    const res = await fetch(`${keel.url}/v1/messages/batches`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });
});

describe('Anthropic fields on OpenAI-family targets', () => {
  it('a PDF document becomes a file part; cache_control is dropped and said so; thinking is a 400', async () => {
    const client = sdk(await newKey());
    const pdf = { type: 'base64' as const, media_type: 'application/pdf' as const, data: 'JVBERi0xLjQK' };
    const res = await client.messages
      .create({
        model: 'gpt-4o',
        max_tokens: 50,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'document', source: pdf, title: 'report.pdf' },
              { type: 'text', text: 'Summarise', cache_control: { type: 'ephemeral' } },
            ],
          },
        ],
      })
      .withResponse();
    expect(res.response.headers.get('x-keel-dropped-fields')).toBe('cache_control');
    const parts = arr(obj(arr(obj(oai.last().body).messages)[0]).content).map(obj);
    expect(parts[0]).toEqual({
      type: 'file',
      file: { filename: 'report.pdf', file_data: 'data:application/pdf;base64,JVBERi0xLjQK' },
    });

    oai.reset();
    const err = await client.messages
      .create({
        model: 'gpt-4o',
        max_tokens: 3000,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        messages: [{ role: 'user', content: 'x' }],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(String((err as Error).message)).toContain('`thinking`');
    expect(oai.requests).toHaveLength(0);
  });
});

describe('budget exhaustion and bad bodies', () => {
  it('a spent budget is 402 billing_error with retry-after, and the SDK does not retry it', async () => {
    const secret = await newKey({ budgetUsd: 0.000001, budgetPeriod: 'day' });
    let calls = 0;
    const counting = new Anthropic({
      baseURL: keel.url,
      apiKey: secret,
      maxRetries: 2,
      fetch: (url, init) => {
        calls++;
        return fetch(url, init);
      },
    });
    const err = await counting.messages
      .create({ model: 'claude', max_tokens: 500, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    const e = err as InstanceType<typeof Anthropic.APIError>;
    expect(e.status).toBe(402);
    expect(obj(obj(e.error).error).type).toBe('billing_error');
    expect(Number(e.headers?.get('retry-after'))).toBeGreaterThan(0);
    expect(calls).toBe(1);
    expect(ant.requests).toHaveLength(0);
  });

  it('a 400 for a bad body is booked to the use case the caller named', async () => {
    const secret = await newKey();
    const res = await fetch(`${keel.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': secret, 'content-type': 'application/json', 'x-keel-use-case': 'support-bot' },
      body: JSON.stringify({ model: 'claude', messages: [] }),
    });
    expect(res.status).toBe(400);
    const row = await eventually(() => keel.usageFor(res.headers.get('x-keel-request-id')));
    expect(row).toMatchObject({ status: 400, useCase: 'support-bot' });
  });
});
