import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encode } from 'gpt-tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEVER_CANCELLED } from '../../canonical/cancel.js';
import type { ChatRequest, ChatStreamEvent } from '../../canonical/types.js';
import type { ProviderAdapter } from '../types.js';
import { UpstreamError } from '../types.js';
import { createGeminiProvider, geminiBaseUrl } from './index.js';

/** A tiny fake of the Gemini REST API; the model name in the URL picks the behaviour. */
interface Seen {
  url: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

const KEY = 'gm-test-key-1234567890';
let server: Server;
let base: string;
const seen: Seen[] = [];

function sse(res: ServerResponse, chunks: unknown[], end = true): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const c of chunks) res.write(`data: ${JSON.stringify(c)}\r\n\r\n`);
  if (end) res.end();
}

function handle(req: IncomingMessage, res: ServerResponse, raw: string) {
  const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  seen.push({ url: req.url ?? '', headers: req.headers, body });
  const m = /\/v1beta\/models\/([^:]+):(\w+)/.exec(req.url ?? '');
  const model = m?.[1] ?? '';
  const method = m?.[2] ?? '';
  const json = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(payload));
  };
  if (method === 'batchEmbedContents') {
    const requests = body.requests as unknown[];
    return json(200, { embeddings: requests.map((_, i) => ({ values: [i + 1, 0, 0] })) });
  }
  switch (model) {
    case 'rate':
      return json(
        429,
        {
          error: {
            code: 429,
            message: 'Resource has been exhausted (e.g. check quota).',
            status: 'RESOURCE_EXHAUSTED',
          },
        },
        { 'retry-after': '7' },
      );
    case 'badkey':
      return json(400, {
        error: {
          code: 400,
          message: 'API key not valid. Please pass a valid API key.',
          status: 'INVALID_ARGUMENT',
        },
      });
    case 'garbage':
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end('<html>upstream proxy error</html>');
    case 'blocked':
      if (method === 'streamGenerateContent')
        return sse(res, [{ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' } }]);
      return json(200, { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' } });
    case 'cut':
      return sse(res, [{ candidates: [{ content: { role: 'model', parts: [{ text: 'Half an ans' }] } }] }]);
    case 'reset':
      sse(res, [{ candidates: [{ content: { role: 'model', parts: [{ text: 'Half' }] } }] }], false);
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    case 'midstream-error':
      return sse(res, [
        { candidates: [{ content: { role: 'model', parts: [{ text: 'Hi' }] } }] },
        { error: { code: 500, message: 'Internal error', status: 'INTERNAL' } },
      ]);
  }
  if (method === 'streamGenerateContent') {
    return sse(res, [
      {
        candidates: [{ content: { role: 'model', parts: [{ text: 'Let me check', thought: true }] } }],
        modelVersion: model,
        responseId: 'r-stream',
      },
      { candidates: [{ content: { role: 'model', parts: [{ text: 'Checking the ' }] } }] },
      { candidates: [{ content: { role: 'model', parts: [{ text: 'weather.' }] } }] },
      {
        candidates: [
          {
            content: {
              role: 'model',
              parts: [
                {
                  functionCall: { name: 'get_weather', args: { city: 'Paris' } },
                  thoughtSignature: 'U1RSRUFN',
                },
              ],
            },
            finishReason: 'STOP',
          },
        ],
        usageMetadata: {
          promptTokenCount: 30,
          candidatesTokenCount: 12,
          thoughtsTokenCount: 8,
          totalTokenCount: 50,
        },
      },
    ]);
  }
  const wantsTool =
    Array.isArray(body.tools) &&
    !(body.contents as { parts: { functionResponse?: unknown }[] }[]).some((c) =>
      c.parts.some((p) => p.functionResponse),
    );
  if (wantsTool) {
    return json(200, {
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              {
                functionCall: { name: 'get_weather', args: { city: 'Paris' } },
                thoughtSignature: 'UkVBTA==',
              },
            ],
          },
          finishReason: 'STOP',
        },
      ],
      usageMetadata: { promptTokenCount: 20, candidatesTokenCount: 6, totalTokenCount: 26 },
    });
  }
  return json(200, {
    candidates: [
      {
        content: { role: 'model', parts: [{ text: 'It is sunny in Paris.' }] },
        finishReason: 'STOP',
        index: 0,
      },
    ],
    usageMetadata: {
      promptTokenCount: 2048,
      cachedContentTokenCount: 1024,
      candidatesTokenCount: 7,
      totalTokenCount: 2055,
    },
    modelVersion: `${model}-001`,
    responseId: 'r-1',
  });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      raw += c;
    });
    req.on('end', () => handle(req, res, raw));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1beta`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function provider(): ProviderAdapter {
  return createGeminiProvider(
    {
      id: 'gem',
      kind: 'gemini',
      base_url: base,
      api_key: KEY,
      headers: {},
      max_connections: 4,
      allow_link_local: false,
    },
    { now: () => 1_700_000_000_000 },
  );
}

const call = (model: string) => ({ model, signal: NEVER_CANCELLED });
const ask = (over: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'alias',
  stream: false,
  messages: [
    { role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
    { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
  ],
  ...over,
});
const weatherTool = {
  name: 'get_weather',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
};

async function collect(it: AsyncIterable<ChatStreamEvent>): Promise<ChatStreamEvent[]> {
  const out: ChatStreamEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

async function rejection(p: Promise<unknown>): Promise<UpstreamError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UpstreamError);
  return e as UpstreamError;
}

describe('Gemini adapter against a fake server', () => {
  it('calls generateContent with the key header and maps the answer and usage', async () => {
    const p = provider();
    const res = await p.chat(ask(), call('gemini-2.5-flash'));
    const req = seen.at(-1)!;
    expect(req.url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(req.headers['x-goog-api-key']).toBe(KEY);
    expect(req.body.systemInstruction).toEqual({ parts: [{ text: 'Be brief.' }] });
    expect(res.choices[0]!.message.content).toBe('It is sunny in Paris.');
    expect(res.model).toBe('gemini-2.5-flash-001');
    expect(res.usage).toEqual({
      inputTokens: 2048,
      cachedInputTokens: 1024,
      cacheWriteTokens: 0,
      outputTokens: 7,
      reasoningTokens: 0,
    });
    await p.close?.();
  });

  it('replays the thought signature of an earlier tool call on the next turn', async () => {
    const p = provider();
    const first = await p.chat(ask({ tools: [weatherTool] }), call('gemini-3-pro-preview'));
    const tc = first.choices[0]!.message.toolCalls![0]!;
    expect(first.choices[0]!.finishReason).toBe('tool_calls');
    expect(JSON.parse(tc.arguments)).toEqual({ city: 'Paris' });
    const sentTools = seen.at(-1)!.body.tools as {
      functionDeclarations: { parameters: Record<string, unknown> }[];
    }[];
    expect(sentTools[0]!.functionDeclarations[0]!.parameters).not.toHaveProperty('additionalProperties');
    await p.chat(
      ask({
        tools: [weatherTool],
        messages: [
          ...ask().messages,
          { role: 'assistant', content: [], toolCalls: [tc] },
          { role: 'tool', toolCallId: tc.id, content: [{ type: 'text', text: 'sunny, 24C' }] },
        ],
      }),
      call('gemini-3-pro-preview'),
    );
    const contents = seen.at(-1)!.body.contents as { role: string; parts: Record<string, unknown>[] }[];
    expect(contents.at(-2)).toEqual({
      role: 'model',
      parts: [
        { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'UkVBTA==' },
      ],
    });
    expect(contents.at(-1)).toEqual({
      role: 'user',
      parts: [{ functionResponse: { name: 'get_weather', response: { result: 'sunny, 24C' } } }],
    });
    await p.close?.();
  });

  it('streams text (without thoughts), a function call, finish and usage', async () => {
    const p = provider();
    const events = await collect(
      await p.chatStream(ask({ stream: true, tools: [weatherTool] }), call('gemini-2.5-pro')),
    );
    expect(seen.at(-1)!.url).toBe('/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse');
    expect(events.map((e) => e.type)).toEqual([
      'start',
      'text',
      'text',
      'tool_call_start',
      'tool_call_delta',
      'finish',
      'usage',
    ]);
    expect(events[0]).toEqual({
      type: 'start',
      id: 'r-stream',
      model: 'gemini-2.5-pro',
      created: 1_700_000_000,
    });
    const text = events.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join('');
    expect(text).toBe('Checking the weather.');
    expect(events[3]).toMatchObject({ type: 'tool_call_start', index: 0, toolIndex: 0, name: 'get_weather' });
    expect(events[4]).toEqual({
      type: 'tool_call_delta',
      index: 0,
      toolIndex: 0,
      argumentsDelta: '{"city":"Paris"}',
    });
    expect(events[5]).toEqual({ type: 'finish', index: 0, finishReason: 'tool_calls' });
    expect(events[6]).toEqual({
      type: 'usage',
      usage: {
        inputTokens: 30,
        cachedInputTokens: 0,
        cacheWriteTokens: 0,
        outputTokens: 20,
        reasoningTokens: 8,
      },
    });
    await p.close?.();
  });

  it('ends a stream that stops without a finish reason with stream_interrupted', async () => {
    const p = provider();
    for (const model of ['cut', 'reset', 'midstream-error']) {
      const stream = await p.chatStream(ask({ stream: true }), call(model));
      const got: ChatStreamEvent[] = [];
      const err = await rejection(
        (async () => {
          for await (const e of stream) got.push(e);
        })(),
      );
      expect(err.kind).toBe('stream_interrupted');
      expect(got.some((e) => e.type === 'text')).toBe(true);
      expect(got.some((e) => e.type === 'finish' || e.type === 'usage')).toBe(false);
    }
    await p.close?.();
  });

  it('maps 429 with retry-after, a bad key, garbage bodies and blocked prompts', async () => {
    const p = provider();
    const rate = await rejection(p.chat(ask(), call('rate')));
    expect(rate).toMatchObject({ kind: 'rate_limit', status: 429, retryAfter: 7 });
    expect(rate.upstreamMessage).toContain('Resource has been exhausted');
    const streamRate = await rejection(p.chatStream(ask({ stream: true }), call('rate')));
    expect(streamRate.kind).toBe('rate_limit');
    const badKey = await rejection(p.chat(ask(), call('badkey')));
    expect(badKey.kind).toBe('auth');
    expect(badKey.message).not.toContain(KEY);
    const garbage = await rejection(p.chat(ask(), call('garbage')));
    expect(garbage.kind).toBe('invalid_response');
    const garbageStream = await rejection(p.chatStream(ask({ stream: true }), call('garbage')));
    expect(garbageStream.kind).toBe('invalid_response');
    const blocked = await rejection(p.chat(ask(), call('blocked')));
    expect(blocked).toMatchObject({ kind: 'bad_request' });
    expect(blocked.message).toContain('PROHIBITED_CONTENT');
    const blockedStream = await rejection(p.chatStream(ask({ stream: true }), call('blocked')));
    expect(blockedStream.kind).toBe('bad_request');
    await p.close?.();
  });

  it('embeds through batchEmbedContents with estimated token usage', async () => {
    const p = provider();
    const input = ['first text', 'the second, longer text'];
    const res = await p.embed({ model: 'e', input, dimensions: 3 }, call('gemini-embedding-001'));
    const req = seen.at(-1)!;
    expect(req.url).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(req.body).toEqual({
      requests: input.map((text) => ({
        model: 'models/gemini-embedding-001',
        content: { parts: [{ text }] },
        outputDimensionality: 3,
      })),
    });
    expect(res.data).toEqual([
      { index: 0, embedding: [1, 0, 0] },
      { index: 1, embedding: [1, 0, 0] },
    ]);
    expect(res.usage).toEqual({
      inputTokens: encode(input[0]!).length + encode(input[1]!).length,
      estimated: true,
    });
    await expect(
      p.embed({ model: 'e', input: [[1, 2]] }, call('gemini-embedding-001')),
    ).rejects.toMatchObject({
      kind: 'unsupported',
    });
    await p.close?.();
  });
});

describe('geminiBaseUrl', () => {
  it('defaults to v1beta and adds it to a bare origin', () => {
    expect(geminiBaseUrl(undefined)).toBe('https://generativelanguage.googleapis.com/v1beta');
    expect(geminiBaseUrl('https://generativelanguage.googleapis.com/')).toBe(
      'https://generativelanguage.googleapis.com/v1beta',
    );
    expect(geminiBaseUrl('http://127.0.0.1:9/v1/')).toBe('http://127.0.0.1:9/v1');
  });
});
