import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CancelSignal, fromAbortSignal, NEVER_CANCELLED } from '../../canonical/cancel.js';
import type { ChatRequest, ChatStreamEvent } from '../../canonical/types.js';
import { providerSchema } from '../../config/providers.js';
import { closedPort, type FakeUpstream, sendJson, sendSSE, startFakeUpstream } from '../shared/testkit.js';
import { type ProviderAdapter, UpstreamError } from '../types.js';
import { createOpenAICompatibleProvider } from './index.js';

const deps = { now: () => 1_700_000_000_000 };
const req: ChatRequest = {
  model: 'alias',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
  maxTokens: 50,
  stream: false,
};

let up: FakeUpstream;
let adapter: ProviderAdapter;

function call(signal: CancelSignal = NEVER_CANCELLED) {
  return { model: 'llama3.1:8b', signal };
}

async function caught(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof UpstreamError) return e;
    throw e;
  }
  throw new Error('expected an UpstreamError');
}

async function drain(
  it: AsyncIterable<ChatStreamEvent>,
): Promise<{ events: ChatStreamEvent[]; error?: unknown }> {
  const events: ChatStreamEvent[] = [];
  try {
    for await (const ev of it) events.push(ev);
  } catch (error) {
    return { events, error };
  }
  return { events };
}

const completion = {
  id: 'chatcmpl-9',
  object: 'chat.completion',
  created: 1_699_000_000,
  model: 'llama3.1:8b',
  choices: [
    { index: 0, message: { role: 'assistant', content: 'Hello!' }, logprobs: null, finish_reason: 'stop' },
  ],
  usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 },
};

function chunk(choices: unknown[], extra: Record<string, unknown> = {}) {
  return {
    id: 'chatcmpl-s',
    object: 'chat.completion.chunk',
    created: 1_699_000_001,
    model: 'llama3.1:8b',
    choices,
    ...extra,
  };
}

beforeAll(async () => {
  up = await startFakeUpstream((_r, res) => sendJson(res, 200, completion));
  adapter = createOpenAICompatibleProvider(
    providerSchema.parse({ id: 'local', kind: 'openai-compatible', base_url: `${up.url}/v1/` }),
    deps,
  );
});
afterAll(async () => {
  await adapter.close?.();
  await up.close();
});

