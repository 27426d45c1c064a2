import { createOpenAI } from '@ai-sdk/openai';
import { ChatAnthropic } from '@langchain/anthropic';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { tool as lcTool } from '@langchain/core/tools';
import { ChatOpenAI, OpenAIEmbeddings } from '@langchain/openai';
import { generateObject, generateText, jsonSchema, streamText, tool } from 'ai';
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Behaviour, FakeUpstream } from './fakes/index.js';
import { arr, obj, standardConfig } from './helpers/fixtures.js';
import { setupGateway } from './helpers/gateway.js';
import type { StartedKeel } from './helpers/keel.js';

// The OpenAI-shaped client matrix (AI SDK `.chat()`, LangChain ChatOpenAI and OpenAIEmbeddings, the
// official SDK's parse, logprobs, file parts) and LangChain's ChatAnthropic, against fake upstreams
// that record what Keel sends them.

let ant: FakeUpstream;
let oai: FakeUpstream;
let keel: StartedKeel;
let secret: string;

setupGateway(standardConfig, (g) => {
  ({ ant, oai, keel } = g);
});
beforeAll(async () => {
  const key = { name: 'clients', models: ['*'], tools: ['*'] };
  secret = (await keel.app.services.keys.create(key, 'test')).secret;
});

const PERSON = z.object({ name: z.string(), age: z.number() });
const WEATHER = {
  type: 'object',
  properties: { city: { type: 'string' } },
  required: ['city'],
} as const;

