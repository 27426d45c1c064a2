// @ts-check
/**
 * Cross-validation plumbing of the injection trainer: stratified folds, and the choice of a mode's
 * combiner and threshold on out-of-fold analyses.
 */
import { createHash } from 'node:crypto';
import { routedIndirect } from './loso-core.mjs';
import { pickThreshold } from './threshold.mjs';

/** @typedef {import('./train-core.mjs').Row} Row */
/** @typedef {import('./train-core.mjs').Analysis} Analysis */
/** @typedef {import('./loso-core.mjs').Limits} Limits */
/** @typedef {(c: { segOffset: number, sigWeight: number }, model: any, signatures: number) => number} CombineLogit */

/**
 * Stratified folds: within each label/kind stratum, rows ordered by a hash of their text (and `salt`,
 * for repeated cross-validation).
 * @param {Row[]} rows @param {number} k @param {string} [salt]
 */
export function stratifiedFolds(rows, k, salt = '') {
  /** @type {Map<string, number[]>} */
  const strata = new Map();
  rows.forEach((r, i) => {
    const key = `${r.label}/${r.kind}`;
    const list = strata.get(key) ?? [];
    list.push(i);
    strata.set(key, list);
  });
  const fold = new Array(rows.length).fill(0);
  const hashes = rows.map((r) => createHash('sha1').update(salt).update(r.text).digest('hex'));
  for (const idx of strata.values()) {
    idx.sort((a, b) =>
      (hashes[a] ?? '') < (hashes[b] ?? '') ? -1 : (hashes[a] ?? '') > (hashes[b] ?? '') ? 1 : a - b,
    );
    idx.forEach((rowIdx, j) => {
      fold[rowIdx] = j % k;
    });
  }
  return fold;
}

/**
 * Choose one mode's combiner (segment offset, signature weight) and threshold on out-of-fold
 * analyses: the combination with the best mean attack-source recall within `limits` across the CV
 * repeats; the threshold is the mean of the repeats' thresholds for it. The indirect mode is judged
 * on the rows the gateway routes to it (documents, tool results, indirect attacks).
 * @param {Row[]} rows @param {CombineLogit} combineLogit
 * @param {Array<Array<Record<'direct' | 'indirect', Analysis>>>} oofs @param {'direct' | 'indirect'} mode
 * @param {Limits} limits
 * @param {{ harmWeight?: number, harmOffset?: number }} [fixed] request-model terms of the preset (not searched)
 */
export function chooseCombiner(rows, combineLogit, oofs, mode, limits, fixed = {}) {
  const use =
    mode === 'indirect'
      ? routedIndirect(rows, (i) => oofs[0]?.[i] !== undefined)
      : (/** @type {number} */ i) => oofs[0]?.[i] !== undefined;
  /** @type {{ combiner: { segOffset: number, sigWeight: number }, recall: number, threshold: number, logits: Float64Array } | null} */
  let best = null;
  for (let segOffset = -6; segOffset <= 0; segOffset += 0.5) {
    for (const sigWeight of [0.5, 0.75, 1]) {
      const combiner = { segOffset, sigWeight, ...fixed };
      let recall = 0;
      let threshold = 0;
      /** @type {Float64Array} */
      let logits = new Float64Array(0);
      for (const oof of oofs) {
        logits = Float64Array.from(oof, (o) =>
          o ? combineLogit(combiner, o[mode].model, o[mode].signatures) : Number.NaN,
        );
        const t = pickThreshold(rows, logits, limits, use);
        recall += t.recall / oofs.length;
        threshold += t.threshold / oofs.length;
      }
      if (!best || recall > best.recall + 1e-9) best = { combiner, recall, threshold, logits };
    }
  }
  if (!best) throw new Error('no combiner');
  return best;
}
