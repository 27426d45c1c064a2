import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { KeyInput } from '../src/access/store.js';
import type { FakeUpstream } from './fakes/index.js';
import { obj, openaiClient, standardConfig } from './helpers/fixtures.js';
import { setupGateway } from './helpers/gateway.js';
import type { StartedKeel } from './helpers/keel.js';

// Budgets and rate limits hold before the call: the call that would cross a limit is refused with
// no upstream spend, and concurrent calls cannot jointly overspend.

// $1 per 1M input tokens, $10 per 1M output tokens: easy arithmetic.
const PRICES = { overrides: [{ model: 'gpt-4o', provider: 'oai', input: 1, output: 10 }] };
const PROMPT = { role: 'user', content: 'hello' };

let oai: FakeUpstream;
let keel: StartedKeel;

setupGateway(
  (up) =>
    standardConfig(up, {
      pricing: PRICES,
      budgets: [{ scope: 'use_case', id: 'capped', usd: 0.002, period: 'month' }],
    }),
  (g) => {
    ({ oai, keel } = g);
  },
);

async function newKey(input: Partial<KeyInput>): Promise<string> {
  return (await keel.app.services.keys.create({ name: 'limits', models: ['*'], ...input }, 'test')).secret;
}

async function post(secret: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await fetch(`${keel.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}`, ...headers },
    body: JSON.stringify({ model: 'gpt-4o', messages: [PROMPT], ...body }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: JSON.parse(text) as Record<string, unknown> };
}

describe('rate limits', () => {
  it('RPM: the request over the limit gets 429 with retry-after and x-ratelimit headers', async () => {
    const secret = await newKey({ rpm: 3 });
    for (let i = 0; i < 3; i++) {
      const ok = await post(secret, {});
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-ratelimit-limit-requests')).toBe('3');
      expect(ok.headers.get('x-ratelimit-remaining-requests')).toBe(String(2 - i));
    }
    const r = await post(secret, {});
    expect(r.status).toBe(429);
    expect(obj(r.body.error)).toMatchObject({ code: 'rate_limit_exceeded', type: 'rate_limit_error' });
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(r.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(oai.requests).toHaveLength(3);
    const err = await openaiClient(keel.url, secret)
      .chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
  });

  it('TPM counts the tokens actually used', async () => {
    const secret = await newKey({ tpm: 50 });
    oai.enqueue({ usage: { input: 8, output: 100 } });
    expect((await post(secret, { max_tokens: 100 })).status).toBe(200);
    const r = await post(secret, { max_tokens: 100 });
    expect(r.status).toBe(429);
    expect(String(obj(r.body.error).message)).toContain('tokens per minute');
  });
});

describe('budgets', () => {
  it('50 concurrent calls cannot overspend a key budget', async () => {
    // Each call reserves its maximum, ~8 input + 100 output tokens ≈ $0.001008, and really costs
    // 8 input + 60 output = $0.000608. A budget of $0.0105 holds 10 reservations at a time.
    const budget = 0.0105;
    const secret = await newKey({ budgetUsd: budget, budgetPeriod: 'month' });
    for (let i = 0; i < 60; i++)
      oai.enqueue({ usage: { input: 8, output: 60 }, chunkDelayMs: 0, delayMs: 20 });
    const results = await Promise.all(Array.from({ length: 50 }, () => post(secret, { max_tokens: 100 })));
    const ok = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 402);
    expect(ok.length + refused.length).toBe(50);
    for (const r of refused) expect(obj(r.body.error).code).toBe('budget_exceeded');
    expect(ok.length).toBeGreaterThan(0);
    // Reservations free up as calls settle, so more than 10 can succeed over the burst — but never
    // more than the budget pays for at the actual price.
    expect(ok.length).toBeLessThanOrEqual(Math.floor(budget / 0.000608));
    // Refused calls never reached the upstream.
    expect(oai.requests).toHaveLength(ok.length);
    const okIds = new Set(ok.map((o) => o.headers.get('x-keel-request-id')));
    const spent = (await keel.usage())
      .filter((r) => okIds.has(r.requestId))
      .reduce((a, r) => a + (r.costUsd ?? 0), 0);
    expect(spent).toBeCloseTo(ok.length * 0.000608, 12);
    const oneCallEstimationError = 0.001008 - 0.000608;
    expect(spent).toBeLessThanOrEqual(budget + oneCallEstimationError);

    // Settlement released the unused part of each reservation: one more call fits exactly when
    // what is left of the budget covers its maximum cost.
    const after = await post(secret, { max_tokens: 100 });
    expect(after.status).toBe(budget - spent >= 0.001008 ? 200 : 402);
  });

  it('a use-case budget from config applies to every key booking to it', async () => {
    const secret = await newKey({});
    const h = { 'x-keel-use-case': 'capped' };
    oai.enqueue({ usage: { input: 8, output: 60 } }, { usage: { input: 8, output: 60 } });
    expect((await post(secret, { max_tokens: 100 }, h)).status).toBe(200);
    expect((await post(secret, { max_tokens: 100 }, h)).status).toBe(200);
    const r = await post(secret, { max_tokens: 100 }, h);
    expect(r.status).toBe(402);
    expect(String(obj(r.body.error).message)).toContain('use case `capped`');
    // Other use cases are not affected.
    expect((await post(secret, { max_tokens: 100 }, { 'x-keel-use-case': 'free' })).status).toBe(200);
  });
});
