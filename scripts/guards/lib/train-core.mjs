// @ts-check
/**
 * Training and cross-validation of the injection classifier (used by train-injection.mjs).
 * See that script's header for the method.
 */
import { chooseCombiner, stratifiedFolds } from './combiner.mjs';
import { dot, prng, toSparse, trainScaled as trainScaledOn } from './linear.mjs';
import { importGuard } from './load-guards.mjs';
import { sourceOf } from './sources.mjs';
import {
  balance,
  benignNegatives,
  concat,
  head,
  lines,
  negativeSegments,
  plantedLines,
  quantize,
} from './train-data.mjs';

/** @typedef {{ text: string, label: string, source: string, kind: string }} Row */
/**
 * @typedef {{
 *   power: number, segLineMin: number, segMin: number, segMax: number, minSegmentedLength: number,
 *   l2: number, lr: number, epochs: number, milRounds: number, posSegments: number,
 *   minSegmentFeatures: number, indirectDocWeight: number, shortNegWeight: number, nb: number, crops: number, cropWeight: number,
 *   maxNegSegments?: number, sourcePower?: number, harmful?: 'negative' | 'ignore', harmHead?: boolean | 'task', harmL2?: number, harmEpochs?: number
 * }} Config
 * @typedef {import('./loso-core.mjs').Limits} Limits
 * @typedef {{ idx: Int32Array, val: Float32Array, y: number, w: number }} Instance
 * @typedef {{ model: any, signatures: number, logit: number }} Analysis
 */

