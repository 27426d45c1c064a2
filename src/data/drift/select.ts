import type { ColumnKind } from '../datasets/table.js';
import type { ColumnSample } from './samples.js';
import type { StatTestName } from './stattests.js';

/**
 * Evidently's default choices, reproduced from its source (legacy `utils/data_preprocessing.py`
 * `_get_column_type` and `calculations/stattests/registry.py` `_get_default_stattest`):
 *
 * Column type — the dtype is the current data's, unless the two sides are not both numeric, in
 * which case the reference's wins. An int64 column whose reference has ≤ 5 distinct values (the
 * current's count if the reference has none) is categorical; any other numeric column is
 * numerical; booleans and text are categorical.
 *
 * Test — with n_values = distinct values of reference ∪ current (nulls and ±∞ dropped) and the
 * reference's cleaned row count:
 *   reference ≤ 1000 rows: numerical with n_values > 5 → ks; otherwise (numerical ≤ 5 values, or
 *     categorical) → chisquare when n_values > 2, z when n_values ≤ 2;
 *   reference > 1000 rows: numerical with n_values > 5 → wasserstein; otherwise → jensenshannon.
 * Dataset drift when the share of drifted columns is ≥ 0.5.
 */

export type FeatureType = 'numerical' | 'categorical';

const NUMBER_UNIQUE_AS_CATEGORICAL = 5;
const SMALL_REFERENCE_ROWS = 1000;
export const DEFAULT_DRIFT_SHARE = 0.5;

const NUMERIC: ReadonlySet<ColumnKind> = new Set(['int', 'float', 'empty']);

/** The pandas dtype Evidently settles on when reference and current disagree. */
function resolvedDtype(ref: ColumnKind, cur: ColumnKind): ColumnKind {
  if (ref === cur) return ref;
  if (NUMERIC.has(ref) && NUMERIC.has(cur)) return cur === 'empty' ? 'float' : cur;
  return ref;
}

export function featureType(ref: ColumnSample, cur: ColumnSample): FeatureType {
  const dtype = resolvedDtype(ref.dtype, cur.dtype);
  if (dtype === 'int') {
    const nunique = ref.rawUnique || cur.rawUnique;
    return nunique <= NUMBER_UNIQUE_AS_CATEGORICAL ? 'categorical' : 'numerical';
  }
  if (dtype === 'float' || dtype === 'empty') return 'numerical';
  return 'categorical';
}

/** Distinct values of reference ∪ current after cleaning. */
export function unionUnique(ref: ColumnSample, cur: ColumnSample): number {
  const r = ref.sample;
  const c = cur.sample;
  if (r.kind === 'numeric' && c.kind === 'numeric') {
    const a = r.sorted;
    const b = c.sorted;
    let i = 0;
    let j = 0;
    let u = 0;
    while (i < a.length || j < b.length) {
      const va = i < a.length ? (a[i] as number) : Number.POSITIVE_INFINITY;
      const vb = j < b.length ? (b[j] as number) : Number.POSITIVE_INFINITY;
      const v = Math.min(va, vb);
      while (i < a.length && a[i] === v) i++;
      while (j < b.length && b[j] === v) j++;
      u++;
    }
    return u;
  }
  const keys = new Set<string>();
  const add = (s: ColumnSample['sample']) => {
    if (s.kind === 'categorical') for (const k of s.counts.keys()) keys.add(String(k));
    else for (let i = 0; i < s.sorted.length; i++) keys.add(String(s.sorted[i]));
  };
  add(r);
  add(c);
  return keys.size;
}

export function defaultTest(type: FeatureType, referenceRows: number, nValues: number): StatTestName {
  if (referenceRows <= SMALL_REFERENCE_ROWS) {
    if (type === 'numerical' && nValues > NUMBER_UNIQUE_AS_CATEGORICAL) return 'ks';
    return nValues > 2 ? 'chisquare' : 'z';
  }
  if (type === 'numerical' && nValues > NUMBER_UNIQUE_AS_CATEGORICAL) return 'wasserstein';
  return 'jensenshannon';
}
