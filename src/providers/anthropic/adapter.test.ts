import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fromAbortSignal } from '../../canonical/cancel.js';
import type { ChatRequest, ChatStreamEvent } from '../../canonical/types.js';
import { providerSchema } from '../../config/providers.js';
import type { ProviderAdapter } from '../types.js';
import { UpstreamError } from '../types.js';
import { createAnthropicProvider, messagesUrl } from './index.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

const API_KEY = 'sk-ant-test-0123456789abcdef';
let server: Server;
let baseUrl: string;
let handler: Handler;
let seen: { method?: string; url?: string; headers: IncomingMessage['headers']; body: unknown }[] = [];
let adapter: ProviderAdapter;

function sse(events: [string, unknown][]): string {
  return events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join('');
}

const messageStart = {
  type: 'message_start',
  message: {
    id: 'msg_s1',
    type: 'message',
    role: 'assistant',
    model: 'claude-test',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: {
      input_tokens: 30,
      cache_read_input_tokens: 1000,
      cache_creation_input_tokens: 0,
      output_tokens: 1,
    },
  },
};

const call = () => ({ model: 'claude-test', signal: fromAbortSignal(AbortSignal.timeout(5000)) });
const chatReq = (over: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'alias',
  messages: [
    { role: 'system', content: [{ type: 'text', text: 'be nice' }] },
    { role: 'user', content: [{ type: 'text', text: 'hello' }] },
  ],
  stream: false,
  ...over,
});

async function drain(
  it: AsyncIterable<ChatStreamEvent>,
): Promise<{ events: ChatStreamEvent[]; error?: unknown }> {
  const events: ChatStreamEvent[] = [];
  try {
    for await (const e of it) events.push(e);
    return { events };
  } catch (error) {
    return { events, error };
  }
}

async function rejection(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(UpstreamError);
    return e as UpstreamError;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      let parsed: unknown = body;
      try {
        parsed = JSON.parse(body);
      } catch {
        // keep raw
      }
      seen.push({ method: req.method, url: req.url, headers: req.headers, body: parsed });
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  adapter = createAnthropicProvider(
    providerSchema.parse({
      id: 'claude',
      kind: 'anthropic',
      base_url: baseUrl,
      api_key: API_KEY,
      headers: { 'anthropic-beta': 'test-beta' },
    }),
    { now: () => 1_700_000_000_000 },
  );
});

afterAll(async () => {
  await adapter.close?.();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen = [];
});

