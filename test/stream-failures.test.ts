import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeUpstream, startFakeAnthropic, startFakeOpenAI } from './fakes/index.js';
import { anthropicClient, openaiClient } from './helpers/fixtures.js';
import { eventually, type StartedKeel, startKeel, TEST_ENV } from './helpers/keel.js';
import { routingConfig } from './helpers/routing-config.js';

// A stream the upstream cuts mid-answer must end in an error the SDK throws, never a clean finish; a stream
// that fails before its first byte may still be retried or fallen back from.

let oai: FakeUpstream;
let ant: FakeUpstream;
let keel: StartedKeel;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  oai = await startFakeOpenAI({ apiKey: TEST_ENV.OAI_KEY });
  ant = await startFakeAnthropic({ apiKey: TEST_ENV.ANT_KEY });
  keel = await startKeel(routingConfig({ openai: oai, anthropic: ant }));
  openai = openaiClient(keel.url);
  anthropic = anthropicClient(keel.url);
});
afterAll(async () => {
  await keel?.close();
  await oai?.close();
  await ant?.close();
});
beforeEach(() => {
  oai.reset();
  ant.reset();
});

const LONG = 'one two three four five six seven eight nine ten';

/** Iterates an openai SDK stream; returns the text seen and the error thrown (undefined on a clean end). */
async function drain(model: string, content: string) {
  const { data: stream, response } = await openai.chat.completions
    .create({
      model,
      messages: [{ role: 'user', content }],
      stream: true,
      stream_options: { include_usage: true },
    })
    .withResponse();
  let text = '';
  let finish: string | null = null;
  let error: unknown;
  try {
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
  } catch (e) {
    error = e;
  }
  return { text, finish, error, requestId: response.headers.get('x-keel-request-id') };
}

async function expectInterruptedRow(requestId: string | null) {
  const row = await eventually(() => keel.usageFor(requestId));
  expect(row.errorCode).toBe('stream_interrupted');
  // the client saw 200 headers, but the call failed: the row must not look like a success
  expect(row.status).toBeGreaterThanOrEqual(400);
  return row;
}

describe('stream cut mid-answer', () => {
  it('OpenAI upstream cut: the openai SDK iteration throws and the usage row records the error', async () => {
    oai.enqueue({ text: LONG, cutAfter: 4, chunkDelayMs: 10 });
    const r = await drain('gpt-4o', 'cut me');
    expect(r.error).toBeDefined();
    expect(r.finish).not.toBe('stop');
    expect(r.text.length).toBeGreaterThan(0);
    expect(r.text).not.toBe(LONG);
    // bytes already reached the client: no retry, no fallback
    expect(oai.requests).toHaveLength(1);
    await expectInterruptedRow(r.requestId);
  });

  it('Anthropic upstream cut: the openai SDK iteration throws', async () => {
    ant.enqueue({ text: LONG, cutAfter: 6, chunkDelayMs: 10 });
    const r = await drain('claude', 'cut me too');
    expect(r.error).toBeDefined();
    expect(r.finish).not.toBe('stop');
    expect(r.text).not.toBe(LONG);
    expect(ant.requests).toHaveLength(1);
    await expectInterruptedRow(r.requestId);
  });

  it('an in-stream upstream error event also ends in an error', async () => {
    ant.enqueue({ text: LONG, cutAfter: 6, cutWithError: true });
    const r = await drain('claude', 'overloaded mid-way');
    expect(r.error).toBeDefined();
    expect(r.finish).not.toBe('stop');
  });

  it('Anthropic SDK: messages.stream().finalMessage() rejects on a cut OpenAI upstream', async () => {
    oai.enqueue({ text: LONG, cutAfter: 4, chunkDelayMs: 10 });
    const stream = anthropic.messages.stream({
      model: 'gpt-4o',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'cut the anthropic client' }],
    });
    let text = '';
    stream.on('text', (t) => {
      text += t;
    });
    await expect(stream.finalMessage()).rejects.toThrow();
    expect(text).not.toBe(LONG);
  });

  it('Anthropic SDK: a cut Anthropic upstream also rejects', async () => {
    ant.enqueue({ text: LONG, cutAfter: 6, chunkDelayMs: 10 });
    const stream = anthropic.messages.stream({
      model: 'claude',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'cut' }],
    });
    await expect(stream.finalMessage()).rejects.toThrow();
  });

  it('keeps serving after a cut stream', async () => {
    oai.enqueue({ text: LONG, cutAfter: 3, chunkDelayMs: 5 });
    await drain('gpt-4o', 'cut');
    const r = await drain('gpt-4o', 'fine now');
    expect(r.error).toBeUndefined();
    expect(r.text).toBe('Echo: fine now');
    expect(r.finish).toBe('stop');
  });
});

describe('stream failing before the first byte', () => {
  it('falls back when the primary answers 503', async () => {
    oai.enqueue({ status: 503 });
    const r = await drain('primary', 'stream fallback');
    expect(r.error).toBeUndefined();
    expect(r.text).toBe('Echo: stream fallback');
    expect(r.finish).toBe('stop');
    expect(ant.requests).toHaveLength(1);
    const row = await eventually(() => keel.usageFor(r.requestId));
    expect(row).toMatchObject({ status: 200, stream: true, provider: 'ant', fallbacks: ['backup'] });
  });

  it('falls back when the primary resets the connection before answering', async () => {
    oai.enqueue({ destroy: true });
    const r = await drain('primary', 'reset stream');
    expect(r.error).toBeUndefined();
    expect(r.text).toBe('Echo: reset stream');
  });

  it('retries a 429 on a stream before the first byte', async () => {
    oai.enqueue({ status: 429, retryAfter: 0 });
    const r = await drain('gpt-4o', 'retry stream');
    expect(r.error).toBeUndefined();
    expect(r.text).toBe('Echo: retry stream');
    expect(oai.requests).toHaveLength(2);
  });

  it('falls back on a stream timeout before the first byte', async () => {
    oai.enqueue({ delayMs: 5000 });
    const t0 = Date.now();
    const r = await drain('slow', 'slow stream');
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(r.text).toBe('Echo: slow stream');
  });
});
