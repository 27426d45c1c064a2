import { ndtr } from '../drift/special/cephes.js';
import { kolmogornSf } from '../drift/special/kolmogorov.js';
import { roundHalfEven } from '../drift/special/numpy.js';
import { jensenShannon, psi } from '../drift/stattests.js';
import type { FrequentItems } from '../sketches/frequent.js';
import type { KllSketch } from '../sketches/kll.js';
import type { Rate } from './window.js';

/**
 * Reference-vs-current comparisons on sketches. Each returns a statistic, a p-value when the test
 * has one, and whether it crosses both a significance and an effect-size bar: with thousands of
 * calls per window every tiny change is "significant", so an alert also needs a change worth acting
 * on (PSI ≥ 0.2, a rate moving ≥ 2 points, JS distance ≥ 0.1, a topic classifier ≥ 60 % accurate).
 */

export interface Comparison {
  method: string;
  statistic: number;
  p_value: number | null;
  drifted: boolean;
  reference: Record<string, number>;
  current: Record<string, number>;
}

/**
 * Numeric feature: PSI over the reference deciles (from the reference sketch; the dataset-drift psi(),
 * so the empty-bin epsilon is the same) and a KS statistic
 * over the union of both sketches' quantiles, with the asymptotic KS p-value.
 */
export function compareNumeric(
  ref: KllSketch,
  cur: KllSketch,
  opts: { psi: number; pValue: number },
): Comparison {
  const edges: number[] = [];
  for (let q = 0.1; q < 0.95; q += 0.1) edges.push(ref.quantile(q));
  const cuts = [...new Set(edges)].sort((a, b) => a - b);
  const refShares = new Float64Array(cuts.length + 1);
  const curShares = new Float64Array(cuts.length + 1);
  let prevR = 0;
  let prevC = 0;
  for (let i = 0; i <= cuts.length; i++) {
    const r = i < cuts.length ? ref.cdf(cuts[i] as number) : 1;
    const c = i < cuts.length ? cur.cdf(cuts[i] as number) : 1;
    refShares[i] = Math.max(r - prevR, 0);
    curShares[i] = Math.max(c - prevC, 0);
    prevR = r;
    prevC = c;
  }
  const index = psi(refShares, curShares);
  let d = 0;
  for (const s of [ref, cur])
    for (let q = 0.01; q < 1; q += 0.01) {
      const x = s.quantile(q);
      d = Math.max(d, Math.abs(ref.cdf(x) - cur.cdf(x)));
    }
  const en = (ref.n * cur.n) / (ref.n + cur.n);
  const p = d > 0 ? kolmogornSf(Math.max(1, roundHalfEven(en)), Math.min(d, 1)) : 1;
  return {
    method: 'psi+ks',
    statistic: index,
    p_value: p,
    drifted: index >= opts.psi && p < opts.pValue,
    reference: { n: ref.n, p50: ref.quantile(0.5), p90: ref.quantile(0.9) },
    current: { n: cur.n, p50: cur.quantile(0.5), p90: cur.quantile(0.9), ks: d },
  };
}

/** Rate feature: pooled two-proportion z-test (as Evidently's), plus a ≥ 2-point move. */
export function compareRate(ref: Rate, cur: Rate, opts: { pValue: number; minDelta?: number }): Comparison {
  const p1 = ref.k / ref.n;
  const p2 = cur.k / cur.n;
  const P = (ref.k + cur.k) / (ref.n + cur.n);
  const se = Math.sqrt(P * (1 - P) * (1 / ref.n + 1 / cur.n));
  const z = se > 0 ? (p2 - p1) / se : 0;
  const p = se > 0 ? 2 * (1 - ndtr(Math.abs(z))) : 1;
  return {
    method: 'z',
    statistic: z,
    p_value: p,
    drifted: p < opts.pValue && Math.abs(p2 - p1) >= (opts.minDelta ?? 0.02),
    reference: { n: ref.n, rate: p1 },
    current: { n: cur.n, rate: p2 },
  };
}

/** Categorical feature: Jensen–Shannon distance over the frequent items (rest pooled as "other"). */
export function compareCategorical(
  ref: FrequentItems,
  cur: FrequentItems,
  opts: { threshold?: number } = {},
): Comparison {
  const keys = [...new Set([...ref.top().map((t) => t.item), ...cur.top().map((t) => t.item)])];
  const share = (f: FrequentItems) => {
    const v = keys.map((k) => f.estimate(k));
    const known = v.reduce((a, b) => a + b, 0);
    return Float64Array.from([...v, Math.max(f.n - known, 0)]);
  };
  const js = jensenShannon(share(ref), share(cur));
  const top = (f: FrequentItems) => Object.fromEntries(f.top(5).map((t) => [t.item, t.share]));
  return {
    method: 'jensenshannon',
    statistic: js,
    p_value: null,
    drifted: js >= (opts.threshold ?? 0.1),
    reference: top(ref),
    current: top(cur),
  };
}

function cosineDistance(a: Float64Array, b: Float64Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    na += (a[i] as number) ** 2;
    nb += (b[i] as number) ** 2;
  }
  return na && nb ? 1 - dot / Math.sqrt(na * nb) : 0;
}

/**
 * Topic drift: cosine distance between the reference and current centroids of the hashed n-gram
 * embeddings, and a classifier two-sample test — a nearest-centroid classifier trained to tell
 * reference from current samples, scored by 5-fold cross-validation. Under no drift its accuracy
 * is ~50 %; the one-sided binomial p-value (normal approximation) says how surprising it is.
 */
export function compareTopic(
  ref: { sum: Float64Array; count: number; sample: Float32Array[] },
  cur: { sum: Float64Array; count: number; sample: Float32Array[] },
  opts: { pValue: number; minAccuracy?: number },
): Comparison {
  const dist = cosineDistance(ref.sum, cur.sum);
  const data = [...ref.sample.map((e) => ({ e, y: 0 })), ...cur.sample.map((e) => ({ e, y: 1 }))];
  // Deterministic interleaving instead of a shuffle keeps results reproducible.
  const folds = 5;
  let correct = 0;
  const dim = ref.sum.length;
  for (let f = 0; f < folds; f++) {
    const c0 = new Float64Array(dim);
    const c1 = new Float64Array(dim);
    for (let i = 0; i < data.length; i++) {
      if (i % folds === f) continue;
      const { e, y } = data[i] as { e: Float32Array; y: number };
      const c = y ? c1 : c0;
      for (let j = 0; j < dim; j++) c[j] = (c[j] as number) + (e[j] as number);
    }
    for (let i = f; i < data.length; i += folds) {
      const { e, y } = data[i] as { e: Float32Array; y: number };
      const d0 = cosineDistance(Float64Array.from(e), c0);
      const d1 = cosineDistance(Float64Array.from(e), c1);
      if ((d1 < d0 ? 1 : 0) === y) correct++;
    }
  }
  const n = data.length;
  const acc = n ? correct / n : 0.5;
  const z = n ? (correct - n / 2 - 0.5) / Math.sqrt(n / 4) : 0;
  const p = n ? 1 - ndtr(z) : 1;
  return {
    method: 'centroid+classifier',
    statistic: dist,
    p_value: p,
    drifted: p < opts.pValue && acc >= (opts.minAccuracy ?? 0.6),
    reference: { n: ref.count, sample: ref.sample.length },
    current: { n: cur.count, sample: cur.sample.length, classifier_accuracy: acc },
  };
}
