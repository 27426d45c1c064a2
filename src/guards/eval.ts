/**
 * Evaluation of a detector on labelled rows (`keel guard eval FILE.jsonl`): precision, recall and
 * false-positive rate overall and by `source` and `kind`, the flag rate on `harmful` rows (reported
 * separately: a harmful request is not an injection), and latency percentiles of the detector calls.
 * Evaluation only — nothing here tunes a threshold.
 */
import type { DetectorResult } from './types.js';

export interface EvalRow {
  text: string;
  label: string;
  source?: string;
  kind?: string;
}

export interface EvalMetrics {
  /** Rows counted (positives + negatives). */
  n: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  /** tp / (tp + fp); null when nothing was flagged. */
  precision: number | null;
  /** tp / positives; null when there are no positives. */
  recall: number | null;
  /** fp / negatives; null when there are no negatives. */
  fpr: number | null;
}

export interface EvalReport {
  overall: EvalMetrics;
  bySource: Record<string, EvalMetrics>;
  byKind: Record<string, EvalMetrics>;
  /** Rows with a label in `separateLabels` (default `harmful`): how many were flagged. */
  harmful: {
    n: number;
    flagged: number;
    rate: number | null;
    byKind: Record<string, { n: number; flagged: number }>;
  };
  /** Per-call latency of `detect`, milliseconds. */
  latency: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Rows with a label that is neither positive, negative nor separate (ignored). */
  skipped: number;
  /** Worst and mean recall over sources with positives; highest FPR over sources with negatives. */
  sources: SourceSummary;
}

export interface SourceSummary {
  attackSources: number;
  benignSources: number;
  /** Unweighted mean of the per-source recalls; null without positives. */
  meanRecall: number | null;
  worstRecall: { source: string; recall: number } | null;
  maxFpr: { source: string; fpr: number } | null;
}

export interface EvalOptions {
  positiveLabels?: readonly string[];
  negativeLabels?: readonly string[];
  separateLabels?: readonly string[];
  /** Maps a row's `source` to the source it is reported under (default: as is). */
  sourceKey?: (source: string) => string;
}

/**
 * The reporting source of `keel guard eval --by-source`: the first two parts of the path
 * (`bipia/email/start` → `bipia/email`), and a synthetic `<document>+<instruction>` row by its
 * instruction family (`synth-indirect/news+asb` → `synth-indirect/+asb`).
 */
export function sourceGroup(source: string): string {
  const synth = /^synth-indirect\/[^/+]*\+([^/]+)/.exec(source);
  if (synth) return `synth-indirect/+${synth[1]}`;
  return source.split('/').slice(0, 2).join('/');
}

export type EvalDetect = (text: string, row: EvalRow) => Pick<DetectorResult, 'flagged'>;

class Counter {
  tp = 0;
  fp = 0;
  tn = 0;
  fn = 0;

  add(positive: boolean, flagged: boolean): void {
    if (positive) flagged ? this.tp++ : this.fn++;
    else flagged ? this.fp++ : this.tn++;
  }

