import { kolmogornSf } from './kolmogorov.js';
import { roundHalfEven } from './numpy.js';

/**
 * scipy.stats.ks_2samp(data1, data2, alternative='two-sided', method=…) on pre-sorted samples.
 * The statistic is found in one merge pass (O(n1 + n2)) instead of SciPy's searchsorted over the
 * concatenation, with identical floating-point values: each ECDF difference is c1/n1 − c2/n2.
 */

export type KsMethod = 'auto' | 'exact' | 'asymp';

interface KsResult {
  statistic: number;
  pValue: number;
  /** The method that produced the p-value (auto resolves to exact or asymp; exact may fall back). */
  method: 'exact' | 'asymp';
}

const MAX_AUTO_N = 10000;
const INT32_MAX = 2147483647;

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y) [x, y] = [y, x % y];
  return x;
}

/** max and min over the merged sample of ECDF1 − ECDF2, as ks_2samp's cddiffs. */
function ecdfExtremes(a: Float64Array, b: Float64Array): { maxS: number; minS: number } {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let max = Number.NEGATIVE_INFINITY;
  let min = Number.POSITIVE_INFINITY;
  while (i < n1 || j < n2) {
    const va = i < n1 ? (a[i] as number) : Number.POSITIVE_INFINITY;
    const vb = j < n2 ? (b[j] as number) : Number.POSITIVE_INFINITY;
    const v = Math.min(va, vb);
    while (i < n1 && (a[i] as number) <= v) i++;
    while (j < n2 && (b[j] as number) <= v) j++;
    const d = i / n1 - j / n2;
    if (d > max) max = d;
    if (d < min) min = d;
  }
  const neg = -min;
  return { maxS: max, minS: neg < 0 ? 0 : Math.min(neg, 1) };
}

/** P(D_{n,n} ≥ h/n), two-sided, n1 = n2 = n. */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  let k = Math.floor(n / h);
  while (k >= 0) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
    k -= 1;
  }
  return 2 * P;
}

/** Proportion of lattice paths leaving the band |x/m − y/n| < h/lcm (Hodges; Viehmann's 1 − p form). */
function outerProbInside(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  for (let j = minj; j < maxj && j < lenA; j++) A[j] = 0;
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = ((A[jj + minj - lastminj] as number) * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) for (let k = curlen; k < lastlen && k < lenA; k++) A[k] = 1;
  }
  return A[maxj - minj - 1] as number;
}

/** Two-sided ks_2samp on ascending, NaN-free samples. */
export function ks2samp(a: Float64Array, b: Float64Array, method: KsMethod = 'auto'): KsResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new Error('ks_2samp needs two non-empty samples');
  const { maxS, minS } = ecdfExtremes(a, b);
  let d = Math.max(minS, maxS);
  const g = gcd(n1, n2);
  const n1g = n1 / g;
  const n2g = n2 / g;
  let mode: 'exact' | 'asymp';
  if (method === 'auto') mode = Math.max(n1, n2) <= MAX_AUTO_N ? 'exact' : 'asymp';
  else if (method === 'exact') mode = n1g >= INT32_MAX / n2g ? 'asymp' : 'exact';
  else mode = 'asymp';

  let prob = Number.NaN;
  if (mode === 'exact') {
    const lcm = n1g * n2;
    const h = roundHalfEven(d * lcm);
    d = h / lcm;
    if (h === 0) return { statistic: d, pValue: 1, method: 'exact' };
    prob = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
    if (!(prob >= 0 && prob <= 1)) mode = 'asymp';
  }
  if (mode === 'asymp') {
    const m = Math.max(n1, n2);
    const n = Math.min(n1, n2);
    const en = (m * n) / (m + n);
    prob = kolmogornSf(roundHalfEven(en), d);
  }
  return { statistic: d, pValue: prob < 0 ? 0 : Math.min(prob, 1), method: mode };
}