describe('openai-compatible adapter', () => {
  it('posts a chat completion and maps the answer', async () => {
    up.handle((_r, res) => sendJson(res, 200, completion));
    const res = await adapter.chat(req, call());
    const sent = up.requests.at(-1)!;
    expect(sent.url).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.headers['content-type']).toBe('application/json');
    expect(JSON.parse(sent.body)).toEqual({
      model: 'llama3.1:8b',
      messages: [{ role: 'user', content: 'Hi' }],
      max_tokens: 50,
    });
    expect(res).toEqual({
      id: 'chatcmpl-9',
      model: 'llama3.1:8b',
      created: 1_699_000_000,
      choices: [
        { index: 0, message: { role: 'assistant', content: 'Hello!', refusal: null }, finishReason: 'stop' },
      ],
      usage: {
        inputTokens: 9,
        cachedInputTokens: 0,
        cacheWriteTokens: 0,
        outputTokens: 3,
        reasoningTokens: 0,
      },
    });
  });

  it('streams text, tool call deltas and the usage chunk', async () => {
    up.handle((_r, res) =>
      sendSSE(res, [
        chunk([{ index: 0, delta: { role: 'assistant', content: 'Let me check' }, finish_reason: null }], {
          usage: null,
        }),
        chunk(
          [
            {
              index: 0,
              delta: {
                tool_calls: [
                  { index: 0, id: 'call_1', type: 'function', function: { name: 'weather', arguments: '' } },
                ],
              },
              finish_reason: null,
            },
          ],
          { usage: null },
        ),
        chunk(
          [
            {
              index: 0,
              delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
              finish_reason: null,
            },
          ],
          {
            usage: null,
          },
        ),
        chunk(
          [
            {
              index: 0,
              delta: { tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] },
              finish_reason: null,
            },
          ],
          {
            usage: null,
          },
        ),
        chunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }], { usage: null }),
        chunk([], { usage: { prompt_tokens: 20, completion_tokens: 11, total_tokens: 31 } }),
      ]),
    );
    const stream = await adapter.chatStream({ ...req, stream: true }, call());
    const sent = JSON.parse(up.requests.at(-1)!.body);
    expect(sent.stream).toBe(true);
    expect(sent.stream_options).toEqual({ include_usage: true });
    expect(up.requests.at(-1)!.headers.accept).toBe('text/event-stream');
    const { events, error } = await drain(stream);
    expect(error).toBeUndefined();
    expect(events).toEqual([
      { type: 'start', id: 'chatcmpl-s', model: 'llama3.1:8b', created: 1_699_000_001 },
      { type: 'text', index: 0, text: 'Let me check' },
      { type: 'tool_call_start', index: 0, toolIndex: 0, id: 'call_1', name: 'weather' },
      { type: 'tool_call_delta', index: 0, toolIndex: 0, argumentsDelta: '{"city":' },
      { type: 'tool_call_delta', index: 0, toolIndex: 0, argumentsDelta: '"Oslo"}' },
      { type: 'finish', index: 0, finishReason: 'tool_calls' },
      {
        type: 'usage',
        usage: {
          inputTokens: 20,
          cachedInputTokens: 0,
          cacheWriteTokens: 0,
          outputTokens: 11,
          reasoningTokens: 0,
        },
      },
    ]);
  });

  it('reports a stream cut mid-answer as stream_interrupted, never a clean finish', async () => {
    up.handle((_r, res) =>
      sendSSE(res, [chunk([{ index: 0, delta: { content: 'Once upon' } }])], { cut: true }),
    );
    const { events, error } = await drain(await adapter.chatStream({ ...req, stream: true }, call()));
    expect(events.some((e) => e.type === 'finish')).toBe(false);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).kind).toBe('stream_interrupted');
  });

  it('reports a stream that ends cleanly without [DONE] as stream_interrupted', async () => {
    up.handle((_r, res) => sendSSE(res, [chunk([{ index: 0, delta: { content: 'x' } }])], { done: false }));
    const { error } = await drain(await adapter.chatStream({ ...req, stream: true }, call()));
    expect((error as UpstreamError).kind).toBe('stream_interrupted');
  });

  it('reports a timeout in the middle of a stream as stream_interrupted', async () => {
    up.handle((_r, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify(chunk([{ index: 0, delta: { content: 'slow' } }]))}\n\n`);
      // then stalls
    });
    const stream = await adapter.chatStream(
      { ...req, stream: true },
      call(fromAbortSignal(AbortSignal.timeout(150))),
    );
    const { events, error } = await drain(stream);
    expect(events.map((e) => e.type)).toEqual(['start', 'text']);
    expect((error as UpstreamError).kind).toBe('stream_interrupted');
  });

  it('accepts a JSON answer to a streaming request (servers that ignore stream)', async () => {
    up.handle((_r, res) => sendJson(res, 200, completion));
    const { events } = await drain(await adapter.chatStream({ ...req, stream: true }, call()));
    expect(events.map((e) => e.type)).toEqual(['start', 'text', 'finish', 'usage']);
  });

  it('maps 429 with retry-after to a retryable rate_limit error', async () => {
    up.handle((_r, res) =>
      sendJson(
        res,
        429,
        { error: { message: 'Slow down', type: 'rate_limit_error' } },
        { 'retry-after': '3' },
      ),
    );
    const err = await caught(adapter.chat(req, call()));
    expect(err).toMatchObject({
      kind: 'rate_limit',
      status: 429,
      retryAfter: 3,
      upstreamMessage: 'Slow down',
    });
    expect(err.retryable).toBe(true);
  });

  it('maps 429 on a streaming request before any byte', async () => {
    up.handle((_r, res) => sendJson(res, 429, { error: { message: 'busy' } }, { 'retry-after': '1' }));
    const err = await caught(adapter.chatStream({ ...req, stream: true }, call()));
    expect(err).toMatchObject({ kind: 'rate_limit', retryAfter: 1 });
  });

  it('maps 500 to server and 400 to a non-fallbackable bad_request', async () => {
    up.handle((_r, res) => sendJson(res, 500, { error: { message: 'internal' } }));
    expect((await caught(adapter.chat(req, call()))).kind).toBe('server');
    up.handle((_r, res) => sendJson(res, 400, { error: { message: "'messages' is too long" } }));
    const bad = await caught(adapter.chat(req, call()));
    expect(bad.kind).toBe('bad_request');
    expect(bad.fallbackable).toBe(false);
  });

  it('maps garbage bodies to invalid_response', async () => {
    up.handle((_r, res) => sendJson(res, 200, 'this is not json {'));
    expect((await caught(adapter.chat(req, call()))).kind).toBe('invalid_response');
    up.handle((_r, res) => sendJson(res, 200, { hello: 'world' }));
    expect((await caught(adapter.chat(req, call()))).kind).toBe('invalid_response');
    up.handle((_r, res) => sendSSE(res, ['<html>']));
    const { error } = await drain(await adapter.chatStream({ ...req, stream: true }, call()));
    expect((error as UpstreamError).kind).toBe('invalid_response');
  });

  it('maps a refused connection to connection', async () => {
    const port = await closedPort();
    const dead = createOpenAICompatibleProvider(
      providerSchema.parse({
        id: 'dead',
        kind: 'openai-compatible',
        base_url: `http://127.0.0.1:${port}/v1`,
      }),
      deps,
    );
    try {
      expect((await caught(dead.chat(req, call()))).kind).toBe('connection');
      expect((await caught(dead.chatStream({ ...req, stream: true }, call()))).kind).toBe('connection');
    } finally {
      await dead.close?.();
    }
  });

  it('maps a request timeout before headers to timeout', async () => {
    up.handle(() => {});
    expect((await caught(adapter.chat(req, call(fromAbortSignal(AbortSignal.timeout(100)))))).kind).toBe(
      'timeout',
    );
  });

  it('creates embeddings, asking upstream for floats', async () => {
    up.handle((_r, res) =>
      sendJson(res, 200, {
        object: 'list',
        data: [
          { object: 'embedding', index: 0, embedding: [0.1, 0.2, 0.3] },
          { object: 'embedding', index: 1, embedding: [0.4, 0.5, 0.6] },
        ],
        model: 'nomic-embed-text',
        usage: { prompt_tokens: 6, total_tokens: 6 },
      }),
    );
    const res = await adapter.embed(
      { model: 'emb', input: ['a', 'b'], dimensions: 3 },
      { ...call(), model: 'nomic' },
    );
    const sent = up.requests.at(-1)!;
    expect(sent.url).toBe('/v1/embeddings');
    expect(JSON.parse(sent.body)).toEqual({
      model: 'nomic',
      input: ['a', 'b'],
      encoding_format: 'float',
      dimensions: 3,
    });
    expect(res).toEqual({
      model: 'nomic-embed-text',
      data: [
        { index: 0, embedding: [0.1, 0.2, 0.3] },
        { index: 1, embedding: [0.4, 0.5, 0.6] },
      ],
      usage: { inputTokens: 6 },
    });
  });

  it('estimates embedding tokens with a tokenizer when the upstream reports none', async () => {
    up.handle((_r, res) =>
      sendJson(res, 200, {
        data: [
          { index: 0, embedding: [1] },
          { index: 1, embedding: [2] },
        ],
      }),
    );
    const res = await adapter.embed({ model: 'emb', input: ['hello world', 'hi'] }, call());
    expect(res.usage).toEqual({ inputTokens: 3, estimated: true });
    const tokens = await adapter.embed({ model: 'emb', input: [[1, 2, 3], [4]] }, call());
    expect(tokens.usage).toEqual({ inputTokens: 4, estimated: true });
  });

  it('sends Authorization only when an api_key is set', async () => {
    const keyed = createOpenAICompatibleProvider(
      providerSchema.parse({
        id: 'k',
        kind: 'openai-compatible',
        base_url: up.url,
        api_key: 'gsk_secret_123456',
      }),
      deps,
    );
    try {
      up.handle((_r, res) => sendJson(res, 200, completion));
      await keyed.chat(req, call());
      expect(up.requests.at(-1)!.headers.authorization).toBe('Bearer gsk_secret_123456');
      expect(up.requests.at(-1)!.url).toBe('/chat/completions');
    } finally {
      await keyed.close?.();
    }
  });
});
