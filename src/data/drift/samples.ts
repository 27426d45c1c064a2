import type { Column, ColumnKind } from '../datasets/table.js';
import { sortFloat64 } from './sort.js';
import { populationStd } from './special/numpy.js';

/** A category value: numbers for numeric columns, text otherwise. */
export type Key = number | string;

/** A numeric column with nulls and ±∞ removed (as Evidently drops them), sorted ascending. */
interface NumericSample {
  kind: 'numeric';
  sorted: Float64Array;
  /** pandas int64 dtype: decides integer bin widths and the ≤ 5-unique categorical rule. */
  integer: boolean;
}

/** A text / boolean column as value counts (nulls removed). */
interface CategoricalSample {
  kind: 'categorical';
  counts: Map<Key, number>;
  n: number;
}

export type Sample = NumericSample | CategoricalSample;

/**
 * Everything drift needs to know about one column of one side, computed once: the cleaned sample,
 * its size and distinct count, and (numeric) its population standard deviation. A reference
 * profile is kept and reused across drift runs (see profile-cache.ts).
 */
export interface ColumnSample {
  name: string;
  /** The pandas-like dtype of the raw column. */
  dtype: ColumnKind;
  /** Distinct non-null values of the raw column (±∞ count as values, as pandas nunique does). */
  rawUnique: number;
  sample: Sample;
  /** Rows used after dropping nulls and ±∞. */
  n: number;
  /** Distinct values in the cleaned sample. */
  unique: number;
  /** Population std of a numeric sample (NaN for categorical). */
  std: number;
}

export function sampleSize(s: Sample): number {
  return s.kind === 'numeric' ? s.sorted.length : s.n;
}

function distinctSorted(a: Float64Array): number {
  let u = 0;
  for (let i = 0; i < a.length; i++) if (i === 0 || a[i] !== a[i - 1]) u++;
  return u;
}

/** Value counts of any sample; numeric keys in ascending order. */
export function valueCounts(s: Sample): Map<Key, number> {
  if (s.kind === 'categorical') return s.counts;
  const m = new Map<Key, number>();
  const a = s.sorted;
  let i = 0;
  while (i < a.length) {
    const v = a[i] as number;
    let j = i + 1;
    while (j < a.length && a[j] === v) j++;
    m.set(v === 0 ? 0 : v, j - i);
    i = j;
  }
  return m;
}

export function columnSample(col: Column): ColumnSample {
  if (col.values) {
    const vals = col.values;
    let finite = 0;
    let infs = 0;
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i] as number;
      if (Number.isFinite(v)) finite++;
      else if (!Number.isNaN(v)) infs++;
    }
    const sorted = new Float64Array(finite);
    let k = 0;
    let posInf = false;
    let negInf = false;
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i] as number;
      if (Number.isFinite(v)) sorted[k++] = v;
      else if (v === Number.POSITIVE_INFINITY) posInf = true;
      else if (v === Number.NEGATIVE_INFINITY) negInf = true;
    }
    sortFloat64(sorted);
    const unique = distinctSorted(sorted);
    return {
      name: col.name,
      dtype: col.kind,
      rawUnique: unique + (infs ? (posInf ? 1 : 0) + (negInf ? 1 : 0) : 0),
      sample: { kind: 'numeric', sorted, integer: col.kind === 'int' },
      n: finite,
      unique,
      std: finite ? populationStd(sorted) : Number.NaN,
    };
  }
  const codes = col.codes as Int32Array;
  const dict = col.dict as string[];
  const perCode = new Float64Array(dict.length);
  let n = 0;
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i] as number;
    if (c >= 0) {
      perCode[c] = (perCode[c] as number) + 1;
      n++;
    }
  }
  const counts = new Map<Key, number>();
  for (let c = 0; c < dict.length; c++)
    if ((perCode[c] as number) > 0) counts.set(dict[c] as string, perCode[c] as number);
  return {
    name: col.name,
    dtype: col.kind,
    rawUnique: counts.size,
    sample: { kind: 'categorical', counts, n },
    n,
    unique: counts.size,
    std: Number.NaN,
  };
}
