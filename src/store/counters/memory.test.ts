import { describe, expect, it } from 'vitest';
import { createMemoryCounters } from './memory.js';

describe('memory counters', () => {
  it('sliding window refuses past the limit and recovers as the window slides', async () => {
    let t = 60_000;
    const c = createMemoryCounters(() => t);
    for (let i = 0; i < 3; i++) expect((await c.hit('k', 1, 3, 60_000)).ok).toBe(true);
    const refused = await c.hit('k', 1, 3, 60_000);
    expect(refused.ok).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    // Half-way into the next window, half of the previous window's 3 still counts (1.5): one fits.
    t = 60_000 + 60_000 + 30_000;
    expect((await c.hit('k', 1, 3, 60_000)).ok).toBe(true);
    expect((await c.hit('k', 1, 3, 60_000)).ok).toBe(false);
    // Two windows later everything has slid out.
    t += 120_000;
    for (let i = 0; i < 3; i++) expect((await c.hit('k', 1, 3, 60_000)).ok).toBe(true);
  });

  it('reserve is all-or-nothing across budgets and settle moves reservation to spend', async () => {
    const c = createMemoryCounters();
    const load = async (k: string) => (k === 'team' ? 0.9 : 0);
    const r1 = await c.reserve(
      [
        { key: 'key', limitUsd: 5, amountUsd: 0.05 },
        { key: 'team', limitUsd: 1, amountUsd: 0.05 },
      ],
      load,
    );
    expect(r1.ok).toBe(true);
    const r2 = await c.reserve(
      [
        { key: 'key', limitUsd: 5, amountUsd: 0.06 },
        { key: 'team', limitUsd: 1, amountUsd: 0.06 },
      ],
      load,
    );
    expect(r2).toMatchObject({ ok: false, key: 'team' });
    // The refused reservation left nothing behind on the key budget.
    expect(c.budget('key')).toEqual({ spentUsd: 0, reservedUsd: 0.05 });
    if (r1.ok) await c.settle(r1.reservation, 0.01);
    expect(c.budget('team')?.spentUsd).toBeCloseTo(0.91, 12);
    expect(c.budget('team')?.reservedUsd).toBe(0);
  });

  it('concurrent reservations never jointly exceed the limit', async () => {
    const c = createMemoryCounters();
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 5));
      return 0;
    };
    const results = await Promise.all(
      Array.from({ length: 50 }, () => c.reserve([{ key: 'b', limitUsd: 1, amountUsd: 0.1 }], load)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    expect(loads).toBe(1);
  });
});
