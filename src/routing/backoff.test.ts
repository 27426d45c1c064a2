import { describe, expect, it } from 'vitest';
import { retryDelay } from './backoff.js';

const cfg = { base_delay_ms: 100, max_delay_ms: 1000 };

describe('retryDelay', () => {
  it('is full jitter over an exponentially growing, capped window', () => {
    const half = () => 0.5;
    expect([0, 1, 2, 3, 4, 5].map((n) => retryDelay(n, undefined, cfg, half))).toEqual([
      50, 100, 200, 400, 500, 500,
    ]);
    expect(retryDelay(3, undefined, cfg, () => 0)).toBe(0);
    expect(retryDelay(3, undefined, cfg, () => 0.999)).toBeCloseTo(799.2);
  });

  it('waits at least retry-after, even when the jitter is shorter', () => {
    expect(retryDelay(0, 0.75, cfg, () => 0.5)).toBe(750);
    expect(retryDelay(4, 0.2, cfg, () => 0.9)).toBe(900);
  });

  it('gives up on the target (null) when retry-after is longer than max_delay_ms', () => {
    expect(retryDelay(0, 1.001, cfg, () => 0.5)).toBeNull();
    expect(retryDelay(0, 1, cfg, () => 0.5)).toBe(1000);
  });
});
