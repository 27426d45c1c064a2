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
  /** The weights, packed with the scorer's per-text marks (`packWeights`). */
  table: WeightTable;
  heads: 2 | 3;
  scale: number;
  segScale: number;
  harmScale: number;
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

/**
 * Every feature of a text is a random access into the weights, so their layout decides the
 * classifier's speed on a busy gateway, where other work keeps evicting them from the CPU caches
 * (float weights in separate tables cost three cache misses per feature). Per bucket, `stride` bytes
 * hold a 16-bit "seen in the current text" mark, then each head's int8 weight (weight = q × the
 * head's scale): one cache line per feature. The marks are the scorer's scratch space (scoring is
 * synchronous, so one text at a time).
 */
export interface WeightTable {
  stride: 4 | 8;
  /** Byte view: the weight of head h for bucket b is `cells[b·stride + 2 + h]`. */
  cells: Int8Array;
  /** The mark of bucket b is `marks[b·stride / 2]`. */
  marks: Uint16Array;
  /** The current text's mark. */
  gen: number;
}

/** Pack the heads' quantised weights (text, segment[, request]; BUCKETS each) into one table. */
export function packWeights(heads: readonly Int8Array[]): WeightTable {
  const stride = heads.length > 2 ? 8 : 4;
  const buf = new ArrayBuffer(stride * BUCKETS);
  const cells = new Int8Array(buf);
  heads.forEach((q, h) => {
    for (let b = 0; b < BUCKETS; b++) cells[b * stride + 2 + h] = q[b] as number;
  });
  return { stride, cells, marks: new Uint16Array(buf), gen: 0 };
}

export function deserializeModel(s: SerializedModel): InjectionModel {
  const raw = inflateSync(Buffer.from(s.weights, 'base64'));
  const heads = s.harmScale === undefined ? 2 : 3;
  if (raw.length !== heads * BUCKETS)
    throw new Error(`injection model has ${raw.length} weights, expected ${heads * BUCKETS}`);
  const blocks = Array.from(
    { length: heads },
    (_, h) => new Int8Array(raw.buffer, raw.byteOffset + h * BUCKETS, BUCKETS),
  );
  return {
    bias: s.bias,
    segBias: s.segBias,
    table: packWeights(blocks),
    heads,
    scale: s.scale,
    segScale: s.segScale,
    harmScale: s.harmScale ?? 0,
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
  private cells: Int8Array = new Int8Array(0);
  private marks: Uint16Array = new Uint16Array(0);
  private stride = 4;
  private heads = 2;
  private docGen = 0;
  /** Per-segment marks, only for texts long enough to be segmented (a chat message rarely is). */
  private readonly segSeen = new Uint16Array(BUCKETS);
  private segGen = 0;
  private segmented = false;
  /** Weight → logit of the segment and request models (sums are of quantised weights). */
  private segScale = 1;
  private harmScale = 0;
  power = 0.5;
  minSegFeatures = 0;
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

  reset(model: InjectionModel, segmented: boolean): void {
    const t = model.table;
    this.cells = t.cells;
    this.marks = t.marks;
    this.stride = t.stride;
    this.heads = model.heads;
    this.segScale = model.segScale;
    this.harmScale = model.harmScale;
    this.power = model.power;
    this.minSegFeatures = model.minSegmentFeatures;
    if (t.gen >= 0xffff) {
      // Wrap-around, once every 65,535 texts: clear the old marks.
      for (let i = 0; i < t.marks.length; i += t.stride / 2) t.marks[i] = 0;
      t.gen = 0;
    }
    this.docGen = ++t.gen;
    this.segmented = segmented;
    if (segmented) this.segGen = nextGeneration(this.segGen, this.segSeen);
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
    const cells = this.cells;
    const at = bucket * this.stride;
    const three = this.heads === 3;
    if (this.segmented && this.segSeen[bucket] !== this.segGen) {
      this.segSeen[bucket] = this.segGen;
      this.segSum += cells[at + 3] as number;
      if (three) this.harmSeg += cells[at + 4] as number;
      this.segN++;
    }
    const mark = at >> 1;
    if (this.marks[mark] !== this.docGen) {
      this.marks[mark] = this.docGen;
      this.docSum += cells[at + 2] as number;
      this.allSeg += cells[at + 3] as number;
      if (three) this.harmAll += cells[at + 4] as number;
      this.docN++;
    }
  }

  segmentEnd(end: number): void {
    this.segments++;
    if (this.segmented && this.segN >= this.minSegFeatures) {
      const norm = this.segN ** this.power;
      const s = (this.segSum * this.segScale) / norm;
      const harm = (this.harmSeg * this.harmScale) / norm;
      if (this.heads === 3 && harm > this.harmBest) this.harmBest = harm;
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
    if (this.segmented) this.segGen = nextGeneration(this.segGen, this.segSeen);
  }
}

/** Next generation stamp; on wrap-around (every 65,535) the marks are cleared once. */
function nextGeneration(gen: number, seen: Uint16Array): number {
  if (gen >= 0xffff) {
    seen.fill(0);
    return 1;
  }
  return gen + 1;
}

const scorer = new Scorer();

/** Score normalised text with `model`. */
export function scoreModel(model: InjectionModel, text: string): ModelScore {
  const segmented = text.length >= model.minSegmentedLength;
  scorer.reset(model, segmented);
  visitFeatures(text, scorer, segmented ? model.seg : null);
  const norm = scorer.docN > 0 ? scorer.docN ** model.power : 1;
  const doc = model.bias + (scorer.docSum * model.scale) / norm;
  const segWhole = model.segBias + (scorer.allSeg * model.segScale) / norm;
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
    harm:
      model.heads !== 3
        ? Number.NEGATIVE_INFINITY
        : model.harmBias + (multi ? scorer.harmBest : (scorer.harmAll * model.harmScale) / norm),
  };
}
