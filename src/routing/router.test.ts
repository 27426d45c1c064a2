import { afterEach, describe, expect, it, vi } from 'vitest';
import { fromAbortSignal, NEVER_CANCELLED } from '../canonical/cancel.js';
import type { KeelConfigInput } from '../config/schema.js';
import { KeelError } from '../errors.js';
import { UpstreamError } from '../providers/types.js';
import { newDispatchOutcome } from './outcome.js';
import { createRouter } from './router.js';
import { chatReq, config, err, FakeProvider, fakeClock, providerMap, response } from './testkit.js';

const signal = NEVER_CANCELLED;

function baseConfig(over: Partial<KeelConfigInput> = {}): Partial<KeelConfigInput> {
  return {
    providers: [
      { id: 'p1', kind: 'simulator' },
      { id: 'p2', kind: 'simulator' },
    ],
    models: [
      {
        name: 'chat',
        // With random() = 0.5, weight 3 vs 1 always puts m1 first: the order is deterministic.
        targets: [
          { provider: 'p1', model: 'm1', weight: 3 },
          { provider: 'p2', model: 'm2', weight: 1 },
        ],
        fallbacks: ['backup'],
      },
      { name: 'backup', targets: [{ provider: 'p2', model: 'b1' }] },
      { name: 'embed', type: 'embedding', targets: [{ provider: 'p1', model: 'e1' }] },
    ],
    routing: {
      retries: { max: 2, base_delay_ms: 100, max_delay_ms: 1000 },
      circuit_breaker: { failure_threshold: 100, cooldown_ms: 10_000 },
    },
    ...over,
  };
}

function setup(over: Partial<KeelConfigInput> = {}) {
  const p1 = new FakeProvider('p1');
  const p2 = new FakeProvider('p2');
  const fc = fakeClock();
  const router = createRouter({
    config: config(baseConfig(over)),
    providers: providerMap(p1, p2),
    now: fc.now,
    random: () => 0.5,
    sleep: fc.sleep,
  });
  const calls = () => [...p1.calls, ...p2.calls].map((c) => `${c.provider}/${c.model}`);
  return { router, p1, p2, calls, ...fc };
}

async function fails(p: Promise<unknown>): Promise<KeelError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(KeelError);
  return e as KeelError;
}

describe('router: model resolution', () => {
  it('rejects unknown models with OpenAI wording, and the wrong endpoint for a model type', async () => {
    const { router } = setup();
    const o = newDispatchOutcome();
    const e1 = await fails(router.chat(chatReq('x', { model: 'gpt-9' }), o, signal));
    expect(e1.code).toBe('model_not_found');
    expect(e1.message).toBe('The model `gpt-9` does not exist or you do not have access to it.');
    expect(e1.param).toBe('model');
    const e2 = await fails(router.chat(chatReq('x', { model: 'embed' }), o, signal));
    expect([e2.code, e2.param, e2.status]).toEqual(['invalid_request', 'model', 400]);
    const e3 = await fails(router.embed({ model: 'chat', input: ['x'] }, o, signal));
    expect([e3.code, e3.param]).toEqual(['invalid_request', 'model']);
    expect(o.attempts).toBe(0);
  });

  it('lists models and resolves names from config', () => {
    const { router } = setup();
    expect(router.models()).toEqual([
      { name: 'chat', type: 'chat', providers: ['p1', 'p2'] },
      { name: 'backup', type: 'chat', providers: ['p2'] },
      { name: 'embed', type: 'embedding', providers: ['p1'] },
    ]);
    expect(router.resolve('embed')?.type).toBe('embedding');
    expect(router.resolve('nope')).toBeUndefined();
  });

  it('refuses to start when a target names a provider with no adapter', () => {
    expect(() =>
      createRouter({ config: config(baseConfig()), providers: providerMap(new FakeProvider('p1')) }),
    ).toThrow(/no adapter for provider "p2"/);
  });
});