/** @param {Row[]} rows */
export async function createTrainer(rows) {
  const { normalizeForDetection } = await importGuard('normalize.js');
  const { visitFeatures, BUCKETS } = await importGuard('injection/features.js');
  const { createInjectionDetector } = await importGuard('injection/detect.js');
  const { combineLogit, packWeights } = await importGuard('injection/model.js');
  const PLACEHOLDER = { segOffset: 0, sigWeight: 1 };

  const norms = rows.map((r) => /** @type {string} */ (normalizeForDetection(r.text).text));
  const ys = rows.map((r) => (r.label === 'attack' ? 1 : 0));

  /** @type {Map<string, Int32Array[][]>} */
  const featureCache = new Map();
  /** Bucket sequences per segment, per row (cached per segmentation). @param {Config} c */
  function rowSegments(c) {
    const key = `${c.segLineMin}/${c.segMin}/${c.segMax}/${c.minSegmentedLength}`;
    const hit = featureCache.get(key);
    if (hit) return hit;
    const all = norms.map((text) => {
      /** @type {Int32Array[]} */
      const segs = [];
      /** @type {number[]} */
      let cur = [];
      const seg =
        text.length >= c.minSegmentedLength ? { lineMin: c.segLineMin, min: c.segMin, max: c.segMax } : null;
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

  /** Buckets of a normalised string, unsegmented. @param {string} text */
  function bucketsOf(text) {
    /** @type {number[]} */
    const out = [];
    visitFeatures(text, { feature: (/** @type {number} */ b) => out.push(b), segmentEnd: () => {} }, null);
    return Int32Array.from(out);
  }

  /**
   * For indirect attack rows in `train` with a benign twin in `train` (same first line — the task
   * question of BIPIA-style rows), the non-empty lines the twin lacks (normalised).
   * @param {number[]} train
   */
  function twinLines(train) {
    /** @type {Map<string, number>} */
    const benignByHead = new Map();
    for (const i of train) {
      const r = /** @type {Row} */ (rows[i]);
      if (r.label === 'benign' && r.kind === 'document') benignByHead.set(head(r.text), i);
    }
    /** @type {Map<number, string[]>} */
    const out = new Map();
    for (const i of train) {
      const r = /** @type {Row} */ (rows[i]);
      if (r.label !== 'attack' || r.kind !== 'indirect') continue;
      const twin = benignByHead.get(head(r.text));
      if (twin === undefined) continue;
      const planted = plantedLines(/** @type {string} */ (norms[twin]), /** @type {string} */ (norms[i]));
      if (planted) out.set(i, planted);
    }
    // Rows without a usable twin often carry an instruction already seen planted elsewhere.
    const known = new Set([...out.values()].flat());
    for (const i of train) {
      const r = /** @type {Row} */ (rows[i]);
      if (r.label !== 'attack' || r.kind !== 'indirect' || out.has(i)) continue;
      const found = lines(/** @type {string} */ (norms[i])).filter((l) => known.has(l));
      if (found.length > 0) out.set(i, found);
    }
    return out;
  }

  /** @param {number} i @param {Config} c */
  const segsOf = (i, c) => /** @type {Int32Array[]} */ (rowSegments(c)[i]);

  /**
   * Per-row weights: with `sourcePower` p, a row of a source with n training rows (same label) weighs
   * (mean n / n)^p, so a few large collections (in-the-wild jailbreaks, man pages) do not decide what
   * an attack or a benign text looks like; p = 0 (default) weighs every row 1.
   * @param {number[]} train @param {Config} c @returns {(i: number) => number}
   */
  function rowWeights(train, c) {
    const p = c.sourcePower ?? 0;
    if (p === 0) return () => 1;
    /** @type {Map<string, number>} */
    const count = new Map();
    const keyOf = (/** @type {number} */ i) => `${ys[i]}:${sourceOf(/** @type {Row} */ (rows[i]))}`;
    for (const i of train) count.set(keyOf(i), (count.get(keyOf(i)) ?? 0) + 1);
    const mean = train.length / Math.max(1, count.size);
    return (i) => (mean / (count.get(keyOf(i)) ?? mean)) ** p;
  }

  /**
   * Train the two models on row indices `train`: the whole-text model on rows, the segment model on
   * segments (what one line or sentence of a longer text looks like when it is an injection); with
   * `harmHead`, also the request model (below). `heldOut`: rows being evaluated against this model — a
   * harmful request quoted in one of their attacks is not trained on (the request model would
   * recognise the very goal of a held-out jailbreak).
   * `harmful: 'ignore'` leaves harmful rows out of the injection models instead of making them negatives.
   * @param {number[]} train @param {Config} c @param {number[]} [heldOut]
   */
  function trainModels(train, c, heldOut = []) {
    const harm =
      c.harmHead === 'task' ? trainTask(train, c) : c.harmHead ? trainHarm(train, c, heldOut) : null;
    if (c.harmful === 'ignore') train = train.filter((i) => rows[i]?.label !== 'harmful');
    const rw = rowWeights(train, c);
    /** @type {Instance[]} */
    const docs = train.map((i) => ({
      ...toSparse(concat(segsOf(i, c)), c.power),
      y: /** @type {number} */ (ys[i]),
      w: rw(i),
    }));
    // Crops (a contiguous half of a longer text's segments) keep the label of their row — a part of a
    // jailbreak is still a jailbreak — and teach the text model not to lean on length.
    if (c.crops > 0) {
      const rnd = prng(7);
      for (const i of train) {
        const segs = segsOf(i, c);
        if (segs.length < 4 || rows[i]?.kind === 'indirect') continue;
        for (let k = 0; k < c.crops; k++) {
          const len = Math.max(2, Math.floor(segs.length * (0.3 + 0.4 * rnd())));
          const start = Math.floor(rnd() * (segs.length - len + 1));
          docs.push({
            ...toSparse(concat(segs.slice(start, start + len)), c.power),
            y: /** @type {number} */ (ys[i]),
            w: c.cropWeight * rw(i),
          });
        }
      }
    }
    balance(docs);
    // An indirect attack is an ordinary document plus one planted instruction: as a whole it would
    // teach "e-mails and tables are attacks". Its planted segment is the segment model's positive.
    train.forEach((i, j) => {
      const d = docs[j];
      if (d && rows[i]?.kind === 'indirect' && segsOf(i, c).length >= 2) d.w *= c.indirectDocWeight;
    });
    const docModel = trainScaled(docs, c, 1);

    /** @type {Instance[]} */
    const negSegs = [];
    /** @type {Instance[]} */
    const fixedPos = [];
    /** @type {Array<{ cands: Array<{ idx: Int32Array, val: Float32Array }>, w: number }>} */
    const posCandidates = [];
    // Indirect attacks whose clean twin (same document, no injection) is in the training set: the
    // lines the twin lacks are the planted instruction — exact positives. Others: multiple-instance
    // learning (the best-scoring segments are taken as the positives, re-picked each round).
    const twins = twinLines(train);
    for (const i of train) {
      const segs = segsOf(i, c);
      if (ys[i] === 0) {
        if (segs.length >= 2) {
          negSegs.push(...negativeSegments(segs, c, rw(i)));
        } else if (c.shortNegWeight > 0) {
          negSegs.push({ ...toSparse(concat(segs), c.power), y: 0, w: c.shortNegWeight * rw(i) });
        }
        continue;
      }
      const planted = twins.get(i);
      if (planted && planted.length > 0) {
        for (const line of planted) {
          const b = bucketsOf(line);
          if (b.length >= c.minSegmentFeatures) fixedPos.push({ ...toSparse(b, c.power), y: 1, w: rw(i) });
        }
      } else if (segs.length < 2) {
        fixedPos.push({ ...toSparse(concat(segs), c.power), y: 1, w: rw(i) });
      } else {
        const cands = segs.filter((s) => s.length >= c.minSegmentFeatures).map((s) => toSparse(s, c.power));
        if (cands.length > 0) posCandidates.push({ cands, w: rw(i) });
      }
    }
    let ranker = docModel;
    let segModel = docModel;
    for (let round = 0; round <= c.milRounds; round++) {
      /** @type {Instance[]} */
      const posSegs = [...fixedPos];
      for (const { cands, w } of posCandidates) {
        const ranked = cands
          .map((s, k) => ({ s, k, z: dot(ranker.w, ranker.bias, s) }))
          .sort((a, b) => b.z - a.z || a.k - b.k);
        for (const r of ranked.slice(0, c.posSegments)) posSegs.push({ ...r.s, y: 1, w });
      }
      const all = [...negSegs, ...posSegs];
      balance(all);
      segModel = trainScaled(all, c, 2 + round);
      ranker = segModel;
    }
    return { doc: quantize(docModel), seg: quantize(segModel), harm: harm ? quantize(harm) : null };
  }

  /**
   * The request model: what a harmful request looks like next to ordinary text. Positives: the
   * `harmful` rows (plain harmful requests) in `train`, minus any quoted inside a `heldOut` attack;
   * negatives: benign rows whole, or a sample of the segments of longer ones.
   * @param {number[]} train @param {Config} c @param {number[]} heldOut
   */
  function trainHarm(train, c, heldOut) {
    const quoted = heldOut
      .filter((i) => rows[i]?.label === 'attack')
      .map((i) => norms[i])
      .join('\n');
    return trainHead(train, c, 11, (i, r, segs, w) => {
      if (r.label === 'benign') return benignNegatives(segs, c, w);
      if (r.label !== 'harmful' || quoted.includes(/** @type {string} */ (norms[i]).slice(0, 80))) return [];
      return [{ ...toSparse(concat(segs), c.power), y: 1, w }];
    });
  }

  /**
   * The task model (`harmHead: 'task'`, in the request model's place): what a request addressed to an
   * assistant looks like next to the text of documents. An instruction planted in an e-mail or a tool
   * result is such a request where none belongs, whatever it asks for; the injection models learn the
   * planted lines of a few collections, this one every prompt people write. Positives: the user turns
   * of the training rows (ordinary requests, attacks, harmful requests) — whole when short, else their
   * first and last segment, where the request of a prompt around a pasted text stands; negatives: the
   * segments of benign documents and tool results.
   * @param {number[]} train @param {Config} c
   */
  function trainTask(train, c) {
    return trainHead(train, c, 13, (_i, r, segs, w) => {
      if (r.kind === 'document') return r.label === 'benign' ? benignNegatives(segs, c, w) : [];
      if (r.kind === 'indirect') return [];
      const parts = segs.length < 2 ? [concat(segs)] : [segs[0], segs[segs.length - 1]];
      return parts.filter((p) => p && p.length > 0).map((p) => ({ ...toSparse(p, c.power), y: 1, w }));
    });
  }

  /**
   * A third head over the training rows: `instances` turns each row (its segments, its weight) into
   * the head's examples; balanced, trained with the head's own L2 and epochs.
   * @param {number[]} train @param {Config} c @param {number} seed
   * @param {(i: number, r: Row, segs: Int32Array[], w: number) => Instance[]} instances
   */
  function trainHead(train, c, seed, instances) {
    const rw = rowWeights(train, c);
    /** @type {Instance[]} */
    const xs = [];
    for (const i of train) xs.push(...instances(i, /** @type {Row} */ (rows[i]), segsOf(i, c), rw(i)));
    balance(xs);
    return trainScaled(xs, { ...c, l2: c.harmL2 ?? c.l2, epochs: c.harmEpochs ?? c.epochs }, seed);
  }

  /**
   * @param {ReturnType<typeof trainModels>} m @param {Config} c
   * @param {{ direct: { segOffset: number, sigWeight: number }, indirect: { segOffset: number, sigWeight: number } }} [combine]
   *   defaults to a neutral placeholder (the trainer reads model outputs and signatures, not the logit)
   */
  function runtimeModel(m, c, combine = { direct: PLACEHOLDER, indirect: PLACEHOLDER }) {
    return {
      bias: m.doc.bias,
      segBias: m.seg.bias,
      table: packWeights(m.harm ? [m.doc.q, m.seg.q, m.harm.q] : [m.doc.q, m.seg.q]),
      heads: m.harm ? 3 : 2,
      scale: m.doc.scale,
      segScale: m.seg.scale,
      harmScale: m.harm ? m.harm.scale : 0,
      harmBias: m.harm ? m.harm.bias : 0,
      power: c.power,
      seg: { lineMin: c.segLineMin, min: c.segMin, max: c.segMax },
      minSegmentedLength: c.minSegmentedLength,
      minSegmentFeatures: c.minSegmentFeatures,
      combine,
      threshold: 0,
      indirectThreshold: 0,
    };
  }

  /**
   * Out-of-fold analyses (direct and indirect) through the real detector.
   * @param {Config} c @param {number} k @param {string} [salt]
   */
  function crossValidate(c, k, salt = '') {
    return crossValidateFolds(c, stratifiedFolds(rows, k, salt), k);
  }

  /**
   * Out-of-fold analyses for a given fold assignment (fold[i] in 0..k-1; -1 = always trained on).
   * `exclude(i, f)`: row i is also left out of training for fold f (it shares texts with it).
   * @param {Config} c @param {number[]} fold @param {number} k @param {(i: number, f: number) => boolean} [exclude]
   */
  function crossValidateFolds(c, fold, k, exclude) {
    /** @type {Array<{ direct: any, indirect: any }>} */
    const oof = new Array(rows.length);
    for (let f = 0; f < k; f++) {
      const train = rows.map((_, i) => i).filter((i) => fold[i] !== f && !exclude?.(i, f));
      const held = rows.map((_, i) => i).filter((i) => fold[i] === f);
      const det = createInjectionDetector(runtimeModel(trainModels(train, c, held), c));
      rows.forEach((r, i) => {
        if (fold[i] !== f) return;
        oof[i] = { direct: det.analyze(r.text, false), indirect: det.analyze(r.text, true) };
      });
    }
    return oof;
  }

  /** NB-scaled logistic regression over the model's buckets (linear.mjs). @param {Instance[]} xs @param {Config} c @param {number} seed */
  const trainScaled = (xs, c, seed) => trainScaledOn(xs, BUCKETS, c, seed);

  return {
    trainModels,
    runtimeModel,
    crossValidate,
    crossValidateFolds,
    /**
     * @param {Array<Array<Record<'direct' | 'indirect', Analysis>>>} oofs @param {'direct' | 'indirect'} mode
     * @param {Limits} limits @param {{ harmWeight?: number, harmOffset?: number }} [fixed]
     */
    chooseCombiner: (oofs, mode, limits, fixed) =>
      chooseCombiner(rows, combineLogit, oofs, mode, limits, fixed),
    createInjectionDetector,
    norms,
    ys,
  };
}
