import { describe, expect, it } from 'vitest';
import { Mulberry32 } from '../../prng.js';
import { sortFloat64 } from './sort.js';

describe('sortFloat64', () => {
  it('orders exactly like Float64Array.prototype.sort (negatives, ties, ±0, ±∞, subnormals)', () => {
    const g = new Mulberry32(9);
    for (const n of [0, 1, 10, 5000, 100_000]) {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const u = g.uniform();
        a[i] =
          u < 0.1
            ? Math.floor(g.uniform() * 5) - 2
            : u < 0.12
              ? ([0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 5e-324, -5e-324][
                  Math.floor(g.uniform() * 6)
                ] as number)
              : (g.uniform() - 0.5) * 10 ** Math.floor(g.uniform() * 20 - 10);
      }
      const expected = a.slice().sort();
      const got = sortFloat64(a.slice());
      expect(Buffer.from(got.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    }
  });
});
