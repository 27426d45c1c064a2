import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/keel.js';
import { FAULTS } from './faults.js';
import { type FakeUpstream, fakeEmbedding, startFakeAnthropic, startFakeOpenAI } from './index.js';

// The fakes are only useful if the official SDKs accept what they send: check them directly, no Keel.

let oai: FakeUpstream;
let ant: FakeUpstream;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  oai = await startFakeOpenAI({ apiKey: 'sk-direct' });
  ant = await startFakeAnthropic({ apiKey: 'sk-ant-direct' });
  openai = new OpenAI({ baseURL: `${oai.url}/v1`, apiKey: 'sk-direct', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: ant.url, apiKey: 'sk-ant-direct', maxRetries: 0 });
});
afterAll(async () => {
  await oai.close();
  await ant.close();
});
beforeEach(() => {
  oai.reset();
  ant.reset();
});

describe('fake OpenAI', () => {
  it('answers chat, and records the request', async () => {
    const r = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(r.choices[0]?.message.content).toBe('Echo: hi');
    expect(r.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
    expect(oai.last().headers.authorization).toBe('Bearer sk-direct');
  });

  it('streams tool calls and the include_usage chunk the SDK accumulates', async () => {
    oai.enqueue({
      toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }],
      usage: { input: 90, cached: 40, output: 7 },
    });
    const stream = openai.chat.completions.stream({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'weather?' }],
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
    });
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(final.usage?.prompt_tokens_details?.cached_tokens).toBe(40);
  });

  it('serves float and base64 embeddings', async () => {
    const b64 = await openai.embeddings.create({ model: 'text-embedding-3-small', input: ['ab', 'cde'] });
    expect(Array.from(b64.data[1]?.embedding ?? [])).toEqual(fakeEmbedding(1, 'cde'));
    const fl = await openai.embeddings.create({ model: 'x', input: 'ab', encoding_format: 'float' });
    expect(fl.data[0]?.embedding).toEqual(fakeEmbedding(0, 'ab'));
  });

  it('replays scripted errors with retry-after, and a stream cut mid-answer', async () => {
    oai.enqueue({ status: 429, retryAfter: 1 }, { cutAfter: 2, chunkDelayMs: 5 });
    const err = await openai.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('1');
    const s = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'one two three four' }],
      stream: true,
    });
    await expect(
      (async () => {
        for await (const _ of s) {
          // drain
        }
      })(),
    ).rejects.toThrow();
  });

  it('serves Azure deployment paths', async () => {
    const res = await fetch(`${oai.url}/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'api-key': 'sk-direct' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'az' }] }),
    });
    const body = (await res.json()) as { model: string };
    expect(res.status).toBe(200);
    expect(body.model).toBe('my-gpt');
    expect(oai.last().query.get('api-version')).toBe('2024-10-21');
  });
});

describe('fake Anthropic', () => {
  it('answers messages with cache usage', async () => {
    ant.enqueue({ usage: { input: 5, cached: 100, cacheWrite: 20, output: 3 } });
    const m = await anthropic.messages.create({
      model: 'claude-fake-1',
      max_tokens: 50,
      system: 'be brief',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(m.content[0]).toEqual({ type: 'text', text: 'Echo: hi' });
    expect(m.usage).toMatchObject({
      input_tokens: 5,
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 20,
    });
    expect(ant.last().headers['anthropic-version']).toBeTruthy();
  });

  it('streams text and tool_use blocks the SDK accumulates', async () => {
    ant.enqueue({
      text: 'Let me check.',
      toolCalls: [{ name: 'get_weather', arguments: '{"city":"Oslo"}' }],
    });
    const final = await anthropic.messages
      .stream({ model: 'claude-fake-1', max_tokens: 50, messages: [{ role: 'user', content: 'w?' }] })
      .finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'text', text: 'Let me check.' });
    expect(final.content[1]).toMatchObject({
      type: 'tool_use',
      name: 'get_weather',
      input: { city: 'Oslo' },
    });
    expect(final.stop_reason).toBe('tool_use');
  });

  it('rejects what the real API rejects', async () => {
    const err = await anthropic.messages
      .create({
        model: 'claude-fake-1',
        max_tokens: 5,
        messages: [{ role: 'system' as 'user', content: 'no' }],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
  });

  it('cuts a stream with an in-stream error event', async () => {
    ant.enqueue({ cutAfter: 3, cutWithError: true });
    const stream = anthropic.messages.stream({
      model: 'claude-fake-1',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'a b c d e' }],
    });
    await expect(stream.finalMessage()).rejects.toThrow(/Overloaded/);
  });
});

describe('named faults', () => {
  it('are picked by header or model suffix, and the SDKs see them as the real APIs would fail', async () => {
    const cut = openai.chat.completions.create(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] },
      { headers: { 'x-fake-fault': 'server_error' } },
    );
    await expect(cut).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    await expect(
      anthropic.messages.create({
        model: 'claude-fake-1+overloaded',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'x' }],
      }),
    ).rejects.toMatchObject({ status: 529 });
    // unknown names are no fault at all
    const ok = await openai.chat.completions.create({
      model: 'gpt-4o+nonsense',
      messages: [{ role: 'user', content: 'fine' }],
    });
    expect(ok.choices[0]?.message.content).toBe('Echo: fine');
  });

  it('a standing fault applies until reset; the queue still comes first', async () => {
    oai.always(FAULTS.wrong_shape);
    oai.enqueue({ text: 'queued' });
    const first = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'a' }],
    });
    expect(first.choices[0]?.message.content).toBe('queued');
    const second = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'b' }],
    });
    expect(second.choices).toBeUndefined();
    oai.reset();
    const third = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'c' }],
    });
    expect(third.choices[0]?.message.content).toBe('Echo: c');
  });

  it('truncated streams lack only their terminator; stalled ones go silent', async () => {
    ant.always(FAULTS.truncated);
    const stream = anthropic.messages.stream({
      model: 'claude-fake-1',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'a b c' }],
    });
    await expect(stream.finalMessage()).rejects.toThrow();
    oai.always(FAULTS.stall);
    const res = await fetch(`${oai.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-direct', 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'a b c d' }],
        stream: true,
      }),
    });
    const reader = res.body!.getReader();
    let text = '';
    const decoder = new TextDecoder();
    while ((text.match(/\n\n/g) ?? []).length < FAULTS.stall.stallAfter) {
      const { value } = await reader.read();
      text += decoder.decode(value);
    }
    const next = await Promise.race([reader.read(), new Promise((r) => setTimeout(() => r('silent'), 200))]);
    expect(next).toBe('silent');
    await reader.cancel();
    await eventually(async () => expect(oai.aborted).toBe(1));
  });
});
