/**
 * The linear injection classifier: logistic regression over hashed features (features.ts). Scores the
 * whole text and, for longer texts, each segment (sentence / line group) in the same pass: an
 * instruction planted in one line of a long e-mail or tool result is diluted in the whole-text score
 * but stands out in its segment. The text's logit is the larger of the two.
 *
 * Weights are trained by scripts/guards/train-injection.mjs and committed as weights.ts (int8,
 * deflated, base64) — decoded once at module load.
 */
import { inflateSync } from 'node:zlib';
import { BUCKETS, type FeatureVisitor, type SegmentOptions, visitFeatures } from './features.js';

export interface InjectionModel {
  bias: number;
  weights: Float32Array;
  /** Feature sums are divided by (feature count)^power: 0.5 ≈ L2-style, 1 = mean. */
  power: number;
  seg: SegmentOptions;
  /** Texts shorter than this are scored whole only. */
  minSegmentedLength: number;
  /** Added to segment logits (negative: a single segment needs stronger evidence than a whole text). */
  segOffset: number;
  /** Segments with fewer features than this are not scored on their own (too little evidence). */
  minSegmentFeatures: number;
  /** Decision thresholds on the combined logit, chosen by cross-validation on train.jsonl. */
  threshold: number;
  indirectThreshold: number;
}

export interface SerializedModel {
  version: number;
  bits: number;
  bias: number;
  scale: number;
  power: number;
  segMin: number;
  segMax: number;
  minSegmentedLength: number;
  segOffset: number;
  minSegmentFeatures: number;
  threshold: number;
  indirectThreshold: number;
  /** base64(deflate(Int8Array of BUCKETS quantised weights)); weight = q * scale. */
  weights: string;
}

export function deserializeModel(s: SerializedModel): InjectionModel {
  const raw = inflateSync(Buffer.from(s.weights, 'base64'));
  if (raw.length !== BUCKETS) throw new Error(`injection model has ${raw.length} buckets, expected ${BUCKETS}`);
  const q = new Int8Array(raw.buffer, raw.byteOffset, raw.length);
  const weights = new Float32Array(BUCKETS);
  for (let i = 0; i < BUCKETS; i++) weights[i] = (q[i] as number) * s.scale;
  return {
    bias: s.bias,
    weights,
    power: s.power,
    seg: { min: s.segMin, max: s.segMax },
    minSegmentedLength: s.minSegmentedLength,
    segOffset: s.segOffset,
    minSegmentFeatures: s.minSegmentFeatures,
    threshold: s.threshold,
    indirectThreshold: s.indirectThreshold,
  };
}

export interface ModelScore {
  /** Whole-text logit. */
  doc: number;
  /** Best segment logit (offset applied); -Infinity when the text was not segmented. */
  seg: number;
  /** Offsets (in the scored text) of the best segment. */
  segStart: number;
  segEnd: number;
  /** max(doc, seg). */
  logit: number;
}

/** Accumulates weights as features stream by; reused across calls (scoring is synchronous). */
class Scorer implements FeatureVisitor {
  w: Float32Array = new Float32Array(0);
  power = 0.5;
  minSegFeatures = 0;
  docSum = 0;
  docN = 0;
  segSum = 0;
  segN = 0;
  segStart = 0;
  segments = 0;
  best = Number.NEGATIVE_INFINITY;
  bestStart = 0;
  bestEnd = 0;

  reset(model: InjectionModel): void {
    this.w = model.weights;
    this.power = model.power;
    this.minSegFeatures = model.minSegmentFeatures;
    this.docSum = 0;
    this.docN = 0;
    this.segSum = 0;
    this.segN = 0;
    this.segStart = 0;
    this.segments = 0;
    this.best = Number.NEGATIVE_INFINITY;
    this.bestStart = 0;
    this.bestEnd = 0;
  }

  feature(bucket: number): void {
    this.segSum += this.w[bucket] as number;
    this.segN++;
  }

  segmentEnd(end: number): void {
    this.docSum += this.segSum;
    this.docN += this.segN;
    this.segments++;
    if (this.segN >= this.minSegFeatures) {
      const s = this.segSum / this.segN ** this.power;
      if (s > this.best) {
        this.best = s;
        this.bestStart = this.segStart;
        this.bestEnd = end;
      }
    }
    this.segSum = 0;
    this.segN = 0;
    this.segStart = end;
  }
}

const scorer = new Scorer();

/** Score normalised text with `model`. */
export function scoreModel(model: InjectionModel, text: string): ModelScore {
  const segmented = text.length >= model.minSegmentedLength;
  scorer.reset(model);
  visitFeatures(text, scorer, segmented ? model.seg : null);
  const doc = model.bias + (scorer.docN > 0 ? scorer.docSum / scorer.docN ** model.power : 0);
  const seg =
    segmented && scorer.segments > 1 && scorer.best > Number.NEGATIVE_INFINITY
      ? model.bias + model.segOffset + scorer.best
      : Number.NEGATIVE_INFINITY;
  return {
    doc,
    seg,
    segStart: scorer.bestStart,
    segEnd: scorer.bestEnd,
    logit: Math.max(doc, seg),
  };
}