describe('Anthropic adapter against a fake upstream', () => {
  it('sends a Messages request and maps the answer', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'msg_1',
          type: 'message',
          role: 'assistant',
          model: 'claude-test-20250101',
          content: [{ type: 'text', text: 'Hi there' }],
          stop_reason: 'end_turn',
          stop_sequence: null,
          usage: {
            input_tokens: 12,
            cache_read_input_tokens: 2048,
            cache_creation_input_tokens: 100,
            output_tokens: 4,
          },
        }),
      );
    };
    const res = await adapter.chat(chatReq({ maxTokens: 64 }), call());
    expect(res).toEqual({
      id: 'msg_1',
      model: 'claude-test-20250101',
      created: 1_700_000_000,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hi there' },
          finishReason: 'stop',
          stopSequence: null,
        },
      ],
      usage: {
        inputTokens: 2160,
        cachedInputTokens: 2048,
        cacheWriteTokens: 100,
        outputTokens: 4,
        reasoningTokens: 0,
      },
    });
    const req = seen[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/v1/messages');
    expect(req.headers['x-api-key']).toBe(API_KEY);
    expect(req.headers['anthropic-version']).toBe('2023-06-01');
    expect(req.headers['anthropic-beta']).toBe('test-beta');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers.authorization).toBeUndefined();
    expect(req.body).toEqual({
      model: 'claude-test',
      max_tokens: 64,
      system: 'be nice',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }],
    });
  });

  it('streams text and tool use from chunked SSE', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const payload = sse([
        ['message_start', messageStart],
        [
          'content_block_start',
          { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        ],
        ['ping', { type: 'ping' }],
        [
          'content_block_delta',
          { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Sure' } },
        ],
        ['content_block_stop', { type: 'content_block_stop', index: 0 }],
        [
          'content_block_start',
          {
            type: 'content_block_start',
            index: 1,
            content_block: { type: 'tool_use', id: 'toolu_9', name: 'lookup', input: {} },
          },
        ],
        [
          'content_block_delta',
          {
            type: 'content_block_delta',
            index: 1,
            delta: { type: 'input_json_delta', partial_json: '{"q":"x"}' },
          },
        ],
        ['content_block_stop', { type: 'content_block_stop', index: 1 }],
        [
          'message_delta',
          {
            type: 'message_delta',
            delta: { stop_reason: 'tool_use', stop_sequence: null },
            usage: { output_tokens: 25 },
          },
        ],
        ['message_stop', { type: 'message_stop' }],
      ]);
      // Split in awkward places to exercise the SSE parser across chunks.
      let i = 0;
      const step = 37;
      const tick = () => {
        if (i >= payload.length) return void res.end();
        res.write(payload.slice(i, i + step));
        i += step;
        setImmediate(tick);
      };
      tick();
    };
    const stream = await adapter.chatStream(chatReq({ stream: true }), call());
    const { events, error } = await drain(stream);
    expect(error).toBeUndefined();
    expect((seen[0]!.body as { stream?: boolean }).stream).toBe(true);
    expect(events).toEqual([
      {
        type: 'start',
        id: 'msg_s1',
        model: 'claude-test',
        created: 1_700_000_000,
        usage: {
          inputTokens: 1030,
          cachedInputTokens: 1000,
          cacheWriteTokens: 0,
          outputTokens: 1,
          reasoningTokens: 0,
        },
      },
      { type: 'text', index: 0, text: 'Sure' },
      { type: 'tool_call_start', index: 0, toolIndex: 0, id: 'toolu_9', name: 'lookup' },
      { type: 'tool_call_delta', index: 0, toolIndex: 0, argumentsDelta: '{"q":"x"}' },
      { type: 'finish', index: 0, finishReason: 'tool_calls', stopSequence: null },
      {
        type: 'usage',
        usage: {
          inputTokens: 1030,
          cachedInputTokens: 1000,
          cacheWriteTokens: 0,
          outputTokens: 25,
          reasoningTokens: 0,
        },
      },
    ]);
  });

  it('reports a stream the upstream cuts mid-answer as stream_interrupted, never a finish', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        sse([
          ['message_start', messageStart],
          [
            'content_block_start',
            { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
          ],
          [
            'content_block_delta',
            { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Partial' } },
          ],
        ]),
      );
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const stream = await adapter.chatStream(chatReq({ stream: true }), call());
    const { events, error } = await drain(stream);
    expect(events.map((e) => e.type)).toEqual(['start', 'text']);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).kind).toBe('stream_interrupted');
  });

  it('reports a stream that ends cleanly but without message_stop as stream_interrupted', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(sse([['message_start', messageStart]]));
    };
    const { error } = await drain(await adapter.chatStream(chatReq({ stream: true }), call()));
    expect((error as UpstreamError).kind).toBe('stream_interrupted');
  });

  it('maps 429 with retry-after to a retryable rate_limit error', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' });
      res.end(
        JSON.stringify({ type: 'error', error: { type: 'rate_limit_error', message: 'Too many requests' } }),
      );
    };
    const err = await rejection(adapter.chat(chatReq(), call()));
    expect(err.kind).toBe('rate_limit');
    expect(err.status).toBe(429);
    expect(err.retryAfter).toBe(7);
    expect(err.upstreamMessage).toBe('Too many requests');
    expect(err.retryable).toBe(true);
  });

  it('maps 529 overloaded to a server error, also before a stream starts', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(529, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }));
    };
    const err = await rejection(adapter.chat(chatReq(), call()));
    expect(err.kind).toBe('server');
    expect(err.status).toBe(529);
    expect(err.upstreamMessage).toBe('Overloaded');
    const streamErr = await rejection(adapter.chatStream(chatReq({ stream: true }), call()));
    expect(streamErr.kind).toBe('server');
  });

  it('maps an error event mid-stream to an UpstreamError', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(
        sse([
          ['message_start', messageStart],
          [
            'content_block_start',
            { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
          ],
          [
            'content_block_delta',
            { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'a' } },
          ],
          ['error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }],
        ]),
      );
    };
    const { events, error } = await drain(await adapter.chatStream(chatReq({ stream: true }), call()));
    expect(events.map((e) => e.type)).toEqual(['start', 'text']);
    expect((error as UpstreamError).kind).toBe('server');
    expect((error as UpstreamError).upstreamMessage).toBe('Overloaded');
  });

  it('maps a garbage 200 body to invalid_response', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>definitely not JSON</html>');
    };
    expect((await rejection(adapter.chat(chatReq(), call()))).kind).toBe('invalid_response');
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"hello":"world"}');
    };
    expect((await rejection(adapter.chat(chatReq(), call()))).kind).toBe('invalid_response');
  });

  it('maps a garbage streaming body to an error, never a clean end', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('event: message_start\ndata: {oops\n\n');
    };
    const { error } = await drain(await adapter.chatStream(chatReq({ stream: true }), call()));
    expect((error as UpstreamError).kind).toBe('invalid_response');
  });

  it('classifies a 400 as bad_request and never leaks the api key', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          type: 'error',
          error: { type: 'invalid_request_error', message: `bad key ${API_KEY} used` },
        }),
      );
    };
    const err = await rejection(adapter.chat(chatReq(), call()));
    expect(err.kind).toBe('bad_request');
    expect(err.fallbackable).toBe(false);
    expect(err.message).not.toContain(API_KEY);
    expect(err.upstreamMessage ?? '').not.toContain(API_KEY);
  });

  it('refuses embeddings and n > 1 without calling upstream', async () => {
    const e1 = await rejection(adapter.embed({ model: 'x', input: ['a'] }, call()));
    expect(e1.kind).toBe('unsupported');
    const e2 = await rejection(adapter.chat(chatReq({ n: 3 }), call()));
    expect(e2.kind).toBe('unsupported');
    expect(seen).toHaveLength(0);
  });

  it('maps an unreachable upstream to a connection error', async () => {
    const dead = createAnthropicProvider(
      providerSchema.parse({ id: 'dead', kind: 'anthropic', base_url: 'http://127.0.0.1:1', api_key: 'k' }),
      { now: () => 0 },
    );
    try {
      expect((await rejection(dead.chat(chatReq(), call()))).kind).toBe('connection');
    } finally {
      await dead.close?.();
    }
  });
});

describe('messagesUrl', () => {
  it('accepts base URLs with or without /v1 and defaults to api.anthropic.com', () => {
    expect(messagesUrl(undefined)).toBe('https://api.anthropic.com/v1/messages');
    expect(messagesUrl('http://h:1/')).toBe('http://h:1/v1/messages');
    expect(messagesUrl('http://h:1/v1')).toBe('http://h:1/v1/messages');
    expect(messagesUrl('http://h:1/proxy/anthropic/v1/')).toBe('http://h:1/proxy/anthropic/v1/messages');
  });
});
