import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Mulberry32 } from '../../prng.js';
import { parseCsv } from '../datasets/csv.js';
import { readTable } from '../datasets/read.js';
import { filterRows, type Table } from '../datasets/table.js';
import { driftProfile, runDrift } from './run.js';

const csv = (header: string[], rows: (string | number)[][]) =>
  parseCsv(`${header.join(',')}\n${rows.map((r) => r.join(',')).join('\n')}\n`);

function column(n: number, f: (i: number, g: Mulberry32) => string | number, seed = 1): (string | number)[] {
  const g = new Mulberry32(seed);
  return Array.from({ length: n }, (_, i) => f(i, g));
}

function table(cols: Record<string, (string | number)[]>): Table {
  const names = Object.keys(cols);
  const n = (cols[names[0] as string] as unknown[]).length;
  return csv(
    names,
    Array.from({ length: n }, (_, i) =>
      names.map((k) => (cols[k] as (string | number)[])[i] as string | number),
    ),
  );
}

const drift = (ref: Table, cur: Table, opts = {}) => runDrift(driftProfile(ref), driftProfile(cur), opts);

describe('Evidently default test selection', () => {
  const cont = (n: number, seed: number) => column(n, (_, g) => (g.uniform() * 100).toFixed(3), seed);

  it('uses KS for numerical columns when the reference has ≤ 1000 rows, Wasserstein above', () => {
    const r1000 = drift(table({ x: cont(1000, 1) }), table({ x: cont(500, 2) }));
    expect(r1000.columns[0]).toMatchObject({ type: 'numerical', method: 'ks', threshold: 0.05 });
    expect(r1000.columns[0]?.p_value).toBeTypeOf('number');
    const r1001 = drift(table({ x: cont(1001, 1) }), table({ x: cont(500, 2) }));
    expect(r1001.columns[0]).toMatchObject({
      type: 'numerical',
      method: 'wasserstein',
      threshold: 0.1,
      p_value: null,
    });
  });

  it('counts reference rows after dropping nulls (1001 rows with one null is a small reference)', () => {
    const x = cont(1001, 1);
    x[5] = '';
    expect(drift(table({ x }), table({ x: cont(300, 2) })).columns[0]?.method).toBe('ks');
  });

  it('treats integer columns with ≤ 5 distinct reference values as categorical, 6 as numerical', () => {
    const five = column(200, (_, g) => Math.floor(g.uniform() * 5));
    const six = column(200, (_, g) => Math.floor(g.uniform() * 6));
    expect(drift(table({ k: five }), table({ k: five })).columns[0]).toMatchObject({
      type: 'categorical',
      method: 'chisquare',
    });
    expect(drift(table({ k: six }), table({ k: six })).columns[0]).toMatchObject({
      type: 'numerical',
      method: 'ks',
    });
    // Float columns are numerical whatever their cardinality; ≤ 5 values still pick chi-square / z.
    const fl = column(200, (_, g) => (Math.floor(g.uniform() * 4) + 0.5).toFixed(1));
    expect(drift(table({ f: fl }), table({ f: fl })).columns[0]).toMatchObject({
      type: 'numerical',
      method: 'chisquare',
    });
    // With > 1000 reference rows a ≤ 5-value column gets Jensen–Shannon.
    const big = column(1500, (_, g) => Math.floor(g.uniform() * 5));
    expect(drift(table({ k: big }), table({ k: big })).columns[0]).toMatchObject({
      method: 'jensenshannon',
      threshold: 0.1,
    });
  });

  it('uses the Z-test for binary columns and chi-square for 3+ categories', () => {
    const bin = column(300, (_, g) => (g.uniform() < 0.3 ? 'yes' : 'no'));
    const tri = column(300, (_, g) => ['a', 'b', 'c'][Math.floor(g.uniform() * 3)] as string);
    expect(drift(table({ b: bin }), table({ b: bin })).columns[0]).toMatchObject({
      type: 'categorical',
      method: 'z',
    });
    expect(drift(table({ t: tri }), table({ t: tri })).columns[0]).toMatchObject({
      type: 'categorical',
      method: 'chisquare',
    });
    const bools = column(300, (_, g) => (g.uniform() < 0.5 ? 'True' : 'False'));
    expect(drift(table({ b: bools }), table({ b: bools })).columns[0]).toMatchObject({
      type: 'categorical',
      method: 'z',
    });
  });

  it('declares dataset drift at a drifted share of 50 % but not 49 %', () => {
    const same = (seed: number) => column(300, (_, g) => (g.uniform() * 10).toFixed(2), seed);
    const shifted = (seed: number) => column(300, (_, g) => (g.uniform() * 10 + 8).toFixed(2), seed);
    const build = (drifted: number, total: number) => {
      const ref: Record<string, (string | number)[]> = {};
      const cur: Record<string, (string | number)[]> = {};
      for (let i = 0; i < total; i++) {
        ref[`c${i}`] = same(i + 1);
        cur[`c${i}`] = i < drifted ? shifted(i + 1000) : same(i + 1);
      }
      return drift(table(ref), table(cur));
    };
    const half = build(50, 100);
    expect(half.dataset).toMatchObject({ drifted_columns: 50, share: 0.5, dataset_drift: true });
    const below = build(49, 100);
    expect(below.dataset).toMatchObject({ drifted_columns: 49, share: 0.49, dataset_drift: false });
  });
});

