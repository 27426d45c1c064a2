/**
 * The few NumPy behaviours the drift statistics depend on bit for bit: `np.sum`'s pairwise
 * summation (verified to reproduce np.sum exactly on float64 arrays), `np.round`'s half-to-even,
 * and `np.histogram_bin_edges(bins='sturges')` + `np.histogram` with explicit edges.
 */

type Num = ArrayLike<number>;

function pairwise(a: Num, lo: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[lo + i] as number;
    return res;
  }
  if (n <= 128) {
    let r0 = a[lo] as number;
    let r1 = a[lo + 1] as number;
    let r2 = a[lo + 2] as number;
    let r3 = a[lo + 3] as number;
    let r4 = a[lo + 4] as number;
    let r5 = a[lo + 5] as number;
    let r6 = a[lo + 6] as number;
    let r7 = a[lo + 7] as number;
    let i = 8;
    const end = n - (n % 8);
    for (; i < end; i += 8) {
      const b = lo + i;
      r0 += a[b] as number;
      r1 += a[b + 1] as number;
      r2 += a[b + 2] as number;
      r3 += a[b + 3] as number;
      r4 += a[b + 4] as number;
      r5 += a[b + 5] as number;
      r6 += a[b + 6] as number;
      r7 += a[b + 7] as number;
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) res += a[lo + i] as number;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwise(a, lo, n2) + pairwise(a, lo + n2, n - n2);
}

/** np.sum of a float64 vector, same order of additions. */
export function npSum(a: Num, lo = 0, n = a.length - lo): number {
  return pairwise(a, lo, n);
}

/** np.round / Python round: ties to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Population standard deviation (ddof = 0) by two passes, as pandas/NumPy compute it. */
export function populationStd(a: Float64Array): number {
  const n = a.length;
  if (n === 0) return Number.NaN;
  const mean = npSum(a) / n;
  const sq = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - mean;
    sq[i] = d * d;
  }
  return Math.sqrt(npSum(sq) / n);
}

/**
 * np.histogram_bin_edges(values, bins='sturges') for finite data given by its extremes and size.
 * `integer` mirrors NumPy's rule for integer dtypes (bin width at least 1).
 */
export function sturgesEdges(min: number, max: number, size: number, integer: boolean): Float64Array {
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  let width = (max - min) / (Math.log2(size) + 1);
  let bins = 1;
  if (width) {
    if (integer && width < 1) width = 1;
    bins = Math.ceil((last - first) / width);
  }
  return linspace(first, last, bins + 1);
}

/** np.linspace(start, stop, num) with endpoint: i·step + start, last element pinned to stop. */
function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const div = num - 1;
  if (div <= 0) {
    if (num === 1) out[0] = start;
    return out;
  }
  const delta = stop - start;
  const step = delta / div;
  for (let i = 0; i < num; i++) out[i] = step === 0 ? (i / div) * delta + start : i * step + start;
  out[num - 1] = stop;
  return out;
}

/** First index whose value is ≥ v (side='left') or > v (side='right') in a sorted array. */
function searchSorted(a: Float64Array, v: number, side: 'left' | 'right'): number {
  let lo = 0;
  let hi = a.length;
  if (side === 'left') {
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((a[mid] as number) < v) lo = mid + 1;
      else hi = mid;
    }
  } else {
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((a[mid] as number) <= v) lo = mid + 1;
      else hi = mid;
    }
  }
  return lo;
}

/** np.histogram(sorted, edges)[0]: [e_i, e_i+1) per bin, the last bin closed. */
export function histogramSorted(sorted: Float64Array, edges: Float64Array): Float64Array {
  const k = edges.length - 1;
  const counts = new Float64Array(k);
  let prev = searchSorted(sorted, edges[0] as number, 'left');
  for (let i = 1; i <= k; i++) {
    const cur = searchSorted(sorted, edges[i] as number, i === k ? 'right' : 'left');
    counts[i - 1] = cur - prev;
    prev = cur;
  }
  return counts;
}
