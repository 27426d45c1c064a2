/**
 * Keel's one seeded generator (mulberry32). Everything that must replay the same sequence from a
 * seed uses it: drift golden vectors (mirrored bit for bit by scripts/data/gen_golden.py), sketch
 * and window sampling, the simulator's phrasing, demo and test workloads.
 */
export class Mulberry32 {
  private a: number;

  constructor(seed: number) {
    this.a = seed | 0;
  }

  next32(): number {
    this.a = (this.a + 0x6d2b79f5) | 0;
    const a = this.a;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform on [0, 1) with 32 random bits: one draw per number. */
  next(): number {
    return this.next32() / 4294967296;
  }

  /** Uniform on [0, 1) with 53 random bits (two draws), as the golden-vector recipes use it. */
  uniform(): number {
    const x1 = this.next32();
    const x2 = this.next32();
    return ((x1 >>> 5) * 67108864 + (x2 >>> 6)) / 9007199254740992;
  }

  /** Integer in [min, max] inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    const v = items[Math.floor(this.next() * items.length)];
    if (v === undefined) throw new Error('pick from an empty list');
    return v;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** The generator as a plain `() => number` on [0, 1), for code that only needs draws. */
export function seeded(seed: number): () => number {
  const g = new Mulberry32(seed);
  return () => g.next();
}
