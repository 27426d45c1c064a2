import type Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { FakeUpstream } from './fakes/index.js';
import { setupGateway } from './helpers/gateway.js';
import { eventually, type StartedKeel } from './helpers/keel.js';
import { routingConfig } from './helpers/routing-config.js';

// A stream the upstream cuts mid-answer must end in an error the SDK throws, never a clean finish; a stream
// that fails before its first byte may still be retried or fallen back from.

let oai: FakeUpstream;
let ant: FakeUpstream;
let keel: StartedKeel;
let openai: OpenAI;
let anthropic: Anthropic;

setupGateway(routingConfig, (g) => ({ oai, ant, keel, openai, anthropic } = g));

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
    // an error event from Keel (the SDK raises APIError for `data: {"error":...}`), not just a dropped socket
    expect(r.error).toBeInstanceOf(OpenAI.APIError);
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

  it('the raw SSE ends with an error event and no [DONE]', async () => {
    oai.enqueue({ text: LONG, cutAfter: 4, chunkDelayMs: 5 });
    const res = await fetch(`${keel.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'raw' }], stream: true }),
    });
    expect(res.status).toBe(200);
    const text = await res.text().catch((e: unknown) => `READ FAILED: ${String(e)}`);
    expect(text).not.toContain('READ FAILED');
    expect(text).not.toContain('[DONE]');
    const frames = text.split('\n\n').filter((f) => f.trim().length > 0);
    const last = frames.at(-1) ?? '';
    expect(last).toMatch(/^(event: error\n)?data: /);
    const err = JSON.parse(last.replace(/^(event: error\n)?data: /, '')) as { error?: { code?: string } };
    expect(err.error?.code).toBe('stream_interrupted');
  });

  it('a client that goes away mid-stream cancels the upstream call', async () => {
    oai.enqueue({ text: LONG, chunkDelayMs: 40 });
    const { data: stream, response } = await openai.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'bye' }], stream: true })
      .withResponse();
    for await (const _ of stream) break; // the SDK aborts the request on break
    await eventually(async () => expect(oai.aborted).toBe(1));
    const row = await eventually(() => keel.usageFor(response.headers.get('x-keel-request-id')));
    expect(row.stream).toBe(true);
  });

  it('never caches a cut stream', async () => {
    oai.enqueue({ text: LONG, cutAfter: 4, chunkDelayMs: 5 });
    const cut = await drain('cached', 'cache the cut?');
    expect(cut.error).toBeDefined();
    const again = await drain('cached', 'cache the cut?');
    expect(again.error).toBeUndefined();
    expect(again.text).toBe('Echo: cache the cut?');
    expect(oai.requests).toHaveLength(2);
  });

  it('replays a completed stream from cache intact', async () => {
    const first = await drain('cached', 'stream cache');
    const second = await drain('cached', 'stream cache');
    expect(second.text).toBe(first.text);
    expect(second.finish).toBe('stop');
    expect(second.error).toBeUndefined();
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
