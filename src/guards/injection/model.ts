/**
 * The linear injection classifier: two logistic regressions over the same hashed features
 * (features.ts). The text model scores the whole text; the segment model scores each segment (line or
 * sentence group) of longer texts, in the same pass. An instruction planted in one line of a long
 * e-mail or tool result is diluted in the whole-text score but stands out in its segment — and "What is
 * the capital of Brazil?" is harmless as a prompt but suspicious as a line inside a receipt, which is
 * why the two are separate models. `combineLogit` joins their outputs with the signature evidence.
 *
 * An optional third head, the request model, scores how much one segment reads like a harmful request
 * (trained on the `harmful` rows against ordinary text). Alone it is no evidence of an injection — a
 * plain harmful question is not one — but a jailbreak is a frame around exactly such a request, so its
 * best segment, past an offset, adds to the logit (`harmWeight`, `harmOffset`).
 *
 * Weights are trained by scripts/guards/train-injection.mjs and committed as weights.ts (int8,
 * deflated, base64) — decoded once at module load.
 */
import { inflateSync } from 'node:zlib';
import { BUCKETS, type FeatureVisitor, type SegmentOptions, visitFeatures } from './features.js';

export interface InjectionModel {
  bias: number;
  segBias: number;
  /** Interleaved: [2b] text-model weight of bucket b, [2b+1] segment-model weight. */
  weights: Float32Array;
  /** The request model's weights per bucket and bias, when the model has one. */
  harmWeights: Float32Array | null;
  harmBias: number;
  /** Feature sums are divided by (feature count)^power: 0.5 ≈ L2-style, 1 = mean. */
  power: number;
  seg: SegmentOptions;
  /** Texts shorter than this are scored whole only. */
  minSegmentedLength: number;
  /** Segments with fewer features than this are not scored on their own (too little evidence). */
  minSegmentFeatures: number;
  combine: { direct: Combiner; indirect: Combiner };
  /** Decision thresholds on the combined logit, chosen by cross-validation on train.jsonl. */
  threshold: number;
  indirectThreshold: number;
}

/** How the two models' outputs and signature evidence combine into one logit, per mode. */
interface Combiner {
  /** Added to the best segment's logit: one segment needs stronger evidence than a whole text. */
  segOffset: number;
  /** Multiplies the (capped) signature evidence. */
  sigWeight: number;
  /** Multiplies the request model's best segment logit above `harmOffset` (absent: 0, no effect). */
  harmWeight?: number;
  harmOffset?: number;
}

/**
 * logit = max(text model, best segment + offset) + sigWeight × signatures
 *         + harmWeight × max(0, best request-model segment − harmOffset).
 */
export function combineLogit(c: Combiner, s: ModelScore, signatures: number): number {
  const harm = c.harmWeight ? c.harmWeight * Math.max(0, s.harm - (c.harmOffset ?? 0)) : 0;
  return Math.max(s.doc, s.seg + c.segOffset) + c.sigWeight * signatures + harm;
}

export interface SerializedModel {
  version: number;
  bits: number;
  bias: number;
  segBias: number;
  scale: number;
  segScale: number;
  power: number;
  segLineMin: number;
  segMin: number;
  segMax: number;
  minSegmentedLength: number;
  minSegmentFeatures: number;
  combineDirect: Combiner;
  combineIndirect: Combiner;
  threshold: number;
  indirectThreshold: number;
  /** The request model's bias and scale; present when `weights` holds a third block. */
  harmBias?: number;
  harmScale?: number;
  /**
   * base64(deflate(Int8Array of 2 or 3 × BUCKETS)): the text model's quantised weights, then the
   * segment model's, then the request model's when present; weight = q × scale (segScale, harmScale).
   */
  weights: string;
}

export function deserializeModel(s: SerializedModel): InjectionModel {
  const raw = inflateSync(Buffer.from(s.weights, 'base64'));
  const heads = s.harmScale === undefined ? 2 : 3;
  if (raw.length !== heads * BUCKETS)
    throw new Error(`injection model has ${raw.length} weights, expected ${heads * BUCKETS}`);
  const q = new Int8Array(raw.buffer, raw.byteOffset, raw.length);
  const weights = new Float32Array(2 * BUCKETS);
  for (let b = 0; b < BUCKETS; b++) {
    weights[2 * b] = (q[b] as number) * s.scale;
    weights[2 * b + 1] = (q[BUCKETS + b] as number) * s.segScale;
  }
  let harmWeights: Float32Array | null = null;
  if (s.harmScale !== undefined) {
    const scale = s.harmScale;
    harmWeights = new Float32Array(BUCKETS);
    for (let b = 0; b < BUCKETS; b++) harmWeights[b] = (q[2 * BUCKETS + b] as number) * scale;
  }
  return {
    bias: s.bias,
    segBias: s.segBias,
    weights,
    harmWeights,
    harmBias: s.harmBias ?? 0,
    power: s.power,
    seg: { lineMin: s.segLineMin, min: s.segMin, max: s.segMax },
    minSegmentedLength: s.minSegmentedLength,
    minSegmentFeatures: s.minSegmentFeatures,
    combine: { direct: s.combineDirect, indirect: s.combineIndirect },
    threshold: s.threshold,
    indirectThreshold: s.indirectThreshold,
  };
}

