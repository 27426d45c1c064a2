/**
 * Ascending sort of a NaN-free Float64Array in place by LSD radix sort on the IEEE-754 bits
 * (16-bit digits, passes whose digit is constant are skipped). About 10× faster than
 * Float64Array.prototype.sort on a million values, which matters when every column of a
 * million-row file is sorted for the exact KS and Wasserstein statistics. Same order as the
 * built-in sort, including −0 before +0.
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const SMALL = 4096;

export function sortFloat64(a: Float64Array): Float64Array {
  const n = a.length;
  if (n < SMALL || !LITTLE_ENDIAN || a.byteOffset % 4 !== 0) return a.sort();
  const words = new Uint32Array(a.buffer, a.byteOffset, n * 2);
  let hi = new Uint32Array(n);
  let lo = new Uint32Array(n);
  // Map bits to unsigned keys that order like the numbers: negatives flip all bits, positives
  // flip the sign bit.
  for (let i = 0; i < n; i++) {
    let h = words[2 * i + 1] as number;
    let l = words[2 * i] as number;
    if (h & 0x80000000) {
      h = ~h >>> 0;
      l = ~l >>> 0;
    } else h = (h | 0x80000000) >>> 0;
    hi[i] = h;
    lo[i] = l;
  }
  let hi2 = new Uint32Array(n);
  let lo2 = new Uint32Array(n);
  const count = new Uint32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const src = pass < 2 ? lo : hi;
    const shift = pass % 2 === 0 ? 0 : 16;
    count.fill(0);
    for (let i = 0; i < n; i++) {
      const d = ((src[i] as number) >>> shift) & 0xffff;
      count[d] = (count[d] as number) + 1;
    }
    // A digit shared by every key leaves the order as it is.
    const first = ((src[0] as number) >>> shift) & 0xffff;
    if (count[first] === n) continue;
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = count[d] as number;
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const d = ((src[i] as number) >>> shift) & 0xffff;
      const pos = count[d] as number;
      count[d] = pos + 1;
      hi2[pos] = hi[i] as number;
      lo2[pos] = lo[i] as number;
    }
    [hi, hi2] = [hi2, hi];
    [lo, lo2] = [lo2, lo];
  }
  for (let i = 0; i < n; i++) {
    let h = hi[i] as number;
    let l = lo[i] as number;
    if (h & 0x80000000) h = (h & 0x7fffffff) >>> 0;
    else {
      h = ~h >>> 0;
      l = ~l >>> 0;
    }
    words[2 * i + 1] = h;
    words[2 * i] = l;
  }
  return a;
}
