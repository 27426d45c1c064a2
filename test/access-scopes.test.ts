import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { KeyInput } from '../src/access/store.js';
import type { FakeUpstream } from './fakes/index.js';
import { obj, openaiClient, standardConfig, WEATHER_TOOL } from './helpers/fixtures.js';
import { setupGateway } from './helpers/gateway.js';
import type { StartedKeel } from './helpers/keel.js';

// Least privilege on /v1: a virtual key can do what it was granted and nothing else, and every
// refusal says which scope refused it.

let oai: FakeUpstream;
let ant: FakeUpstream;
let keel: StartedKeel;

setupGateway(
  (up) => standardConfig(up),
  (g) => {
    ({ oai, ant, keel } = g);
  },
);

async function newKey(input: Partial<KeyInput>): Promise<{ id: string; secret: string }> {
  const { key, secret } = await keel.app.services.keys.create({ name: 'test', ...input }, 'test');
  return { id: key.id, secret };
}

async function post(path: string, secret: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(keel.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}`, ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    body: JSON.parse(text) as Record<string, unknown>,
  };
}

const chat = (model: string, extra: Record<string, unknown> = {}) => ({
  model,
  messages: [{ role: 'user', content: 'hello' }],
  ...extra,
});

describe('virtual key scopes', () => {
  it('a key scoped to model A cannot call model B, and lists only A', async () => {
    const { secret } = await newKey({ models: ['gpt-4o'] });
    const client = openaiClient(keel.url, secret);
    const ok = await client.chat.completions.create(
      chat('gpt-4o') as OpenAI.ChatCompletionCreateParamsNonStreaming,
    );
    expect(ok.object).toBe('chat.completion');
    const err = await client.chat.completions
      .create(chat('claude') as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((err as InstanceType<typeof OpenAI.PermissionDeniedError>).message).toContain('scope: models');
    expect(ant.requests).toHaveLength(0);
    const list = await client.models.list();
    expect(list.data.map((m) => m.id)).toEqual(['gpt-4o']);
  });

  it('globs grant families of models; a key with no models may call none', async () => {
    const { secret } = await newKey({ models: ['gpt-*'] });
    expect((await post('/v1/chat/completions', secret, chat('gpt-4o'))).status).toBe(200);
    const none = await newKey({});
    const r = await post('/v1/chat/completions', none.secret, chat('gpt-4o'));
    expect(r.status).toBe(403);
    expect(obj(r.body.error)).toMatchObject({ code: 'permission_denied', type: 'permission_error' });
  });

  it('endpoint scope: a chat-only key cannot create embeddings', async () => {
    const { secret } = await newKey({ models: ['*'], endpoints: ['chat'] });
    const r = await post('/v1/embeddings', secret, { model: 'text-embedding-3-small', input: 'x' });
    expect(r.status).toBe(403);
    expect(String(obj(r.body.error).message)).toContain('scope: endpoints');
    expect(oai.requests).toHaveLength(0);
  });

  it('use-case scope: the bound use case is the default and others are refused', async () => {
    const { secret } = await newKey({ models: ['*'], useCases: ['support'] });
    const ok = await post('/v1/chat/completions', secret, chat('gpt-4o'));
    expect(ok.status).toBe(200);
    const row = await keel.usageFor(ok.headers.get('x-keel-request-id'));
    expect(row.useCase).toBe('support');
    const other = await post('/v1/chat/completions', secret, chat('gpt-4o'), { 'x-keel-use-case': 'sales' });
    expect(other.status).toBe(403);
    expect(String(obj(other.body.error).message)).toContain('scope: use_cases');
  });

  it('max tokens per request: larger asks are capped, not refused, and so are missing ones', async () => {
    const { secret } = await newKey({ models: ['*'], maxTokens: 50 });
    const big = await post('/v1/chat/completions', secret, chat('gpt-4o', { max_tokens: 500 }));
    expect(big.status).toBe(200);
    expect(obj(oai.last().body).max_completion_tokens).toBe(50);
    expect((await post('/v1/chat/completions', secret, chat('gpt-4o'))).status).toBe(200);
    const sent = obj(oai.last().body);
    expect(sent.max_completion_tokens ?? sent.max_tokens).toBe(50);
  });

  it('client networks: a key limited to 10.0.0.0/8 is refused from loopback', async () => {
    const far = await newKey({ models: ['*'], allowedCidrs: ['10.0.0.0/8'] });
    const r = await post('/v1/chat/completions', far.secret, chat('gpt-4o'));
    expect(r.status).toBe(403);
    expect(String(obj(r.body.error).message)).toContain('scope: allowed_cidrs');
    // X-Forwarded-For is client-controlled and ignored without trust_proxy.
    const spoof = await post('/v1/chat/completions', far.secret, chat('gpt-4o'), {
      'x-forwarded-for': '10.1.2.3',
    });
    expect(spoof.status).toBe(403);
    const near = await newKey({ models: ['*'], allowedCidrs: ['127.0.0.0/8', '::1/128'] });
    expect((await post('/v1/chat/completions', near.secret, chat('gpt-4o'))).status).toBe(200);
  });
});

describe('tool policy', () => {
  it('a key may not offer a tool it was not granted', async () => {
    const { secret } = await newKey({ models: ['*'], tools: ['lookup_order'] });
    const r = await post('/v1/chat/completions', secret, chat('gpt-4o', { tools: [WEATHER_TOOL] }));
    expect(r.status).toBe(403);
    expect(obj(r.body.error)).toMatchObject({ code: 'permission_denied', param: 'tools' });
    expect(oai.requests).toHaveLength(0);
  });

  it("a tool call in the model's answer to a tool the key lacks is blocked", async () => {
    const { secret } = await newKey({ models: ['*'], tools: ['get_weather'] });
    oai.enqueue({ toolCalls: [{ name: 'delete_all_orders', arguments: '{}' }] });
    const client = openaiClient(keel.url, secret);
    const err = await client.chat.completions
      .create(chat('gpt-4o', { tools: [WEATHER_TOOL] }) as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((err as Error).message).toContain('delete_all_orders');

    // Streaming: the call is stopped with an error event before the tool call reaches the client.
    oai.enqueue({ toolCalls: [{ name: 'delete_all_orders', arguments: '{"all":true}' }] });
    const stream = await client.chat.completions.create({
      ...(chat('gpt-4o', { tools: [WEATHER_TOOL] }) as OpenAI.ChatCompletionCreateParamsNonStreaming),
      stream: true,
    });
    const seen: string[] = [];
    const failure = await (async () => {
      for await (const chunk of stream)
        for (const t of chunk.choices[0]?.delta.tool_calls ?? [])
          if (t.function?.name) seen.push(t.function.name);
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(seen).not.toContain('delete_all_orders');

    // The granted tool goes through.
    oai.enqueue({ toolCalls: [{ name: 'get_weather', arguments: '{"city":"Oslo"}' }] });
    const ok = await client.chat.completions.create(
      chat('gpt-4o', { tools: [WEATHER_TOOL] }) as OpenAI.ChatCompletionCreateParamsNonStreaming,
    );
    expect(ok.choices[0]?.message.tool_calls?.[0]).toMatchObject({ function: { name: 'get_weather' } });
  });
});

describe('key lifecycle', () => {
  it('a revoked key fails on the next request', async () => {
    const { id, secret } = await newKey({ models: ['*'] });
    expect((await post('/v1/chat/completions', secret, chat('gpt-4o'))).status).toBe(200);
    await keel.app.services.keys.revoke(id, 'test');
    const r = await post('/v1/chat/completions', secret, chat('gpt-4o'));
    expect(r.status).toBe(401);
    expect(String(obj(r.body.error).message)).toContain('revoked');
  });

  it("a rotated key's old value works during the grace period and fails after it", async () => {
    const { id, secret: old } = await newKey({ models: ['*'] });
    const { secret: fresh } = await keel.app.services.keys.rotate(id, 1, 'test');
    expect(fresh).not.toBe(old);
    expect((await post('/v1/chat/completions', old, chat('gpt-4o'))).status).toBe(200);
    expect((await post('/v1/chat/completions', fresh, chat('gpt-4o'))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await post('/v1/chat/completions', old, chat('gpt-4o'))).status).toBe(401);
    expect((await post('/v1/chat/completions', fresh, chat('gpt-4o'))).status).toBe(200);
  });

  it('an expired key is refused', async () => {
    const { secret } = await newKey({ models: ['*'], expiresAt: Date.now() + 300 });
    expect((await post('/v1/chat/completions', secret, chat('gpt-4o'))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 400));
    const r = await post('/v1/chat/completions', secret, chat('gpt-4o'));
    expect(r.status).toBe(401);
    expect(String(obj(r.body.error).message)).toContain('expired');
  });
});
