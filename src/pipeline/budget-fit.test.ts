import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../canonical/types.js';
import { budgetExceeded, fittingOutput } from './budget-fit.js';
import type { RequestContext } from './context.js';
import type { CallEstimate } from './estimate.js';
import { capOutput } from './output-cap.js';

// $1 per 1M input tokens, $15 per 1M output tokens.
const costAt = (out: number) => 100 * 1e-6 + out * 15e-6;
const est = (out: number): CallEstimate => ({ inputTokens: 80, maxInputTokens: 100, maxOutputTokens: out });
const lowering = (n = 1, minTokens = 256) => ({ n, minTokens, apply: () => est(0) });

describe('fittingOutput', () => {
  it('is the largest max_tokens whose maximum cost is within the room (the overshoot guarantee)', () => {
    const per = fittingOutput(costAt, est(128_000), 0.05, lowering())!;
    expect(costAt(per)).toBeLessThanOrEqual(0.05);
    expect(costAt(per + 1)).toBeGreaterThan(0.05);
    // Across choices: n × per fits, one more token per choice would not.
    const per4 = fittingOutput(costAt, est(4 * 128_000), 0.05, lowering(4))!;
    expect(costAt(4 * per4)).toBeLessThanOrEqual(0.05);
    expect(costAt(4 * (per4 + 1))).toBeGreaterThan(0.05);
  });

  it('is null below the minimum, when the input alone does not fit, or when nothing needs lowering', () => {
    expect(fittingOutput(costAt, est(128_000), 0.003, lowering())).toBeNull(); // ~193 tokens < 256
    expect(fittingOutput(costAt, est(100), 0.0001, lowering())).toBeNull(); // input costs the whole room
    expect(fittingOutput(costAt, est(1000), 1, lowering())).toBeNull(); // it fits as asked
    // A call asking for fewer than the minimum is never lowered; one asking for more is, down to it.
    expect(fittingOutput(costAt, est(200), 0.0025, lowering())).toBeNull();
    expect(fittingOutput(costAt, est(1000), 0.0001 + 300 * 15e-6, lowering())).toBe(300);
  });
});

describe('capOutput', () => {
  const ctx = () => ({ responseHeaders: {} }) as unknown as RequestContext;
  const chat = (extra: Partial<ChatRequest>): ChatRequest => ({
    model: 'm',
    messages: [],
    stream: false,
    ...extra,
  });

  it('caps and says so; leaves smaller requests alone; fills in a missing max_tokens silently', () => {
    const c = ctx();
    const big = chat({ maxTokens: 128_000 });
    capOutput(c, big, 1000, 'key');
    expect(big.maxTokens).toBe(1000);
    expect(c.responseHeaders['x-keel-max-tokens-capped']).toBe('1000; requested=128000; by=key');
    const small = chat({ maxTokens: 10 });
    capOutput(c, small, 1000, 'key');
    expect(small.maxTokens).toBe(10);
    const none = chat({});
    const quiet = ctx();
    capOutput(quiet, none, 1000, 'key');
    expect(none.maxTokens).toBe(1000);
    expect(quiet.responseHeaders).toEqual({});
  });

  it('lowers a thinking budget with max_tokens, and refuses a cap too small for any thinking', () => {
    const req = chat({ maxTokens: 32_000, thinking: { type: 'enabled', budget_tokens: 16_000 } });
    capOutput(ctx(), req, 4000, 'budget');
    expect(req.thinking).toEqual({ type: 'enabled', budget_tokens: 2000 });
    const tiny = chat({ maxTokens: 32_000, thinking: { type: 'enabled', budget_tokens: 16_000 } });
    expect(() => capOutput(ctx(), tiny, 1000, 'key')).toThrow(/thinking.budget_tokens/);
  });
});

describe('budgetExceeded', () => {
  it('is 402 insufficient_quota with retry-after to the end of the period', () => {
    const r = { spentUsd: 1, reservedUsd: 0, limitUsd: 1 };
    const e = budgetExceeded('the daily budget', r, 0.5, 10_000, 4_000);
    expect(e.status).toBe(402);
    expect(e.type).toBe('insufficient_quota');
    expect(e.retryAfter).toBe(6);
    expect(budgetExceeded('total', r, 0.5, Number.POSITIVE_INFINITY, 0).retryAfter).toBeUndefined();
  });
});
