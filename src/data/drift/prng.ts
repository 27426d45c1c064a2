import { Mulberry32 } from '../../prng.js';

/**
 * Sample recipes that use only +, −, ×, ÷ and floor over Keel's seeded generator, so Python
 * (scripts/data/gen_golden.py) and JavaScript produce bit-identical samples from the same seed. The
 * golden vectors therefore store recipes, not megabytes of numbers.
 */

// bench/drift.js loads the generator from this compiled module.
export { Mulberry32 };

/** How a golden-vector sample is drawn; mirrored exactly by gen_golden.py. */
export type SampleRecipe =
  | { dist: 'uniform'; seed: number; n: number; lo: number; hi: number }
  /** Irwin–Hall(4) scaled: roughly normal, mean `mu`, spread `sd`. */
  | { dist: 'bell'; seed: number; n: number; mu: number; sd: number }
  /** floor(u·k)/scale + shift: heavy ties; integers when scale = 1. */
  | { dist: 'grid'; seed: number; n: number; k: number; scale: number; shift: number }
  /** scale/(u + 0.01) + shift: a long right tail. */
  | { dist: 'tail'; seed: number; n: number; scale: number; shift: number }
  /** Category c<i> with weight (i + 1)^skew… as integers; `new` appends never-seen categories. */
  | { dist: 'cat'; seed: number; n: number; k: number; skew: number; offset: number };

export function drawNumeric(r: SampleRecipe): Float64Array {
  const g = new Mulberry32(r.seed);
  const out = new Float64Array(r.n);
  for (let i = 0; i < r.n; i++) {
    switch (r.dist) {
      case 'uniform':
        out[i] = r.lo + (r.hi - r.lo) * g.uniform();
        break;
      case 'bell': {
        const s = g.uniform() + g.uniform() + g.uniform() + g.uniform() - 2;
        out[i] = r.mu + r.sd * s;
        break;
      }
      case 'grid':
        out[i] = Math.floor(g.uniform() * r.k) / r.scale + r.shift;
        break;
      case 'tail':
        out[i] = r.scale / (g.uniform() + 0.01) + r.shift;
        break;
      case 'cat':
        out[i] = Math.floor(g.uniform() * r.k) + r.offset;
        break;
    }
  }
  return out;
}

/** Categorical draw: weights 1 + skew·i over k categories named c000…, starting at index `offset`. */
export function drawCategorical(r: Extract<SampleRecipe, { dist: 'cat' }>): string[] {
  const g = new Mulberry32(r.seed);
  const cum: number[] = [];
  let total = 0;
  for (let i = 0; i < r.k; i++) {
    total += 1 + r.skew * i;
    cum.push(total);
  }
  const out: string[] = [];
  for (let i = 0; i < r.n; i++) {
    const u = g.uniform() * total;
    let j = 0;
    while (j < r.k - 1 && u >= (cum[j] as number)) j++;
    out.push(`c${String(j + r.offset).padStart(3, '0')}`);
  }
  return out;
}
