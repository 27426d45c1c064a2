import { Mulberry32 } from '../../prng.js';

/**
 * KLL quantile sketch (Karnin, Lang & Liberty 2016). A stack of compactors: level h holds items of
 * weight 2^h; when the sketch is over capacity the lowest full level is sorted and every other
 * item (random offset) is promoted. With parameter k the rank error is about 1.7/k of n with high
 * probability (k = 200 → < 1 %), and at most ~3k values are retained whatever n is. Sketches with
 * the same k merge, so per-bucket sketches of a time window can be combined.
 */

export interface KllState {
  k: number;
  n: number;
  min: number;
  max: number;
  levels: number[][];
}

const C = 2 / 3;

export class KllSketch {
  readonly k: number;
  private levels: number[][] = [[]];
  private count = 0;
  private lo = Number.POSITIVE_INFINITY;
  private hi = Number.NEGATIVE_INFINITY;
  private retainedCount = 0;
  private readonly rng: Mulberry32;
  private view: { values: Float64Array; cum: Float64Array } | null = null;
  /** Per-level capacities and their sum; they only change when a level is added. */
  private caps: number[] = [];
  private capTotal = 0;

  constructor(k = 200, seed = 0x5eed) {
    if (k < 8) throw new Error('KLL k must be at least 8');
    this.k = k;
    this.rng = new Mulberry32(seed);
    this.recomputeCaps();
  }

  get n(): number {
    return this.count;
  }

  get min(): number {
    return this.lo;
  }

  get max(): number {
    return this.hi;
  }

  /** Values currently held (the memory bound). */
  get retained(): number {
    return this.retainedCount;
  }

  update(x: number): void {
    if (Number.isNaN(x)) return;
    this.view = null;
    this.count++;
    if (x < this.lo) this.lo = x;
    if (x > this.hi) this.hi = x;
    (this.levels[0] as number[]).push(x);
    this.retainedCount++;
    if (this.retainedCount > this.capTotal) this.compress();
  }

  private recomputeCaps(): void {
    const H = this.levels.length;
    this.caps = [];
    this.capTotal = 0;
    for (let h = 0; h < H; h++) {
      const c = Math.max(2, Math.ceil(this.k * C ** (H - 1 - h)));
      this.caps.push(c);
      this.capTotal += c;
    }
  }

  private addLevel(): void {
    this.levels.push([]);
    this.recomputeCaps();
  }

  private compress(): void {
    while (this.retainedCount > this.capTotal) {
      let h = 0;
      while (h < this.levels.length && (this.levels[h] as number[]).length < (this.caps[h] as number)) h++;
      if (h === this.levels.length) h = this.levels.length - 1;
      if (h === this.levels.length - 1) this.addLevel();
      const level = Float64Array.from(this.levels[h] as number[]).sort();
      // An odd item stays behind so the promoted half is exactly half the weight.
      const even = level.length - (level.length % 2);
      const keep = even < level.length ? [level[even] as number] : [];
      const offset = this.rng.next32() & 1;
      const up = this.levels[h + 1] as number[];
      for (let i = offset; i < even; i += 2) up.push(level[i] as number);
      this.retainedCount -= even / 2;
      this.levels[h] = keep;
    }
  }

  merge(other: KllSketch): void {
    if (other.k !== this.k) throw new Error('cannot merge KLL sketches with different k');
    this.view = null;
    while (this.levels.length < other.levels.length) this.addLevel();
    other.levels.forEach((lvl, h) => {
      (this.levels[h] as number[]).push(...lvl);
      this.retainedCount += lvl.length;
    });
    this.count += other.count;
    this.lo = Math.min(this.lo, other.lo);
    this.hi = Math.max(this.hi, other.hi);
    if (this.retainedCount > this.capTotal) this.compress();
  }

  /** (value, weight) pairs sorted by value: the sketch's approximation of the sorted stream. */
  private weighted(): { values: Float64Array; cum: Float64Array } {
    if (this.view) return this.view;
    const items: [number, number][] = [];
    this.levels.forEach((lvl, h) => {
      const w = 2 ** h;
      for (const v of lvl) items.push([v, w]);
    });
    items.sort((a, b) => a[0] - b[0]);
    const values = new Float64Array(items.length);
    const cum = new Float64Array(items.length);
    let acc = 0;
    items.forEach(([v, w], i) => {
      acc += w;
      values[i] = v;
      cum[i] = acc;
    });
    this.view = { values, cum };
    return this.view;
  }

  /** Approximate q-quantile (0 ≤ q ≤ 1); NaN when empty. */
  quantile(q: number): number {
    if (this.count === 0) return Number.NaN;
    if (q <= 0) return this.lo;
    if (q >= 1) return this.hi;
    const { values, cum } = this.weighted();
    const total = cum[cum.length - 1] as number;
    const target = q * total;
    for (let i = 0; i < values.length; i++) if ((cum[i] as number) >= target) return values[i] as number;
    return this.hi;
  }

  quantiles(qs: readonly number[]): number[] {
    return qs.map((q) => this.quantile(q));
  }

  /** Approximate fraction of the stream ≤ x. */
  cdf(x: number): number {
    if (this.count === 0) return Number.NaN;
    const { values, cum } = this.weighted();
    const total = cum[cum.length - 1] as number;
    let lo = 0;
    let hi = values.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((values[mid] as number) <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 0 : (cum[lo - 1] as number) / total;
  }

  toJSON(): KllState {
    return { k: this.k, n: this.count, min: this.lo, max: this.hi, levels: this.levels.map((l) => [...l]) };
  }

  static fromJSON(s: KllState, seed = 0x5eed): KllSketch {
    const sk = new KllSketch(s.k, seed);
    sk.levels = s.levels.map((l) => [...l]);
    sk.recomputeCaps();
    sk.count = s.n;
    sk.lo = s.min ?? Number.POSITIVE_INFINITY;
    sk.hi = s.max ?? Number.NEGATIVE_INFINITY;
    sk.retainedCount = s.levels.reduce((a, l) => a + l.length, 0);
    return sk;
  }
}
