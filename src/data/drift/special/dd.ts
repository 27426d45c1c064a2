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

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
/** 2^e for e in [−1074, 1023], indexed by e + 1074. */
const POW2 = Float64Array.from({ length: 2098 }, (_, i) => 2 ** (i - 1074));

/** Mantissa in [0.5, 1) (sign kept) and binary exponent, as C frexp; read from the bits. */
export function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  F64[0] = x;
  let hi = U32[HI] as number;
  let biased = (hi >>> 20) & 0x7ff;
  let adjust = 0;
  if (biased === 0) {
    // subnormal: scale into the normal range first
    F64[0] = x * 18014398509481984; // 2^54
    hi = U32[HI] as number;
    biased = (hi >>> 20) & 0x7ff;
    adjust = -54;
  }
  U32[HI] = (hi & 0x800fffff) | (1022 << 20);
  return [F64[0] as number, biased - 1022 + adjust];
}

export function ddFrexp(a: DD): [DD, number] {
  const [m, e] = frexp(a[0]);
  return [[m, ldexpSafe(a[1], -e)], e];
}

/** x·2^e without intermediate overflow or underflow. */
export function ldexpSafe(x: number, e: number): number {
  if (e >= -1022 && e <= 1023) return x * (POW2[e + 1074] as number);
  let v = x;
  let k = e;
  while (k > 1023) {
    v *= POW2[1023 + 1074] as number;
    k -= 1023;
  }
  while (k < -1022) {
    v *= POW2[-1022 + 1074] as number;
    k += 1022;
  }
  return v * (POW2[k + 1074] as number);
}

export function ddLdexp(a: DD, e: number): DD {
  return [ldexpSafe(a[0], e), ldexpSafe(a[1], e)];
}
