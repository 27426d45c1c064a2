import { describe, expect, it } from 'vitest';
import type { Usage } from '../canonical/types.js';
import { implausibleUsage, MAX_TOKENS_PER_CALL } from './usage-check.js';

const ok: Usage = {
  inputTokens: 100,
  cachedInputTokens: 40,
  cacheWriteTokens: 10,
  outputTokens: 50,
  reasoningTokens: 20,
};
const req = { model: 'm', messages: [], maxTokens: 60, stream: false };

describe('implausibleUsage', () => {
  it('accepts ordinary usage, with or without a max_tokens', () => {
    expect(implausibleUsage(ok)).toBeNull();
    expect(implausibleUsage(ok, req)).toBeNull();
    expect(implausibleUsage({ ...ok, outputTokens: MAX_TOKENS_PER_CALL, reasoningTokens: 0 })).toBeNull();
  });

  it.each([
    ['negative', { inputTokens: -5 }],
    ['NaN', { outputTokens: Number.NaN }],
    ['infinite', { inputTokens: Number.POSITIVE_INFINITY }],
    ['fractional', { outputTokens: 1.5 }],
    ['billions', { inputTokens: 3_000_000_000 }],
    ['cache beyond input', { cachedInputTokens: 95 }],
    ['reasoning beyond output', { reasoningTokens: 51 }],
  ])('refuses %s counts', (_, patch) => {
    expect(implausibleUsage({ ...ok, ...patch })).toMatch(/\w/);
  });

  it('refuses visible output beyond max_tokens × n, leaving reasoning out', () => {
    expect(implausibleUsage({ ...ok, outputTokens: 500, reasoningTokens: 0 }, req)).toMatch(/max_tokens/);
    expect(implausibleUsage({ ...ok, outputTokens: 500, reasoningTokens: 450 }, req)).toBeNull();
    expect(implausibleUsage({ ...ok, outputTokens: 110, reasoningTokens: 0 }, { ...req, n: 2 })).toBeNull();
  });
});
