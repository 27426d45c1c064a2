import { ldexpSafe } from './dd.js';
import { smirnovSf } from './smirnov.js';

/**
 * Survival function of the two-sided one-sample Kolmogorov–Smirnov statistic D_n, i.e.
 * scipy.stats.kstwo.sf(x, n), which ks_2samp's asymptotic method evaluates at n = round(m·n/(m+n)).
 * It follows SciPy's `_kolmogn` (Simard & L'Ecuyer 2011): the same regimes and cut-overs, each
 * computed by the same method (Ruben–Gambino, Durbin/MTW matrix power, Pomeranz recursion,
 * Pelz–Good expansion, or twice the one-sided Smirnov tail).
 */

const E128 = 2 ** 128;
const EM128 = 2 ** -128;
const SQRT2PI = 2.5066282746310002;
const LOG_2PI = 1.8378770664093453;
const SQRT3 = 1.7320508075688772;
const PI2 = 9.869604401089358;
const PI4 = 97.40909103400242;
const PI6 = 961.3891935753043;
const MIN_LOG = -708;
const STIRLING = [
  -0.029550653594771242, 0.00641025641025641, -0.0019175269175269176, 0.0008417508417508417,
  -0.0005952380952380953, 0.0007936507936507937, -0.002777777777777778, 0.08333333333333333,
];

const clip01 = (p: number): number => (p < 0 ? 0 : Math.min(p, 1));

/** log(n! / n^n) by Stirling's series with n·log n removed up front. */
function logNFactorialDivNPowN(n: number): number {
  const rn = 1 / n;
  let poly = 0;
  const t = rn / n;
  for (const c of STIRLING) poly = poly * t + c;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * poly;
}

function matmul(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++)
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k] as number;
      if (aik === 0) continue;
      const row = k * m;
      const orow = i * m;
      for (let j = 0; j < m; j++) out[orow + j] = (out[orow + j] as number) + aik * (b[row + j] as number);
    }
  return out;
}

/** P(D_n ≤ d) by the Durbin matrix algorithm as Marsaglia, Tsang & Wang evaluate it. */
function kolmognDMTW(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1 - h ** j) * fac;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * fac;
  let H: Float64Array = new Float64Array(m * m);
  for (let i = 1; i < m; i++) for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1] as number;
  for (let r = 0; r < m; r++) H[r * m] = v[r] as number;
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c] as number;

  let Hpwr: Float64Array = new Float64Array(m * m);
  for (let i = 0; i < m; i++) Hpwr[i * m + i] = 1;
  let nn = n;
  let expnt = 0;
  let Hexpnt = 0;
  const kk = (k - 1) * m + (k - 1);
  while (nn > 0) {
    if (nn % 2) {
      Hpwr = matmul(Hpwr, H, m);
      expnt += Hexpnt;
    }
    H = matmul(H, H, m);
    Hexpnt *= 2;
    if (Math.abs(H[kk] as number) > E128) {
      for (let i = 0; i < H.length; i++) H[i] = (H[i] as number) / E128;
      Hexpnt += 128;
    }
    nn = Math.floor(nn / 2);
  }
  let p = Hpwr[kk] as number;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < EM128) {
      p *= E128;
      expnt -= 128;
    }
  }
  if (expnt !== 0) p = ldexpSafe(p, expnt);
  return clip01(p);
}

