import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeUpstream, startFakeAnthropic, startFakeOpenAI } from './fakes/index.js';
import { obj, standardConfig } from './helpers/fixtures.js';
import { expectAnthropicError, expectOpenAIError, postJson, send as sendTo } from './helpers/http.js';
import { type StartedKeel, startKeel, TEST_ENV } from './helpers/keel.js';

// Every bad input gets a clear error in the right shape and status, and the server keeps serving.

let oai: FakeUpstream;
let ant: FakeUpstream;
let keel: StartedKeel;

beforeAll(async () => {
  oai = await startFakeOpenAI({ apiKey: TEST_ENV.OAI_KEY });
  ant = await startFakeAnthropic({ apiKey: TEST_ENV.ANT_KEY });
  const base = standardConfig({ openai: oai, anthropic: ant }, { server: { max_body_bytes: 4096 } });
  keel = await startKeel({
    ...base,
    models: [
      ...(base.models as unknown[]),
      {
        name: 'claude-embed',
        type: 'embedding',
        targets: [{ provider: 'ant', model: 'claude-sonnet-4-5-20250929' }],
      },
    ],
  });
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
afterEach(async () => {
  // still alive and still answering real requests (scripted behaviours a test did not use are dropped)
  oai.reset();
  ant.reset();
  const ok = await post('/v1/chat/completions', {
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'alive?' }],
  });
  expect(ok.status).toBe(200);
  expect(obj(ok.body).object).toBe('chat.completion');
});

const send = (path: string, init: RequestInit) => sendTo(keel.url + path, init);
const post = (path: string, body: unknown) => postJson(keel.url + path, body);
const openaiError = expectOpenAIError;
const anthropicError = expectAnthropicError;

const CHAT = '/v1/chat/completions';

describe('OpenAI-shaped errors on /v1', () => {
  it('malformed JSON → 400 invalid_json', async () => {
    const r = await post(CHAT, '{"model": "gpt-4o", "messages": [');
    openaiError(r, 400, 'invalid_json');
  });

  it('messages not an array → 400 invalid_request naming the field', async () => {
    const r = await post(CHAT, { model: 'gpt-4o', messages: 'hello' });
    const err = openaiError(r, 400, 'invalid_request');
    expect(`${err.param} ${err.message}`).toMatch(/messages/);
  });

  it('temperature a string → 400 invalid_request naming the field', async () => {
    const r = await post(CHAT, {
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'x' }],
      temperature: 'hot',
    });
    const err = openaiError(r, 400, 'invalid_request');
    expect(`${err.param} ${err.message}`).toMatch(/temperature/);
  });

  it('a JSON body that is not an object → 400', async () => {
    openaiError(await post(CHAT, '[1,2,3]'), 400, ['invalid_request', 'invalid_json']);
  });

  it('missing model → 400', async () => {
    openaiError(await post(CHAT, { messages: [{ role: 'user', content: 'x' }] }), 400, 'invalid_request');
  });

  it('unknown model → 404 model_not_found, never reaching an upstream', async () => {
    const r = await post(CHAT, { model: 'gpt-nope', messages: [{ role: 'user', content: 'x' }] });
    const err = openaiError(r, 404, 'model_not_found');
    // The refusal does not repeat the caller's string (it may be a pasted secret; test/scope-escape.test.ts).
    expect(String(err.message)).toContain('does not exist');
    expect(String(err.message)).not.toContain('gpt-nope');
    expect(oai.requests).toHaveLength(0);
  });

  it('an embedding model used for chat is refused', async () => {
    const r = await post(CHAT, {
      model: 'text-embedding-3-small',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect([400, 404]).toContain(r.status);
    expect(oai.requests).toHaveLength(0);
  });

  it('oversized body → 413 body_too_large', async () => {
    const r = await post(CHAT, {
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'x'.repeat(10_000) }],
    });
    openaiError(r, 413, 'body_too_large');
    expect(oai.requests).toHaveLength(0);
  });

  it('oversized chunked body without content-length → 413', async () => {
    const big = JSON.stringify({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'y'.repeat(20_000) }],
    });
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const r = await send(CHAT, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    openaiError(r, 413, 'body_too_large');
  });

  it('wrong content-type → 415 or a clear 400', async () => {
    const r = await send(CHAT, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'model=gpt-4o',
    });
    expect([400, 415]).toContain(r.status);
    openaiError(r, r.status, ['unsupported_media_type', 'invalid_request', 'invalid_json']);
  });

  it('unknown route → 404 in the OpenAI error shape', async () => {
    openaiError(await send('/v1/nope', { method: 'GET' }), 404, 'not_found');
    openaiError(await post('/v1/completions/legacy', {}), 404, 'not_found');
  });

  it('wrong method on a known route → 404 or 405 in the OpenAI shape', async () => {
    const r = await send(CHAT, { method: 'GET' });
    expect([404, 405]).toContain(r.status);
    openaiError(r, r.status, ['method_not_allowed', 'not_found']);
  });

  it('deeply nested JSON → 400, blamed on the request rather than the upstream', async () => {
    const depth = 1000; // well over Keel's nesting limit, well under max_body_bytes
    const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const r = await post(
      CHAT,
      `{"model":"gpt-4o","messages":[{"role":"user","content":"x"}],"extra":${nested}}`,
    );
    openaiError(r, 400, ['invalid_request', 'invalid_json']);
  });

  it('upstream garbage → 502 upstream_invalid_response', async () => {
    oai.enqueue({ garbage: true });
    const r = await post(CHAT, { model: 'gpt-4o', messages: [{ role: 'user', content: 'garbage' }] });
    openaiError(r, 502, 'upstream_invalid_response');
    expect(r.text).not.toContain('<html>');
    // an invalid response is not worth a retry at the same target
    expect(oai.requests).toHaveLength(1);
  });

  it('upstream body cut mid-JSON → 5xx in the OpenAI shape', async () => {
    oai.enqueue({ cutAfter: 1 }, { cutAfter: 1 }, { cutAfter: 1 });
    const r = await post(CHAT, { model: 'gpt-4o', messages: [{ role: 'user', content: 'half' }] });
    expect(r.status).toBeGreaterThanOrEqual(500);
    openaiError(r, r.status, ['upstream_invalid_response', 'upstream_error', 'upstream_unavailable']);
  });

  it('embeddings with a bad input type → 400', async () => {
    const r = await post('/v1/embeddings', { model: 'text-embedding-3-small', input: { not: 'valid' } });
    openaiError(r, 400, 'invalid_request');
  });

  it('embeddings from a provider that has none → 400 unsupported_feature', async () => {
    const r = await post('/v1/embeddings', { model: 'claude-embed', input: 'x' });
    openaiError(r, 400, 'unsupported_feature');
    expect(ant.requests).toHaveLength(0);
  });
});