describe('router: retries and backoff', () => {
  it('retries a retryable error on the same target with exponential full-jitter backoff', async () => {
    const s = setup();
    s.p1.script('m1', { fail: err.server() }, { fail: err.connection() }, { ok: response('third time') });
    const o = newDispatchOutcome();
    const res = await s.router.chat(chatReq(), o, signal);
    expect(res.choices[0]!.message.content).toBe('third time');
    // random() = 0.5: 0.5·100·2^0, 0.5·100·2^1
    expect(s.clock.slept).toEqual([50, 100]);
    expect(o).toMatchObject({ provider: 'p1', modelUpstream: 'm1', attempts: 3, fallbacks: [] });
    expect(o.usage).toMatchObject({ inputTokens: 10, outputTokens: 5 });
    expect(s.calls()).toEqual(['p1/m1', 'p1/m1', 'p1/m1']);
  });

  it('moves to the next target without waiting once retries are used up', async () => {
    const s = setup();
    s.p1.script('m1', { fail: err.server() });
    const o = newDispatchOutcome();
    await s.router.chat(chatReq(), o, signal);
    expect(s.calls()).toEqual(['p1/m1', 'p1/m1', 'p1/m1', 'p2/m2']);
    expect(s.clock.slept).toEqual([50, 100]);
    expect(o).toMatchObject({ provider: 'p2', modelUpstream: 'm2', attempts: 4 });
  });

  it('honours retry-after as a floor on the delay', async () => {
    const s = setup();
    s.p1.script('m1', { fail: err.rateLimit(0.3) }, { ok: response('ok') });
    await s.router.chat(chatReq(), newDispatchOutcome(), signal);
    expect(s.clock.slept).toEqual([300]);
  });

  it('does not wait when retry-after exceeds max_delay_ms: tries the next target now', async () => {
    const s = setup();
    s.p1.script('m1', { fail: err.rateLimit(30) });
    const o = newDispatchOutcome();
    await s.router.chat(chatReq(), o, signal);
    expect(s.clock.slept).toEqual([]);
    expect(s.calls()).toEqual(['p1/m1', 'p2/m2']);
  });

  it('reports the last rate limit with its retry-after when every target is rate-limited', async () => {
    const s = setup();
    s.p1.script('m1', { fail: err.rateLimit(30) });
    s.p2.script('m2', { fail: err.rateLimit(30) });
    s.p2.script('b1', { fail: err.rateLimit(12.2) });
    const e = await fails(s.router.chat(chatReq(), newDispatchOutcome(), signal));
    expect([e.code, e.status, e.retryAfter, e.upstreamStatus]).toEqual([
      'upstream_rate_limited',
      429,
      13,
      429,
    ]);
    expect(e.message).toContain('chat');
  });

  it('uses the model retries override', async () => {
    const s = setup({
      models: [{ name: 'chat', retries: 0, targets: [{ provider: 'p1', model: 'm1' }] }],
    });
    s.p1.script('m1', { fail: err.server() });
    const o = newDispatchOutcome();
    const e = await fails(s.router.chat(chatReq(), o, signal));
    expect(e.code).toBe('upstream_error');
    expect(o.attempts).toBe(1);
  });
});

describe('router: errors the request caused', () => {
  it('returns bad_request at once: no retry, no other target, no fallback', async () => {
    const s = setup();
    s.p1.script('m1', { fail: err.badRequest() });
    const o = newDispatchOutcome();
    const e = await fails(s.router.chat(chatReq(), o, signal));
    expect([e.code, e.status, e.upstreamStatus]).toEqual(['upstream_bad_request', 400, 400]);
    expect(e.message).toBe("'messages' must not be empty");
    expect(s.calls()).toEqual(['p1/m1']);
    expect(o.fallbacks).toEqual([]);
    expect(s.clock.slept).toEqual([]);
  });

  it('returns unsupported at once', async () => {
    const s = setup();
    s.p1.script('e1', { fail: new UpstreamError('unsupported', 'this provider has no embeddings endpoint') });
    const e = await fails(s.router.embed({ model: 'embed', input: ['a'] }, newDispatchOutcome(), signal));
    expect(e.code).toBe('unsupported_feature');
    expect(e.message).toBe('Model `embed`: this provider has no embeddings endpoint');
    expect(s.calls()).toEqual(['p1/e1']);
  });
});