describe('AI SDK OpenAI provider .chat()', () => {
  const provider = () => createOpenAI({ baseURL: `${keel.url}/v1`, apiKey: secret });

  it('generateText and streamText', async () => {
    oai.enqueue({ text: 'Hello from gpt' }, { text: 'Streamed hello' });
    expect((await generateText({ model: provider().chat('gpt-4o'), prompt: 'Hi', maxRetries: 0 })).text).toBe(
      'Hello from gpt',
    );
    const s = streamText({ model: provider().chat('gpt-4o'), prompt: 'Hi', maxRetries: 0 });
    expect(await s.text).toBe('Streamed hello');
    expect(obj(oai.last().body)).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('tools and structured output', async () => {
    oai.enqueue({ toolCalls: [{ id: 'call_1', name: 'weather', arguments: '{"city":"Oslo"}' }] });
    const r = await generateText({
      model: provider().chat('gpt-4o'),
      prompt: 'Weather?',
      tools: { weather: tool({ inputSchema: jsonSchema<{ city: string }>(WEATHER) }) },
      maxRetries: 0,
    });
    expect(r.toolCalls[0]).toMatchObject({ toolName: 'weather', input: { city: 'Oslo' } });
    expect(obj(obj(arr(obj(oai.last().body).tools)[0]).function).name).toBe('weather');

    oai.enqueue({ text: '{"name":"Ada","age":36}' });
    const o = await generateObject({
      model: provider().chat('gpt-4o'),
      schema: PERSON,
      prompt: 'Ada',
      maxRetries: 0,
    });
    expect(o.object).toEqual({ name: 'Ada', age: 36 });
    expect(obj(obj(oai.last().body).response_format).type).toBe('json_schema');
  });
});

describe('LangChain', () => {
  const chatOpenAI = () =>
    new ChatOpenAI({
      model: 'gpt-4o',
      apiKey: secret,
      configuration: { baseURL: `${keel.url}/v1` },
      maxRetries: 0,
    });
  const chatAnthropic = () =>
    new ChatAnthropic({ model: 'claude', apiKey: secret, anthropicApiUrl: keel.url, maxRetries: 0 });
  const weather = lcTool(async ({ city }: { city: string }) => `cold in ${city}`, {
    name: 'weather',
    description: 'Weather by city',
    schema: z.object({ city: z.string() }),
  });

  /**
   * One row of the matrix for a LangChain chat model: invoke, stream, tools, withStructuredOutput.
   * `structured` is how the upstream answers a structured-output call: JSON text (ChatOpenAI's
   * json_schema response format) or a tool call (ChatAnthropic's default).
   */
  async function chatModelRow(model: () => BaseChatModel, up: FakeUpstream, structured: Behaviour) {
    up.enqueue({ text: 'one' }, { text: 'two three' });
    expect((await model().invoke('Hi')).content).toBe('one');
    let streamed = '';
    for await (const chunk of await model().stream('Hi')) streamed += String(chunk.content);
    expect(streamed).toBe('two three');

    up.enqueue({ toolCalls: [{ id: 'call_2', name: 'weather', arguments: '{"city":"Bergen"}' }] });
    const called = await model().bindTools!([weather]).invoke('Weather in Bergen?');
    expect(called.tool_calls?.[0]).toMatchObject({ name: 'weather', args: { city: 'Bergen' } });

    up.enqueue(structured);
    const person = await model().withStructuredOutput(PERSON, { name: 'person' }).invoke('Ada, 36');
    expect(person).toEqual({ name: 'Ada', age: 36 });
  }

  it('ChatOpenAI (chat completions): invoke, stream, tools, withStructuredOutput', async () => {
    await chatModelRow(chatOpenAI, oai, { text: '{"name":"Ada","age":36}' });
    expect(obj(obj(oai.last().body).response_format).type).toBe('json_schema');
  });

  it('OpenAIEmbeddings', async () => {
    const emb = new OpenAIEmbeddings({
      model: 'text-embedding-3-small',
      apiKey: secret,
      configuration: { baseURL: `${keel.url}/v1` },
      maxRetries: 0,
    });
    const vectors = await emb.embedDocuments(['a', 'b']);
    expect(vectors).toHaveLength(2);
    expect(vectors[0]!.length).toBeGreaterThan(0);
    expect(oai.last().path).toBe('/v1/embeddings');
  });

  it('ChatAnthropic: invoke, stream, tools, withStructuredOutput', async () => {
    const args = '{"name":"Ada","age":36}';
    await chatModelRow(chatAnthropic, ant, {
      toolCalls: [{ id: 'toolu_4', name: 'person', arguments: args }],
    });
    expect(obj(arr(obj(ant.last().body).tools)[0]).name).toBe('person');
  });
});

describe('official OpenAI SDK', () => {
  const client = () => new OpenAI({ baseURL: `${keel.url}/v1`, apiKey: secret, maxRetries: 0 });

  it('chat.completions.parse with a zod response format', async () => {
    oai.enqueue({ text: '{"name":"Ada","age":36}' });
    const res = await client().chat.completions.parse({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Ada, 36' }],
      response_format: zodResponseFormat(PERSON, 'person'),
    });
    expect(res.choices[0]!.message.parsed).toEqual({ name: 'Ada', age: 36 });
    expect(obj(obj(obj(oai.last().body).response_format).json_schema).name).toBe('person');
  });

  it('logprobs and top_logprobs reach the upstream and come back, whole and streamed', async () => {
    const logprobs = {
      content: [{ token: 'Hi', logprob: -0.01, bytes: [72, 105], top_logprobs: [] }],
      refusal: null,
    };
    oai.enqueue({ text: 'Hi', logprobs }, { text: 'Hi', logprobs });
    const res = await client().chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'x' }],
      logprobs: true,
      top_logprobs: 2,
    });
    expect(obj(oai.last().body)).toMatchObject({ logprobs: true, top_logprobs: 2 });
    expect(res.choices[0]!.logprobs).toEqual(logprobs);
    const stream = await client().chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'x' }],
      logprobs: true,
      stream: true,
    });
    const seen: unknown[] = [];
    for await (const chunk of stream) if (chunk.choices[0]?.logprobs) seen.push(chunk.choices[0].logprobs);
    expect(seen).toEqual([logprobs]);
  });

  it('logprobs to an Anthropic target is a 400 naming the field', async () => {
    const err = await client()
      .chat.completions.create({
        model: 'claude',
        messages: [{ role: 'user', content: 'x' }],
        logprobs: true,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(String((err as Error).message)).toContain('`logprobs`');
    expect(ant.requests).toHaveLength(0);
  });

  it('a PDF file part reaches OpenAI as a file part and Anthropic as a document', async () => {
    const file = {
      type: 'file' as const,
      file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0x' },
    };
    const messages = [
      { role: 'user' as const, content: [file, { type: 'text' as const, text: 'Summarise' }] },
    ];
    await client().chat.completions.create({ model: 'gpt-4o', messages });
    expect(arr(obj(arr(obj(oai.last().body).messages)[0]).content)[0]).toEqual(file);
    await client().chat.completions.create({ model: 'claude', messages });
    expect(arr(obj(arr(obj(ant.last().body).messages)[0]).content)[0]).toEqual({
      type: 'document',
      source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0x' },
      title: 'a.pdf',
    });
  });

  it('a spent budget is 402 insufficient_quota, not retried, the same as on /v1/messages', async () => {
    const spent = (
      await keel.app.services.keys.create(
        { name: 'spent', models: ['*'], budgetUsd: 0.000001, budgetPeriod: 'month' },
        'test',
      )
    ).secret;
    let calls = 0;
    const counting = new OpenAI({
      baseURL: `${keel.url}/v1`,
      apiKey: spent,
      maxRetries: 2,
      fetch: (url, init) => {
        calls++;
        return fetch(url, init);
      },
    });
    const err = await counting.chat.completions
      .create({ model: 'gpt-4o', max_tokens: 500, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    const e = err as InstanceType<typeof OpenAI.APIError>;
    expect(e.status).toBe(402);
    expect(e.type).toBe('insufficient_quota');
    expect(e.code).toBe('budget_exceeded');
    expect(calls).toBe(1);
  });
});
