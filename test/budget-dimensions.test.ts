import { describe, expect, it } from 'vitest';
import type { KeyInput } from '../src/access/store.js';
import { countTextTokens, IMAGE_TOKENS_MAX } from '../src/value/tokens.js';
import type { FakeUpstream } from './fakes/index.js';
import { obj, standardConfig } from './helpers/fixtures.js';
import { setupGateway } from './helpers/gateway.js';
import type { StartedKeel } from './helpers/keel.js';

// Budgets and the key's max_tokens count everything a call can cost: every choice, tool
// definitions and results, reasoning at its own rate, images at their largest, every item of an
// embeddings array. Each refusal happens before the upstream is called.

// USD per 1M tokens: input $1, output $10 (reasoning $40 for o3): easy arithmetic.
const PRICES = {
  overrides: [
    { model: 'gpt-4o', provider: 'oai', input: 1, output: 10 },
    { model: 'o3', provider: 'oai', input: 1, output: 10, reasoning: 40 },
    { model: 'text-embedding-3-small', provider: 'oai', input: 1, output: 0 },
    { model: 'claude-sonnet-4-5-20250929', provider: 'ant', input: 1, output: 10 },
  ],
};
const DEFAULT_MAX_OUTPUT = 200;
const PROMPT = { role: 'user', content: 'hello' };

let oai: FakeUpstream;
let ant: FakeUpstream;
let keel: StartedKeel;

setupGateway(
  (up) => {
    const base = standardConfig(up);
    return {
      ...base,
      models: [...(base.models as unknown[]), { name: 'o3', targets: [{ provider: 'oai', model: 'o3' }] }],
      pricing: PRICES,
      access: { default_max_output_tokens: DEFAULT_MAX_OUTPUT },
    };
  },
  (g) => {
    ({ oai, ant, keel } = g);
  },
);

async function newKey(input: Partial<KeyInput>): Promise<string> {
  return (await keel.app.services.keys.create({ name: 'dims', models: ['*'], ...input }, 'test')).secret;
}

/** A key whose total budget is `usd`. */
const budgetKey = (usd: number) => newKey({ budgetUsd: usd, budgetPeriod: 'total' });