describe('peer defects handled', () => {
  it('gives p = 1 for a constant column on both sides (chi-square would give NaN or 0)', () => {
    const c = column(100, () => 'x');
    const r = drift(table({ c }), table({ c }), { method: 'chisquare' });
    expect(r.columns[0]).toMatchObject({ p_value: 1, drifted: false });
    const n = column(100, () => 7);
    expect(drift(table({ n }), table({ n })).columns[0]).toMatchObject({
      method: 'z',
      p_value: 1,
      drifted: false,
    });
    expect(drift(table({ n }), table({ n }), { method: 'ks' }).columns[0]).toMatchObject({ p_value: 1 });
  });

  it('reports categories new in current data as their own signal', () => {
    const ref = column(400, (_, g) => ['a', 'b', 'c'][Math.floor(g.uniform() * 3)] as string);
    const cur = column(
      400,
      (i, g) => (i % 10 === 0 ? 'zzz' : (['a', 'b', 'c'][Math.floor(g.uniform() * 3)] as string)),
      9,
    );
    const r = drift(table({ c: ref }), table({ c: cur })).columns[0];
    expect(r).toMatchObject({
      method: 'chisquare',
      new_categories: ['zzz'],
      new_category_share: 0.1,
      drifted: true,
      p_value: 0,
    });
    expect(r?.statistic).toBeNull(); // infinite chi-square statistic
  });

  it('flags a zero reference standard deviation instead of silently dividing by a floor', () => {
    const ref = column(1200, () => '3.0');
    const cur = column(1200, (_, g) => (3 + g.uniform()).toFixed(3));
    const r = drift(table({ x: ref }), table({ x: cur }), { method: 'wasserstein' }).columns[0];
    expect(r?.flags).toContain('reference_std_zero');
    expect(r?.reference_std).toBe(0);
    expect(r?.drifted).toBe(true);
  });

  it('skips columns that are empty after dropping nulls, and honours --columns', () => {
    const r = drift(
      table({ a: ['', '', ''], b: [1.5, 2.5, 3.5] }),
      table({ a: [1, 2, 3], b: [1.5, 2.5, 3.5] }),
    );
    expect(r.columns.map((c) => c.column)).toEqual(['b']);
    expect(r.skipped?.[0]?.column).toBe('a');
    const only = drift(table({ a: [1.5, 2], b: [1, 2] }), table({ a: [1.5, 2], b: [1, 2] }), {
      columns: ['b'],
    });
    expect(only.columns.map((c) => c.column)).toEqual(['b']);
  });
});

const DATA = '/work/shared/data/drift';
const RED = `${DATA}/winequality-red.csv`;
const WHITE = `${DATA}/winequality-white.csv`;

describe.skipIf(!existsSync(RED) || !existsSync(WHITE))('wine quality data', () => {
  it('red vs white drifts', async () => {
    const red = (await readTable(RED)).table;
    const white = (await readTable(WHITE)).table;
    expect(red.columns[0]?.name).toBe('fixedacidity'); // BOM stripped
    expect(red.rows).toBe(1599);
    const r = runDrift(driftProfile(red), driftProfile(white));
    expect(r.columns).toHaveLength(12);
    expect(r.columns.every((c) => c.method === 'wasserstein')).toBe(true);
    expect(r.dataset.dataset_drift).toBe(true);
    expect(r.dataset.share).toBeGreaterThan(0.5);
  });

  it('even vs odd rows of one file do not drift', async () => {
    for (const file of [RED, WHITE]) {
      const t = (await readTable(file)).table;
      const even = filterRows(t, (i) => i % 2 === 0);
      const odd = filterRows(t, (i) => i % 2 === 1);
      const r = runDrift(driftProfile(even), driftProfile(odd));
      expect(r.dataset.dataset_drift).toBe(false);
      expect(r.dataset.drifted_columns).toBeLessThanOrEqual(1);
    }
  });
});
