import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEVER_CANCELLED } from '../../canonical/cancel.js';
import type { ChatRequest } from '../../canonical/types.js';
import { OPENAI_DEFAULT_BASE_URL } from '../../config/base-urls.js';
import { providerSchema } from '../../config/providers.js';
import { type FakeUpstream, sendJson, startFakeUpstream } from '../shared/testkit.js';
import { type ProviderAdapter, UpstreamError } from '../types.js';
import { createOpenAIProvider } from './index.js';

let up: FakeUpstream;
let adapter: ProviderAdapter;
const key = 'sk-test-abcdefghijklmnop';

beforeAll(async () => {
  up = await startFakeUpstream((_r, res) =>
    sendJson(res, 200, {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-mini-2024-07-18',
      choices: [
        { index: 0, message: { role: 'assistant', content: 'ok', refusal: null }, finish_reason: 'stop' },
      ],
      usage: {
        prompt_tokens: 2000,
        completion_tokens: 300,
        total_tokens: 2300,
        prompt_tokens_details: { cached_tokens: 1536 },
        completion_tokens_details: { reasoning_tokens: 128 },
      },
    }),
  );
  adapter = createOpenAIProvider(
    providerSchema.parse({
      id: 'oai',
      kind: 'openai',
      base_url: `${up.url}/v1`,
      api_key: key,
      headers: { 'OpenAI-Organization': 'org-1' },
    }),
    { now: () => 0 },
  );
});
afterAll(async () => {
  await adapter.close?.();
  await up.close();
});

describe('openai adapter', () => {
  it('defaults to api.openai.com', () => {
    expect(OPENAI_DEFAULT_BASE_URL).toBe('https://api.openai.com/v1');
  });

  it('sends Bearer auth, configured headers, model and max_completion_tokens', async () => {
    const req: ChatRequest = {
      model: 'alias',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }],
      maxTokens: 10,
      stream: false,
      passthrough: { reasoning_effort: 'low' },
    };
    const res = await adapter.chat(req, { model: 'gpt-4o-mini', signal: NEVER_CANCELLED });
    const sent = up.requests.at(-1)!;
    expect(sent.url).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe(`Bearer ${key}`);
    expect(sent.headers['openai-organization']).toBe('org-1');
    expect(JSON.parse(sent.body)).toEqual({
      reasoning_effort: 'low',
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'x' }],
      max_completion_tokens: 10,
    });
    // OpenAI counts cached tokens inside prompt_tokens and reasoning inside completion_tokens.
    expect(res.usage).toEqual({
      inputTokens: 2000,
      cachedInputTokens: 1536,
      cacheWriteTokens: 0,
      outputTokens: 300,
      reasoningTokens: 128,
    });
    expect(adapter.kind).toBe('openai');
    expect(adapter.id).toBe('oai');
  });

  it('never repeats the api key in errors', async () => {
    up.handle((_r, res) => sendJson(res, 401, { error: { message: `Incorrect API key provided: ${key}` } }));
    const err = await adapter
      .chat(
        { model: 'a', messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }], stream: false },
        { model: 'gpt-4o-mini', signal: NEVER_CANCELLED },
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    if (!(err instanceof UpstreamError)) throw new Error('expected an UpstreamError');
    expect(err.kind).toBe('auth');
    expect(err.message).not.toContain(key);
    expect(err.upstreamMessage).not.toContain(key);
  });
});
