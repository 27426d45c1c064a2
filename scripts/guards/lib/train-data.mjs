// @ts-check
/**
 * Data helpers of the injection trainer: class balancing, planted-instruction recovery, quantisation,
 * benign segments as negatives.
 */

import { toSparse } from './linear.mjs';

/** @typedef {{ idx: Int32Array, val: Float32Array, y: number, w: number }} Instance */
/** @typedef {{ power: number, minSegmentFeatures: number, maxNegSegments?: number }} SegmentConfig */

/** Class weights so positives and negatives weigh the same in total (relative to instance weights). @param {Instance[]} xs */
export function balance(xs) {
  let pos = 0;
  let neg = 0;
  for (const x of xs) {
    if (x.y === 1) pos += x.w;
    else neg += x.w;
  }
  const total = pos + neg;
  for (const x of xs) x.w *= x.y === 1 ? total / (2 * pos) : total / (2 * neg);
}

/**
 * The instruction planted in `attacked` relative to its clean `twin`: the text between their common
 * prefix and common suffix, when the twin lost (almost) nothing there. Returned as its prose lines
 * (code lines of a planted code block are generic — `import os` — and would teach nothing) plus the
 * whole snippet; null when the two differ by more than an insertion.
 * @param {string} twin @param {string} attacked
 */
export function plantedLines(twin, attacked) {
  let p = 0;
  while (p < twin.length && p < attacked.length && twin[p] === attacked[p]) p++;
  let s = 0;
  while (
    s < twin.length - p &&
    s < attacked.length - p &&
    twin[twin.length - 1 - s] === attacked[attacked.length - 1 - s]
  )
    s++;
  const removed = twin.length - p - s;
  const snippet = attacked.slice(p, attacked.length - s).trim();
  if (removed > 10 || snippet.length < 10 || snippet.length > 1500) return null;
  const prose = lines(snippet).filter((l) => /^[^`{}()[\]=<>|]*$/.test(l) && l.split(/\s+/).length >= 4);
  return prose.length > 0 && prose.join('\n') !== snippet ? [...prose, snippet] : [snippet];
}

/** @param {string} text */
export function head(text) {
  return text.slice(0, text.indexOf('\n') >= 0 ? text.indexOf('\n') : text.length).trim();
}

/** @param {string} text */
export function lines(text) {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

/** @param {Int32Array[]} segs */
export function concat(segs) {
  const n = segs.reduce((a, s) => a + s.length, 0);
  const out = new Int32Array(n);
  let o = 0;
  for (const s of segs) {
    out.set(s, o);
    o += s.length;
  }
  return out;
}

/** Int8 quantisation with one scale: the bytes to commit and the dequantised weights. @param {{ w: Float64Array, bias: number }} m */
export function quantize(m) {
  let max = 0;
  for (const v of m.w) max = Math.max(max, Math.abs(v));
  const scale = max > 0 ? max / 127 : 1;
  const q = new Int8Array(m.w.length);
  const weights = new Float32Array(m.w.length);
  for (let i = 0; i < m.w.length; i++) {
    const v = Math.max(-127, Math.min(127, Math.round(/** @type {number} */ (m.w[i]) / scale)));
    q[i] = v;
    weights[i] = v * scale;
  }
  return { q, scale, weights, bias: m.bias };
}

/**
 * A benign row as negatives of a head that scores segments: a sample of its segments, or the whole
 * text when it is too short to have any.
 * @param {Int32Array[]} segs @param {SegmentConfig} c @param {number} w @returns {Instance[]}
 */
export function benignNegatives(segs, c, w) {
  const sampled = segs.length >= 2 ? negativeSegments(segs, c, w) : [];
  return sampled.length > 0 ? sampled : [{ ...toSparse(concat(segs), c.power), y: 0, w }];
}

/**
 * A benign row's long-enough segments as negatives. Long documents (a man page, a news article)
 * would otherwise dominate the negatives and the training time: an evenly spaced sample of at most
 * `maxNegSegments`, each weighing for the rest.
 * @param {Int32Array[]} segs @param {SegmentConfig} c @param {number} w @returns {Instance[]}
 */
export function negativeSegments(segs, c, w) {
  const long = segs.filter((s) => s.length >= c.minSegmentFeatures);
  const cap = c.maxNegSegments ?? long.length;
  const step = Math.max(1, long.length / cap);
  /** @type {Instance[]} */
  const out = [];
  for (let k = 0; k < long.length; k += step)
    out.push({ ...toSparse(/** @type {Int32Array} */ (long[Math.floor(k)]), c.power), y: 0, w: step * w });
  return out;
}
