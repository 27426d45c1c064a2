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

export function twoProd(a: number, b: number): [number, number] {
  const p = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
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
