import { type Key, type Sample, sampleSize, valueCounts } from './samples.js';
import { chi2Sf, ndtr } from './special/cephes.js';
import { type KsMethod, ks2samp } from './special/ks2samp.js';
import { histogramSorted, npSum, sturgesEdges } from './special/numpy.js';

/**
 * The drift tests, each computed exactly as Evidently (legacy `calculations/stattests`) computes it
 * on top of SciPy, so scores match to floating-point noise:
 *
 * - ks: scipy.stats.ks_2samp(ref, cur) two-sided, method 'auto'; score = p-value; drift if p ≤ t.
 * - chisquare: goodness of fit, scipy.stats.chisquare(f_obs = current counts, f_exp = reference
 *   counts × n_cur/n_ref) over the union of categories; score = p-value; drift if p < t. (Not the
 *   homogeneity / contingency-table test.)
 * - z: two-proportion z-test, the first category (sorted) against the rest, pooled variance;
 *   p = 2·(1 − Φ(|z|)); drift if p < t.
 * - wasserstein: scipy.stats.wasserstein_distance(ref, cur) / max(std(ref, ddof=0), 0.001);
 *   drift if ≥ t.
 * - jensenshannon: scipy.spatial.distance.jensenshannon(p_ref, p_cur) with base=None, i.e. natural
 *   log (so the distance ranges over [0, √ln 2 ≈ 0.8326], not [0, 1]); no epsilon for empty bins;
 *   drift if ≥ t.
 * - psi: Σ (p_ref − p_cur)·ln(p_ref / p_cur) with empty bins replaced by an epsilon; drift if ≥ t.
 *   The same function (psi()) scores the live monitors' decile PSI, with the same default bar.
 * - kl: scipy.stats.entropy(p_ref, p_cur) (natural log, after renormalising), same epsilon; drift
 *   if ≥ t.
 *
 * Binning for jensenshannon / psi / kl: a numerical column whose reference has more than 20
 * distinct values is cut with np.histogram_bin_edges(concat(ref, cur), bins='sturges') — the
 * `n_bins=30` argument Evidently passes is ignored by its own code — otherwise every distinct value
 * is its own bin. The epsilon for an empty bin is min(non-zero share)/10⁶ when that minimum is
 * ≤ 0.0001, else 0.0001, applied to each side separately.
 */

export type StatTestName = 'ks' | 'chisquare' | 'z' | 'wasserstein' | 'jensenshannon' | 'psi' | 'kl';

export const STAT_TESTS: readonly StatTestName[] = [
  'ks',
  'chisquare',
  'z',
  'wasserstein',
  'jensenshannon',
  'psi',
  'kl',
];

/**
 * PSI at or above which a distribution has shifted: the conventional "significant shift" bar, used
 * by dataset drift and the live monitors alike (Evidently's own psi default is 0.1; Keel's monitors
 * alert only on a change worth acting on, and one bar keeps the two views of a column consistent).
 */
export const PSI_THRESHOLD = 0.2;

export const DEFAULT_THRESHOLD: Record<StatTestName, number> = {
  ks: 0.05,
  chisquare: 0.05,
  z: 0.05,
  wasserstein: 0.1,
  jensenshannon: 0.1,
  psi: PSI_THRESHOLD,
  kl: 0.1,
};

export interface TestOutcome {
  statistic: number;
  pValue: number | null;
  drifted: boolean;
  /** Notes on inputs the peers handle badly: constant columns, zero reference std … */
  flags: string[];
  ksMethod?: 'exact' | 'asymp';
  referenceStd?: number;
}

function isConstantAndEqual(ref: Map<Key, number>, cur: Map<Key, number>): boolean {
  if (ref.size !== 1 || cur.size !== 1) return false;
  return ref.keys().next().value === cur.keys().next().value;
}

/** Category keys in a deterministic order: reference first-seen, then new current ones. */
function unionKeys(ref: Map<Key, number>, cur: Map<Key, number>): Key[] {
  const keys = [...ref.keys()];
  for (const k of cur.keys()) if (!ref.has(k)) keys.push(k);
  return keys;
}

export function ksTest(ref: Sample, cur: Sample, threshold: number, method: KsMethod = 'auto'): TestOutcome {
  if (ref.kind !== 'numeric' || cur.kind !== 'numeric') throw new Error('ks needs a numerical column');
  const r = ks2samp(ref.sorted, cur.sorted, method);
  return {
    statistic: r.statistic,
    pValue: r.pValue,
    drifted: r.pValue <= threshold,
    flags: [],
    ksMethod: r.method,
  };
}