function pomeranzJ1J2(i: number, n: number, ll: number, ceilf: number, roundf: number): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const ip1div2 = Math.floor((i + 1) / 2);
    const ip1mod2 = (i + 1) % 2;
    if (ip1mod2 === 0) {
      if (ip1div2 === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = ip1div2 - 1 - ll - roundf - 1;
        j2 = ip1div2 + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = ip1div2 - 1 - ll - 1;
      j2 = ip1div2 + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/** P(D_n ≤ x) by the Pomeranz recursion. */
function kolmognPomeranz(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const npwrs = 2 * (ll + 1);
  const gpower = new Float64Array(npwrs);
  const twogpower = new Float64Array(npwrs);
  const onem2gpower = new Float64Array(npwrs);
  gpower[0] = 1;
  twogpower[0] = 1;
  onem2gpower[0] = 1;
  let expnt = 0;
  const gn = g / n;
  const g2n = (2 * g) / n;
  const om2gn = (1 - 2 * g) / n;
  for (let m = 1; m < npwrs; m++) {
    gpower[m] = ((gpower[m - 1] as number) * gn) / m;
    twogpower[m] = ((twogpower[m - 1] as number) * g2n) / m;
    onem2gpower[m] = ((onem2gpower[m - 1] as number) * om2gn) / m;
  }
  let V0 = new Float64Array(npwrs);
  let V1 = new Float64Array(npwrs);
  V1[0] = 1;
  let V0s = 0;
  let V1s = 0;
  let [j1, j2] = pomeranzJ1J2(0, n, ll, ceilf, roundf);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [V0, V1] = [V1, V0];
    [V0s, V1s] = [V1s, V0s];
    V1.fill(0);
    [j1, j2] = pomeranzJ1J2(i, n, ll, ceilf, roundf);
    const pwrs = i === 1 || i === 2 * n + 1 ? gpower : i % 2 ? twogpower : onem2gpower;
    const ln2 = j2 - k1 + 1;
    if (ln2 > 0) {
      const aStart = k1 - V0s;
      const aLen = Math.max(0, Math.min(aStart + ln2, npwrs) - aStart);
      const bLen = Math.min(ln2, npwrs);
      const convStart = j1 - k1;
      const convLen = j2 - j1 + 1;
      let max = 0;
      for (let o = 0; o < convLen; o++) {
        const kIdx = convStart + o;
        let s = 0;
        const lo = Math.max(0, kIdx - bLen + 1);
        const hi = Math.min(kIdx, aLen - 1);
        for (let a = lo; a <= hi; a++) s += (V0[aStart + a] as number) * (pwrs[kIdx - a] as number);
        V1[o] = s;
        if (s > max) max = s;
      }
      if (max > 0 && max < EM128) {
        for (let o = 0; o < npwrs; o++) V1[o] = (V1[o] as number) * E128;
        expnt -= 128;
      }
      V1s = V0s + j1 - k1;
    }
  }
  let ans = V1[n - V1s] as number;
  for (let m = 1; m <= n; m++) {
    if (Math.abs(ans) > E128) {
      ans *= EM128;
      expnt += 128;
    }
    ans *= m;
  }
  if (expnt !== 0) ans = ldexpSafe(ans, expnt);
  return clip01(ans);
}

/** Pelz–Good approximation of P(D_n ≤ x). */
function kolmognPelzGood(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z ** 2;
  const z3 = z ** 3;
  const z4 = z ** 4;
  const z6 = z ** 6;
  const qlog = -PI2 / 8 / z2;
  if (qlog < MIN_LOG) return 0;
  let q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m ** 2;
    const m4 = m ** 4;
    const m6 = m ** 6;
    const qpower = q ** (8 * k);
    const coeffs = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6];
    for (let i = 0; i < 4; i++) K[i] = (K[i] as number) * qpower + (coeffs[i] as number);
  }
  const div = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = ((K[i] as number) * q * SQRT2PI) / (div[i] as number);
  q = Math.exp(-PI2 / 2 / z2);
  const sqrt3z = SQRT3 * z;
  let k2extra = 0;
  let k3extra = 0;
  for (let k = maxk; k > 0; k--) {
    const ks2 = k * k;
    const qp = q ** ks2;
    const kspi = Math.PI * k;
    k2extra += ks2 * qp;
    k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ks2 * qp;
  }
  k2extra *= (PI2 * SQRT2PI) / (-36 * z3);
  k3extra *= (PI2 * SQRT2PI) / (216 * z6);
  K[2] = (K[2] as number) + k2extra;
  K[3] = (K[3] as number) + k3extra;
  const pw = [1, n ** 0.5, n ** 1, n ** 1.5];
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += (K[i] as number) / (pw[i] as number);
  return sum;
}

/** scipy.stats.kstwo.sf(x, n): P(D_n ≥ x) for the two-sided one-sample statistic. */
export function kolmogornSf(n: number, x: number): number {
  if (!Number.isInteger(n) || n <= 0) return Number.NaN;
  if (Number.isNaN(x)) return Number.NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    let prob: number;
    if (n <= 140) {
      prob = 1 * (1 / n) * (2 * t - 1);
      for (let i = 2; i <= n; i++) prob *= i * (1 / n) * (2 * t - 1);
    } else prob = Math.exp(logNFactorialDivNPowN(n) + n * Math.log(2 * t - 1));
    return clip01(1 - prob);
  }
  if (t >= n - 1) return clip01(2 * (1 - x) ** n);
  if (x >= 0.5) return clip01(2 * smirnovSf(n, x));
  const nxsq = t * x;
  if (n <= 140) {
    if (nxsq <= 0.754693) return clip01(1 - kolmognDMTW(n, x));
    if (nxsq <= 4) return clip01(1 - kolmognPomeranz(n, x));
    return clip01(2 * smirnovSf(n, x));
  }
  if (nxsq >= 370) return 0;
  if (nxsq >= 2.2) return clip01(2 * smirnovSf(n, x));
  let cdf: number;
  if (nxsq >= 18) cdf = 1;
  else if (n <= 100000 && n * x ** 1.5 <= 1.4) cdf = kolmognDMTW(n, x);
  else cdf = kolmognPelzGood(n, x);
  return clip01(1 - clip01(cdf));
}
