import { expm1, MINLOG } from './cephes.js';
import { frexp, ldexpSafe, twoProd, twoSum } from './dd.js';

/**
 * scipy.special.smirnov(n, x) = P(D⁺_n ≥ x), the one-sided Kolmogorov–Smirnov tail, which the
 * asymptotic ks_2samp p-value uses (twice it) for moderate and large statistics.
 *
 * Same method as SciPy's `_smirnov` (xsf/cephes/kolmogorov.h): the Birnbaum–Tingey sum
 *   x · Σ_{v=0}^{⌊n(1−x)⌋} C(n, v) (1 − x − v/n)^(n−v) (x + v/n)^(v−1),
 * each power taken by libm pow on a base carried as a double-double (so rounding the base does not
 * get amplified by exponents up to 10⁶), powers and the binomial coefficient kept as mantissa and
 * binary exponent so nothing underflows, and the same stopping rule. The terms are spread over a
 * wide range of v (they are ≈ e^{−n x²/(2p(1−p))} at p = v/n), so up to n terms are summed; this
 * code keeps that loop free of allocations.
 */

const SM_MAX_EXPONENT = 960;
const clip01 = (p: number): number => (p < 0 ? 0 : Math.min(p, 1));

// Scratch outputs, to keep the hot loop allocation-free.
let outM = 0;
let outE = 0;

function nextPowerOf2(x: number): number {
  const q = ldexpSafe(x, 1 - 53);
  let L = Math.abs(q + x);
  if (L === 0) L = Math.abs(x);
  else if (Math.trunc(L) === L) L = Math.trunc(L);
  return L;
}

/** y^m for a double y > 0 as outM·2^outE with outM in [0.5, 1) (SciPy pow2Scaled_D). */
function powScaled(y0: number, m: number): void {
  if (m === 0) {
    outM = 0.5;
    outE = 1;
    return;
  }
  if (!(y0 > 0) || !Number.isFinite(y0)) {
    outM = y0 === 0 ? 0 : Number.NaN;
    outE = 0;
    return;
  }
  const [y, yE] = frexp(y0);
  if (m === 1) {
    outM = y;
    outE = yE;
    return;
  }
  let maxExpt = SM_MAX_EXPONENT;
  if ((m * (y - 1)) / y < -SM_MAX_EXPONENT * Math.LN2) {
    const lg2y = Math.log(y) / Math.LN2;
    if (m * lg2y <= -SM_MAX_EXPONENT) maxExpt = Math.trunc(nextPowerOf2(-SM_MAX_EXPONENT / lg2y + 1) / 2);
  }
  if (m <= maxExpt) {
    const [a, aE] = frexp(y ** m);
    outM = a;
    outE = aE + m * yE;
    return;
  }
  const q = Math.trunc(m / maxExpt);
  const r = m % maxExpt;
  powScaled(y, r);
  const y2r = outM;
  const y2rE = outE;
  powScaled(y, maxExpt);
  const y2m = outM;
  const y2mE = outE;
  powScaled(y2m, q);
  const [a, aE] = frexp(y2r * outM);
  outM = a;
  outE = aE + outE + y2mE * q + y2rE + m * yE;
}

/** Relative correction (1 + adj) for raising hi + lo instead of hi to the m-th power (SciPy pow_D). */
function powCorrection(hi: number, lo: number, m: number): number {
  const r = lo / hi;
  let adj = m * r;
  if (Math.abs(adj) > 1e-8) {
    if (Math.abs(adj) < 1e-4) adj += m * r * (((m - 1) / 2) * r);
    else adj = expm1(m * Math.log1p(r));
  }
  return adj;
}

/** (hi + lo)^m as a plain double, m ≥ 0, without the scaled representation. */
function powDD(hi: number, lo: number, m: number): number {
  if (m === 0) return 1;
  if (hi === 0) return 0;
  const ans = hi ** m;
  return ans + ans * powCorrection(hi, lo, m);
}

/**
 * First v worth forming exactly: terms below e^-80 of the largest cannot move the double-double sum
 * (SciPy's own cut-off is ≈ e^-52 of the sum). A log-space pass (two logs per v) finds where the
 * terms, which rise to one peak and fall, first come within that margin.
 */
function firstSignificantTerm(n: number, x: number, nTerms: number): number {
  let logC = 0;
  let best = n * Math.log1p(-x) - Math.log(x);
  let first = -1;
  const logs = new Float64Array(nTerms);
  for (let v = 1; v < nTerms; v++) {
    logC += Math.log((n - v + 1) / v);
    const y = x + v / n;
    const l = logC + (n - v) * Math.log1p(-y) + (v - 1) * Math.log(y);
    logs[v] = l;
    if (l > best) best = l;
    else if (l < best - 80) break;
  }
  for (let v = 1; v < nTerms; v++)
    if ((logs[v] as number) >= best - 80) {
      first = v;
      break;
    }
  return first < 0 ? 1 : first;
}