export function chiSquareTest(ref: Sample, cur: Sample, threshold: number): TestOutcome {
  const rc = valueCounts(ref);
  const cc = valueCounts(cur);
  if (isConstantAndEqual(rc, cc))
    // SciPy returns NaN (zero degrees of freedom); one shared value is no evidence of drift.
    return { statistic: 0, pValue: 1, drifted: false, flags: ['constant'] };
  const keys = unionKeys(rc, cc);
  const kNorm = sampleSize(cur) / sampleSize(ref);
  const terms = new Float64Array(keys.length);
  keys.forEach((k, i) => {
    const exp = (rc.get(k) ?? 0) * kNorm;
    const obs = cc.get(k) ?? 0;
    terms[i] = (obs - exp) ** 2 / exp;
  });
  const stat = npSum(terms);
  const p = chi2Sf(stat, keys.length - 1);
  const flags = Number.isFinite(stat) ? [] : ['new_categories_infinite_statistic'];
  return { statistic: stat, pValue: p, drifted: p < threshold, flags };
}

export function zTest(ref: Sample, cur: Sample, threshold: number): TestOutcome {
  const rc = valueCounts(ref);
  const cc = valueCounts(cur);
  if (isConstantAndEqual(rc, cc)) return { statistic: 0, pValue: 1, drifted: false, flags: ['constant'] };
  const keys = unionKeys(rc, cc).sort(compareKeys);
  const first = keys[0] as Key;
  const n1 = sampleSize(ref);
  const n2 = sampleSize(cur);
  const p1 = (n1 - (rc.get(first) ?? 0)) / n1;
  const p2 = (n2 - (cc.get(first) ?? 0)) / n2;
  const P = (p1 * n1 + p2 * n2) / (n1 + n2);
  const z = (p1 - p2) / Math.sqrt(P * (1 - P) * (1 / n1 + 1 / n2));
  const p = 2 * (1 - ndtr(Math.abs(z)));
  return { statistic: z, pValue: p, drifted: p < threshold, flags: [] };
}

/** Python's ordering of a homogeneous key list: numbers numerically, text by code point. */
function compareKeys(a: Key, b: Key): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Σ over the merged support of |F_ref − F_cur|·Δx, in one pass over both sorted samples. */
export function wassersteinDistance(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let sum = 0;
  let comp = 0;
  let prev = Number.NaN;
  let prevDiff = 0;
  while (i < n1 || j < n2) {
    const va = i < n1 ? (a[i] as number) : Number.POSITIVE_INFINITY;
    const vb = j < n2 ? (b[j] as number) : Number.POSITIVE_INFINITY;
    const v = Math.min(va, vb);
    if (!Number.isNaN(prev)) {
      const term = prevDiff * (v - prev);
      const s = sum + term;
      comp += Math.abs(sum) >= Math.abs(term) ? sum - s + term : term - s + sum;
      sum = s;
    }
    while (i < n1 && (a[i] as number) <= v) i++;
    while (j < n2 && (b[j] as number) <= v) j++;
    prevDiff = Math.abs(i / n1 - j / n2);
    prev = v;
  }
  return sum + comp;
}

const WASSERSTEIN_STD_FLOOR = 0.001;

export function wassersteinTest(ref: Sample, cur: Sample, threshold: number, refStd: number): TestOutcome {
  if (ref.kind !== 'numeric' || cur.kind !== 'numeric')
    throw new Error('wasserstein needs a numerical column');
  const flags: string[] = [];
  // Evidently divides by max(std, 0.001) without saying so; Keel divides the same way (so scores
  // stay comparable) but flags it, because the score is then in units of 0.001, not of the std.
  if (refStd === 0) flags.push('reference_std_zero');
  else if (refStd < WASSERSTEIN_STD_FLOOR) flags.push('reference_std_below_floor');
  const w = wassersteinDistance(ref.sorted, cur.sorted) / Math.max(refStd, WASSERSTEIN_STD_FLOOR);
  return { statistic: w, pValue: null, drifted: w >= threshold, flags, referenceStd: refStd };
}