describe('Anthropic-shaped errors on /v1/messages', () => {
  it('malformed JSON → 400 in the Anthropic shape', async () => {
    const err = anthropicError(await post('/v1/messages', '{"model":'), 400);
    expect(err.type).toBe('invalid_request_error');
  });

  it('missing max_tokens / wrong types → 400', async () => {
    anthropicError(
      await post('/v1/messages', { model: 'claude', messages: [{ role: 'user', content: 'x' }] }),
      400,
    );
    anthropicError(await post('/v1/messages', { model: 'claude', max_tokens: 'ten', messages: [] }), 400);
  });

  it('unknown model → 404 in the Anthropic shape', async () => {
    const r = await post('/v1/messages', {
      model: 'nope',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'x' }],
    });
    anthropicError(r, 404);
  });

  it('upstream garbage → 502 in the Anthropic shape', async () => {
    ant.enqueue({ garbage: true });
    const r = await post('/v1/messages', {
      model: 'claude',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'x' }],
    });
    anthropicError(r, 502);
  });

  it('oversized body → 413 in the Anthropic shape', async () => {
    const r = await post('/v1/messages', {
      model: 'claude',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'z'.repeat(10_000) }],
    });
    anthropicError(r, 413);
  });
});

describe('usage rows for rejected calls', () => {
  it('records rows for requests refused before routing', async () => {
    const bad = await post(CHAT, '{"model":');
    const big = await post(CHAT, {
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'x'.repeat(10_000) }],
    });
    const rowBad = await keel.usageFor(bad.headers.get('x-keel-request-id'));
    expect(rowBad).toMatchObject({ status: 400, errorCode: 'invalid_json', provider: null, attempts: 0 });
    const rowBig = await keel.usageFor(big.headers.get('x-keel-request-id'));
    expect(rowBig).toMatchObject({ status: 413, errorCode: 'body_too_large', provider: null });
  });

  it('records a row for an unknown model and an upstream failure', async () => {
    const r1 = await post(CHAT, { model: 'gpt-nope', messages: [{ role: 'user', content: 'x' }] });
    oai.enqueue({ garbage: true });
    const r2 = await post(CHAT, { model: 'gpt-4o', messages: [{ role: 'user', content: 'g' }] });
    const row1 = await keel.usageFor(r1.headers.get('x-keel-request-id'));
    expect(row1).toMatchObject({ status: 404, errorCode: 'model_not_found', provider: null });
    const row2 = await keel.usageFor(r2.headers.get('x-keel-request-id'));
    expect(row2).toMatchObject({ status: 502, errorCode: 'upstream_invalid_response' });
  });
});
