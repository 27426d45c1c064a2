import { describe, expect, it } from 'vitest';
import { Mulberry32 } from '../../prng.js';
import { FrequentItems } from './frequent.js';
import { HyperLogLog } from './hll.js';
import { KllSketch } from './kll.js';

function exactRank(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo / sorted.length;
}

describe('KLL quantiles', () => {
  const streams: [string, (g: Mulberry32) => number][] = [
    ['uniform', (g) => g.uniform()],
    ['skewed', (g) => 1 / (g.uniform() + 0.001)],
    ['ties', (g) => Math.floor(g.uniform() * 20)],
  ];
  for (const [name, draw] of streams)
    it(`keeps rank error under 2 % with k = 200 and bounded memory (${name})`, () => {
      const g = new Mulberry32(7);
      const n = 200_000;
      const all = new Float64Array(n);
      const sk = new KllSketch(200);
      for (let i = 0; i < n; i++) {
        const v = draw(g);
        all[i] = v;
        sk.update(v);
      }
      all.sort();
      expect(sk.n).toBe(n);
      expect(sk.retained).toBeLessThan(3 * 200 + 50);
      let worst = 0;
      for (const q of [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99]) {
        const est = sk.quantile(q);
        // rank of the estimate must be within ε of q (ties: any rank in the tie block is right)
        const hiRank = exactRank(all, est);
        const loRank = exactRank(all, est - Number.EPSILON * Math.abs(est) - 1e-300);
        const err = q < loRank ? loRank - q : q > hiRank ? q - hiRank : 0;
        worst = Math.max(worst, err);
      }
      expect(worst).toBeLessThan(0.02);
      expect(sk.min).toBe(all[0]);
      expect(sk.max).toBe(all[n - 1]);
    });

  it('merges per-bucket sketches with the same error guarantee and survives JSON', () => {
    const g = new Mulberry32(3);
    const parts = Array.from({ length: 10 }, () => new KllSketch(200));
    const all: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      const v = g.uniform() * 50;
      all.push(v);
      (parts[i % 10] as KllSketch).update(v);
    }
    const merged = KllSketch.fromJSON(JSON.parse(JSON.stringify((parts[0] as KllSketch).toJSON())));
    for (const p of parts.slice(1)) merged.merge(p);
    expect(merged.n).toBe(100_000);
    const sorted = Float64Array.from(all).sort();
    for (const q of [0.1, 0.5, 0.9])
      expect(Math.abs(exactRank(sorted, merged.quantile(q)) - q)).toBeLessThan(0.02);
    expect(Math.abs(merged.cdf(25) - 0.5)).toBeLessThan(0.02);
  });
});

describe('HyperLogLog distinct counts', () => {
  it('is within 3 standard errors (≈ 5 %) at p = 12 across cardinalities, and exact-ish when small', () => {
    for (const n of [10, 1000, 20_000, 300_000]) {
      const h = new HyperLogLog(12);
      for (let i = 0; i < n; i++) {
        h.add(`user-${i}`);
        h.add(`user-${i}`); // duplicates do not count
      }
      const err = Math.abs(h.estimate() - n) / n;
      expect(err, `n=${n}`).toBeLessThan(n <= 1000 ? 0.02 : 3 * (1.04 / 64));
    }
  });

  it('merges by register maximum and round-trips through JSON; numbers hash by value', () => {
    const a = new HyperLogLog();
    const b = new HyperLogLog();
    for (let i = 0; i < 50_000; i++) (i % 2 ? a : b).add(i);
    a.add(0);
    a.add(-0);
    const c = HyperLogLog.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    c.merge(b);
    expect(Math.abs(c.estimate() - 50_000) / 50_000).toBeLessThan(0.05);
  });
});

describe('Misra–Gries frequent items', () => {
  it('keeps every item above n/(k+1) and undercounts by at most n/(k+1)', () => {
    const g = new Mulberry32(11);
    const f = new FrequentItems(20);
    const truth = new Map<string, number>();
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      // a few heavy hitters in a long tail of unique items
      const u = g.uniform();
      const item = u < 0.2 ? 'gpt-4o' : u < 0.3 ? 'claude' : u < 0.35 ? 'gemini' : `tail-${i}`;
      truth.set(item, (truth.get(item) ?? 0) + 1);
      f.add(item);
    }
    const bound = n / 21;
    for (const [item, count] of truth) {
      const est = f.estimate(item);
      expect(est).toBeLessThanOrEqual(count);
      expect(count - est).toBeLessThanOrEqual(bound);
      if (count > bound) expect(est).toBeGreaterThan(0);
    }
    expect(f.maxError).toBeLessThanOrEqual(bound);
    expect(f.top(3).map((t) => t.item)).toEqual(['gpt-4o', 'claude', 'gemini']);
    expect(f.toJSON().counts.length).toBeLessThanOrEqual(20);
    const copy = FrequentItems.fromJSON(f.toJSON());
    copy.merge(f);
    expect(copy.n).toBe(2 * n);
  });
});
