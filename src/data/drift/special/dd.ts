/**
 * Minimal double-double arithmetic (Dekker / Bailey's QD algorithms), enough for the one-sided
 * Smirnov sum, whose terms need ~30 significant digits before they cancel into a p-value.
 * A value is hi + lo with |lo| ≤ ulp(hi)/2. Functions return fresh tuples; the hot loops that use
 * them run at most a few thousand iterations.
 */
export type DD = readonly [number, number];

const SPLITTER = 134217729; // 2^27 + 1

function split(a: number): [number, number] {
  const t = SPLITTER * a;
  const hi = t - (t - a);
  return [hi, a - hi];
}

export function twoSum(a: number, b: number): [number, number] {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}

function quickTwoSum(a: number, b: number): [number, number] {
  const s = a + b;
  return [s, b - (s - a)];
}

export function twoProd(a: number, b: number): [number, number] {
  const p = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

export function ddAdd(a: DD, b: DD): DD {
  let [s1, s2] = twoSum(a[0], b[0]);
  const [t1, t2] = twoSum(a[1], b[1]);
  s2 += t1;
  [s1, s2] = quickTwoSum(s1, s2);
  s2 += t2;
  return quickTwoSum(s1, s2);
}

export function ddAddD(a: DD, b: number): DD {
  const [s1, s2] = twoSum(a[0], b);
  return quickTwoSum(s1, s2 + a[1]);
}

export function ddMul(a: DD, b: DD): DD {
  const [p1, p2] = twoProd(a[0], b[0]);
  return quickTwoSum(p1, p2 + (a[0] * b[1] + a[1] * b[0]));
}

export function ddMulD(a: DD, b: number): DD {
  const [p1, p2] = twoProd(a[0], b);
  return quickTwoSum(p1, p2 + a[1] * b);
}

export function ddDivD(a: DD, b: number): DD {
  const q1 = a[0] / b;
  const [p1, p2] = twoProd(q1, b);
  const [s, e0] = twoSum(a[0], -p1);
  const e = e0 - p2 + a[1];
  return quickTwoSum(q1, (s + e) / b);
}

export function ddDiv(a: DD, b: DD): DD {
  const q1 = a[0] / b[0];
  let r = ddAdd(a, ddMulD(b, -q1));
  const q2 = r[0] / b[0];
  r = ddAdd(r, ddMulD(b, -q2));
  const q3 = r[0] / b[0];
  return ddAddD(quickTwoSum(q1, q2), q3);
}

/** Mantissa in [0.5, 1) (sign kept) and binary exponent, like C frexp applied to the hi part. */
export function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  let e = Math.ceil(Math.log2(Math.abs(x)));
  let m = ldexpSafe(x, -e);
  // log2 can be off by one at the edges of a binade; normalise.
  while (Math.abs(m) >= 1) {
    m /= 2;
    e++;
  }
  while (Math.abs(m) < 0.5) {
    m *= 2;
    e--;
  }
  return [m, e];
}

export function ddFrexp(a: DD): [DD, number] {
  const [m, e] = frexp(a[0]);
  return [[m, ldexpSafe(a[1], -e)], e];
}

export function ldexpSafe(x: number, e: number): number {
  let v = x;
  let k = e;
  while (k > 1000) {
    v *= 2 ** 1000;
    k -= 1000;
  }
  while (k < -1000) {
    v *= 2 ** -1000;
    k += 1000;
  }
  return v * 2 ** k;
}

export function ddLdexp(a: DD, e: number): DD {
  return [ldexpSafe(a[0], e), ldexpSafe(a[1], e)];
}
