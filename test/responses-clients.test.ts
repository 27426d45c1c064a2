import { createOpenAI } from '@ai-sdk/openai';
import { ChatOpenAI } from '@langchain/openai';
import { generateObject, generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { textOf } from './fakes/common.js';
import type { FakeUpstream } from './fakes/index.js';
import { arr, obj, openaiClient, standardConfig } from './helpers/fixtures.js';
import { setupGateway } from './helpers/gateway.js';
import { eventually, type StartedKeel } from './helpers/keel.js';

// The client libraries whose defaults call /v1/responses — the Vercel AI SDK's `openai('model')` and
// LangChain's ChatOpenAI with useResponsesApi — against Keel, asserting what reaches the upstream
// and the usage row each call leaves.

let oai: FakeUpstream;
let ant: FakeUpstream;
let keel: StartedKeel;

setupGateway(standardConfig, (g) => ({ oai, ant, keel } = g));

const provider = () => createOpenAI({ baseURL: `${keel.url}/v1`, apiKey: 'unused-when-auth-is-off' });

function sentMessages(up: FakeUpstream): Record<string, unknown>[] {
  return arr(obj(up.last().body).messages).map(obj);
}

/** The last usage row, once the writer has it (streams record when they end). */
async function lastRow(stream: boolean) {
  return eventually(async () => {
    const r = (await keel.usage()).at(-1);
    if (!r || r.stream !== stream) throw new Error('no row yet');
    return r;
  });
}

describe('Vercel AI SDK default provider (createOpenAI()(model) → /v1/responses)', () => {
  it('generateText: text, usage, and the request that reached the upstream', async () => {
    oai.enqueue({ text: 'Hello from Keel', usage: { input: 20, output: 4, cached: 8 } });
    const r = await generateText({
      model: provider()('gpt-4o'),
      system: 'Be brief.',
      prompt: 'Say hello',
      temperature: 0.5,
      maxOutputTokens: 50,
      maxRetries: 0,
    });
    expect(r.text).toBe('Hello from Keel');
    expect(r.usage).toMatchObject({ inputTokens: 20, outputTokens: 4, cachedInputTokens: 8 });
    expect(r.response.id).toMatch(/^resp_/);
    expect(oai.last().path).toBe('/v1/chat/completions');
    const sent = obj(oai.last().body);
    expect(sent.temperature).toBe(0.5);
    expect(sent.max_tokens ?? sent.max_completion_tokens).toBe(50);
    expect(sentMessages(oai).map((m) => [m.role, textOf(m.content)])).toEqual([
      // The default guard policy's canary rides on a line of its own after the system prompt.
      ['system', expect.stringMatching(/^Be brief\.\n\n\[keel-canary:[0-9a-f]{24}\]$/)],
      ['user', 'Say hello'],
    ]);
    expect(await lastRow(false)).toMatchObject({
      endpoint: 'responses',
      modelRequested: 'gpt-4o',
      status: 200,
      inputTokens: 20,
      cachedInputTokens: 8,
      outputTokens: 4,
    });
  });

  it('streamText: deltas arrive in order and the stream is recorded', async () => {
    oai.enqueue({ text: 'streamed words here', usage: { input: 7, output: 3 } });
    const r = streamText({ model: provider()('gpt-4o'), prompt: 'Stream please', maxRetries: 0 });
    let text = '';
    for await (const delta of r.textStream) text += delta;
    expect(text).toBe('streamed words here');
    expect(await r.usage).toMatchObject({ inputTokens: 7, outputTokens: 3 });
    expect(obj(oai.last().body).stream).toBe(true);
    expect(await lastRow(true)).toMatchObject({ endpoint: 'responses', status: 200, outputTokens: 3 });
  });

  it('tools: the model calls a tool, the SDK runs it and sends the result back (with an item_reference)', async () => {
    oai.enqueue(
      {
        text: 'Let me check.',
        toolCalls: [{ id: 'call_ai1', name: 'weather', arguments: '{"city":"Paris"}' }],
      },
      { text: 'It is 21 degrees in Paris.' },
    );
    const r = await generateText({
      model: provider()('gpt-4o'),
      prompt: 'Weather in Paris?',
      tools: {
        weather: tool({
          description: 'Current weather',
          inputSchema: z.object({ city: z.string() }),
          execute: async ({ city }) => ({ city, temp: 21 }),
        }),
      },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    expect(r.text).toBe('It is 21 degrees in Paris.');
    expect(r.steps).toHaveLength(2);
    const first = obj(oai.requests[0]?.body);
    const fn = obj(obj(arr(first.tools)[0]).function);
    expect(fn.name).toBe('weather');
    expect(obj(fn.parameters).properties).toEqual({ city: { type: 'string' } });
    const msgs = sentMessages(oai);
    expect(msgs.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
    // The SDK sends the stored first answer back as an item_reference: Keel resolves it.
    expect(textOf(msgs[1]?.content)).toBe('Let me check.');
    expect(arr(msgs[1]?.tool_calls)[0]).toMatchObject({ id: 'call_ai1', function: { name: 'weather' } });
    expect(msgs[2]).toMatchObject({ tool_call_id: 'call_ai1' });
    expect(JSON.parse(textOf(msgs[2]?.content))).toEqual({ city: 'Paris', temp: 21 });
    const firstId = r.steps[0]?.response.id ?? '';
    const items = await openaiClient(keel.url).responses.inputItems.list(r.steps[1]?.response.id ?? '');
    expect(items.data.map((i) => i.id)).toContain(`msg_${firstId.slice('resp_'.length)}_o0`);
  });

  it('streamText with tools: the tool call streams through the typed events', async () => {
    oai.enqueue(
      { toolCalls: [{ id: 'call_s1', name: 'weather', arguments: '{"city":"Oslo"}' }] },
      { text: 'Cold in Oslo.' },
    );
    const r = streamText({
      model: provider()('gpt-4o'),
      prompt: 'Weather in Oslo?',
      tools: {
        weather: tool({
          inputSchema: jsonSchema<{ city: string }>({
            type: 'object',
            properties: { city: { type: 'string' } },
            required: ['city'],
          }),
          execute: async () => ({ temp: -3 }),
        }),
      },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    const calls: unknown[] = [];
    for await (const part of r.fullStream) if (part.type === 'tool-call') calls.push(part.input);
    expect(calls).toEqual([{ city: 'Oslo' }]);
    expect(await r.text).toBe('Cold in Oslo.');
    expect(oai.requests).toHaveLength(2);
  });

  it('generateObject: structured output through text.format json_schema', async () => {
    const r = await generateObject({
      model: provider()('gpt-4o'),
      schema: z.object({ echo: z.string() }),
      prompt: 'object please',
      maxRetries: 0,
    });
    expect(r.object).toEqual({ echo: 'object please' });
    const rf = obj(obj(oai.last().body).response_format);
    expect(rf.type).toBe('json_schema');
    expect(obj(obj(rf.json_schema).schema).properties).toEqual({ echo: { type: 'string' } });
  });

  it('serves an Anthropic-family model behind the same provider', async () => {
    ant.enqueue({ text: 'Claude via Responses', usage: { input: 11, output: 5 } });
    const r = await generateText({ model: provider()('claude'), prompt: 'Hi', maxRetries: 0 });
    expect(r.text).toBe('Claude via Responses');
    expect(ant.last().path).toBe('/v1/messages');
    expect(await lastRow(false)).toMatchObject({ endpoint: 'responses', provider: 'ant', outputTokens: 5 });
  });
});

describe('LangChain ChatOpenAI with useResponsesApi', () => {
  const chat = () =>
    new ChatOpenAI({
      model: 'gpt-4o',
      useResponsesApi: true,
      apiKey: 'unused-when-auth-is-off',
      maxRetries: 0,
      configuration: { baseURL: `${keel.url}/v1` },
    });

  it('invoke', async () => {
    oai.enqueue({ text: 'LangChain answer', usage: { input: 15, output: 2 } });
    const msg = await chat().invoke([
      ['system', 'You are terse.'],
      ['human', 'Hello?'],
    ]);
    expect(msg.content).toEqual([expect.objectContaining({ type: 'text', text: 'LangChain answer' })]);
    expect(msg.usage_metadata).toMatchObject({ input_tokens: 15, output_tokens: 2 });
    expect(sentMessages(oai).map((m) => [m.role, textOf(m.content)])).toEqual([
      ['system', expect.stringMatching(/^You are terse\.\n\n\[keel-canary:[0-9a-f]{24}\]$/)],
      ['user', 'Hello?'],
    ]);
    expect(await lastRow(false)).toMatchObject({ endpoint: 'responses', status: 200, inputTokens: 15 });
  });

  it('tools (bindTools) and structured output (withStructuredOutput)', async () => {
    oai.enqueue({ toolCalls: [{ id: 'call_lc', name: 'weather', arguments: '{"city":"Rome"}' }] });
    const weather = { name: 'weather', description: 'Weather', schema: z.object({ city: z.string() }) };
    const msg = await chat().bindTools([weather]).invoke('Weather in Rome?');
    expect(msg.tool_calls).toEqual([
      expect.objectContaining({ id: 'call_lc', name: 'weather', args: { city: 'Rome' } }),
    ]);
    expect(obj(obj(arr(obj(oai.last().body).tools)[0]).function).name).toBe('weather');

    const structured = await chat()
      .withStructuredOutput(z.object({ echo: z.string() }), { name: 'echo' })
      .invoke('shape this');
    expect(structured).toEqual({ echo: 'shape this' });
    expect(obj(obj(oai.last().body).response_format).type).toBe('json_schema');
  });

  it('stream', async () => {
    oai.enqueue({ text: 'chunked reply', usage: { input: 6, output: 2 } });
    let text = '';
    for await (const chunk of await chat().stream('Stream it')) {
      if (typeof chunk.content === 'string') text += chunk.content;
      else for (const p of chunk.content) if (p.type === 'text' && 'text' in p) text += p.text;
    }
    expect(text).toBe('chunked reply');
    expect(obj(oai.last().body).stream).toBe(true);
    expect(await lastRow(true)).toMatchObject({ endpoint: 'responses', status: 200, outputTokens: 2 });
  });
});
