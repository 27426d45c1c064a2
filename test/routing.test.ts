import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { FakeUpstream } from './fakes/index.js';
import { openaiClient } from './helpers/fixtures.js';
import { setupGateway } from './helpers/gateway.js';
import { eventually, type StartedKeel, startKeel } from './helpers/keel.js';
import { routingConfig } from './helpers/routing-config.js';

// Retries, fallbacks, timeouts, the response cache and the circuit breaker, seen from the openai SDK.

let oai: FakeUpstream;
let ant: FakeUpstream;
let keel: StartedKeel;
let client: OpenAI;

setupGateway(routingConfig, (g) => ({ oai, ant, keel, openai: client } = g));

const ask = (model: string, content: string) =>
  client.chat.completions.create({ model, messages: [{ role: 'user', content }] }).withResponse();

describe('retries and fallbacks', () => {
  it('retries a 429 after the upstream’s retry-after', async () => {
    oai.enqueue({ status: 429, retryAfter: 1 });
    const t0 = Date.now();
    const { data, response } = await ask('gpt-4o', 'retry me');
    const elapsed = Date.now() - t0;
    expect(data.choices[0]?.message.content).toBe('Echo: retry me');
    expect(oai.requests).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(950);
    const row = await keel.usageFor(response.headers.get('x-keel-request-id'));
    expect(row).toMatchObject({ status: 200, attempts: 2, fallbacks: [], provider: 'oai', errorCode: null });
  });

  it('falls back to the next model when the primary target returns 500', async () => {
    oai.enqueue({ status: 500 });
    const { data, response } = await ask('primary', 'fall back please');
    expect(data.choices[0]?.message.content).toBe('Echo: fall back please');
    expect(oai.requests).toHaveLength(1);
    expect(ant.requests).toHaveLength(1);
    const row = await keel.usageFor(response.headers.get('x-keel-request-id'));
    expect(row).toMatchObject({
      status: 200,
      modelRequested: 'primary',
      provider: 'ant',
      modelUpstream: 'claude-sonnet-4-5-20250929',
      fallbacks: ['backup'],
      attempts: 2,
    });
  });

  it('neither retries nor falls back on a 400 the request caused', async () => {
    oai.enqueue({ status: 400, message: "Invalid value for 'temperature'." });
    const err = await ask('primary', 'bad request').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const e = err as InstanceType<typeof OpenAI.BadRequestError>;
    expect(e.status).toBe(400);
    expect(e.code).toBe('upstream_bad_request');
    expect(oai.requests).toHaveLength(1);
    expect(ant.requests).toHaveLength(0);

    oai.enqueue({ status: 400 });
    await expect(ask('gpt-4o', 'bad again')).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    expect(oai.requests).toHaveLength(2); // one each: the retrying model did not retry

    const row = await keel.usageFor(e.headers.get('x-keel-request-id'));
    expect(row).toMatchObject({ status: 400, errorCode: 'upstream_bad_request', attempts: 1, fallbacks: [] });
  });

  it('returns the upstream error when every target failed', async () => {
    oai.enqueue({ status: 503 }, { status: 503 });
    const err = await ask('gpt-4o', 'all down').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    const e = err as InstanceType<typeof OpenAI.APIError>;
    expect(e.status).toBeGreaterThanOrEqual(500);
    expect(oai.requests).toHaveLength(2); // first try + routing.retries.max = 1
    const row = await keel.usageFor(e.headers?.get('x-keel-request-id'));
    expect(row.status).toBe(e.status);
    expect(row.errorCode).toMatch(/^upstream_/);
    expect(row.attempts).toBe(2);
  });

  it('passes an exhausted upstream 429 on as 429 in both API shapes', async () => {
    oai.enqueue({ status: 429, retryAfter: 0 }, { status: 429, retryAfter: 0 });
    const err = await ask('gpt-4o', 'limited').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('upstream_rate_limited');

    oai.enqueue({ status: 429, retryAfter: 0 }, { status: 429, retryAfter: 0 });
    const res = await fetch(`${keel.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt-4o',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'limited' }],
      }),
    });
    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  });

  // An absurd retry-after (no sleep, no hammering, what the client is told): test/faults/retry-after.test.ts

  it('reports the failure when the fallback fails too', async () => {
    oai.enqueue({ status: 500 });
    ant.enqueue({ status: 529 });
    const err = await ask('primary', 'all fail').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    const e = err as InstanceType<typeof OpenAI.APIError>;
    expect(e.status).toBeGreaterThanOrEqual(500);
    const row = await keel.usageFor(e.headers?.get('x-keel-request-id'));
    expect(row).toMatchObject({ status: e.status, fallbacks: ['backup'], attempts: 2 });
  });

  it('cancels the upstream call when the client gives up', async () => {
    oai.enqueue({ delayMs: 3000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 150);
    await expect(
      client.chat.completions.create(
        { model: 'gpt-4o', messages: [{ role: 'user', content: 'never mind' }] },
        { signal: ac.signal },
      ),
    ).rejects.toThrow();
    await eventually(async () => expect(oai.aborted).toBe(1));
    expect(oai.requests).toHaveLength(1); // not retried on the client's behalf
  });

  it('falls back when the primary times out', async () => {
    oai.enqueue({ delayMs: 5000 });
    const t0 = Date.now();
    const { data, response } = await ask('slow', 'too slow');
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(data.choices[0]?.message.content).toBe('Echo: too slow');
    const row = await keel.usageFor(response.headers.get('x-keel-request-id'));
    expect(row).toMatchObject({ status: 200, provider: 'ant', fallbacks: ['backup'] });
  });

  it('falls back when the primary resets the connection', async () => {
    oai.enqueue({ destroy: true });
    const { data } = await ask('primary', 'reset');
    expect(data.choices[0]?.message.content).toBe('Echo: reset');
    expect(ant.requests).toHaveLength(1);
  });
});

describe('load balancing', () => {
  it('splits traffic by target weight (3:1)', async () => {
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(Array.from({ length: 20 }, (_, i) => ask('balanced', `lb ${batch}-${i}`)));
    }
    expect(oai.requests.length + ant.requests.length).toBe(200);
    const share = oai.requests.length / 200;
    expect(share).toBeGreaterThan(0.6);
    expect(share).toBeLessThan(0.9);
  });
});

describe('response cache', () => {
  it('serves the second identical request from cache', async () => {
    const a = await ask('cached', 'cache me');
    const b = await ask('cached', 'cache me');
    expect(oai.requests).toHaveLength(1);
    expect(b.data.choices[0]?.message.content).toBe(a.data.choices[0]?.message.content);
    const rowA = await keel.usageFor(a.response.headers.get('x-keel-request-id'));
    const rowB = await keel.usageFor(b.response.headers.get('x-keel-request-id'));
    expect(rowA.cacheHit).toBe(false);
    expect(rowB.cacheHit).toBe(true);
    // a cache hit spent nothing upstream
    expect(rowB.attempts).toBe(0);
    expect(rowB.costUsd).toBe(0);
    expect(rowB.status).toBe(200);
    expect(a.response.headers.get('x-keel-request-id')).not.toBe(b.response.headers.get('x-keel-request-id'));

    await ask('cached', 'something else');
    expect(oai.requests).toHaveLength(2);
  });

  it('keys the cache on every parameter, not just the messages', async () => {
    const body = { model: 'cached', messages: [{ role: 'user' as const, content: 'params' }] };
    await client.chat.completions.create({ ...body, temperature: 0 });
    await client.chat.completions.create({ ...body, temperature: 1 });
    await client.chat.completions.create({ ...body, temperature: 1, max_tokens: 5 });
    await client.chat.completions.create({ ...body, temperature: 1, max_tokens: 5 });
    expect(oai.requests).toHaveLength(3);
  });

  it('never caches an error', async () => {
    oai.enqueue({ status: 500 }, { status: 500 });
    await expect(ask('cached', 'flaky')).rejects.toBeInstanceOf(OpenAI.APIError);
    const { data } = await ask('cached', 'flaky');
    expect(data.choices[0]?.message.content).toBe('Echo: flaky');
  });

  it('does not cache models without a TTL', async () => {
    await ask('gpt-4o', 'not cached');
    await ask('gpt-4o', 'not cached');
    expect(oai.requests).toHaveLength(2);
  });
});

describe('circuit breaker', () => {
  it('is not opened by requests that fail because of the client', async () => {
    const own = await startKeel(
      routingConfig(
        { openai: oai, anthropic: ant },
        {
          routing: {
            retries: { max: 0, base_delay_ms: 5, max_delay_ms: 100 },
            circuit_breaker: { failure_threshold: 2, cooldown_ms: 60_000 },
          },
        },
      ),
    );
    try {
      // parseable, but too deep for Keel to re-serialise upstream: the request's fault, not gpt-4o's
      const nested = `${'['.repeat(5000)}${']'.repeat(5000)}`;
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${own.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: `{"model":"gpt-4o","messages":[{"role":"user","content":"x"}],"extra":${nested}}`,
        });
        await res.body?.cancel();
        expect(res.status).toBeLessThan(500);
      }
      oai.enqueue({ status: 400 }, { status: 400 }, { status: 400 });
      for (let i = 0; i < 3; i++) {
        await expect(
          openaiClient(own.url).chat.completions.create({
            model: 'gpt-4o',
            messages: [{ role: 'user', content: 'b' }],
          }),
        ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
      }
      const r = await openaiClient(own.url).chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'innocent' }],
      });
      expect(r.choices[0]?.message.content).toBe('Echo: innocent');
    } finally {
      await own.close();
    }
  });

  it('takes a failing target out, so later calls go straight to the fallback', async () => {
    const own = await startKeel(
      routingConfig(
        { openai: oai, anthropic: ant },
        {
          routing: {
            retries: { max: 0, base_delay_ms: 5, max_delay_ms: 100 },
            circuit_breaker: { failure_threshold: 2, cooldown_ms: 60_000 },
          },
        },
      ),
    );
    try {
      const c = openaiClient(own.url);
      oai.enqueue({ status: 500 }, { status: 500 }, { status: 500 });
      for (let i = 0; i < 3; i++) {
        const r = await c.chat.completions.create({
          model: 'primary',
          messages: [{ role: 'user', content: `cb ${i}` }],
        });
        expect(r.choices[0]?.message.content).toBe(`Echo: cb ${i}`);
      }
      expect(oai.requests).toHaveLength(2);
      expect(ant.requests).toHaveLength(3);
    } finally {
      await own.close();
    }
  });
});
