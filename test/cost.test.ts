import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FakeUpstream } from './fakes/index.js';
import { standardConfig } from './helpers/fixtures.js';
import { setupGateway } from './helpers/gateway.js';
import { eventually, type StartedKeel } from './helpers/keel.js';

// A scripted workload with fixed upstream usage; every cost is computed by hand below from the seed prices
// (langfuse-default-model-prices.json, USD per token) or the config override (USD per 1M tokens).
//   gpt-4o:                     input 2.5e-6, cached input 1.25e-6, output 1e-5
//   claude-sonnet-4-5-20250929: input 3e-6, cache read 3e-7, cache write 3.75e-6, output 1.5e-5
//   text-embedding-3-small:     input 2e-8
//   house-1 (override):         input 1.0/1M, cached 0.5/1M, output 2.0/1M

let oai: FakeUpstream;
let ant: FakeUpstream;
let keel: StartedKeel;
let openai: OpenAI;
let anthropic: Anthropic;

setupGateway(
  (up) => {
    const base = standardConfig(up);
    return {
      ...base,
      models: [
        ...(base.models as unknown[]),
        { name: 'house-1', targets: [{ provider: 'oai', model: 'house-1' }] },
        { name: 'mystery', targets: [{ provider: 'oai', model: 'mystery-model-xyz' }] },
      ],
      pricing: {
        overrides: [{ model: 'house-1', provider: 'oai', input: 1.0, output: 2.0, cached_input: 0.5 }],
      },
    };
  },
  (g) => {
    ({ oai, ant, keel, openai, anthropic } = g);
  },
);

interface Case {
  name: string;
  run: () => Promise<string | null>;
  tokens: { inputTokens: number; cachedInputTokens: number; cacheWriteTokens: number; outputTokens: number };
  cost: number | null;
}

const user = (content: string) => [{ role: 'user' as const, content }];

