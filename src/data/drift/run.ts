import type { Table } from '../datasets/table.js';
import { type ColumnSample, columnSample, type Key, valueCounts } from './samples.js';
import { DEFAULT_DRIFT_SHARE, defaultTest, type FeatureType, featureType, unionUnique } from './select.js';
import {
  chiSquareTest,
  DEFAULT_THRESHOLD,
  jensenShannonTest,
  klTest,
  ksTest,
  psiTest,
  type StatTestName,
  type TestOutcome,
  wassersteinTest,
  zTest,
} from './stattests.js';

/** A side of a drift comparison: every column's cleaned sample, computed once and reusable. */
export interface DriftProfile {
  rows: number;
  columns: Map<string, ColumnSample>;
}

export type DriftMethod = 'auto' | StatTestName;

export interface DriftOptions {
  columns?: string[];
  method?: DriftMethod;
  /** Overrides every column's threshold. */
  threshold?: number;
  /** Share of drifted columns at or above which the dataset drifts (Evidently: 0.5). */
  driftShare?: number;
}

/** One column's result: the required fields first, then Keel's extra signals. */
export interface ColumnDrift {
  column: string;
  type: FeatureType;
  method: StatTestName;
  /** null only when the statistic is not finite (e.g. chi-square with categories new in current data). */
  statistic: number | null;
  p_value: number | null;
  threshold: number;
  drifted: boolean;
  reference_rows: number;
  current_rows: number;
  n_values: number;
  /** Categories present in current but never in reference (categorical columns). */
  new_categories?: string[];
  /** Share of current rows that fall in those new categories. */
  new_category_share?: number;
  reference_std?: number;
  ks_method?: 'exact' | 'asymp';
  flags?: string[];
}

interface ColumnDriftError {
  column: string;
  error: string;
}

export interface DriftReport {
  columns: ColumnDrift[];
  dataset: {
    drifted_columns: number;
    share: number;
    dataset_drift: boolean;
    columns: number;
    drift_share: number;
  };
  /** Columns that could not be tested (empty after dropping nulls, incompatible method …). */
  skipped?: ColumnDriftError[];
}

export function driftProfile(table: Table, only?: ReadonlySet<string>): DriftProfile {
  const columns = new Map<string, ColumnSample>();
  for (const c of table.columns) if (!only || only.has(c.name)) columns.set(c.name, columnSample(c));
  return { rows: table.rows, columns };
}

const NUMERIC_ONLY: ReadonlySet<StatTestName> = new Set(['ks', 'wasserstein']);
const MAX_LISTED_NEW = 20;

function runTest(
  method: StatTestName,
  ref: ColumnSample,
  cur: ColumnSample,
  threshold: number,
  type: FeatureType,
): TestOutcome {
  const numerical = type === 'numerical';
  switch (method) {
    case 'ks':
      return ksTest(ref.sample, cur.sample, threshold);
    case 'chisquare':
      return chiSquareTest(ref.sample, cur.sample, threshold);
    case 'z':
      return zTest(ref.sample, cur.sample, threshold);
    case 'wasserstein':
      return wassersteinTest(ref.sample, cur.sample, threshold, ref.std);
    case 'jensenshannon':
      return jensenShannonTest(ref.sample, cur.sample, threshold, numerical, ref.unique);
    case 'psi':
      return psiTest(ref.sample, cur.sample, threshold, numerical, ref.unique);
    case 'kl':
      return klTest(ref.sample, cur.sample, threshold, numerical, ref.unique);
  }
}

/** Compare each shared column of `current` with `reference` and decide dataset drift. */
export function runDrift(
  reference: DriftProfile,
  current: DriftProfile,
  opts: DriftOptions = {},
): DriftReport {
  const names = opts.columns ?? [...reference.columns.keys()].filter((n) => current.columns.has(n));
  const results: ColumnDrift[] = [];
  const skipped: ColumnDriftError[] = [];
  for (const name of names) {
    const ref = reference.columns.get(name);
    const cur = current.columns.get(name);
    if (!ref || !cur) {
      skipped.push({
        column: name,
        error: `column "${name}" is not in ${ref ? 'current' : 'reference'} data`,
      });
      continue;
    }
    if (ref.n === 0 || cur.n === 0) {
      skipped.push({
        column: name,
        error: `column "${name}" is empty in ${ref.n === 0 ? 'reference' : 'current'} data`,
      });
      continue;
    }
    const type = featureType(ref, cur);
    const nValues = unionUnique(ref, cur);
    const method = !opts.method || opts.method === 'auto' ? defaultTest(type, ref.n, nValues) : opts.method;
    if (NUMERIC_ONLY.has(method) && (ref.sample.kind !== 'numeric' || cur.sample.kind !== 'numeric')) {
      skipped.push({ column: name, error: `${method} needs numerical values; "${name}" is categorical` });
      continue;
    }
    const threshold = opts.threshold ?? DEFAULT_THRESHOLD[method];
    const o = runTest(method, ref, cur, threshold, type);
    const row: ColumnDrift = {
      column: name,
      type,
      method,
      statistic: Number.isFinite(o.statistic) ? o.statistic : null,
      p_value: o.pValue,
      threshold,
      drifted: o.drifted,
      reference_rows: ref.n,
      current_rows: cur.n,
      n_values: nValues,
    };
    if (type === 'categorical') Object.assign(row, newCategories(ref, cur));
    if (o.referenceStd !== undefined) row.reference_std = o.referenceStd;
    if (o.ksMethod) row.ks_method = o.ksMethod;
    if (o.flags.length) row.flags = o.flags;
    results.push(row);
  }
  const drifted = results.filter((r) => r.drifted).length;
  const share = results.length ? drifted / results.length : 0;
  const driftShare = opts.driftShare ?? DEFAULT_DRIFT_SHARE;
  const report: DriftReport = {
    columns: results,
    dataset: {
      drifted_columns: drifted,
      share,
      dataset_drift: results.length > 0 && share >= driftShare,
      columns: results.length,
      drift_share: driftShare,
    },
  };
  if (skipped.length) report.skipped = skipped;
  return report;
}

function newCategories(
  ref: ColumnSample,
  cur: ColumnSample,
): Pick<ColumnDrift, 'new_categories' | 'new_category_share'> {
  const rc = valueCounts(ref.sample);
  const cc = valueCounts(cur.sample);
  const fresh: Key[] = [];
  let rows = 0;
  for (const [k, n] of cc)
    if (!rc.has(k)) {
      fresh.push(k);
      rows += n;
    }
  return { new_categories: fresh.slice(0, MAX_LISTED_NEW).map(String), new_category_share: rows / cur.n };
}
