import type { ContractColumn } from '../contracts/schema.js';
import { type Column, cellValue, type Table } from '../datasets/table.js';
import type { Offender, RuleResult } from './check.js';

/** Per-value scans behind the contract rules: offender counting, typing, duplicates. */

export const SAMPLE = 5;
const NUMERIC_TEXT = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
const BOOL_TEXT: ReadonlySet<string> = new Set(['true', 'false', 'True', 'False', 'TRUE', 'FALSE', '0', '1']);

/** Collect offenders of a per-value predicate over non-null values. */
export function scan(
  col: Column,
  bad: (v: number | string | boolean) => boolean,
): { count: number; checked: number; sample: Offender[] } {
  let count = 0;
  let checked = 0;
  const sample: Offender[] = [];
  if (col.values) {
    const vals = col.values;
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i] as number;
      if (Number.isNaN(v)) continue;
      checked++;
      if (bad(v)) {
        count++;
        if (sample.length < SAMPLE) sample.push({ row: i + 1, value: v });
      }
    }
  } else {
    const codes = col.codes as Int32Array;
    const dict = col.dict as string[];
    const verdict = new Int8Array(dict.length);
    dict.forEach((s, c) => {
      verdict[c] = bad(col.kind === 'bool' ? s === 'True' : s) ? 1 : 0;
    });
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i] as number;
      if (c < 0) continue;
      checked++;
      if (verdict[c]) {
        count++;
        if (sample.length < SAMPLE) sample.push({ row: i + 1, value: cellValue(col, i) });
      }
    }
  }
  return { count, checked, sample };
}

export function result(
  rule: string,
  column: string | undefined,
  r: { count: number; checked: number; sample?: Offender[] },
  extra: Partial<RuleResult> = {},
): RuleResult {
  const out: RuleResult = {
    rule,
    passed: r.count === 0,
    failed_count: r.count,
    checked: r.checked,
    ...extra,
  };
  if (column !== undefined) out.column = column;
  if (r.count > 0 && r.sample?.length) out.sample = r.sample;
  return out;
}

export function asNumber(v: number | string | boolean): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return Number.NaN;
  return NUMERIC_TEXT.test(v) ? Number(v) : Number.NaN;
}

/** Epoch ms of a timestamp value: ISO 8601 text, or a number (seconds below 1e11, else ms). */
export function timestampMs(v: number | string | boolean): number {
  if (typeof v === 'boolean') return Number.NaN;
  if (typeof v === 'number') return Math.abs(v) < 1e11 ? v * 1000 : v;
  if (NUMERIC_TEXT.test(v)) return timestampMs(Number(v));
  return Date.parse(v);
}

export function typeOk(type: ContractColumn['type'], v: number | string | boolean): boolean {
  switch (type) {
    case 'any':
    case 'string':
      return true;
    case 'number':
      return !Number.isNaN(asNumber(v));
    case 'integer':
      return Number.isInteger(asNumber(v));
    case 'boolean':
      return typeof v === 'boolean' || (typeof v === 'number' ? v === 0 || v === 1 : BOOL_TEXT.has(v));
    case 'date':
    case 'datetime':
      return !Number.isNaN(timestampMs(v));
  }
}

/** Rows whose non-null value already appeared in an earlier row. */
export function duplicates(col: Column): { count: number; checked: number; sample: Offender[] } {
  const seen = new Set<number | string>();
  let count = 0;
  let checked = 0;
  const sample: Offender[] = [];
  for (let i = 0; i < col.length; i++) {
    const key = col.values ? (col.values[i] as number) : ((col.codes as Int32Array)[i] as number);
    if (col.values ? Number.isNaN(key) : key < 0) continue;
    checked++;
    const k = col.values && key === 0 ? 0 : key; // -0 and 0 are the same value
    if (seen.has(k)) {
      count++;
      if (sample.length < SAMPLE) sample.push({ row: i + 1, value: cellValue(col, i) });
    } else seen.add(k);
  }
  return { count, checked, sample };
}

/** Rows identical, cell by cell, to an earlier row. */
export function duplicateRows(table: Table): { count: number; checked: number; sample: Offender[] } {
  const seen = new Map<string, number>();
  let count = 0;
  const sample: Offender[] = [];
  const parts: string[] = new Array(table.columns.length);
  for (let i = 0; i < table.rows; i++) {
    table.columns.forEach((c, j) => {
      parts[j] = c.values ? String(c.values[i]) : String((c.codes as Int32Array)[i]);
    });
    const key = parts.join('\u0000');
    const first = seen.get(key);
    if (first !== undefined) {
      count++;
      if (sample.length < SAMPLE) sample.push({ row: i + 1, value: { duplicate_of_row: first } });
    } else seen.set(key, i + 1);
  }
  return { count, checked: table.rows, sample };
}