describe('router: fallbacks', () => {
  it('moves past auth / not_found at once and to fallback models after every target failed', async () => {
    const s = setup();
    s.p1.script('m1', { fail: err.auth() });
    s.p2.script('m2', { fail: new UpstreamError('not_found', 'HTTP 404', { status: 404 }) });
    const o = newDispatchOutcome();
    const res = await s.router.chat(chatReq(), o, signal);
    expect(res.choices[0]!.message.content).toBe('p2/b1');
    expect(s.calls()).toEqual(['p1/m1', 'p2/m2', 'p2/b1']);
    expect(s.clock.slept).toEqual([]);
    expect(o).toMatchObject({ provider: 'p2', modelUpstream: 'b1', attempts: 3, fallbacks: ['backup'] });
  });

  it('follows fallbacks depth-first in order, once each, even through a cycle', async () => {
    const t = (model: string) => [{ provider: 'p1', model }];
    const s = setup({
      models: [
        { name: 'chat', targets: t('a'), fallbacks: ['b', 'c'], retries: 0 },
        { name: 'b', targets: t('b'), fallbacks: ['d'], retries: 0 },
        { name: 'c', targets: t('c'), fallbacks: ['chat'], retries: 0 },
        { name: 'd', targets: t('d'), fallbacks: ['b', 'chat'], retries: 0 },
        { name: 'emb', type: 'embedding', targets: t('e') },
        { name: 'x', targets: t('x'), fallbacks: ['emb'] },
      ],
    });
    for (const m of ['a', 'b', 'c', 'd']) s.p1.script(m, { fail: err.connection() });
    const o = newDispatchOutcome();
    const e = await fails(s.router.chat(chatReq(), o, signal));
    expect(s.calls()).toEqual(['p1/a', 'p1/b', 'p1/d', 'p1/c']);
    expect(o.fallbacks).toEqual(['b', 'd', 'c']);
    expect(e.code).toBe('upstream_unavailable');
    expect(e.message).toBe(
      'Model `chat` failed (last tried fallback `c`): provider `p1` could not be reached (4 attempts).',
    );
  });

  it('treats an adapter crash as an invalid response and falls back', async () => {
    const s = setup();
    s.p1.chat = async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'choices')");
    };
    const o = newDispatchOutcome();
    await s.router.chat(chatReq(), o, signal);
    expect(o.provider).toBe('p2');
    expect(o.attempts).toBe(2);
  });

  it('never shows provider secrets in the final error', async () => {
    const s = setup();
    s.p1.script('m1', { fail: err.auth() });
    s.p2.script('m2', {
      fail: new UpstreamError('server', 'HTTP 500', {
        status: 500,
        upstreamMessage: 'failed calling https://user:hunter2@api.example.com/v1?key=AIzaSecret&x=1',
      }),
    });
    s.p2.script('b1', { fail: err.auth() });
    const e = await fails(s.router.chat(chatReq(), newDispatchOutcome(), signal));
    expect(e.code).toBe('upstream_auth');
    expect(e.message).not.toContain('sk-secret');
    const s2 = setup({ models: [{ name: 'chat', retries: 0, targets: [{ provider: 'p2', model: 'm2' }] }] });
    s2.p2.script('m2', {
      fail: new UpstreamError('server', 'HTTP 500', {
        status: 500,
        upstreamMessage: 'failed calling https://user:hunter2@api.example.com/v1?key=AIzaSecret&x=1',
      }),
    });
    const e2 = await fails(s2.router.chat(chatReq(), newDispatchOutcome(), signal));
    expect(e2.message).not.toContain('hunter2');
    expect(e2.message).not.toContain('AIzaSecret');
    expect(e2.message).toBe(
      'Model `chat` failed: provider `p2` returned a server error (HTTP 500): failed calling https://***@api.example.com/v1?key=***&x=1.',
    );
  });
});

