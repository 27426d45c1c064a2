/**
 * The official `openai` SDK against a minimal edge built from this module's functions, which
 * forwards through the openai-compatible adapter to a fake upstream speaking the real wire format.
 * Checks that what we parse and emit is what the SDK sends and accepts (incl. its stream helpers
 * and base64 embeddings). The real route handlers are tested elsewhere.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEVER_CANCELLED } from '../../canonical/cancel.js';
import { providerSchema } from '../../config/providers.js';
import { KeelError } from '../../errors.js';
import { createOpenAICompatibleProvider } from '../../providers/openai-compatible/index.js';
import { type FakeUpstream, sendJson, sendSSE, startFakeUpstream } from '../../providers/shared/testkit.js';
import type { ProviderAdapter } from '../../providers/types.js';
import {
  createChunkEncoder,
  parseChatRequest,
  parseEmbeddingsRequest,
  toChatCompletion,
  toEmbeddingsResponse,
  toModelList,
} from './wire.js';

let up: FakeUpstream;
let adapter: ProviderAdapter;
let edge: Server;
let client: OpenAI;

function chunk(choices: unknown[], extra: Record<string, unknown> = {}) {
  return {
    id: 'chatcmpl-u',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'up-model',
    choices,
    ...extra,
  };
}

beforeAll(async () => {
  up = await startFakeUpstream((_r, res) => sendJson(res, 500, {}));
  adapter = createOpenAICompatibleProvider(
    providerSchema.parse({ id: 'up', kind: 'openai-compatible', base_url: up.url }),
    { now: () => Date.now() },
  );
  edge = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', async () => {
      const call = { model: 'up-model', signal: NEVER_CANCELLED };
      try {
        if (req.url === '/v1/models')
          return sendJson(res, 200, toModelList([{ name: 'chat-default', type: 'chat', providers: ['up'] }]));
        const body: unknown = JSON.parse(Buffer.concat(parts).toString('utf8'));
        if (req.url === '/v1/embeddings') {
          const { req: ereq, encodingFormat } = parseEmbeddingsRequest(body);
          return sendJson(res, 200, toEmbeddingsResponse(await adapter.embed(ereq, call), encodingFormat));
        }
        const creq = parseChatRequest(body);
        if (!creq.stream) return sendJson(res, 200, toChatCompletion(await adapter.chat(creq, call)));
        const events = await adapter.chatStream(creq, call);
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const enc = createChunkEncoder({
          id: 'chatcmpl-keel',
          model: creq.model,
          created: 1,
          includeUsage: creq.includeUsage === true,
        });
        for await (const ev of events) res.write(enc.encode(ev));
        res.end(enc.done());
      } catch (e) {
        const k =
          e instanceof KeelError ? e : new KeelError('stream_interrupted', 'upstream stream was interrupted');
        const error = { message: k.message, type: k.type, code: k.code, param: k.param };
        // After the first byte, an error event without [DONE] is all that is left (as the real route does).
        if (res.headersSent) res.end(`data: ${JSON.stringify({ error })}\n\n`);
        else sendJson(res, k.status, { error });
      }
    });
  });
  await new Promise<void>((resolve) => edge.listen(0, '127.0.0.1', resolve));
  const { port } = edge.address() as AddressInfo;
  client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'sk-client', maxRetries: 0 });
});

afterAll(async () => {
  edge.closeAllConnections();
  await new Promise((r) => edge.close(r));
  await adapter.close?.();
  await up.close();
});

describe('official openai SDK round trip', () => {
  it('non-streaming chat with tools', async () => {
    up.handle((r, res) => {
      const sent = JSON.parse(r.body);
      expect(sent.tools[0].function.name).toBe('get_weather');
      expect(sent.messages).toEqual([{ role: 'user', content: 'Weather in Oslo?' }]);
      sendJson(res, 200, {
        id: 'chatcmpl-u',
        object: 'chat.completion',
        created: 1_700_000_000,
        model: 'up-model',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: null,
              tool_calls: [
                {
                  id: 'call_w',
                  type: 'function',
                  function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
                },
              ],
            },
            finish_reason: 'tool_calls',
          },
        ],
        usage: {
          prompt_tokens: 30,
          completion_tokens: 8,
          total_tokens: 38,
          prompt_tokens_details: { cached_tokens: 16 },
        },
      });
    });
    const res = await client.chat.completions.create({
      model: 'chat-default',
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        },
      ],
    });
    expect(res.choices[0]!.finish_reason).toBe('tool_calls');
    const tc = res.choices[0]!.message.tool_calls![0]!;
    expect(tc.type === 'function' && tc.function).toEqual({
      name: 'get_weather',
      arguments: '{"city":"Oslo"}',
    });
    expect(res.usage).toMatchObject({
      prompt_tokens: 30,
      completion_tokens: 8,
      total_tokens: 38,
      prompt_tokens_details: { cached_tokens: 16 },
    });
  });

  it('streaming with tool call deltas, assembled by the SDK stream helper, and include_usage', async () => {
    up.handle((_r, res) =>
      sendSSE(res, [
        chunk([{ index: 0, delta: { role: 'assistant', content: 'Checking. ' }, finish_reason: null }]),
        chunk([
          {
            index: 0,
            delta: {
              tool_calls: [
                {
                  index: 0,
                  id: 'call_s',
                  type: 'function',
                  function: { name: 'get_weather', arguments: '' },
                },
              ],
            },
          },
        ]),
        chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] } }]),
        chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] } }]),
        chunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]),
        chunk([], { usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 } }),
      ]),
    );
    const stream = client.chat.completions.stream({
      model: 'chat-default',
      messages: [{ role: 'user', content: 'Weather?' }],
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe('Checking. ');
    const tc = final.choices[0]!.message.tool_calls![0]!;
    expect(tc).toMatchObject({
      id: 'call_s',
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
    });
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(final.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 });
  });

  it('streaming plain text chunk by chunk', async () => {
    up.handle((_r, res) =>
      sendSSE(res, [
        chunk([{ index: 0, delta: { role: 'assistant', content: 'Hel' } }]),
        chunk([{ index: 0, delta: { content: 'lo' } }]),
        chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]),
        chunk([], { usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } }),
      ]),
    );
    const stream = await client.chat.completions.create({
      model: 'chat-default',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    let text = '';
    const usage: unknown[] = [];
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      if (c.usage) usage.push(c.usage);
    }
    expect(text).toBe('Hello');
    // The client did not ask for usage, so it gets none (Keel still recorded it upstream).
    expect(usage).toEqual([]);
  });

  it('a cut upstream stream reaches the SDK as an error, not a clean end', async () => {
    up.handle((_r, res) => sendSSE(res, [chunk([{ index: 0, delta: { content: 'Once' } }])], { cut: true }));
    const stream = await client.chat.completions.create({
      model: 'chat-default',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    await expect(
      (async () => {
        for await (const _ of stream) {
          // consume
        }
      })(),
    ).rejects.toThrow(/interrupted/);
  });

  it('embeddings: the SDK asks for base64 by default and decodes our bytes', async () => {
    up.handle((r, res) => {
      expect(JSON.parse(r.body).encoding_format).toBe('float');
      sendJson(res, 200, {
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: [0.25, -0.5, 0.125] }],
        model: 'emb',
        usage: { prompt_tokens: 2, total_tokens: 2 },
      });
    });
    const res = await client.embeddings.create({ model: 'embed', input: 'hello' });
    expect(res.data[0]!.embedding).toEqual([0.25, -0.5, 0.125]);
    expect(res.usage).toEqual({ prompt_tokens: 2, total_tokens: 2 });
    const floats = await client.embeddings.create({
      model: 'embed',
      input: ['hello'],
      encoding_format: 'float',
    });
    expect(floats.data[0]!.embedding).toEqual([0.25, -0.5, 0.125]);
  });

  it('bad input surfaces as an OpenAI BadRequestError naming the param', async () => {
    const err = await client.chat.completions
      .create({ model: 'chat-default', messages: [{ role: 'user', content: 'x' }], temperature: 5 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('temperature');
  });

  it('lists models', async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(['chat-default']);
  });
});
