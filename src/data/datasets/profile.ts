import type { ColumnSample } from '../drift/samples.js';
import { npSum } from '../drift/special/numpy.js';
import { KllSketch, type KllState } from '../sketches/kll.js';
import type { ColumnKind } from './table.js';

/** What a dataset version records about each column. */
export interface ColumnProfile {
  name: string;
  kind: ColumnKind;
  rows: number;
  nulls: number;
  /** Exact distinct non-null values. */
  distinct: number;
  numeric?: {
    min: number;
    max: number;
    mean: number;
    std: number;
    sum: number;
    /** Linear-interpolated quantiles (pandas describe), keyed "0.01" … "0.99". */
    quantiles: Record<string, number>;
    /** KLL sketch of the values, for live monitors that compare traffic with a pinned version. */
    sketch: KllState;
  };
  /** Most frequent values (text / boolean columns). */
  top?: { value: string; count: number }[];
}

export interface DatasetProfile {
  rows: number;
  columns: ColumnProfile[];
}

const PROFILE_QUANTILES = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99] as const;
const TOP_VALUES = 10;
const SKETCH_K = 200;

/** Quantile with linear interpolation between order statistics (NumPy's default). */
function quantileSorted(a: Float64Array, q: number): number {
  if (a.length === 0) return Number.NaN;
  const pos = (a.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, a.length - 1);
  const frac = pos - lo;
  return (a[lo] as number) + ((a[hi] as number) - (a[lo] as number)) * frac;
}

/**
 * The stored profile of a version, from the cleaned samples drift already computed (one pass over
 * the data serves both). Nulls count missing values; ±∞ are numeric values outside min/max stats.
 */
export function profileFromSamples(
  rows: number,
  samples: Iterable<ColumnSample>,
  nulls: Map<string, number>,
): DatasetProfile {
  const columns: ColumnProfile[] = [];
  for (const s of samples) {
    const base = { name: s.name, kind: s.dtype, rows, nulls: nulls.get(s.name) ?? 0, distinct: s.rawUnique };
    if (s.sample.kind === 'numeric') {
      const a = s.sample.sorted;
      if (a.length === 0) {
        columns.push(base);
        continue;
      }
      const sketch = new KllSketch(SKETCH_K);
      // Feed in a scrambled order so the sketch's compactions see a typical stream.
      const stride = a.length > 7919 ? 7919 : 1;
      for (let start = 0; start < stride; start++)
        for (let i = start; i < a.length; i += stride) sketch.update(a[i] as number);
      const sum = npSum(a);
      columns.push({
        ...base,
        numeric: {
          min: a[0] as number,
          max: a[a.length - 1] as number,
          mean: sum / a.length,
          std: s.std,
          sum,
          quantiles: Object.fromEntries(PROFILE_QUANTILES.map((q) => [String(q), quantileSorted(a, q)])),
          sketch: sketch.toJSON(),
        },
      });
    } else {
      const top = [...s.sample.counts.entries()]
        .sort((x, y) => y[1] - x[1] || (String(x[0]) < String(y[0]) ? -1 : 1))
        .slice(0, TOP_VALUES)
        .map(([value, count]) => ({ value: String(value), count }));
      columns.push({ ...base, top });
    }
  }
  return { rows, columns };
}