export interface ModelScore {
  /** Whole-text logit (text model). */
  doc: number;
  /** The segment model's logit of the whole text. */
  segWhole: number;
  /** Best segment logit; -Infinity when the text was not segmented. */
  seg: number;
  /** Mean logit of the scored segments (diagnostics); segWhole when the text was not segmented. */
  segMean: number;
  /** Segments scored on their own. */
  segments: number;
  /** Offsets (in the scored text) of the best segment. */
  segStart: number;
  segEnd: number;
  /** The request model's best segment logit (the whole text when not segmented); -Infinity without one. */
  harm: number;
}

/**
 * Accumulates weights as features stream by; reused across calls (scoring is synchronous). Features
 * are binary: a bucket counts once per text and once per segment. "Seen" marks are generation
 * stamps, so nothing is cleared between calls or segments.
 */
class Scorer implements FeatureVisitor {
  w: Float32Array = new Float32Array(0);
  h: Float32Array | null = null;
  power = 0.5;
  minSegFeatures = 0;
  private readonly docSeen = new Uint32Array(BUCKETS);
  private readonly segSeen = new Uint32Array(BUCKETS);
  private docGen = 0;
  private segGen = 0;
  docSum = 0;
  docN = 0;
  allSeg = 0;
  segSum = 0;
  segN = 0;
  harmSeg = 0;
  harmAll = 0;
  harmBest = Number.NEGATIVE_INFINITY;
  scored = 0;
  scoredSum = 0;
  segStart = 0;
  segments = 0;
  best = Number.NEGATIVE_INFINITY;
  bestStart = 0;
  bestEnd = 0;

  reset(model: InjectionModel): void {
    this.w = model.weights;
    this.h = model.harmWeights;
    this.power = model.power;
    this.minSegFeatures = model.minSegmentFeatures;
    this.docGen = nextGeneration(this.docGen, this.docSeen);
    this.segGen = nextGeneration(this.segGen, this.segSeen);
    this.docSum = 0;
    this.docN = 0;
    this.allSeg = 0;
    this.segSum = 0;
    this.segN = 0;
    this.harmSeg = 0;
    this.harmAll = 0;
    this.harmBest = Number.NEGATIVE_INFINITY;
    this.scored = 0;
    this.scoredSum = 0;
    this.segStart = 0;
    this.segments = 0;
    this.best = Number.NEGATIVE_INFINITY;
    this.bestStart = 0;
    this.bestEnd = 0;
  }

  feature(bucket: number): void {
    const w = this.w;
    if (this.segSeen[bucket] !== this.segGen) {
      this.segSeen[bucket] = this.segGen;
      this.segSum += w[2 * bucket + 1] as number;
      if (this.h) this.harmSeg += this.h[bucket] as number;
      this.segN++;
    }
    if (this.docSeen[bucket] !== this.docGen) {
      this.docSeen[bucket] = this.docGen;
      this.docSum += w[2 * bucket] as number;
      this.allSeg += w[2 * bucket + 1] as number;
      if (this.h) this.harmAll += this.h[bucket] as number;
      this.docN++;
    }
  }

  segmentEnd(end: number): void {
    this.segments++;
    if (this.segN >= this.minSegFeatures) {
      const norm = this.segN ** this.power;
      const s = this.segSum / norm;
      if (this.h && this.harmSeg / norm > this.harmBest) this.harmBest = this.harmSeg / norm;
      this.scored++;
      this.scoredSum += s;
      if (s > this.best) {
        this.best = s;
        this.bestStart = this.segStart;
        this.bestEnd = end;
      }
    }
    this.segSum = 0;
    this.segN = 0;
    this.harmSeg = 0;
    this.segStart = end;
    this.segGen = nextGeneration(this.segGen, this.segSeen);
  }
}

/** Next generation stamp; on wrap-around the marks are cleared once. */
function nextGeneration(gen: number, seen: Uint32Array): number {
  if (gen >= 0xfffffffe) {
    seen.fill(0);
    return 1;
  }
  return gen + 1;
}

const scorer = new Scorer();

/** Score normalised text with `model`. */
export function scoreModel(model: InjectionModel, text: string): ModelScore {
  const segmented = text.length >= model.minSegmentedLength;
  scorer.reset(model);
  visitFeatures(text, scorer, segmented ? model.seg : null);
  const norm = scorer.docN > 0 ? scorer.docN ** model.power : 1;
  const doc = model.bias + scorer.docSum / norm;
  const segWhole = model.segBias + scorer.allSeg / norm;
  const multi = segmented && scorer.segments > 1 && scorer.scored > 0;
  const seg = multi ? model.segBias + scorer.best : Number.NEGATIVE_INFINITY;
  return {
    doc,
    segWhole,
    seg,
    segMean: multi ? model.segBias + scorer.scoredSum / scorer.scored : segWhole,
    segments: multi ? scorer.scored : 0,
    segStart: scorer.bestStart,
    segEnd: scorer.bestEnd,
    harm: !model.harmWeights
      ? Number.NEGATIVE_INFINITY
      : model.harmBias + (multi ? scorer.harmBest : scorer.harmAll / norm),
  };
}