async function call(path: string, secret: string, body: Record<string, unknown>) {
  const res = await fetch(`${keel.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  return {
    status: res.status,
    id: res.headers.get('x-keel-request-id'),
    capped: res.headers.get('x-keel-max-tokens-capped'),
    body: json,
  };
}

const chat = (secret: string, body: Record<string, unknown>) =>
  call('/v1/chat/completions', secret, { model: 'gpt-4o', messages: [PROMPT], ...body });

function errorOf(r: { body: Record<string, unknown> }) {
  return obj(r.body.error);
}

describe('n: every choice is reserved', () => {
  it('a key with a $0.05 budget sending n=128 is refused before the upstream is called', async () => {
    const secret = await budgetKey(0.05);
    // 128 × 100 output tokens × $10/1M = $0.128 for the output alone.
    const r = await chat(secret, { n: 128, max_tokens: 100 });
    expect(r.status).toBe(402);
    expect(errorOf(r).code).toBe('budget_exceeded');
    expect(String(errorOf(r).message)).toMatch(/could cost up to \$0\.128/);
    // No max_tokens: 128 × the default.
    expect((await chat(secret, { n: 128 })).status).toBe(402);
    expect(oai.requests).toHaveLength(0);

    // The refusals reserved nothing: n=4 (4 × 100 × $10/1M = $0.004) still fits the whole budget.
    const ok = await chat(secret, { n: 4, max_tokens: 100 });
    expect(ok.status).toBe(200);
    expect(oai.requests).toHaveLength(1);
    expect(obj(oai.last().body).n).toBe(4);
  });

  it('n beyond 128 is a 400 naming the parameter, before any upstream call', async () => {
    const secret = await newKey({});
    const r = await chat(secret, { n: 129, max_tokens: 1 });
    expect(r.status).toBe(400);
    expect(errorOf(r)).toMatchObject({ code: 'invalid_request', param: 'n' });
    expect(oai.requests).toHaveLength(0);
  });

  it('settlement bills the output of every choice when the provider reports no usage', async () => {
    const secret = await newKey({});
    oai.enqueue({ omitUsage: true, text: 'one two three' });
    const r = await chat(secret, { n: 3, max_tokens: 50 });
    expect(r.status).toBe(200);
    const row = await keel.usageFor(r.id);
    const texts = ['one two three', 'one two three (1)', 'one two three (2)'];
    expect(row.tokensEstimated).toBe(true);
    expect(row.outputTokens).toBe(countTextTokens(texts.join('')));
  });
});

describe("the key's max_tokens caps output across choices", () => {
  it('a key capped at max_tokens 100 never gets more than 100 output tokens, whatever n', async () => {
    const secret = await newKey({ maxTokens: 100 });
    // n × max_tokens over the cap: each choice is capped to cap / n and the response says so.
    for (const [body, sent] of [
      [{ n: 128, max_tokens: 100 }, 0],
      [{ n: 2, max_tokens: 51 }, 50],
      [{ n: 1, max_tokens: 128_000 }, 100],
    ] as const) {
      oai.reset();
      const r = await chat(secret, body);
      if (sent === 0) {
        // 128 choices cannot each have a whole token under a cap of 100.
        expect(r.status).toBe(403);
        expect(errorOf(r)).toMatchObject({ code: 'permission_denied', param: 'n' });
        expect(oai.requests).toHaveLength(0);
        continue;
      }
      expect(r.status).toBe(200);
      expect(r.capped).toBe(`${sent}; requested=${body.max_tokens}; by=key`);
      expect(obj(oai.last().body).max_completion_tokens).toBe(sent);
    }
    // No max_tokens: the cap per choice is sent, silently.
    const r = await chat(secret, { n: 3 });
    expect(r.capped).toBeNull();
    expect(obj(oai.last().body)).toMatchObject({ n: 3, max_completion_tokens: 33 });
  });
});

describe('tools: definitions and results are input', () => {
  // Output: 10 tokens × $10/1M = $0.0001; every input token $1/1M.
  const BUDGET = 0.001;
  const big = 'word '.repeat(2000); // ~2,000 tokens = $0.002 on its own

  it('large tool definitions push a call over the budget', async () => {
    const secret = await newKey({ budgetUsd: BUDGET, budgetPeriod: 'total', tools: ['lookup'] });
    const tool = {
      type: 'function',
      function: { name: 'lookup', description: big, parameters: { type: 'object', properties: {} } },
    };
    const r = await chat(secret, { max_tokens: 10, tools: [tool] });
    expect(r.status).toBe(402);
    expect(errorOf(r).code).toBe('budget_exceeded');
    expect(oai.requests).toHaveLength(0);
    expect((await chat(secret, { max_tokens: 10 })).status).toBe(200);
  });

  it('large tool results push a call over the budget', async () => {
    const secret = await budgetKey(BUDGET);
    const messages = [
      PROMPT,
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'lookup', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'c1', content: big },
    ];
    const r = await chat(secret, { max_tokens: 10, messages });
    expect(r.status).toBe(402);
    expect(oai.requests).toHaveLength(0);
  });
});

describe('reasoning: output is reserved at the reasoning rate and bounded upstream', () => {
  it('lowers max_tokens to what the budget pays at the reasoning rate, never more', async () => {
    // 1,000 output tokens: $0.01 at $10/1M, $0.04 at $40/1M. The $0.03 budget pays for fewer than
    // 750 at $40/1M after the input: the call is served with that max_completion_tokens, so even an
    // answer that is all reasoning and uses every token stays within the budget.
    const secret = await budgetKey(0.03);
    oai.enqueue({ usage: { input: 8, output: 700, reasoning: 700 } });
    const r = await call('/v1/chat/completions', secret, {
      model: 'o3',
      messages: [PROMPT],
      max_completion_tokens: 1000,
    });
    expect(r.status).toBe(200);
    const sent = Number(obj(oai.last().body).max_completion_tokens);
    expect(sent).toBeGreaterThan(700);
    expect(sent).toBeLessThan(750);
    expect(r.capped).toBe(`${sent}; requested=1000; by=budget`);
    expect(sent * 40e-6).toBeLessThanOrEqual(0.03);

    // Below budget_min_output_tokens (256) of room, the call is refused instead.
    const small = await budgetKey(0.01);
    oai.reset();
    const refused = await call('/v1/chat/completions', small, {
      model: 'o3',
      messages: [PROMPT],
      max_completion_tokens: 1000,
    });
    expect(refused.status).toBe(402);
    expect(errorOf(refused)).toMatchObject({ code: 'budget_exceeded', type: 'insufficient_quota' });
    expect(oai.requests).toHaveLength(0);
  });

  it('a budgeted call without max_tokens sends the default it reserved for', async () => {
    const secret = await budgetKey(1);
    oai.enqueue({ usage: { input: 10, output: 150, reasoning: 100 } });
    const r = await call('/v1/chat/completions', secret, { model: 'o3', messages: [PROMPT] });
    expect(r.status).toBe(200);
    expect(obj(oai.last().body).max_completion_tokens).toBe(DEFAULT_MAX_OUTPUT);
    // Settlement: 10 input + 50 answer tokens at the output rate + 100 reasoning tokens at $40/1M.
    const row = await keel.usageFor(r.id);
    expect(row).toMatchObject({ outputTokens: 150, reasoningTokens: 100 });
    expect(row.costUsd).toBeCloseTo(10e-6 + 50 * 10e-6 + 100 * 40e-6, 12);

    // Without a budget nothing was reserved, and the request is passed on as the client sent it.
    const free = await newKey({});
    expect((await call('/v1/chat/completions', free, { model: 'o3', messages: [PROMPT] })).status).toBe(200);
    expect(obj(oai.last().body)).not.toHaveProperty('max_completion_tokens');
  });

  it('Anthropic: thinking lives inside max_tokens, which is what is reserved', async () => {
    // 2,000 × $10/1M = $0.02 > $0.01, whatever part of it a thinking budget would take.
    const secret = await budgetKey(0.01);
    const body = {
      model: 'claude',
      max_tokens: 2000,
      thinking: { type: 'enabled', budget_tokens: 1500 },
      messages: [PROMPT],
    };
    const r = await call('/v1/messages', secret, body);
    expect(r.status).toBe(402);
    expect(obj(r.body.error).type).toBe('billing_error');
    expect(ant.requests).toHaveLength(0);
    expect((await call('/v1/messages', secret, { ...body, max_tokens: 500 })).status).toBe(200);
    expect(obj(ant.last().body).max_tokens).toBe(500);
  });
});

describe('images and audio', () => {
  const image = (i: number) => ({
    type: 'image_url',
    image_url: { url: `https://example.com/${i}.png`, detail: 'low' },
  });

  it('every image is reserved at its largest size, whatever its detail', async () => {
    // Three images: 3 × 1,600 tokens = $0.0048 reserved (3 × 85 low-detail tokens would be $0.0003).
    expect(IMAGE_TOKENS_MAX).toBe(1600);
    const secret = await budgetKey(0.004);
    const messages = [
      { role: 'user', content: [{ type: 'text', text: 'look' }, image(1), image(2), image(3)] },
    ];
    const r = await chat(secret, { max_tokens: 10, messages });
    expect(r.status).toBe(402);
    expect(oai.requests).toHaveLength(0);
    const two = [{ role: 'user', content: [{ type: 'text', text: 'look' }, image(1), image(2)] }];
    expect((await chat(secret, { max_tokens: 10, messages: two })).status).toBe(200);
  });

  it('audio input, which the price table does not price, is refused before the upstream', async () => {
    const secret = await budgetKey(1);
    const audio = { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } };
    const r = await chat(secret, { messages: [{ role: 'user', content: [audio] }] });
    expect(r.status).toBe(400);
    expect(oai.requests).toHaveLength(0);
  });
});

describe('embeddings: every item of an array input is reserved', () => {
  // $1 per 1M input tokens: a $0.0005 budget holds 500 tokens.
  const embed = (secret: string, input: unknown) =>
    call('/v1/embeddings', secret, { model: 'text-embedding-3-small', input });

  it('refuses arrays over the budget, of strings or of token ids', async () => {
    const secret = await budgetKey(0.0005);
    const strings = await embed(secret, Array(400).fill('hello world')); // 800 tokens
    expect(strings.status).toBe(402);
    expect(errorOf(strings).code).toBe('budget_exceeded');
    const ids = await embed(secret, [Array(300).fill(1), Array(300).fill(2)]); // 600 tokens
    expect(ids.status).toBe(402);
    expect(oai.requests).toHaveLength(0);
    expect((await embed(secret, Array(100).fill('hello world'))).status).toBe(200);
  });
});