export function smirnovSf(n: number, x: number): number {
  if (!(n > 0 && x >= 0 && x <= 1)) return Number.NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  // floor(n·x) and its remainder, exactly.
  const [p, e] = twoProd(n, x);
  let nxfl = Math.floor(p);
  let alpha: number;
  if (nxfl === p) {
    if (e < 0) {
      nxfl -= 1;
      alpha = 1 + e;
    } else alpha = e;
  } else alpha = p - nxfl + e;
  if (alpha === 1) {
    nxfl += 1;
    alpha = 0;
  }
  let n1mxfl = n - nxfl - (alpha === 0 ? 0 : 1);
  if (alpha === 0) n1mxfl -= 1;
  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) {
    const [h, l] = twoSum(1, x);
    return 1 - x * powDD(h, l, n - 1);
  }
  if (-2 * n * x * x < MINLOG) return 0;
  if (nxfl >= n - 1) {
    const [h, l] = twoSum(1, -x);
    return powDD(h, l, n);
  }
  if (n > 1000000) {
    const logp = -((6 * n * x + 1) ** 2) / 18 / n;
    if (logp < -Math.LN2) return clip01(Math.exp(logp));
    return clip01(1 - -expm1(logp));
  }
  const nTerms = n1mxfl + 1;
  const vmid = Math.floor(n / 2);

  // Running double-double sum (sh, sl), starting with term v = 0: (1 − x)^n / x.
  const [h0, l0] = twoSum(1, -x);
  let sh = powDD(h0, l0, n) / x;
  let sl = 0;
  // Binomial coefficient C(n, v) = (ch + cl)·2^ce, mantissa normalised to [0.5, 1).
  let ch = 0.5; // C(n, 0) = 0.5·2^1
  let cl = 0;
  let ce = 1;
  /** C(n, j) → C(n, j + 1) = C(n, j)·(n − j)/(j + 1), as a double-double. */
  const advanceBinomial = (j: number) => {
    // (n − j)/(j + 1) as a double-double: q + r/(j + 1) with r the exact remainder.
    const a = n - j;
    const b = j + 1;
    const qh = a / b;
    const [p, pe] = twoProd(qh, b);
    const ql = (a - p - pe) / b;
    const [mh, ml0] = twoProd(ch, qh);
    const ml = ml0 + (ch * ql + cl * qh);
    const sum = mh + ml;
    const [m, ex] = frexp(sum);
    ch = m;
    cl = ldexpSafe(ml - (sum - mh), -ex);
    ce += ex;
  };
  advanceBinomial(0);

  // Consecutive terms differ by a smooth factor, so most terms come from the previous one:
  //   A_v / A_{v−1} = (n−v+1)/v · b1_v / b2_{v−1} · exp((n−v)·log1p(−δ) + (v−2)·log1p(γ)),
  //   δ = 1/(n·b2_{v−1}), γ = 1/(n·b1_{v−1}),
  // costing two log1p and one exp instead of several pow calls. Every ANCHOR terms (and whenever
  // δ or γ is large) the term is formed exactly, which bounds the drift of the recurrence to a few
  // hundred ulps (~1e-14 relative).
  const ANCHOR = 128;
  const jFrom = firstSignificantTerm(n, x, nTerms);
  for (let j = 1; j < jFrom; j++) advanceBinomial(j);
  let curM = 0;
  let curE = 0;
  let prevB1 = 0;
  let prevB2 = 0;
  for (let j = jFrom; j < nTerms; j++) {
    const v = j;
    // base2 = (n − v)/n − x and base1 = v/n + x as double-doubles.
    const q2 = (n - v) / n;
    const [p2, e2] = twoProd(q2, n);
    const q2lo = (n - v - p2 - e2) / n;
    const [b2h, b2l0] = twoSum(q2, -x);
    const b2l = b2l0 + q2lo;
    const q1 = v / n;
    const [p1, e1] = twoProd(q1, n);
    const q1lo = (v - p1 - e1) / n;
    const [b1h, b1l0] = twoSum(q1, x);
    const b1l = b1l0 + q1lo;

    const delta = j > jFrom ? 1 / (n * prevB2) : 1;
    const gamma = j > jFrom ? 1 / (n * prevB1) : 1;
    if ((j - jFrom) % ANCHOR === 0 || delta > 0.25 || gamma > 0.25) {
      powScaled(b2h, n - v);
      const t2m = outM * (1 + powCorrection(b2h, b2l, n - v));
      const t2E = outE;
      powScaled(b1h, v - 1);
      const t1m = v - 1 === 0 ? 1 : outM * (1 + powCorrection(b1h, b1l, v - 1));
      const t1E = v - 1 === 0 ? 0 : outE;
      const prod = t1m * t2m;
      const [ph, pl0] = twoProd(ch, prod);
      curM = ph + (pl0 + cl * prod);
      curE = ce + t1E + t2E;
    } else {
      const g = (n - v) * Math.log1p(-delta) + (v - 2) * Math.log1p(gamma);
      curM *= ((((n - v + 1) / v) * (b1h + b1l)) / prevB2) * Math.exp(g);
    }
    if (curM !== 0 && (Math.abs(curM) < 2 ** -500 || Math.abs(curM) > 2 ** 500)) {
      const [m, ex] = frexp(curM);
      curM = m;
      curE += ex;
    }
    prevB1 = b1h + b1l;
    prevB2 = b2h + b2l;
    const aj = ldexpSafe(curM, curE);
    if (Number.isFinite(aj) && aj !== 0) {
      const [s, err] = twoSum(sh, aj);
      const lo = err + sl;
      sh = s + lo;
      sl = lo - (sh - s);
    }
    if (aj !== 0) {
      if (4 * (nTerms - j) * Math.abs(aj) < Number.EPSILON * (sh + sl) && j !== nTerms - 1) break;
    } else if (j > vmid) break;
    advanceBinomial(j);
  }
  const [rh, rl0] = twoProd(sh, x);
  return clip01(rh + (rl0 + sl * x));
}
