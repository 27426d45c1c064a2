// @ts-check
/**
 * Leave-one-source-out evaluation of the injection classifier (scripts/guards/loso.mjs).
 *
 * For every family (sources.mjs) a model is trained on all other families and scores the held-out
 * family's rows through the real detector (signatures and decoded payloads included), in both modes.
 * The decision threshold used for a held-out family is chosen WITHOUT its rows: by default on the
 * fold model's scores of its own training rows (the threshold it would ship with), as the
 * lowest threshold holding each training benign source's FPR within the limits — for the indirect
 * mode, on the documents and tool results it is routed (`routedIndirect`). Attack rows count as positives, benign rows as negatives; harmful rows are
 * neither (reported apart). Rows of kind `document`/`indirect` are routed to the indirect detector,
 * as the gateway routes tool results; the `scan` columns score every row with the direct detector, as
 * `keel guard scan` does.
 */
import { oracleRecall } from './oracle.mjs';
import { familyOf, isIndirectRow, isTrainOnly, sharedFamiliesOf, sourceOf } from './sources.mjs';

/** @typedef {{ text: string, label: string, source: string, kind: string }} Row */
/** @typedef {{ segOffset: number, sigWeight: number }} Combiner */
/**
 * @typedef {{ sourceRate: number, overallRate: number, minSourceRows: number }} Limits
 *   sourceRate: FPR allowed on each benign source with at least minSourceRows rows (smaller sources
 *   are pooled into one group with the same limit); overallRate: FPR allowed on all benign rows.
 */

/** Limits used to pick thresholds: under the 3 % target, for margin on unseen sources. */
export const DEFAULT_LIMITS = /** @type {Limits} */ ({
  sourceRate: 0.02,
  overallRate: 0.01,
  minSourceRows: 50,
});

/**
 * Lowest threshold whose FPR on the benign rows among `use` stays within `limits` (per source and
 * overall), placed midway to the next higher score for margin.
 * @param {Row[]} rows @param {ArrayLike<number>} logits @param {(i: number) => boolean} use @param {Limits} limits
 */
export function pickThresholdBySource(rows, logits, use, limits) {
  /** @type {Map<string, number[]>} */
  const groups = new Map();
  /** @type {number[]} */
  const all = [];
  /** @type {number[]} */
  const scores = [];
  rows.forEach((r, i) => {
    if (!use(i)) return;
    const v = /** @type {number} */ (logits[i]);
    scores.push(v);
    if (r.label !== 'benign') return;
    all.push(v);
    const key = sourceOf(r);
    const g = groups.get(key) ?? [];
    g.push(v);
    groups.set(key, g);
  });
  /** @type {number[]} */
  const small = [];
  /** @type {Array<[number[], number]>} */
  const constraints = [[all, limits.overallRate]];
  for (const g of groups.values()) {
    if (g.length >= limits.minSourceRows) constraints.push([g, limits.sourceRate]);
    else small.push(...g);
  }
  constraints.push([small, limits.sourceRate]);
  let floor = Number.NEGATIVE_INFINITY;
  for (const [values, rate] of constraints) {
    if (values.length === 0) continue;
    const sorted = [...values].sort((a, b) => b - a);
    const boundary = sorted[Math.floor(rate * sorted.length)];
    if (boundary !== undefined) floor = Math.max(floor, boundary);
  }
  let next = Number.POSITIVE_INFINITY;
  for (const v of scores) if (v > floor && v < next) next = v;
  return Number.isFinite(next) ? (floor + next) / 2 : floor + 1;
}

/**
 * The rows the indirect detector sees in the gateway (documents, tool results) among `use`: its
 * threshold answers for those, not for chat prompts that never reach it.
 * @param {Row[]} rows @param {(i: number) => boolean} use
 */
export function routedIndirect(rows, use) {
  return (/** @type {number} */ i) => use(i) && isIndirectRow(/** @type {Row} */ (rows[i]));
}

/**
 * Families → folds. Without `k` (or k ≥ families), one fold per family: leave-one-source-out proper.
 * With `k`, families are dealt into k folds, largest first, each to the fold with the fewest rows so
 * far (ties by name): every family is still held out whole, with others — a cheaper, stricter run.
 * @param {string[]} family per row @param {boolean[]} counted per row @param {number} [k]
 * @returns {Map<string, string>} family → fold name
 */
