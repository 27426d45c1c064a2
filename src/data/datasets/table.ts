/**
 * A column-oriented, typed in-memory table. Numbers live in Float64Arrays (NaN = null) and text in
 * dictionary codes, so a million-row file costs 8 bytes per numeric cell and the drift code can
 * sort and scan typed arrays directly.
 *
 * Column kinds follow pandas' `read_csv` inference, because Evidently's defaults (which Keel's
 * drift selection reproduces) key off the pandas dtype: a column is `int` only when every value is
 * an integer and none is missing (pandas turns an int column with gaps into float64), `float` when
 * every value is numeric, `bool` when every value is a True/False literal, and `string` otherwise.
 */

export type ColumnKind = 'int' | 'float' | 'bool' | 'string' | 'empty';

export interface Column {
  name: string;
  kind: ColumnKind;
  /** Number of rows (including nulls). */
  length: number;
  nulls: number;
  /** int / float columns: one value per row, NaN for null. */
  values?: Float64Array;
  /** bool / string columns: dictionary code per row, −1 for null. */
  codes?: Int32Array;
  /** Code → text. */
  dict?: string[];
}

export interface Table {
  columns: Column[];
  rows: number;
}

/** Tokens pandas reads as missing by default. */
export const NULL_TOKENS: ReadonlySet<string> = new Set([
  '',
  '#N/A',
  '#N/A N/A',
  '#NA',
  '-1.#IND',
  '-1.#QNAN',
  '-NaN',
  '-nan',
  '1.#IND',
  '1.#QNAN',
  '<NA>',
  'N/A',
  'NA',
  'NULL',
  'NaN',
  'None',
  'n/a',
  'nan',
  'null',
]);

/** The value of row `i` as JSON-friendly data (null for missing). */
export function cellValue(col: Column, i: number): number | string | boolean | null {
  if (col.values) {
    const v = col.values[i] as number;
    return Number.isNaN(v) ? null : v;
  }
  const code = (col.codes as Int32Array)[i] as number;
  if (code < 0) return null;
  const s = (col.dict as string[])[code] as string;
  if (col.kind === 'bool') return s === 'True';
  return s;
}

/** The rows where `keep` is true, as a new table; kinds are kept, as pandas keeps dtypes on a slice. */
export function filterRows(table: Table, keep: (row: number) => boolean): Table {
  const idx: number[] = [];
  for (let i = 0; i < table.rows; i++) if (keep(i)) idx.push(i);
  return {
    rows: idx.length,
    columns: table.columns.map((c) => {
      const nulls = idx.reduce(
        (s, i) =>
          s +
          (c.values
            ? Number.isNaN(c.values[i] as number)
              ? 1
              : 0
            : (c.codes as Int32Array)[i] === -1
              ? 1
              : 0),
        0,
      );
      if (c.values) {
        const values = new Float64Array(idx.length);
        idx.forEach((r, k) => {
          values[k] = c.values?.[r] as number;
        });
        return { ...c, length: idx.length, nulls, values };
      }
      const codes = new Int32Array(idx.length);
      idx.forEach((r, k) => {
        codes[k] = c.codes?.[r] as number;
      });
      return { ...c, length: idx.length, nulls, codes };
    }),
  };
}
