import type { ReactNode } from 'react';
import type { CsvValue } from '../lib/csv';
import { type Column, DataTable } from './DataTable';

type Row = Record<string, unknown>;

function cell(v: unknown): CsvValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

/**
 * A table of whatever objects an API list returns, columns in the order of the first row's keys.
 * For admin API lists whose shape the Command Room does not specialise yet.
 */
export function GenericTable({
  caption,
  rows,
  filename,
  empty,
  prefer,
}: {
  caption: string;
  rows: Row[];
  filename: string;
  empty: ReactNode;
  /** Columns to show first (when present). */
  prefer?: string[];
}) {
  const keys: string[] = [];
  for (const k of [...(prefer ?? []), ...rows.flatMap((r) => Object.keys(r))])
    if (!keys.includes(k) && rows.some((r) => k in r)) keys.push(k);
  const columns: Column<Row>[] = keys.slice(0, 10).map((k) => ({
    key: k,
    header: k.replaceAll('_', ' '),
    value: (r) => cell(r[k]),
    numeric: rows.every((r) => r[k] === null || r[k] === undefined || typeof r[k] === 'number'),
    render: (r) => {
      const v = cell(r[k]);
      return typeof v === 'string' && v.length > 120 ? `${v.slice(0, 117)}…` : v === null ? '—' : String(v);
    },
  }));
  return (
    <DataTable
      caption={caption}
      columns={columns}
      rows={rows}
      rowKey={(r) => String(r.id ?? r.seq ?? JSON.stringify(r))}
      filename={filename}
      empty={empty}
    />
  );
}
