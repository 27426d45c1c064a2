import { type ReactNode, useMemo, useState } from 'react';
import { type CsvValue, downloadCsv, toCsv } from '../lib/csv';

export interface Column<R> {
  key: string;
  header: string;
  /** What sorting and the CSV export use: the raw figure, not its formatted text. */
  value: (row: R) => CsvValue;
  /** What the cell shows; defaults to the value as text. */
  render?: (row: R) => ReactNode;
  numeric?: boolean;
  sortable?: boolean;
  /** Left out of the CSV (action buttons). */
  noCsv?: boolean;
  /** In the CSV only (a figure the table shows inside another cell). */
  hidden?: boolean;
}

type Dir = 'ascending' | 'descending';

function compare(a: CsvValue, b: CsvValue): number {
  if (a === b) return 0;
  if (a === null || a === undefined || a === '') return 1;
  if (b === null || b === undefined || b === '') return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), 'en', { numeric: true });
}

/**
 * A table with a caption, sortable columns (buttons in the headers, aria-sort on the column) and a
 * CSV export of exactly the rows and raw values it holds. Cells carry data-col, rows data-row, so
 * the browser tests can find a figure without depending on the layout.
 */
export function DataTable<R>({
  caption,
  columns,
  rows,
  rowKey,
  filename,
  empty,
  initialSort,
  rowClass,
  toolbar,
}: {
  caption: string;
  columns: Column<R>[];
  rows: readonly R[];
  rowKey: (row: R) => string;
  filename: string;
  empty: ReactNode;
  initialSort?: { key: string; dir: Dir };
  rowClass?: (row: R) => string | undefined;
  toolbar?: ReactNode;
}) {
  const [sort, setSort] = useState<{ key: string; dir: Dir } | null>(initialSort ?? null);
  const shown = columns.filter((c) => !c.hidden);
  const sorted = useMemo(() => {
    if (!sort) return rows;
    const col = columns.find((c) => c.key === sort.key);
    if (!col) return rows;
    const out = [...rows].sort((a, b) => compare(col.value(a), col.value(b)));
    // Empty values stay last whichever way the column is sorted.
    if (sort.dir === 'descending') {
      const filled = out.filter((r) => !isBlank(col.value(r))).reverse();
      return [...filled, ...out.filter((r) => isBlank(col.value(r)))];
    }
    return out;
  }, [rows, columns, sort]);

  const exportCsv = () => {
    const cols = columns.filter((c) => !c.noCsv);
    downloadCsv(
      filename,
      toCsv(
        cols.map((c) => c.header),
        sorted.map((r) => cols.map((c) => c.value(r))),
      ),
    );
  };

  const toggle = (key: string) =>
    setSort((s) =>
      s?.key === key
        ? { key, dir: s.dir === 'ascending' ? 'descending' : 'ascending' }
        : { key, dir: 'descending' },
    );

  return (
    <div className="table-block">
      <div className="table-toolbar no-print">
        {toolbar}
        {rows.length > 0 ? (
          <button type="button" className="btn btn-small" onClick={exportCsv}>
            Export CSV<span className="sr-only"> of {caption}</span>
          </button>
        ) : null}
      </div>
      {rows.length === 0 ? (
        empty
      ) : (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
        <section className="table-wrap" aria-label={caption} tabIndex={0}>
          <table>
            <caption className="sr-only">{caption}</caption>
            <thead>
              <tr>
                {shown.map((c) => {
                  const active = sort?.key === c.key;
                  return (
                    <th
                      key={c.key}
                      scope="col"
                      className={c.numeric ? 'numeric' : undefined}
                      aria-sort={active ? sort?.dir : undefined}
                    >
                      {c.sortable === false ? (
                        c.header
                      ) : (
                        <button type="button" className="sort" onClick={() => toggle(c.key)}>
                          {c.header}
                          <span aria-hidden="true" className="sort-mark">
                            {active ? (sort?.dir === 'ascending' ? '↑' : '↓') : '↕'}
                          </span>
                        </button>
                      )}
                    </th>
                  );
                })}
              </tr>
            </thead>
            <tbody>
              {sorted.map((r) => (
                <tr key={rowKey(r)} data-row={rowKey(r)} className={rowClass?.(r)}>
                  {shown.map((c, i) => {
                    const content = c.render ? c.render(r) : String(c.value(r) ?? '—');
                    const cls = c.numeric ? 'numeric' : undefined;
                    return i === 0 ? (
                      <th key={c.key} scope="row" data-col={c.key} className={cls}>
                        {content}
                      </th>
                    ) : (
                      <td key={c.key} data-col={c.key} className={cls}>
                        {content}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </div>
  );
}

function isBlank(v: CsvValue): boolean {
  return v === null || v === undefined || v === '';
}
