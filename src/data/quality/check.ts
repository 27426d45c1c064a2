import { type Contract, type ContractColumn, durationMs } from '../contracts/schema.js';
import { type Column, cellValue, type Table } from '../datasets/table.js';
import { asNumber, duplicateRows, duplicates, result, SAMPLE, scan, timestampMs, typeOk } from './scan.js';

export { timestampMs } from './scan.js';

import { compileSafeRegex } from '../../schemas/regex.js';
import type { DriftReport } from '../drift/run.js';

/**
 * Evaluate a data contract against a table. Every rule reports how many values or rows broke it and
 * up to five offending rows (`row` is 1-based, counting data rows after the header). Text columns
 * are checked once per distinct value and then counted through their codes, so a rule costs
 * O(rows + distinct values) whatever its kind.
 */

export interface Offender {
  row: number;
  value: unknown;
}

export interface RuleResult {
  /** column_present, type, not_null, unique, allowed_values, min, max, regex, min_length,
   *  max_length, row_count, freshness, duplicate_rows, unknown_columns, drift */
  rule: string;
  column?: string;
  passed: boolean;
  /** Values (or rows) that broke the rule. */
  failed_count: number;
  /** Values the rule looked at. */
  checked: number;
  expected?: string;
  actual?: string;
  sample?: Offender[];
}

export interface CheckReport {
  contract: string;
  rows: number;
  passed: boolean;
  failed_rules: number;
  results: RuleResult[];
  drift?: DriftReport;
}

function checkColumn(col: Column, rule: ContractColumn): RuleResult[] {
  const out: RuleResult[] = [];
  const name = rule.name;
  if (rule.type !== 'any' && rule.type !== 'string')
    out.push(
      result(
        'type',
        name,
        scan(col, (v) => !typeOk(rule.type, v)),
        { expected: rule.type, actual: col.kind },
      ),
    );
  if (!rule.nullable) {
    const sample: Offender[] = [];
    let count = 0;
    for (let i = 0; i < col.length; i++)
      if (cellValue(col, i) === null) {
        count++;
        if (sample.length < SAMPLE) sample.push({ row: i + 1, value: null });
      }
    out.push(result('not_null', name, { count, checked: col.length, sample }));
  }
  if (rule.unique) out.push(result('unique', name, duplicates(col)));
  if (rule.allowed) {
    const text = new Set(rule.allowed.map((a) => String(a)));
    const nums = new Set(rule.allowed.filter((a): a is number => typeof a === 'number'));
    out.push(
      result(
        'allowed_values',
        name,
        scan(
          col,
          (v) => !(text.has(String(v)) || (typeof v === 'number' && nums.has(v)) || nums.has(asNumber(v))),
        ),
        { expected: JSON.stringify(rule.allowed).slice(0, 200) },
      ),
    );
  }
  if (rule.min !== undefined) {
    const min = rule.min;
    out.push(
      result(
        'min',
        name,
        scan(col, (v) => asNumber(v) < min),
        { expected: `>= ${min}` },
      ),
    );
  }
  if (rule.max !== undefined) {
    const max = rule.max;
    out.push(
      result(
        'max',
        name,
        scan(col, (v) => asNumber(v) > max),
        { expected: `<= ${max}` },
      ),
    );
  }
  if (rule.regex !== undefined) {
    // Rules come from /api: a linear-time engine, so a rule cannot stall Keel on a large column.
    const re = compileSafeRegex(rule.regex, 'u');
    out.push(
      result(
        'regex',
        name,
        scan(col, (v) => !re.test(String(v))),
        { expected: rule.regex },
      ),
    );
  }
  if (rule.min_length !== undefined) {
    const n = rule.min_length;
    out.push(
      result(
        'min_length',
        name,
        scan(col, (v) => [...String(v)].length < n),
        { expected: `>= ${n}` },
      ),
    );
  }
  if (rule.max_length !== undefined) {
    const n = rule.max_length;
    out.push(
      result(
        'max_length',
        name,
        scan(col, (v) => [...String(v)].length > n),
        { expected: `<= ${n}` },
      ),
    );
  }
  return out;
}