export function assignFolds(family, counted, k) {
  /** @type {Map<string, number>} */
  const size = new Map();
  family.forEach((f, i) => {
    if (counted[i]) size.set(f, (size.get(f) ?? 0) + 1);
  });
  const names = [...size.keys()].sort();
  /** @type {Map<string, string>} */
  const out = new Map();
  if (!k || k >= names.length) {
    for (const f of names) out.set(f, f);
    return out;
  }
  const load = new Array(k).fill(0);
  const order = [...names].sort((a, b) => (size.get(b) ?? 0) - (size.get(a) ?? 0) || a.localeCompare(b));
  for (const f of order) {
    let best = 0;
    for (let j = 1; j < k; j++) if (load[j] < load[best]) best = j;
    load[best] += size.get(f) ?? 0;
    out.set(f, `fold-${best + 1}`);
  }
  return out;
}

/**
 * Run the evaluation.
 * @param {{
 *   rows: Row[],
 *   folds?: number,
 *   train: (trainIdx: number[], heldIdx: number[]) => { analyze: (text: string, indirect: boolean) => { logit: number } },
 *   limits?: Limits,
 *   families?: string[],
 *   scores?: Array<{ direct: Array<number | null>, indirect: Array<number | null>, thresholds?: Record<string, { direct: number, indirect: number }> }>,
 *   thresholdOn?: 'training' | 'out-of-family',
 *   log?: (line: string) => void,
 * }} o
 *   `scores`: out-of-family logits saved by earlier runs (`scores` of the result) over the same rows,
 *   e.g. shards run with different `families`; they are merged and nothing is trained.
 *   `thresholdOn`: 'training' (default) — each fold's thresholds are chosen on its model's scores of
 *   its own training rows, the threshold it would ship with; 'out-of-family' — on the other
 *   folds' held-out scores (then one hard benign family, e.g. "act as …" prompts, sets every fold's
 *   threshold).
 */
