import { describe, expect, it } from 'vitest';
import type { Usage } from '../../canonical/types.js';
import { computeCost, createPriceBook } from './price-book.js';
import type { PriceSeed } from './seed.js';

function usage(u: Partial<Usage>): Usage {
  return {
    inputTokens: 0,
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    ...u,
  };
}

const NOW = Date.parse('2026-11-27T12:00:00Z');

describe('price book with the bundled seed', () => {
  const book = createPriceBook();

  it('loads the shipped table', () => {
    expect(book.versions).toEqual(['2026-11-26']);
    expect(book.lookup('any', 'gpt-4o', NOW)).toEqual({
      version: '2026-11-26',
      price: { input: 2.5e-6, output: 10e-6, cachedInput: 1.25e-6, cacheWrite: 2.5e-6, reasoning: 10e-6 },
    });
  });

  it('prices an OpenAI call with cached prompt tokens (cached counted inside input)', () => {
    const q = book.quote(
      'openai',
      'gpt-4o',
      usage({ inputTokens: 1000, cachedInputTokens: 400, outputTokens: 200 }),
      NOW,
    );
    // 600 × 2.5e-6 + 400 × 1.25e-6 + 200 × 10e-6
    expect(q.costUsd).toBeCloseTo(0.0015 + 0.0005 + 0.002, 15);
    expect(q.costUsd).toBe(0.004);
    expect(q.priceVersion).toBe('2026-11-26');
  });

  it('prices an Anthropic call with cache reads and cache writes', () => {
    // Anthropic reported input_tokens 500, cache_read 2000, cache_creation 1000: canonical input is 3500.
    const u = usage({
      inputTokens: 3500,
      cachedInputTokens: 2000,
      cacheWriteTokens: 1000,
      outputTokens: 300,
    });
    const q = book.quote('anthropic', 'claude-sonnet-4-5', u, NOW);
    // 500 × 3e-6 + 2000 × 0.3e-6 + 1000 × 3.75e-6 + 300 × 15e-6
    expect(q.costUsd).toBe(0.01035);
    expect(book.quote('anthropic', 'claude-sonnet-4-5-20250929', u, NOW).costUsd).toBe(0.01035);
  });

  it('prices reasoning tokens inside output tokens', () => {
    const u = usage({
      inputTokens: 2000,
      cachedInputTokens: 1000,
      outputTokens: 1500,
      reasoningTokens: 1200,
    });
    // o3-mini: 1000 × 1.1e-6 + 1000 × 0.55e-6 + 300 × 4.4e-6 + 1200 × 4.4e-6 (reasoning defaults to output)
    expect(book.quote('openai', 'o3-mini', u, NOW).costUsd).toBe(0.00825);
  });

  it('records an unknown model as unpriced, never $0', () => {
    expect(book.quote('local', 'llama3.1:8b', usage({ inputTokens: 10, outputTokens: 10 }), NOW)).toEqual({
      costUsd: null,
      priceVersion: null,
    });
    expect(book.lookup('local', '', NOW)).toBeUndefined();
    expect(book.quoteMax('local', 'llama3.1:8b', 10, 10, NOW).costUsd).toBeNull();
  });

  it('matches provider-prefixed and differently-cased names', () => {
    expect(book.lookup('x', 'openai/gpt-4o', NOW)?.price.input).toBe(2.5e-6);
    expect(book.lookup('x', 'GPT-4o', NOW)?.price.input).toBe(2.5e-6);
    expect(book.lookup('x', 'azure/gpt-4o', NOW)?.price.input).toBe(2.5e-6); // last path segment
    expect(book.lookup('x', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', NOW)?.price.cacheWrite).toBe(
      3.75e-6,
    );
    expect(book.lookup('x', 'gpt-4o-mini-2024-07-18', NOW)?.price.input).not.toBe(2.5e-6);
    expect(book.lookup('x', 'gpt-4oo', NOW)).toBeUndefined();
  });

  it('quotes an upper bound for budget reservations', () => {
    // claude: every input token at the cache-write rate, every output token at the output rate.
    expect(book.quoteMax('anthropic', 'claude-sonnet-4-5', 1000, 500, NOW)).toEqual({
      costUsd: 0.01125, // 1000 × 3.75e-6 + 500 × 15e-6
      priceVersion: '2026-11-26',
    });
  });
});

describe('config overrides', () => {
  const book = createPriceBook({
    overrides: [
      { model: 'gpt-4o', provider: 'oai-eu', input: 2, output: 8 },
      { model: 'llama3.1:8b', input: 0.1, output: 0.2, cached_input: 0.05, effective_from: '2026-12-01' },
      { model: 'llama3.1:*', provider: 'gpu', input: 0.3, output: 0.6 },
    ],
  });

  it('wins over the seed for its provider only, in USD per 1M tokens', () => {
    const u = usage({ inputTokens: 1000, outputTokens: 100 });
    const q = book.quote('oai-eu', 'gpt-4o', u, NOW);
    expect(q.costUsd).toBe(0.0028); // 1000 × 2e-6 + 100 × 8e-6
    expect(q.priceVersion).toMatch(/^config:[0-9a-f]{8}$/);
    // 1000 × 2.5e-6 + 100 × 10e-6
    expect(book.quote('openai', 'gpt-4o', u, NOW)).toEqual({ costUsd: 0.0035, priceVersion: '2026-11-26' });
  });

  it('applies from its effective date, and prices models the seed does not know', () => {
    const u = usage({ inputTokens: 1_000_000, cachedInputTokens: 500_000, outputTokens: 1_000_000 });
    expect(book.quote('local', 'llama3.1:8b', u, NOW).costUsd).toBeNull(); // before 2026-12-01
    const after = book.quote('local', 'llama3.1:8b', u, Date.parse('2026-12-02T00:00:00Z'));
    // 500k × 0.1/1M + 500k × 0.05/1M + 1M × 0.2/1M
    expect(after).toEqual({ costUsd: 0.275, priceVersion: 'config:2026-12-01' });
  });

  it('supports a trailing * as a prefix and prefers provider-specific overrides', () => {
    const u = usage({ inputTokens: 1_000_000 });
    expect(book.quote('gpu', 'llama3.1:70b', u, NOW).costUsd).toBe(0.3);
    expect(book.quote('gpu', 'llama3.1:8b', u, Date.parse('2027-01-01')).costUsd).toBe(0.3);
    expect(book.quote('local', 'llama3.1:8b', u, Date.parse('2027-01-01')).costUsd).toBe(0.1);
  });

  it('rejects an override date it cannot read, naming the key', () => {
    expect(() =>
      createPriceBook({ overrides: [{ model: 'm', input: 1, output: 1, effective_from: 'soon' }] }),
    ).toThrow(/pricing\.overrides\[0\]\.effective_from/);
  });
});

describe('price versions and effective dates', () => {
  const v1: PriceSeed = {
    version: 'v1',
    effective_from: '2026-01-01T00:00:00Z',
    models: [
      { match: '^gpt-4o$', flags: 'i', model: 'gpt-4o', input: 5e-6, output: 15e-6 },
      { match: '^retired$', model: 'retired', input: 1e-6, output: 1e-6 },
    ],
  };
  const v2: PriceSeed = {
    version: 'v2',
    effective_from: '2026-06-01T00:00:00Z',
    models: [
      { match: '^gpt-4o$', flags: 'i', model: 'gpt-4o', input: 2.5e-6, output: 10e-6, reasoning: 20e-6 },
    ],
  };
  const book = createPriceBook({ seed: [v2, v1] });
  const u = usage({ inputTokens: 1000, outputTokens: 100, reasoningTokens: 40 });

  it('picks the newest version in force at the call time, so old calls can be re-priced', () => {
    expect(book.versions).toEqual(['v2', 'v1']);
    expect(book.quote('p', 'gpt-4o', u, Date.parse('2026-03-01'))).toEqual({
      costUsd: 0.0065, // 1000 × 5e-6 + 100 × 15e-6 (v1 has no reasoning price: output rate)
      priceVersion: 'v1',
    });
    expect(book.quote('p', 'gpt-4o', u, Date.parse('2026-07-01'))).toEqual({
      costUsd: 0.0039, // 1000 × 2.5e-6 + 60 × 10e-6 + 40 × 20e-6
      priceVersion: 'v2',
    });
    expect(book.quote('p', 'gpt-4o', u, Date.parse('2026-06-01T00:00:00Z')).priceVersion).toBe('v2');
  });

  it('uses the oldest table before any effective date and keeps prices of models a newer table dropped', () => {
    expect(book.quote('p', 'gpt-4o', u, Date.parse('2025-01-01')).priceVersion).toBe('v1');
    expect(book.quote('p', 'retired', u, Date.parse('2026-07-01')).priceVersion).toBe('v1');
  });

  it('rejects a malformed seed', () => {
    expect(() =>
      createPriceBook({ seed: { ...v1, models: [{ match: '(', model: 'bad', input: 1, output: 1 }] } }),
    ).toThrow(/bad has an invalid pattern/);
    expect(() =>
      createPriceBook({ seed: { ...v1, models: [{ match: 'x', model: 'neg', input: -1, output: 1 }] } }),
    ).toThrow(/input must be a non-negative number/);
    expect(() =>
      createPriceBook({ seed: { ...v1, models: [{ match: '^(a)\\1$', model: 'br', input: 1, output: 1 }] } }),
    ).toThrow(/br has an invalid pattern: backreferences/);
  });

  it('matches caller-supplied model names in linear time', () => {
    const slow: PriceSeed = {
      ...v1,
      models: [{ match: '^(?:a|a|a|a|a)*X$', model: 'x', input: 1, output: 1 }],
    };
    const t0 = performance.now();
    expect(
      createPriceBook({ seed: slow }).lookup('p', 'a'.repeat(20_000), Date.parse('2026-03-01')),
    ).toBeUndefined();
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('computeCost', () => {
  const price = { input: 1e-6, output: 2e-6, cachedInput: 0.1e-6, cacheWrite: 1.25e-6, reasoning: 3e-6 };

  it('clamps inconsistent counts instead of charging negative amounts', () => {
    // cached > input: the uncached part is 0, cached reads are still charged.
    expect(computeCost(price, usage({ inputTokens: 100, cachedInputTokens: 300 }))).toBe(0.00003); // 300 × 0.1e-6
    expect(computeCost(price, usage({ outputTokens: 10, reasoningTokens: 50 }))).toBe(0.00015); // 50 × 3e-6
    expect(computeCost(price, usage({ inputTokens: -5, outputTokens: Number.NaN }))).toBe(0);
  });

  it('charges every token kind at its own rate', () => {
    const u = usage({
      inputTokens: 1000,
      cachedInputTokens: 200,
      cacheWriteTokens: 300,
      outputTokens: 100,
      reasoningTokens: 30,
    });
    // 500 × 1e-6 + 200 × 0.1e-6 + 300 × 1.25e-6 + 70 × 2e-6 + 30 × 3e-6
    expect(computeCost(price, u)).toBe(0.001125);
  });
});
