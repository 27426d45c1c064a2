import type { ValueFigures } from './figures.js';
import type { ValueReport } from './report.js';

export const REPORT_FORMATS = ['table', 'csv', 'json', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Every figure, in report order (CSV and HTML show all of them). */
const FIGURES: (keyof ValueFigures)[] = [
  'requests',
  'active_users',
  'cost_usd',
  'unpriced_requests',
  'allocated_cost_usd',
  'outcomes',
  'successful_outcomes',
  'success_rate',
  'value_usd',
  'net_value_usd',
  'roi',
  'cost_per_successful_outcome_usd',
  'human_baseline_cost_usd',
  'savings_vs_human_usd',
  'payback_months',
  'feedback_count',
  'feedback_mean',
  'latency_p50_ms',
  'latency_p95_ms',
  'errors',
  'error_rate',
  'blocked',
  'blocked_rate',
  'input_tokens',
  'cached_input_tokens',
  'output_tokens',
  'tool_calls',
  'tool_refusals',
];

/** The terminal table keeps to the figures a reader scans first. */
const TABLE: Array<[keyof ValueFigures, string]> = [
  ['requests', 'requests'],
  ['active_users', 'users'],
  ['cost_usd', 'cost $'],
  ['unpriced_requests', 'unpriced'],
  ['outcomes', 'outcomes'],
  ['success_rate', 'success'],
  ['value_usd', 'value $'],
  ['net_value_usd', 'net $'],
  ['roi', 'ROI'],
  ['cost_per_successful_outcome_usd', '$/success'],
  ['savings_vs_human_usd', 'saved $'],
  ['payback_months', 'payback mo'],
  ['feedback_mean', 'feedback'],
  ['latency_p50_ms', 'p50 ms'],
  ['latency_p95_ms', 'p95 ms'],
  ['error_rate', 'errors'],
  ['blocked_rate', 'blocked'],
  ['tool_calls', 'tool calls'],
  ['tool_refusals', 'tools refused'],
];

interface Line {
  period: string | null;
  use_case: string;
  stage: string;
  f: ValueFigures;
}

function lines(r: ValueReport): Line[] {
  const out: Line[] = [];
  const granular = r.granularity !== 'total';
  for (const u of r.use_cases) {
    if (granular)
      for (const p of u.periods ?? [])
        out.push({ period: p.period_start.slice(0, 10), use_case: u.use_case, stage: u.stage ?? '', f: p });
    out.push({ period: granular ? 'all' : null, use_case: u.use_case, stage: u.stage ?? '', f: u.total });
  }
  if (granular)
    for (const p of r.total_periods ?? [])
      out.push({ period: p.period_start.slice(0, 10), use_case: 'TOTAL', stage: '', f: p });
  out.push({ period: granular ? 'all' : null, use_case: 'TOTAL', stage: '', f: r.total });
  return out;
}

export function formatReport(r: ValueReport, format: ReportFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(r, null, 2)}\n`;
    case 'csv':
      return toCsv(r);
    case 'html':
      return toHtml(r);
    default:
      return toTable(r);
  }
}

function cell(k: keyof ValueFigures, v: unknown): string {
  if (v === null || v === undefined) return '–';
  if (typeof v !== 'number') return String(v);
  if (k.endsWith('_rate')) return `${(v * 100).toFixed(1)}%`;
  if (k === 'roi') return `${(v * 100).toFixed(0)}%`;
  if (k.endsWith('_usd')) return v.toFixed(2);
  if (k === 'feedback_mean' || k === 'payback_months') return v.toFixed(2);
  if (k.endsWith('_ms')) return v.toFixed(0);
  return String(v);
}

function toTable(r: ValueReport): string {
  const ls = lines(r);
  const granular = r.granularity !== 'total';
  const head = [...(granular ? ['period'] : []), 'use case', 'stage', ...TABLE.map(([, h]) => h)];
  const rows = ls.map((l) => [
    ...(granular ? [l.period ?? ''] : []),
    l.use_case,
    l.stage,
    ...TABLE.map(([k]) => cell(k, l.f[k])),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const text = (row: string[]) =>
    row
      .map((v, i) => (i < (granular ? 3 : 2) ? v.padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [text(head), text(widths.map((w) => '-'.repeat(w))), ...rows.map(text)];
  const notes = [
    `Value report ${r.from.slice(0, 10)} → ${r.to.slice(0, 10)} (to exclusive), granularity ${r.granularity}.`,
  ];
  if (r.total.unpriced_requests > 0)
    notes.push(
      `${r.total.unpriced_requests} call(s) had no known price: their cost is missing from cost, not zero.`,
    );
  for (const a of r.allocations)
    notes.push(`Allocated $${a.usd.toFixed(4)} of shared cost from ${a.from} to ${a.to}.`);
  return `${notes[0]}\n\n${out.join('\n')}\n${notes.length > 1 ? `\n${notes.slice(1).join('\n')}\n` : ''}`;
}

function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  // A leading = + - @ would be a formula in a spreadsheet (CSV injection); ids are user-controlled.
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function toCsv(r: ValueReport): string {
  const head = ['period_start', 'use_case', 'stage', ...FIGURES];
  const rows = lines(r).map((l) => [
    l.period === 'all' || l.period === null ? '' : l.period,
    l.use_case,
    l.stage,
    ...FIGURES.map((k) => l.f[k]),
  ]);
  return `${[head, ...rows].map((row) => row.map(csvField).join(',')).join('\n')}\n`;
}

function esc(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

function toHtml(r: ValueReport): string {
  const granular = r.granularity !== 'total';
  const head = [...(granular ? ['period'] : []), 'use case', 'stage', ...TABLE.map(([, h]) => h)];
  const body = lines(r)
    .map((l) => {
      const cls = l.use_case === 'TOTAL' ? ' class="total"' : l.f.net_value_usd < 0 ? ' class="loss"' : '';
      const cells = [...(granular ? [l.period ?? ''] : []), l.use_case, l.stage].map(
        (v) => `<th scope="row">${esc(v)}</th>`,
      );
      const nums = TABLE.map(([k]) => `<td>${esc(cell(k, l.f[k]))}</td>`);
      return `<tr${cls}>${[...cells, ...nums].join('')}</tr>`;
    })
    .join('\n');
  const title = `Keel value report ${r.from.slice(0, 10)} – ${r.to.slice(0, 10)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#1a1a1a}
table{border-collapse:collapse}th,td{padding:.3rem .6rem;border-bottom:1px solid #ddd;white-space:nowrap}
td{text-align:right;font-variant-numeric:tabular-nums}thead th{text-align:left;border-bottom:2px solid #333}
tr.loss td{color:#a40000}tr.total{font-weight:600;background:#f3f3f3}p.note{color:#555}
</style></head><body>
<h1>${esc(title)}</h1>
<p class="note">Whole UTC days, "to" exclusive; granularity ${esc(r.granularity)}; generated ${esc(r.generated_at)}. ROI = (value − cost) / cost. Unpriced calls are counted, never priced at $0.</p>
<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>
<tbody>
${body}
</tbody></table>
${r.allocations.map((a) => `<p class="note">Allocated $${a.usd.toFixed(4)} of shared cost from ${esc(a.from)} to ${esc(a.to)}.</p>`).join('\n')}
</body></html>
`;
}
