// @ts-check
/**
 * Training and cross-validation of the injection classifier (used by train-injection.mjs).
 * See that script's header for the method.
 */
import { createHash } from 'node:crypto';
import { importGuard } from './load-guards.mjs';
import { dot, toSparse, trainLogistic } from './linear.mjs';
import { pickThreshold } from './threshold.mjs';

/** @typedef {{ text: string, label: string, source: string, kind: string }} Row */
/**
 * @typedef {{
 *   power: number, segMin: number, segMax: number, minSegmentedLength: number,
 *   l2: number, lr: number, epochs: number, milRounds: number, posSegments: number,
 *   segWeight: number, segOffset: number, minSegmentFeatures: number, indirectDocWeight: number
 * }} Config
 * @typedef {{ benignFpr: number, kindFpr: Record<string, number> }} Limits
 * @typedef {{ idx: Int32Array, val: Float32Array, y: number, w: number }} Instance
 */

/** @param {Row[]} rows */
export async function createTrainer(rows) {
  const { normalizeForDetection } = await importGuard('normalize.js');
  const { visitFeatures, BUCKETS } = await importGuard('injection/features.js');
  const { createInjectionDetector } = await importGuard('injection/detect.js');

  const norms = rows.map((r) => /** @type {string} */ (normalizeForDetection(r.text).text));
  const ys = rows.map((r) => (r.label === 'attack' ? 1 : 0));

  /** @type {Map<string, Int32Array[][]>} */
  const featureCache = new Map();
  /** Bucket sequences per segment, per row (cached per segmentation). @param {Config} c */
  function rowSegments(c) {
    const key = `${c.segMin}/${c.segMax}/${c.minSegmentedLength}`;
    const hit = featureCache.get(key);
    if (hit) return hit;
    const all = norms.map((text) => {
      /** @type {Int32Array[]} */
      const segs = [];
      /** @type {number[]} */
      let cur = [];
      const seg = text.length >= c.minSegmentedLength ? { min: c.segMin, max: c.segMax } : null;
      visitFeatures(
        text,
        {
          feature: (/** @type {number} */ b) => cur.push(b),
          segmentEnd: () => {
            segs.push(Int32Array.from(cur));
            cur = [];
          },
        },
        seg,
      );
      return segs;
    });
    featureCache.set(key, all);
    return all;
  }

  /** @param {number} i @param {Config} c */
  const segsOf = (i, c) => /** @type {Int32Array[]} */ (rowSegments(c)[i]);

  /** Train on row indices `train`. @param {number[]} train @param {Config} c */
  function fit(train, c) {
    /** @type {Instance[]} */
    const docs = train.map((i) => ({ ...toSparse(concat(segsOf(i, c)), c.power), y: /** @type {number} */ (ys[i]), w: 1 }));
    const nPos = docs.filter((d) => d.y === 1).length;
    const nNeg = docs.length - nPos;
    for (const d of docs) d.w = d.y === 1 ? docs.length / (2 * nPos) : docs.length / (2 * nNeg);
    // An indirect attack is an ordinary document plus one planted instruction: as a whole it would
    // teach "e-mails and tables are attacks". Its planted segment (picked below) is the positive.
    train.forEach((i, j) => {
      if (rows[i]?.kind === 'indirect' && segsOf(i, c).length >= 2) (docs[j] ?? { w: 0 }).w *= c.indirectDocWeight;
    });
    /** @type {Instance[]} */
    const negSegs = [];
    for (const i of train) {
      const segs = segsOf(i, c);
      if (ys[i] === 1 || segs.length < 2) continue;
      for (const s of segs) if (s.length >= c.minSegmentFeatures) negSegs.push({ ...toSparse(s, c.power), y: 0, w: 0 });
    }
    const posCandidates = train
      .filter((i) => ys[i] === 1 && segsOf(i, c).length >= 2)
      .map((i) =>
        segsOf(i, c)
          .filter((s) => s.length >= c.minSegmentFeatures)
          .map((s) => toSparse(s, c.power)),
      )
      .filter((s) => s.length > 0);
    // Segment instances together weigh `segWeight` of the documents, split evenly by class.
    const total = docs.length * c.segWeight;
    for (const s of negSegs) s.w = total / 2 / Math.max(1, negSegs.length);
    const opts = { epochs: c.epochs, lr: c.lr, l2: c.l2, seed: 1 };
    let model = trainLogistic([...docs, ...negSegs], BUCKETS, opts);
    for (let round = 0; round < c.milRounds; round++) {
      /** @type {Instance[]} */
      const posSegs = [];
      for (const cands of posCandidates) {
        const ranked = cands
          .map((s, k) => ({ s, k, z: dot(model.w, model.bias, s) }))
          .sort((a, b) => b.z - a.z || a.k - b.k);
        for (const r of ranked.slice(0, c.posSegments)) posSegs.push({ ...r.s, y: 1, w: 0 });
      }
      for (const s of posSegs) s.w = total / 2 / Math.max(1, posSegs.length);
      model = trainLogistic([...docs, ...negSegs, ...posSegs], BUCKETS, { ...opts, seed: 2 + round });
    }
    return quantize(model);
  }

  /** @param {ReturnType<typeof quantize>} m @param {Config} c */
  function runtimeModel(m, c) {
    return {
      bias: m.bias,
      weights: m.weights,
      power: c.power,
      seg: { min: c.segMin, max: c.segMax },
      minSegmentedLength: c.minSegmentedLength,
      segOffset: c.segOffset,
      minSegmentFeatures: c.minSegmentFeatures,
      threshold: 0,
      indirectThreshold: 0,
    };
  }

  /** Stratified folds: within each label/kind stratum, rows ordered by a hash of their text. @param {number} k */
  function folds(k) {
    /** @type {Map<string, number[]>} */
    const strata = new Map();
    rows.forEach((r, i) => {
      const key = `${r.label}/${r.kind}`;
      const list = strata.get(key) ?? [];
      list.push(i);
      strata.set(key, list);
    });
    const fold = new Array(rows.length).fill(0);
    const hashes = rows.map((r) => createHash('sha1').update(r.text).digest('hex'));
    for (const idx of strata.values()) {
      idx.sort((a, b) => ((hashes[a] ?? '') < (hashes[b] ?? '') ? -1 : (hashes[a] ?? '') > (hashes[b] ?? '') ? 1 : a - b));
      idx.forEach((rowIdx, j) => {
        fold[rowIdx] = j % k;
      });
    }
    return fold;
  }

  /**
   * Out-of-fold analyses (direct and indirect) through the real detector.
   * @param {Config} c @param {number} k
   */
  function crossValidate(c, k) {
    const fold = folds(k);
    /** @type {Array<{ direct: any, indirect: any }>} */
    const oof = new Array(rows.length);
    for (let f = 0; f < k; f++) {
      const train = rows.map((_, i) => i).filter((i) => fold[i] !== f);
      const det = createInjectionDetector(runtimeModel(fit(train, c), c));
      rows.forEach((r, i) => {
        if (fold[i] !== f) return;
        oof[i] = { direct: det.analyze(r.text, false), indirect: det.analyze(r.text, true) };
      });
    }
    return oof;
  }

  /**
   * @param {Array<{ direct: { logit: number }, indirect: { logit: number } }>} oof
   * @param {Limits} directLimits @param {Limits} indirectLimits
   */
  function thresholds(oof, directLimits, indirectLimits) {
    const direct = oof.map((o) => o.direct.logit);
    const indirect = oof.map((o) => o.indirect.logit);
    return {
      direct,
      indirect,
      d: pickThreshold(rows, direct, directLimits),
      ind: pickThreshold(rows, indirect, indirectLimits),
    };
  }

  return { fit, runtimeModel, crossValidate, thresholds, createInjectionDetector, norms, ys };
}

/** @param {Int32Array[]} segs */
function concat(segs) {
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
