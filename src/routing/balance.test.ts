import { describe, expect, it } from 'vitest';
import { seeded } from '../prng.js';
import { weightedOrder } from './balance.js';

const t = (name: string, weight: number) => ({ name, weight });

describe('weightedOrder', () => {
  it('picks the first target in proportion to weight (chi-square over 20k seeded picks)', () => {
    const targets = [t('a', 1), t('b', 2), t('c', 7)];
    const random = seeded(42);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    const N = 20_000;
    for (let i = 0; i < N; i++) counts[weightedOrder(targets, random)[0]!.name]!++;
    const chi2 = targets.reduce((s, x) => {
      const expected = (N * x.weight) / 10;
      return s + (counts[x.name]! - expected) ** 2 / expected;
    }, 0);
    // df = 2, p = 0.001 critical value 13.82: a fair weighted pick stays well below it.
    expect(chi2).toBeLessThan(13.82);
    expect(counts.c! / N).toBeCloseTo(0.7, 1);
  });

  it('orders the rest by weight among those left', () => {
    const targets = [t('a', 1), t('b', 1), t('c', 2)];
    const random = seeded(7);
    let bSecondAfterC = 0;
    let cFirst = 0;
    for (let i = 0; i < 20_000; i++) {
      const o = weightedOrder(targets, random);
      expect(new Set(o.map((x) => x.name)).size).toBe(3);
      if (o[0]!.name === 'c') {
        cFirst++;
        if (o[1]!.name === 'b') bSecondAfterC++;
      }
    }
    // Given c first, a and b (equal weights) are equally likely second.
    expect(bSecondAfterC / cFirst).toBeCloseTo(0.5, 1);
  });

  it('never picks a weight-0 target first; standby targets come last in config order', () => {
    const targets = [t('z1', 0), t('a', 1), t('z2', 0), t('b', 3)];
    const random = seeded(1);
    for (let i = 0; i < 1000; i++) {
      const o = weightedOrder(targets, random).map((x) => x.name);
      expect(o.slice(2)).toEqual(['z1', 'z2']);
    }
  });

  it('keeps config order when every weight is 0, and does not draw for a single target', () => {
    expect(weightedOrder([t('x', 0), t('y', 0)], Math.random).map((x) => x.name)).toEqual(['x', 'y']);
    const never = () => {
      throw new Error('random must not be called');
    };
    expect(weightedOrder([t('only', 5)], never).map((x) => x.name)).toEqual(['only']);
  });

  it('survives random() returning values at the edge of [0, 1)', () => {
    const o = weightedOrder([t('a', 1), t('b', 1)], () => 0.9999999999999999);
    expect(o.map((x) => x.name)).toEqual(['b', 'a']);
    expect(weightedOrder([t('a', 1), t('b', 1)], () => 0).map((x) => x.name)).toEqual(['a', 'b']);
  });
});
