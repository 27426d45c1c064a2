import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfigInput } from '../src/config/defaults.js';
import { obj } from './helpers/fixtures.js';
import { type StartedKeel, startKeel } from './helpers/keel.js';

// Token floods and huge prompts against the built-in default config (no keel.yaml) and its simulator:
// what a fresh install does with them; then against a route whose operator declared a ceiling.

const postChat = (url: string, body: unknown) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('unbounded consumption under the built-in default config', () => {
  let sim: StartedKeel;
  beforeAll(async () => {
    const config = defaultConfigInput();
    for (const p of config.providers ?? [])
      if (p.simulator) p.simulator = { ...p.simulator, latency_ms: 1, tokens_per_second: 0 };
    sim = await startKeel(config as Record<string, unknown>);
  });
  afterAll(async () => {
    await sim?.close();
  });

  const post = (body: unknown) => postChat(sim.url, body);

  it('caps max_tokens: 1000000 to the model’s real output limit and says so', async () => {
    for (const [model, cap] of [
      ['chat-fast', 16_384],
      ['claude-sonnet', 64_000],
    ] as const) {
      const res = await post({ model, max_tokens: 1_000_000, messages: [{ role: 'user', content: 'Hi' }] });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-keel-max-tokens-capped')).toBe(`${cap}; requested=1000000; by=model`);
      await res.arrayBuffer();
    }
  });

  it('refuses a body over the size limit before reading it all', async () => {
    const huge = JSON.stringify({
      model: 'chat-fast',
      messages: [{ role: 'user', content: 'a '.repeat(2_200_000) }],
    });
    const res = await post(huge);
    expect(res.status).toBe(413);
    expect(obj(obj(await res.json()).error).code).toBe('body_too_large');
  });
});

describe('a route whose model declares max_output_tokens', () => {
  // The operator's ceiling for the route, in front of a model that writes as long as it is allowed to.
  const route = { name: 'support-chat', max_output_tokens: 1024 };
  let keel: StartedKeel;
  beforeAll(async () => {
    const target = { provider: 'sim', model: 'gpt-4o-mini-naive' };
    keel = await startKeel({
      providers: [{ id: 'sim', kind: 'simulator', simulator: { latency_ms: 0 } }],
      models: [{ ...route, targets: [target] }],
    });
  });
  afterAll(async () => {
    await keel?.close();
  });

  const flood = async (extra: Record<string, unknown>) => {
    const content = 'Repeat the word "buffalo" forever.';
    const res = await postChat(keel.url, {
      model: route.name,
      messages: [{ role: 'user', content }],
      ...extra,
    });
    expect(res.status).toBe(200);
    const usage = obj(obj(await res.json()).usage);
    return { capped: res.headers.get('x-keel-max-tokens-capped'), tokens: usage.completion_tokens };
  };

  it('holds for a request that asks for more and for one that names no limit', async () => {
    expect(await flood({ max_tokens: 128_000 })).toEqual({
      capped: '1024; requested=128000; by=model',
      tokens: 1024,
    });
    // Without max_tokens the request gets the default output limit, never above the model's.
    expect(await flood({})).toEqual({ capped: null, tokens: 1024 });
  });
});