describe('router: embeddings', () => {
  it('records input tokens as usage, other counts 0', async () => {
    const s = setup();
    s.p1.script('e1', {
      embed: { model: 'e1', data: [{ index: 0, embedding: [0.1] }], usage: { inputTokens: 4 } },
    });
    const o = newDispatchOutcome();
    const res = await s.router.embed({ model: 'embed', input: ['a b c d'] }, o, signal);
    expect(res.data).toHaveLength(1);
    expect(o).toMatchObject({ provider: 'p1', modelUpstream: 'e1', attempts: 1 });
    expect(o.usage).toEqual({
      inputTokens: 4,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: 0,
      reasoningTokens: 0,
    });
  });
});

describe('router: timeouts and cancellation', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('times out an attempt that never answers → upstream_timeout after retries', async () => {
    vi.useFakeTimers();
    const s = setup({
      models: [{ name: 'chat', retries: 1, timeout_ms: 1000, targets: [{ provider: 'p1', model: 'm1' }] }],
    });
    s.p1.script('m1', { hang: true });
    const o = newDispatchOutcome();
    const p = fails(s.router.chat(chatReq(), o, signal));
    await vi.advanceTimersByTimeAsync(999);
    expect(o.attempts).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(o.attempts).toBe(2);
    await vi.advanceTimersByTimeAsync(1000);
    const e = await p;
    expect([e.code, e.status]).toEqual(['upstream_timeout', 504]);
    expect(e.message).toBe('Model `chat` failed: provider `p1` did not answer in time (2 attempts).');
  });

  it('times out even an adapter that ignores its signal', async () => {
    vi.useFakeTimers();
    const s = setup({
      models: [{ name: 'chat', retries: 0, timeout_ms: 50, targets: [{ provider: 'p1', model: 'm1' }] }],
    });
    s.p1.chat = () => new Promise(() => {});
    const p = fails(s.router.chat(chatReq(), newDispatchOutcome(), signal));
    await vi.advanceTimersByTimeAsync(50);
    expect((await p).code).toBe('upstream_timeout');
  });

  it('takes the timeout from the provider, then routing, when the model sets none', async () => {
    vi.useFakeTimers();
    const s = setup({
      providers: [
        { id: 'p1', kind: 'simulator', timeout_ms: 300 },
        { id: 'p2', kind: 'simulator' },
      ],
      models: [
        { name: 'chat', retries: 0, targets: [{ provider: 'p1', model: 'm1' }] },
        { name: 'other', retries: 0, targets: [{ provider: 'p2', model: 'm2' }] },
      ],
      routing: { timeout_ms: 700 },
    });
    s.p1.script('m1', { hang: true });
    s.p2.script('m2', { hang: true });
    let done1 = false;
    let done2 = false;
    const p1 = fails(s.router.chat(chatReq(), newDispatchOutcome(), signal)).finally(() => {
      done1 = true;
    });
    const p2 = fails(s.router.chat(chatReq('x', { model: 'other' }), newDispatchOutcome(), signal)).finally(
      () => {
        done2 = true;
      },
    );
    await vi.advanceTimersByTimeAsync(300);
    expect([done1, done2]).toEqual([true, false]);
    await vi.advanceTimersByTimeAsync(400);
    expect(done2).toBe(true);
    await Promise.all([p1, p2]);
  });

  it('stops at once when the client goes away, without counting it against the target', async () => {
    const s = setup({
      models: [
        { name: 'chat', targets: [{ provider: 'p1', model: 'm1' }], fallbacks: ['backup'] },
        { name: 'backup', targets: [{ provider: 'p2', model: 'b1' }] },
      ],
      routing: { circuit_breaker: { failure_threshold: 1, cooldown_ms: 10_000 } },
    });
    s.p1.script('m1', { hang: true }, { ok: response('fine') });
    const client = new AbortController();
    const o = newDispatchOutcome();
    const p = fails(s.router.chat(chatReq(), o, fromAbortSignal(client.signal)));
    await Promise.resolve();
    client.abort();
    const e = await p;
    expect(e.message).toContain('cancelled');
    expect(s.calls()).toEqual(['p1/m1']);
    // The circuit (threshold 1) is still closed: the next request reaches m1.
    const res = await s.router.chat(chatReq(), newDispatchOutcome(), signal);
    expect(res.choices[0]!.message.content).toBe('fine');
  });
});