interface CheckOptions {
  now?: number;
  /** Drift of this table against the contract's reference, computed by the caller. */
  drift?: DriftReport;
}

export function runChecks(table: Table, contract: Contract, opts: CheckOptions = {}): CheckReport {
  const results: RuleResult[] = [];
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const rules = contract.rules;

  if (rules.row_count) {
    const { min, max } = rules.row_count;
    const bad = (min !== undefined && table.rows < min) || (max !== undefined && table.rows > max);
    results.push({
      rule: 'row_count',
      passed: !bad,
      failed_count: bad ? 1 : 0,
      checked: 1,
      expected: `${min ?? 0}..${max ?? '∞'}`,
      actual: String(table.rows),
    });
  }

  for (const rule of contract.columns) {
    const col = byName.get(rule.name);
    if (!col) {
      if (rule.required)
        results.push({
          rule: 'column_present',
          column: rule.name,
          passed: false,
          failed_count: 1,
          checked: 1,
          expected: 'present',
          actual: 'missing',
        });
      continue;
    }
    results.push(...checkColumn(col, rule));
  }

  if (rules.unknown_columns === 'fail') {
    const declared = new Set(contract.columns.map((c) => c.name));
    const extra = table.columns.filter((c) => !declared.has(c.name)).map((c) => c.name);
    results.push({
      rule: 'unknown_columns',
      passed: extra.length === 0,
      failed_count: extra.length,
      checked: table.columns.length,
      ...(extra.length ? { actual: extra.slice(0, 20).join(', ') } : {}),
    });
  }

  if (rules.duplicate_rows !== undefined && rules.duplicate_rows !== false) {
    const max = rules.duplicate_rows === true ? 0 : rules.duplicate_rows.max;
    const d = duplicateRows(table);
    results.push({
      ...result('duplicate_rows', undefined, d),
      passed: d.count <= max,
      expected: `<= ${max}`,
    });
  }

  if (rules.freshness) {
    const f = rules.freshness;
    const col = byName.get(f.column);
    const now = opts.now ?? Date.now();
    if (!col)
      results.push({
        rule: 'freshness',
        column: f.column,
        passed: false,
        failed_count: 1,
        checked: 0,
        actual: 'column missing',
      });
    else {
      let newest = Number.NEGATIVE_INFINITY;
      let checked = 0;
      for (let i = 0; i < col.length; i++) {
        const v = cellValue(col, i);
        if (v === null) continue;
        const t = timestampMs(v);
        if (Number.isNaN(t)) continue;
        checked++;
        if (t > newest) newest = t;
      }
      const limit = durationMs(f.max_age);
      const fresh = checked > 0 && now - newest <= limit;
      results.push({
        rule: 'freshness',
        column: f.column,
        passed: fresh,
        failed_count: fresh ? 0 : 1,
        checked,
        expected: `newest within ${f.max_age}`,
        actual: checked ? new Date(newest).toISOString() : 'no timestamps',
      });
    }
  }

  if (contract.drift && opts.drift) {
    const d = opts.drift;
    const bad = d.dataset.share >= contract.drift.max_share && d.dataset.columns > 0;
    results.push({
      rule: 'drift',
      passed: !bad,
      failed_count: d.dataset.drifted_columns,
      checked: d.dataset.columns,
      expected: `drifted share < ${contract.drift.max_share}`,
      actual: `${d.dataset.drifted_columns}/${d.dataset.columns} (${d.columns
        .filter((c) => c.drifted)
        .map((c) => c.column)
        .slice(0, 10)
        .join(', ')})`,
    });
  }

  const failed = results.filter((r) => !r.passed).length;
  const report: CheckReport = {
    contract: contract.name,
    rows: table.rows,
    passed: failed === 0,
    failed_rules: failed,
    results,
  };
  if (opts.drift) report.drift = opts.drift;
  return report;
}