const CASES: Case[] = [
  {
    name: 'OpenAI chat with cached prompt tokens and reasoning inside completion tokens',
    run: async () => {
      oai.enqueue({ usage: { input: 1000, cached: 400, output: 200, reasoning: 50 } });
      const r = await openai.chat.completions
        .create({ model: 'gpt-4o', messages: user('c1') })
        .withResponse();
      return r.response.headers.get('x-keel-request-id');
    },
    tokens: { inputTokens: 1000, cachedInputTokens: 400, cacheWriteTokens: 0, outputTokens: 200 },
    // 600 uncached + 400 cached + 200 output (reasoning is part of output, not extra)
    cost: 600 * 2.5e-6 + 400 * 1.25e-6 + 200 * 1e-5, // 0.004
  },
  {
    name: 'OpenAI client to Anthropic with cache reads and writes',
    run: async () => {
      ant.enqueue({ usage: { input: 100, cached: 2000, cacheWrite: 500, output: 300 } });
      const r = await openai.chat.completions
        .create({ model: 'claude', messages: user('c2') })
        .withResponse();
      return r.response.headers.get('x-keel-request-id');
    },
    tokens: { inputTokens: 2600, cachedInputTokens: 2000, cacheWriteTokens: 500, outputTokens: 300 },
    cost: 100 * 3e-6 + 2000 * 3e-7 + 500 * 3.75e-6 + 300 * 1.5e-5, // 0.007275
  },
  {
    name: 'OpenAI stream with include_usage',
    run: async () => {
      oai.enqueue({ usage: { input: 50, output: 20 } });
      const r = await openai.chat.completions
        .create({
          model: 'gpt-4o',
          messages: user('c3'),
          stream: true,
          stream_options: { include_usage: true },
        })
        .withResponse();
      for await (const _ of r.data) {
        // drain
      }
      return r.response.headers.get('x-keel-request-id');
    },
    tokens: { inputTokens: 50, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 20 },
    cost: 50 * 2.5e-6 + 20 * 1e-5, // 0.000325
  },
  {
    name: 'Anthropic stream with cache reads',
    run: async () => {
      ant.enqueue({ usage: { input: 10, cached: 1000, output: 40 } });
      const s = anthropic.messages.stream({ model: 'claude', max_tokens: 100, messages: user('c4') });
      await s.finalMessage();
      const res = await s.withResponse();
      return res.response.headers.get('x-keel-request-id');
    },
    tokens: { inputTokens: 1010, cachedInputTokens: 1000, cacheWriteTokens: 0, outputTokens: 40 },
    cost: 10 * 3e-6 + 1000 * 3e-7 + 40 * 1.5e-5, // 0.00093
  },
  {
    name: 'Anthropic stream in the older format (input and cache counts only in message_start)',
    run: async () => {
      ant.enqueue({
        usage: { input: 10, cached: 1000, cacheWrite: 200, output: 40 },
        deltaUsageOutputOnly: true,
      });
      const r = await openai.chat.completions
        .create({
          model: 'claude',
          messages: user('c4b'),
          stream: true,
          stream_options: { include_usage: true },
        })
        .withResponse();
      for await (const _ of r.data) {
        // drain
      }
      return r.response.headers.get('x-keel-request-id');
    },
    tokens: { inputTokens: 1210, cachedInputTokens: 1000, cacheWriteTokens: 200, outputTokens: 40 },
    cost: 10 * 3e-6 + 1000 * 3e-7 + 200 * 3.75e-6 + 40 * 1.5e-5, // 0.00168
  },
  {
    name: 'Anthropic client to OpenAI with cached tokens',
    run: async () => {
      oai.enqueue({ usage: { input: 800, cached: 300, output: 100 } });
      const r = await anthropic.messages
        .create({ model: 'gpt-4o', max_tokens: 100, messages: user('c5') })
        .withResponse();
      return r.response.headers.get('x-keel-request-id');
    },
    tokens: { inputTokens: 800, cachedInputTokens: 300, cacheWriteTokens: 0, outputTokens: 100 },
    cost: 500 * 2.5e-6 + 300 * 1.25e-6 + 100 * 1e-5, // 0.002625
  },
  {
    name: 'config price override',
    run: async () => {
      oai.enqueue({ usage: { input: 3000, cached: 1000, output: 500 } });
      const r = await openai.chat.completions
        .create({ model: 'house-1', messages: user('c6') })
        .withResponse();
      return r.response.headers.get('x-keel-request-id');
    },
    tokens: { inputTokens: 3000, cachedInputTokens: 1000, cacheWriteTokens: 0, outputTokens: 500 },
    cost: (2000 * 1.0 + 1000 * 0.5 + 500 * 2.0) / 1e6, // 0.0035
  },
  {
    name: 'embeddings',
    run: async () => {
      oai.enqueue({ usage: { input: 1500 } });
      const r = await openai.embeddings
        .create({ model: 'text-embedding-3-small', input: ['e1', 'e2'] })
        .withResponse();
      return r.response.headers.get('x-keel-request-id');
    },
    tokens: { inputTokens: 1500, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 0 },
    cost: 1500 * 2e-8, // 0.00003
  },
  {
    name: 'a model with no price',
    run: async () => {
      oai.enqueue({ usage: { input: 70, output: 30 } });
      const r = await openai.chat.completions
        .create({ model: 'mystery', messages: user('c7') })
        .withResponse();
      return r.response.headers.get('x-keel-request-id');
    },
    tokens: { inputTokens: 70, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 30 },
    cost: null,
  },
];