  metrics(): EvalMetrics {
    const pos = this.tp + this.fn;
    const neg = this.fp + this.tn;
    return {
      n: pos + neg,
      tp: this.tp,
      fp: this.fp,
      tn: this.tn,
      fn: this.fn,
      precision: this.tp + this.fp > 0 ? this.tp / (this.tp + this.fp) : null,
      recall: pos > 0 ? this.tp / pos : null,
      fpr: neg > 0 ? this.fp / neg : null,
    };
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

/** Run `detect` on every row and aggregate. `detect` receives the row so callers can route by kind. */
export function evaluate(rows: readonly EvalRow[], detect: EvalDetect, opts: EvalOptions = {}): EvalReport {
  const positive = new Set(opts.positiveLabels ?? ['attack']);
  const negative = new Set(opts.negativeLabels ?? ['benign']);
  const separate = new Set(opts.separateLabels ?? ['harmful']);
  const overall = new Counter();
  const bySource = new Map<string, Counter>();
  const byKind = new Map<string, Counter>();
  const harmful = { n: 0, flagged: 0, byKind: {} as Record<string, { n: number; flagged: number }> };
  const times: number[] = [];
  let skipped = 0;
  for (const row of rows) {
    const isPos = positive.has(row.label);
    const isNeg = negative.has(row.label);
    const isSep = separate.has(row.label);
    if (!isPos && !isNeg && !isSep) {
      skipped++;
      continue;
    }
    const t0 = performance.now();
    const flagged = detect(row.text, row).flagged;
    times.push(performance.now() - t0);
    if (isSep) {
      harmful.n++;
      if (flagged) harmful.flagged++;
      const kindKey = row.kind ?? 'unknown';
      const k = harmful.byKind[kindKey] ?? { n: 0, flagged: 0 };
      harmful.byKind[kindKey] = k;
      k.n++;
      if (flagged) k.flagged++;
      continue;
    }
    overall.add(isPos, flagged);
    for (const [map, key] of [
      [bySource, opts.sourceKey ? opts.sourceKey(row.source ?? 'unknown') : (row.source ?? 'unknown')],
      [byKind, row.kind ?? 'unknown'],
    ] as const) {
      const c = map.get(key) ?? new Counter();
      map.set(key, c);
      c.add(isPos, flagged);
    }
  }
  times.sort((a, b) => a - b);
  const mean = times.length > 0 ? times.reduce((a, b) => a + b, 0) / times.length : 0;
  const toRecord = (m: Map<string, Counter>) =>
    Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)).map(([k, c]) => [k, c.metrics()]));
  const sources = toRecord(bySource);
  return {
    overall: overall.metrics(),
    bySource: sources,
    sources: summarizeSources(sources),
    byKind: toRecord(byKind),
    harmful: { ...harmful, rate: harmful.n > 0 ? harmful.flagged / harmful.n : null },
    latency: {
      p50: percentile(times, 0.5),
      p90: percentile(times, 0.9),
      p99: percentile(times, 0.99),
      max: times[times.length - 1] ?? 0,
      mean,
    },
    skipped,
  };
}

export function summarizeSources(bySource: Record<string, EvalMetrics>): SourceSummary {
  let recallSum = 0;
  let attackSources = 0;
  let benignSources = 0;
  let worstRecall: SourceSummary['worstRecall'] = null;
  let maxFpr: SourceSummary['maxFpr'] = null;
  for (const [source, m] of Object.entries(bySource)) {
    if (m.recall !== null) {
      attackSources++;
      recallSum += m.recall;
      if (!worstRecall || m.recall < worstRecall.recall) worstRecall = { source, recall: m.recall };
    }
    if (m.fpr !== null) {
      benignSources++;
      if (!maxFpr || m.fpr > maxFpr.fpr) maxFpr = { source, fpr: m.fpr };
    }
  }
  return {
    attackSources,
    benignSources,
    meanRecall: attackSources > 0 ? recallSum / attackSources : null,
    worstRecall,
    maxFpr,
  };
}

const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)}%`);

/** Plain-text table of a report (for the CLI). */
export function formatEvalReport(r: EvalReport): string {
  const lines: string[] = [];
  const row = (name: string, m: EvalMetrics) =>
    lines.push(
      `${name.padEnd(44)} ${String(m.n).padStart(5)}  recall ${pct(m.recall).padStart(6)}  fpr ${pct(m.fpr).padStart(6)}  precision ${pct(m.precision).padStart(6)}`,
    );
  row('overall', r.overall);
  lines.push('', 'by kind:');
  for (const [k, m] of Object.entries(r.byKind)) row(`  ${k}`, m);
  lines.push('', 'by source:');
  for (const [k, m] of Object.entries(r.bySource)) row(`  ${k}`, m);
  const s = r.sources;
  lines.push(
    '',
    `sources: ${s.attackSources} with attacks, mean recall ${pct(s.meanRecall)}, worst ${pct(s.worstRecall?.recall ?? null)}` +
      ` (${s.worstRecall?.source ?? '—'}); ${s.benignSources} with benign rows, max FPR ${pct(s.maxFpr?.fpr ?? null)} (${s.maxFpr?.source ?? '—'})`,
    `harmful (not injections, reported separately): ${r.harmful.flagged}/${r.harmful.n} flagged (${pct(r.harmful.rate)})`,
    `latency per text: p50 ${r.latency.p50.toFixed(3)} ms  p90 ${r.latency.p90.toFixed(3)} ms  p99 ${r.latency.p99.toFixed(3)} ms  max ${r.latency.max.toFixed(3)} ms`,
  );
  if (r.skipped > 0) lines.push(`skipped ${r.skipped} rows with other labels`);
  return `${lines.join('\n')}\n`;
}
