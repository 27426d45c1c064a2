/**
 * The HTML report: one self-contained page (inline CSS, no script, no external request — its CSP says
 * so), every value escaped, since excerpts are attack text and model output by design.
 */
import { type Attempt, OWASP_2025, type RedteamReport, type Tally } from '../types.js';

export function htmlEscape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const pct = (fraction: number) => `${(fraction * 100).toFixed(1)}%`;

/** Attack success rate of one tally row over its judged attacks. */
function rowAsr(t: Tally): string {
  const judged = t.blocked + t.succeeded + t.resisted;
  return judged > 0 ? pct(t.succeeded / judged) : '–';
}

/** The first `textColumns` columns hold text (left-aligned), the rest numbers. */
function table(head: string[], rows: string[][], textColumns: number): string {
  const cls = (i: number) => (i < textColumns ? ' class="t"' : '');
  const th = head.map((h, i) => `<th${cls(i)}>${htmlEscape(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const counts = (t: Tally) =>
  [t.attacks, t.blocked, t.succeeded, t.resisted, t.benign, t.false_positives, t.errors].map(String);
const COUNT_HEAD = [
  'attacks',
  'blocked',
  'succeeded',
  'resisted',
  'benign',
  'false positives',
  'errors',
  'ASR',
];

function caseBlock(a: Attempt): string {
  const why = a.evidence
    ? `evidence <code>${htmlEscape(a.evidence)}</code>`
    : `HTTP ${a.status} <code>${htmlEscape(a.error_code ?? '')}</code>`;
  return `<article class="case ${htmlEscape(a.outcome)}">
<h3><span class="tag">${htmlEscape(a.outcome.replace('_', ' '))}</span> ${htmlEscape(a.title)}</h3>
<p class="meta"><code>${htmlEscape(a.probe_id)}</code> · ${htmlEscape(a.category)} (${htmlEscape(a.owasp)}) · strategy ${htmlEscape(a.strategy)} · ${why}</p>
<h4>Request</h4><pre>${htmlEscape(a.request_excerpt)}</pre>
<h4>Response</h4><pre>${htmlEscape(a.response_excerpt)}</pre>
</article>`;
}

const STYLE = `body{font:14px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1b1f24}
h1{margin-bottom:.2rem}.sub{color:#57606a;margin-top:0}
.cards{display:flex;gap:1rem;flex-wrap:wrap;margin:1.5rem 0}.card{border:1px solid #d0d7de;border-radius:8px;padding:.8rem 1.2rem;min-width:8rem}
.card b{display:block;font-size:1.6rem}.card span{color:#57606a}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}th,td{border-bottom:1px solid #d0d7de;padding:.35rem .6rem;text-align:right}
th.t,td.t{text-align:left}th{background:#f6f8fa}
.case{border:1px solid #d0d7de;border-radius:8px;padding:.2rem 1rem 1rem;margin:1rem 0}.case h3{margin:.6rem 0 .2rem}
.meta{color:#57606a;margin:0}.tag{font-size:.75rem;text-transform:uppercase;padding:.1rem .4rem;border-radius:4px;background:#eee}
.succeeded .tag{background:#ffd7d5;color:#82071e}.false_positive .tag{background:#fff1c2;color:#7d4e00}
pre{background:#f6f8fa;padding:.6rem;white-space:pre-wrap;word-break:break-word;max-height:20rem;overflow:auto}`;

export function toHtmlReport(report: RedteamReport): string {
  const s = report.summary;
  const t = report.target;
  const cards = [
    ['score', s.score.toFixed(1)],
    ['attack success rate', pct(s.attack_success_rate)],
    ['false-positive rate', pct(s.false_positive_rate)],
    ['attacks', String(s.attacks)],
    ['benign', String(s.benign)],
    ['errors (not judged)', String(report.errors)],
  ]
    .map(
      ([label, value]) =>
        `<div class="card"><b>${htmlEscape(value ?? '')}</b><span>${htmlEscape(label ?? '')}</span></div>`,
    )
    .join('');
  const categories = table(
    ['category', 'OWASP LLM Top 10 (2025)', ...COUNT_HEAD],
    report.by_category.map((c) => [
      htmlEscape(c.category),
      `${htmlEscape(c.owasp)} ${htmlEscape(OWASP_2025[c.owasp])}`,
      ...counts(c),
      rowAsr(c),
    ]),
    2,
  );
  const strategies = table(
    ['strategy', ...COUNT_HEAD],
    report.by_strategy.map((r) => [htmlEscape(r.strategy), ...counts(r), rowAsr(r)]),
    1,
  );
  const worst =
    report.worst.length > 0
      ? report.worst.map(caseBlock).join('\n')
      : '<p>No attack succeeded and no benign prompt was blocked.</p>';
  const meta = [
    `target ${t.url}`,
    `model ${t.model}`,
    ...(t.use_case ? [`use case ${t.use_case}`] : []),
    `corpus ${report.corpus_version}`,
    `seed ${report.seed}`,
    `${report.samples} samples per category`,
    `started ${report.started_at}`,
    `${(report.duration_ms / 1000).toFixed(1)} s`,
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Keel red-team report · ${htmlEscape(t.model)} · score ${s.score.toFixed(1)}</title>
<style>${STYLE}</style></head>
<body>
<h1>Keel red-team report</h1>
<p class="sub">${meta.map(htmlEscape).join(' · ')}</p>
<div class="cards">${cards}</div>
<h2>By category</h2>
${categories}
<h2>By strategy</h2>
${strategies}
<h2>Worst cases</h2>
<p class="sub">Succeeded attacks first, then blocked benign prompts; at most 25. Secrets and PII in excerpts are masked.</p>
${worst}
</body></html>
`;
}
