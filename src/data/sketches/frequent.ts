/**
 * Frequent items by Misra–Gries: at most k counters. An item's estimate undercounts its true
 * frequency by at most (n − Σcounters)/(k + 1) ≤ n/(k + 1), so every item more frequent than
 * n/(k + 1) is kept. Decrements are done in batches (all counters by their minimum), so updates
 * are amortised O(1) even on streams of mostly distinct values.
 */
export class FrequentItems {
  readonly k: number;
  private readonly counts = new Map<string, number>();
  private total = 0;

  constructor(k = 64) {
    if (k < 1) throw new Error('k must be positive');
    this.k = k;
  }

  get n(): number {
    return this.total;
  }

  /** Largest possible undercount of any estimate. */
  get maxError(): number {
    let kept = 0;
    for (const c of this.counts.values()) kept += c;
    return (this.total - kept) / (this.k + 1);
  }

  add(item: string, weight = 1): void {
    this.total += weight;
    const c = this.counts.get(item);
    if (c !== undefined) {
      this.counts.set(item, c + weight);
      return;
    }
    if (this.counts.size < this.k) {
      this.counts.set(item, weight);
      return;
    }
    // Full: subtract the smallest count (including the newcomer's) from everyone.
    let min = weight;
    for (const v of this.counts.values()) if (v < min) min = v;
    for (const [key, v] of this.counts) {
      if (v - min <= 0) this.counts.delete(key);
      else this.counts.set(key, v - min);
    }
    if (weight - min > 0) this.counts.set(item, weight - min);
  }

  merge(other: FrequentItems): void {
    for (const [key, v] of other.counts) this.add(key, v);
    // add() counted the merged weights again; restore the true stream length.
    let otherKept = 0;
    for (const v of other.counts.values()) otherKept += v;
    this.total += other.total - otherKept;
  }

  estimate(item: string): number {
    return this.counts.get(item) ?? 0;
  }

  /** Items by estimated count, highest first. */
  top(limit = this.k): { item: string; count: number; share: number }[] {
    return [...this.counts.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, limit)
      .map(([item, count]) => ({ item, count, share: this.total ? count / this.total : 0 }));
  }

  toJSON(): { k: number; n: number; counts: [string, number][] } {
    return { k: this.k, n: this.total, counts: [...this.counts.entries()] };
  }

  static fromJSON(s: { k: number; n: number; counts: [string, number][] }): FrequentItems {
    const f = new FrequentItems(s.k);
    for (const [key, v] of s.counts) f.counts.set(key, v);
    f.total = s.n;
    return f;
  }
}