describe('cost of a scripted workload', () => {
  const results = new Map<string, string | null>();

  beforeAll(async () => {
    for (const c of CASES) results.set(c.name, await c.run());
    await keel.app.services.usage.flush();
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const row = await eventually(() => keel.usageFor(results.get(c.name)));
      expect(row).toMatchObject({ ...c.tokens, status: 200, tokensEstimated: false });
      if (c.cost === null) {
        expect(row.costUsd).toBeNull();
        expect(row.priceVersion).toBeNull();
      } else {
        expect(row.costUsd).not.toBeNull();
        expect(Math.abs((row.costUsd ?? Number.NaN) - c.cost)).toBeLessThan(1e-12);
        expect(row.priceVersion).toBeTruthy();
      }
    });
  }

  it('adds up to the hand-computed total, leaving the unpriced call out', async () => {
    const rows = await keel.usage();
    const priced = rows.filter((r) => r.costUsd !== null);
    const total = priced.reduce((s, r) => s + (r.costUsd ?? 0), 0);
    expect(Math.abs(total - 0.020365)).toBeLessThan(1e-12);
    expect(rows.filter((r) => r.costUsd === null)).toHaveLength(1);
  });
});

describe('attribution', () => {
  it('takes use case, team, user, feature and trace id from x-keel-* headers', async () => {
    const r = await openai.chat.completions
      .create(
        { model: 'gpt-4o', messages: user('attributed') },
        {
          headers: {
            'x-keel-use-case': 'support-bot',
            'x-keel-team': 'cx',
            'x-keel-user': 'u-42',
            'x-keel-feature': 'summarize',
            'x-keel-trace-id': 'trace-abc-123',
          },
        },
      )
      .withResponse();
    const row = await keel.usageFor(r.response.headers.get('x-keel-request-id'));
    expect(row).toMatchObject({
      useCase: 'support-bot',
      team: 'cx',
      userId: 'u-42',
      feature: 'summarize',
      traceId: 'trace-abc-123',
    });
  });

  it('takes the user from the OpenAI `user` field', async () => {
    const r = await openai.chat.completions
      .create({ model: 'gpt-4o', messages: user('who'), user: 'end-user-7' })
      .withResponse();
    const row = await keel.usageFor(r.response.headers.get('x-keel-request-id'));
    expect(row.userId).toBe('end-user-7');
    expect(typeof row.useCase).toBe('string');
    expect(row.team).toBeNull();
  });

  it('attributes Anthropic-shaped calls from the same headers', async () => {
    const r = await anthropic.messages
      .create(
        { model: 'claude', max_tokens: 10, messages: user('hi') },
        { headers: { 'x-keel-use-case': 'drafting', 'x-keel-feature': 'reply' } },
      )
      .withResponse();
    const row = await keel.usageFor(r.response.headers.get('x-keel-request-id'));
    expect(row).toMatchObject({ useCase: 'drafting', feature: 'reply', apiShape: 'anthropic' });
  });
});

describe('estimation', () => {
  it('estimates and marks tokens when the provider reports no usage', async () => {
    oai.enqueue({ omitUsage: true, text: 'A fairly short answer with several words in it.' });
    const r = await openai.chat.completions
      .create({ model: 'gpt-4o', messages: user('Please estimate the tokens of this prompt for me.') })
      .withResponse();
    const row = await keel.usageFor(r.response.headers.get('x-keel-request-id'));
    expect(row.tokensEstimated).toBe(true);
    expect(row.inputTokens).toBeGreaterThan(5);
    expect(row.outputTokens).toBeGreaterThan(5);
    expect(row.costUsd).toBeGreaterThan(0);
  });

  it('estimates a stream whose upstream sent no usage chunk', async () => {
    oai.enqueue({ omitUsage: true, text: 'Streamed words without any usage chunk at the end.' });
    const r = await openai.chat.completions
      .create({ model: 'gpt-4o', messages: user('stream, no usage'), stream: true })
      .withResponse();
    for await (const _ of r.data) {
      // drain
    }
    const row = await eventually(() => keel.usageFor(r.response.headers.get('x-keel-request-id')));
    expect(row.tokensEstimated).toBe(true);
    expect(row.outputTokens).toBeGreaterThan(5);
  });
});
