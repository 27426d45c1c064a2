import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEVER_CANCELLED } from '../../canonical/cancel.js';
import type { ChatRequest } from '../../canonical/types.js';
import { providerSchema } from '../../config/providers.js';
import { type FakeUpstream, sendJson, sendSSE, startFakeUpstream } from '../shared/testkit.js';
import type { ProviderAdapter } from '../types.js';
import { createAzureOpenAIProvider } from './index.js';

let up: FakeUpstream;
let adapter: ProviderAdapter;
const req: ChatRequest = {
  model: 'alias',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }],
  maxTokens: 20,
  stream: false,
};
const signal = NEVER_CANCELLED;

beforeAll(async () => {
  up = await startFakeUpstream((_r, res) =>
    sendJson(res, 200, {
      id: 'chatcmpl-az',
      object: 'chat.completion',
      created: 5,
      model: 'gpt-4o-2024-11-20',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    }),
  );
  adapter = createAzureOpenAIProvider(
    providerSchema.parse({
      id: 'az',
      kind: 'azure-openai',
      base_url: `${up.url}/`,
      api_key: 'azure-key-0123456789',
      api_version: '2024-10-21',
    }),
    { now: () => 0 },
  );
});
afterAll(async () => {
  await adapter.close?.();
  await up.close();
});

describe('azure-openai adapter', () => {
  it('calls the deployment URL with api-version and the api-key header, without model', async () => {
    await adapter.chat(req, { model: 'my gpt/4o', signal });
    const sent = up.requests.at(-1)!;
    expect(sent.url).toBe('/openai/deployments/my%20gpt%2F4o/chat/completions?api-version=2024-10-21');
    expect(sent.headers['api-key']).toBe('azure-key-0123456789');
    expect(sent.headers.authorization).toBeUndefined();
    const body = JSON.parse(sent.body);
    expect(body.model).toBeUndefined();
    expect(body.max_tokens).toBe(20);
  });

  it('streams from the deployment URL, skipping the content-filter preamble', async () => {
    up.handle((_r, res) =>
      sendSSE(res, [
        {
          id: '',
          object: '',
          created: 0,
          model: '',
          choices: [],
          prompt_filter_results: [{ prompt_index: 0 }],
        },
        {
          id: 'c',
          object: 'chat.completion.chunk',
          created: 9,
          model: 'gpt-4o',
          choices: [{ index: 0, delta: { role: 'assistant', content: 'yo' }, finish_reason: null }],
        },
        {
          id: 'c',
          object: 'chat.completion.chunk',
          created: 9,
          model: 'gpt-4o',
          choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
        },
        {
          id: 'c',
          object: 'chat.completion.chunk',
          created: 9,
          model: 'gpt-4o',
          choices: [],
          usage: { prompt_tokens: 3, completion_tokens: 1 },
        },
      ]),
    );
    const events = [];
    for await (const ev of await adapter.chatStream({ ...req, stream: true }, { model: 'dep1', signal }))
      events.push(ev);
    expect(up.requests.at(-1)!.url).toBe('/openai/deployments/dep1/chat/completions?api-version=2024-10-21');
    expect(events.map((e) => e.type)).toEqual(['start', 'text', 'finish', 'usage']);
    expect(events[0]).toEqual({ type: 'start', id: 'c', model: 'gpt-4o', created: 9 });
  });

  it('calls the embeddings deployment URL', async () => {
    up.handle((_r, res) =>
      sendJson(res, 200, {
        data: [{ index: 0, embedding: [1, 2] }],
        model: 'ada',
        usage: { prompt_tokens: 2, total_tokens: 2 },
      }),
    );
    const res = await adapter.embed({ model: 'e', input: ['x'] }, { model: 'emb-dep', signal });
    const sent = up.requests.at(-1)!;
    expect(sent.url).toBe('/openai/deployments/emb-dep/embeddings?api-version=2024-10-21');
    expect(JSON.parse(sent.body)).toEqual({ input: ['x'], encoding_format: 'float' });
    expect(res.usage.inputTokens).toBe(2);
  });
});
