/**
 * The fixed latency histogram every rollup row carries, so p50/p95 can be computed from rollups
 * alone. Bounds are upper bounds in ms (bucket i holds bound[i-1] < latency ≤ bound[i]); the last
 * bucket is open-ended. Bounds roughly ×1.5 apart: an LLM call spans 5 ms (cache hit) to minutes.
 * Never change them without a migration: stored counts are only meaningful against these bounds.
 */
export const LATENCY_BOUNDS_MS = [
  5, 10, 20, 35, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10_000, 15_000,
  20_000, 30_000, 60_000,
] as const;

/** Number of histogram buckets (bounds + the open last one). */
export const LATENCY_BUCKETS = LATENCY_BOUNDS_MS.length + 1;

/** Column names lat_00 … lat_23, in bucket order. */
export const LATENCY_COLUMNS: readonly string[] = Array.from(
  { length: LATENCY_BUCKETS },
  (_, i) => `lat_${String(i).padStart(2, '0')}`,
);

/** The bucket a latency falls in (same rule as the SQL in rollups/sql.ts). */
export function latencyBucket(ms: number): number {
  for (let i = 0; i < LATENCY_BOUNDS_MS.length; i++) if (ms <= LATENCY_BOUNDS_MS[i]!) return i;
  return LATENCY_BOUNDS_MS.length;
}

/**
 * The q-quantile (0 < q < 1) of a histogram, Prometheus-style: find the bucket holding rank q·n and
 * interpolate linearly inside it (lower edge 0 for the first bucket). A rank in the open last bucket
 * reports that bucket's lower edge (60 s), since there is no upper edge to interpolate to.
 * Null for an empty histogram.
 */
export function histogramQuantile(counts: readonly number[], q: number): number | null {
  let total = 0;
  for (const c of counts) total += c;
  if (total === 0) return null;
  const rank = q * total;
  let cum = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] ?? 0;
    if (c > 0 && cum + c >= rank) {
      const lower = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1]!;
      if (i >= LATENCY_BOUNDS_MS.length) return lower;
      const upper = LATENCY_BOUNDS_MS[i]!;
      return lower + ((upper - lower) * (rank - cum)) / c;
    }
    cum += c;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1]!;
}
