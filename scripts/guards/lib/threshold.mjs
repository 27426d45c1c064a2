// @ts-check
/**
 * Threshold choice on out-of-fold logits: the lowest threshold (highest recall) whose false-positive
 * rates on benign rows stay within limits, overall and per benign source. Harmful rows are not
 * constrained (they are reported separately); attacks are positives.
 */

import { pickThresholdBySource } from './loso-core.mjs';
import { sourceOf } from './sources.mjs';

/** @typedef {{ label: string, kind: string, source?: string }} Row */
/** @typedef {import('./loso-core.mjs').Limits} Limits */

/**
 * The lowest threshold within `limits` on every benign source (loso-core.mjs), and the mean
 * attack-source recall there: a large collection must not decide the choice for the small ones.
 * `use` restricts the rows taken into account (default: every row with a logit).
 * @param {Row[]} rows @param {ArrayLike<number>} logits @param {Limits} limits
 * @param {(i: number) => boolean} [use]
 * @returns {{ threshold: number, recall: number }}
 */
export function pickThreshold(rows, logits, limits, use = (i) => !Number.isNaN(logits[i])) {
  const threshold = pickThresholdBySource(/** @type {any} */ (rows), logits, use, limits);
  /** @type {Map<string, [number, number]>} */
  const bySource = new Map();
  rows.forEach((r, i) => {
    if (r.label !== 'attack' || !use(i)) return;
    const key = sourceOf(r);
    const c = bySource.get(key) ?? [0, 0];
    if (/** @type {number} */ (logits[i]) >= threshold) c[0]++;
    c[1]++;
    bySource.set(key, c);
  });
  let recall = 0;
  for (const [hit, n] of bySource.values()) recall += hit / n / bySource.size;
  return { threshold, recall };
}

/** One-line summary: recall by attack kind, FPR by benign kind, harmful flag rate. */
/** @param {Array<Row>} rows @param {ArrayLike<number>} logits @param {number} t */
export function summarize(rows, logits, t) {
  /** @type {Map<string, [number, number]>} */
  const by = new Map();
  let tp = 0;
  let pos = 0;
  let fp = 0;
  let neg = 0;
  rows.forEach((r, i) => {
    const hit = /** @type {number} */ (logits[i]) >= t ? 1 : 0;
    const key = `${r.label === 'attack' ? 'recall' : r.label === 'harmful' ? 'flag' : 'fpr'}:${r.kind}`;
    const cur = by.get(key) ?? [0, 0];
    cur[0] += hit;
    cur[1]++;
    by.set(key, cur);
    if (r.label === 'attack') {
      pos++;
      tp += hit;
    } else if (r.label === 'benign') {
      neg++;
      fp += hit;
    }
  });
  const parts = [`t=${t.toFixed(3)} recall=${(tp / pos).toFixed(3)} fpr=${(fp / neg).toFixed(4)}`];
  for (const [key, [h, n]] of [...by].sort()) parts.push(`${key}=${h}/${n}`);
  return parts.join(' ');
}
