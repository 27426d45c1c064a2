// @ts-check
/**
 * Issue 15's criterion on leave-one-source-out scores: the thresholds are chosen on the held-out
 * scores themselves, per mode (direct, indirect), as the lowest at which every held-out benign source
 * of the mode keeps its false-positive rate at or under `limit` (sources under `minSource` rows are
 * pooled into one). Mean and worst attack-source recall at those thresholds (each row in the mode the
 * gateway routes it to) then compare rankings, free of how a fold's own threshold happened to land.
 * With `pooled`, one limit over all held-out benign rows of the mode instead.
 */
import { isIndirectRow, sourceOf } from './sources.mjs';

/** @typedef {{ text: string, label: string, source: string, kind: string }} Row */

/**
 * @param {Row[]} rows @param {ArrayLike<number>} direct @param {ArrayLike<number>} indirect held-out
 *   logits (NaN: not scored) @param {(i: number) => boolean} counted rows that count (not train-only)
 * @param {{ limit?: number, minSource?: number, pooled?: boolean }} [o]
 */
export function oracleRecall(rows, direct, indirect, counted, o = {}) {
  const limit = o.limit ?? 0.03;
  const minSource = o.minSource ?? 50;
  const logitOf = (/** @type {number} */ i) =>
    /** @type {number} */ (isIndirectRow(/** @type {Row} */ (rows[i])) ? indirect[i] : direct[i]);
  const use = (/** @type {number} */ i) => counted(i) && !Number.isNaN(logitOf(i));
  /** @type {Record<'direct' | 'indirect', number>} */
  const threshold = { direct: Number.NEGATIVE_INFINITY, indirect: Number.NEGATIVE_INFINITY };
  for (const mode of /** @type {const} */ (['direct', 'indirect'])) {
    /** @type {Map<string, number[]>} */
    const bySource = new Map();
    rows.forEach((r, i) => {
      if (!use(i) || r.label !== 'benign' || isIndirectRow(r) !== (mode === 'indirect')) return;
      const key = o.pooled ? 'all' : sourceOf(r);
      const list = bySource.get(key) ?? [];
      if (list.length === 0) bySource.set(key, list);
      list.push(logitOf(i));
    });
    /** @type {number[][]} */
    const groups = [];
    /** @type {number[]} */
    const small = [];
    for (const v of bySource.values()) v.length < minSource && !o.pooled ? small.push(...v) : groups.push(v);
    if (small.length > 0) groups.push(small);
    // Flag strictly above the k-th highest benign logit of each group: at most k = ⌊limit·n⌋ flagged.
    for (const v of groups) {
      v.sort((a, b) => b - a);
      const t = v[Math.floor(v.length * limit)] ?? Number.NEGATIVE_INFINITY;
      if (t > threshold[mode]) threshold[mode] = t;
    }
  }
  /** @type {Map<string, { n: number, hit: number }>} */
  const attacks = new Map();
  rows.forEach((r, i) => {
    if (!use(i) || r.label !== 'attack') return;
    const c = attacks.get(sourceOf(r)) ?? { n: 0, hit: 0 };
    c.n++;
    if (logitOf(i) > threshold[isIndirectRow(r) ? 'indirect' : 'direct']) c.hit++;
    attacks.set(sourceOf(r), c);
  });
  const recall = [...attacks].map(([source, c]) => ({ source, v: c.hit / c.n }));
  const worst = recall.reduce((a, b) => (b.v < a.v ? b : a), recall[0] ?? { source: '', v: 0 });
  return {
    threshold,
    meanRecall: recall.length > 0 ? recall.reduce((a, b) => a + b.v, 0) / recall.length : 0,
    worstRecall: worst,
    atZero: recall.filter((x) => x.v === 0).length,
    bySource: Object.fromEntries(recall.map((x) => [x.source, x.v])),
  };
}