/** Evidently's get_binned_data: the shares of each bin or category on each side. */
function binnedShares(
  ref: Sample,
  cur: Sample,
  numerical: boolean,
  refUnique: number,
  fillZeroes: boolean,
): { ref: Float64Array; cur: Float64Array } {
  let rp: Float64Array;
  let cp: Float64Array;
  if (numerical && ref.kind === 'numeric' && cur.kind === 'numeric' && refUnique > 20) {
    const r = ref.sorted;
    const c = cur.sorted;
    const min = Math.min(r[0] as number, c[0] as number);
    const max = Math.max(r[r.length - 1] as number, c[c.length - 1] as number);
    const edges = sturgesEdges(min, max, r.length + c.length, ref.integer && cur.integer);
    rp = histogramSorted(r, edges).map((x) => x / r.length);
    cp = histogramSorted(c, edges).map((x) => x / c.length);
  } else {
    const rc = valueCounts(ref);
    const cc = valueCounts(cur);
    const keys = unionKeys(rc, cc);
    const n1 = sampleSize(ref);
    const n2 = sampleSize(cur);
    rp = Float64Array.from(keys, (k) => (rc.get(k) ?? 0) / n1);
    cp = Float64Array.from(keys, (k) => (cc.get(k) ?? 0) / n2);
  }
  if (fillZeroes) {
    fillEmpty(rp);
    fillEmpty(cp);
  }
  return { ref: rp, cur: cp };
}

function fillEmpty(p: Float64Array): void {
  let min = Number.POSITIVE_INFINITY;
  for (const v of p) if (v !== 0 && v < min) min = v;
  if (!Number.isFinite(min)) return;
  const eps = min <= 0.0001 ? min / 1000000 : 0.0001;
  for (let i = 0; i < p.length; i++) if (p[i] === 0) p[i] = eps;
}

/** scipy.special.rel_entr. */
function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Number.POSITIVE_INFINITY;
}

/** scipy.spatial.distance.jensenshannon(p, q) with natural log. */
export function jensenShannon(pIn: Float64Array, qIn: Float64Array): number {
  const ps = npSum(pIn);
  const qs = npSum(qIn);
  const p = pIn.map((v) => v / ps);
  const q = qIn.map((v) => v / qs);
  const left = new Float64Array(p.length);
  const right = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const m = ((p[i] as number) + (q[i] as number)) / 2;
    left[i] = relEntr(p[i] as number, m);
    right[i] = relEntr(q[i] as number, m);
  }
  return Math.sqrt((npSum(left) + npSum(right)) / 2);
}

export function jensenShannonTest(
  ref: Sample,
  cur: Sample,
  threshold: number,
  numerical: boolean,
  refUnique: number,
): TestOutcome {
  const b = binnedShares(ref, cur, numerical, refUnique, false);
  const js = jensenShannon(b.ref, b.cur);
  return { statistic: js, pValue: null, drifted: js >= threshold, flags: [] };
}

export function psiTest(
  ref: Sample,
  cur: Sample,
  threshold: number,
  numerical: boolean,
  refUnique: number,
): TestOutcome {
  const b = binnedShares(ref, cur, numerical, refUnique, false);
  const value = psi(b.ref, b.cur);
  return { statistic: value, pValue: null, drifted: value >= threshold, flags: [] };
}

/**
 * Population stability index of two share vectors over the same bins. Empty bins get the epsilon
 * of fillEmpty (on copies; the inputs are not changed).
 */
export function psi(refShares: Float64Array, curShares: Float64Array): number {
  const r = Float64Array.from(refShares);
  const c = Float64Array.from(curShares);
  fillEmpty(r);
  fillEmpty(c);
  const terms = new Float64Array(r.length);
  for (let i = 0; i < terms.length; i++) {
    const x = r[i] as number;
    const y = c[i] as number;
    terms[i] = (x - y) * Math.log(x / y);
  }
  return npSum(terms);
}

export function klTest(
  ref: Sample,
  cur: Sample,
  threshold: number,
  numerical: boolean,
  refUnique: number,
): TestOutcome {
  const b = binnedShares(ref, cur, numerical, refUnique, true);
  const ps = npSum(b.ref);
  const qs = npSum(b.cur);
  const terms = new Float64Array(b.ref.length);
  for (let i = 0; i < terms.length; i++)
    terms[i] = relEntr((b.ref[i] as number) / ps, (b.cur[i] as number) / qs);
  const kl = npSum(terms);
  return { statistic: kl, pValue: null, drifted: kl >= threshold, flags: [] };
}