export function leaveOneSourceOut(o) {
  const { rows } = o;
  const limits = o.limits ?? DEFAULT_LIMITS;
  const fams = rows.map((r) => familyOf(r));
  const foldOf = assignFolds(
    fams,
    rows.map((r) => (r.label === 'attack' || r.label === 'benign') && !isTrainOnly(r)),
    o.folds,
  );
  // Families of harmful rows only are never held out (nothing of theirs is counted): always trained on.
  const family = fams.map((f) => foldOf.get(f) ?? `train-only:${f}`);
  const folds = [...new Set(foldOf.values())].sort();
  // Folds a row must also stay out of training for (the documents of a synthetic indirect row).
  const shared = rows.map((r) => sharedFamiliesOf(r).map((g) => foldOf.get(g) ?? ''));
  const selected = o.families
    ? folds.filter((f) => [...foldOf].some(([fam, fold]) => fold === f && o.families?.includes(fam)))
    : folds;
  const thresholdOn = o.thresholdOn ?? 'training';
  /** @type {Map<string, { direct: number, indirect: number }>} */
  const thresholds = new Map();
  const direct = new Float64Array(rows.length).fill(Number.NaN);
  const indirect = new Float64Array(rows.length).fill(Number.NaN);
  for (const saved of o.scores ?? []) {
    if (saved.direct.length !== rows.length) throw new Error('saved scores are for other rows');
    saved.direct.forEach((v, i) => {
      if (v !== null) direct[i] = v;
    });
    saved.indirect.forEach((v, i) => {
      if (v !== null) indirect[i] = v;
    });
  }
  for (const f of o.scores ? [] : selected) {
    const t0 = performance.now();
    const trainIdx = rows.map((_, i) => i).filter((i) => family[i] !== f && !shared[i]?.includes(f));
    const det = o.train(
      trainIdx,
      rows.map((_, i) => i).filter((i) => family[i] === f),
    );
    rows.forEach((r, i) => {
      if (family[i] !== f) return;
      direct[i] = det.analyze(r.text, false).logit;
      indirect[i] = det.analyze(r.text, true).logit;
    });
    if (thresholdOn === 'training') {
      // The threshold the fold's model would ship with: chosen on its own training rows.
      const d = new Float64Array(rows.length).fill(Number.NaN);
      const ind = new Float64Array(rows.length).fill(Number.NaN);
      for (const i of trainIdx) {
        const text = /** @type {Row} */ (rows[i]).text;
        d[i] = det.analyze(text, false).logit;
        ind[i] = det.analyze(text, true).logit;
      }
      const use = (/** @type {number} */ i) => !Number.isNaN(d[i]);
      thresholds.set(f, {
        direct: pickThresholdBySource(rows, d, use, limits),
        indirect: pickThresholdBySource(rows, ind, routedIndirect(rows, use), limits),
      });
    }
    const members = [...foldOf].filter(([, fold]) => fold === f).map(([fam]) => fam);
    o.log?.(
      `  ${f}${members.length > 1 || members[0] !== f ? ` (${members.join(', ')})` : ''}: trained on ${trainIdx.length} rows, ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
  /** Routed logit of row i (the mode the gateway uses for it). @param {number} i */
  const routed = (i) => (isIndirectRow(/** @type {Row} */ (rows[i])) ? indirect[i] : direct[i]);
  const done = (/** @type {number} */ i) => !Number.isNaN(direct[i]);

  for (const saved of o.scores ?? [])
    for (const [f, t] of Object.entries(saved.thresholds ?? {})) thresholds.set(f, t);
  const scoredFolds = o.scores ? folds.filter((f) => family.some((g, i) => g === f && done(i))) : selected;
  for (const f of thresholdOn === 'training' ? [] : scoredFolds) {
    const use = (/** @type {number} */ i) => done(i) && family[i] !== f;
    thresholds.set(f, {
      direct: pickThresholdBySource(rows, direct, use, limits),
      indirect: pickThresholdBySource(rows, indirect, routedIndirect(rows, use), limits),
    });
  }

  /** @type {Map<string, SourceResult>} */
  const bySource = new Map();
  rows.forEach((r, i) => {
    if (!done(i)) return;
    const t = /** @type {{ direct: number, indirect: number }} */ (
      thresholds.get(/** @type {string} */ (family[i]))
    );
    const mode = isIndirectRow(r) ? 'indirect' : 'direct';
    const hit = /** @type {number} */ (routed(i)) >= t[mode];
    const scanHit = /** @type {number} */ (direct[i]) >= t.direct;
    const key = sourceOf(r);
    const s = bySource.get(key) ?? newResult(key, /** @type {string} */ (fams[i]));
    bySource.set(key, s);
    const bucket =
      r.label === 'attack'
        ? s.attack
        : r.label === 'benign'
          ? s.benign
          : r.label === 'harmful'
            ? s.harmful
            : null;
    if (!bucket) return;
    bucket.n++;
    if (hit) bucket.hit++;
    if (scanHit) bucket.scanHit++;
    s.modes.add(mode);
  });
  const sources = [...bySource.values()].sort((a, b) => a.source.localeCompare(b.source));
  const counted = (/** @type {number} */ i) => done(i) && !isTrainOnly(/** @type {Row} */ (rows[i]));
  return {
    sources,
    summary: summarize(sources),
    oracle: {
      perSource: oracleRecall(rows, direct, indirect, counted),
      pooled: oracleRecall(rows, direct, indirect, counted, { pooled: true }),
    },
    thresholds: Object.fromEntries(thresholds),
    limits,
    folds: Object.fromEntries(foldOf),
    thresholdOn,
    scores: {
      direct: [...direct].map(orNull),
      indirect: [...indirect].map(orNull),
      thresholds: Object.fromEntries(thresholds),
    },
  };
}

/** @param {number} v */
const orNull = (v) => (Number.isNaN(v) ? null : v);

/**
 * @typedef {{ n: number, hit: number, scanHit: number }} Count
 * @typedef {{ source: string, family: string, attack: Count, benign: Count, harmful: Count, modes: Set<string> }} SourceResult
 */

/** @param {string} source @param {string} family @returns {SourceResult} */
function newResult(source, family) {
  const c = () => ({ n: 0, hit: 0, scanHit: 0 });
  return { source, family, attack: c(), benign: c(), harmful: c(), modes: new Set() };
}

/** Worst and mean attack-source recall, max benign-source FPR (routed and scan). @param {SourceResult[]} sources */
export function summarize(sources) {
  const attacks = sources.filter((s) => s.attack.n > 0);
  const benign = sources.filter((s) => s.benign.n > 0);
  const recall = (/** @type {Count} */ c, /** @type {'hit' | 'scanHit'} */ k) => c[k] / c.n;
  /** @param {'hit' | 'scanHit'} k */
  const side = (k) => {
    const r = attacks.map((s) => ({ source: s.source, v: recall(s.attack, k) }));
    const f = benign.map((s) => ({ source: s.source, v: recall(s.benign, k) }));
    const worst = r.reduce((a, b) => (b.v < a.v ? b : a), r[0] ?? { source: '', v: 1 });
    const maxFpr = f.reduce((a, b) => (b.v > a.v ? b : a), f[0] ?? { source: '', v: 0 });
    const benignN = benign.reduce((a, s) => a + s.benign.n, 0);
    const benignHit = benign.reduce((a, s) => a + s.benign[k], 0);
    return {
      meanRecall: r.length > 0 ? r.reduce((a, b) => a + b.v, 0) / r.length : 0,
      worstRecall: worst,
      maxFpr,
      pooledFpr: benignN > 0 ? benignHit / benignN : 0,
    };
  };
  const harmfulN = sources.reduce((a, s) => a + s.harmful.n, 0);
  const harmfulHit = sources.reduce((a, s) => a + s.harmful.hit, 0);
  return {
    attackSources: attacks.length,
    benignSources: benign.length,
    routed: side('hit'),
    scan: side('scanHit'),
    harmful: { n: harmfulN, flagged: harmfulHit },
  };
}

const pct = (/** @type {number} */ x) => `${(100 * x).toFixed(1)}%`;

/** Markdown table of a run. @param {ReturnType<typeof leaveOneSourceOut>} r */
export function formatLoso(r) {
  const out = [
    '| source | family | attacks | recall | scan recall | benign | FPR | scan FPR |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const s of r.sources) {
    if (s.attack.n === 0 && s.benign.n === 0) continue;
    const a = s.attack.n > 0;
    const b = s.benign.n > 0;
    out.push(
      `| ${s.source} | ${s.family} | ${a ? s.attack.n : ''} | ${a ? (s.attack.hit / s.attack.n).toFixed(3) : ''} | ${a ? (s.attack.scanHit / s.attack.n).toFixed(3) : ''} | ${b ? s.benign.n : ''} | ${b ? pct(s.benign.hit / s.benign.n) : ''} | ${b ? pct(s.benign.scanHit / s.benign.n) : ''} |`,
    );
  }
  const m = r.summary;
  const line = (/** @type {string} */ name, /** @type {ReturnType<typeof summarize>['routed']} */ x) =>
    `${name}: mean attack-source recall ${x.meanRecall.toFixed(3)}, worst ${x.worstRecall.v.toFixed(3)} (${x.worstRecall.source}), max benign-source FPR ${pct(x.maxFpr.v)} (${x.maxFpr.source}), pooled benign FPR ${pct(x.pooledFpr)}`;
  out.push(
    '',
    `${m.attackSources} attack sources, ${m.benignSources} benign sources; harmful rows (not injections, not counted): ${m.harmful.flagged}/${m.harmful.n} flagged (routed)`,
    line('routed (documents and indirect rows through the indirect detector)', m.routed),
    line('scan (every row through the direct detector)', m.scan),
    `oracle (thresholds on the held-out scores; issue 15's criterion, every held-out benign source ≤ 3 % FPR): mean attack-source recall ${r.oracle.perSource.meanRecall.toFixed(3)}, worst ${r.oracle.perSource.worstRecall.v.toFixed(3)} (${r.oracle.perSource.worstRecall.source}), ${r.oracle.perSource.atZero} sources at 0; one pooled 3 % limit instead: ${r.oracle.pooled.meanRecall.toFixed(3)}`,
  );
  return `${out.join('\n')}\n`;
}
