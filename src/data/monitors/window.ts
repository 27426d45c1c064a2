import { Mulberry32 } from '../../prng.js';
import type { UsageEvent } from '../../store/types.js';
import type { DatasetProfile } from '../datasets/profile.js';
import { FrequentItems } from '../sketches/frequent.js';
import { KllSketch, type KllState } from '../sketches/kll.js';

/**
 * Bounded-memory summaries of one window of a use case's traffic: a KLL sketch per numeric feature,
 * a counter pair per rate, frequent-item counts for categories, and (with text capture) the topic
 * centroid plus a reservoir sample of embeddings for the classifier two-sample test. Windows merge,
 * so the current window is the merge of fixed-width time buckets.
 */

/** What the pipeline knows about one call, beyond the usage event. */
export interface TrafficObservation {
  event: UsageEvent;
  /** The response was a refusal (provider refusal field, content-filter stop, or text heuristic). */
  refusal?: boolean;
  /** A JSON schema was requested: did the output violate it? undefined/null when none was requested. */
  schemaViolation?: boolean | null;
  /** Any guard flagged the call (blocked, redacted or warned). */
  guardFlagged?: boolean;
  /** Only used, never stored, when `monitors.capture_text` is on. */
  promptText?: string;
  responseText?: string;
}

export const NUMERIC_FEATURES = ['input_tokens', 'output_tokens', 'latency_ms', 'cost_usd'] as const;
export const RATE_FEATURES = [
  'error_rate',
  'refusal_rate',
  'schema_violation_rate',
  'guard_flag_rate',
] as const;
export const CATEGORICAL_FEATURES = ['language', 'model'] as const;
type NumericFeature = (typeof NUMERIC_FEATURES)[number];
type RateFeature = (typeof RATE_FEATURES)[number];
type CategoricalFeature = (typeof CATEGORICAL_FEATURES)[number];

export interface Rate {
  n: number;
  k: number;
}

const RESERVOIR = 256;
const SKETCH_K = 128;
const TOP_K = 32;

export interface WindowState {
  n: number;
  numeric: Record<string, KllState>;
  rates: Record<string, Rate>;
  categorical: Record<string, { k: number; n: number; counts: [string, number][] }>;
  topic: { count: number; sum: number[]; seen: number; sample: number[][] } | null;
}

export class WindowStats {
  n = 0;
  readonly numeric = new Map<NumericFeature, KllSketch>();
  readonly rates = new Map<RateFeature, Rate>();
  readonly categorical = new Map<CategoricalFeature, FrequentItems>();
  /** Sum of embeddings (centroid × count) and a reservoir sample of them. */
  topicSum: Float64Array | null = null;
  topicCount = 0;
  topicSeen = 0;
  readonly topicSample: Float32Array[] = [];
  private readonly rng: Mulberry32;

  constructor(seed = 1) {
    this.rng = new Mulberry32(seed);
  }

  addNumeric(f: NumericFeature, v: number): void {
    if (!Number.isFinite(v)) return;
    let s = this.numeric.get(f);
    if (!s) {
      s = new KllSketch(SKETCH_K);
      this.numeric.set(f, s);
    }
    s.update(v);
  }

  addRate(f: RateFeature, hit: boolean): void {
    const r = this.rates.get(f) ?? { n: 0, k: 0 };
    r.n++;
    if (hit) r.k++;
    this.rates.set(f, r);
  }

  addCategory(f: CategoricalFeature, v: string): void {
    let s = this.categorical.get(f);
    if (!s) {
      s = new FrequentItems(TOP_K);
      this.categorical.set(f, s);
    }
    s.add(v);
  }

  addEmbedding(e: Float32Array): void {
    if (!this.topicSum) this.topicSum = new Float64Array(e.length);
    for (let i = 0; i < e.length; i++) this.topicSum[i] = (this.topicSum[i] as number) + (e[i] as number);
    this.topicCount++;
    // Reservoir sampling (Algorithm R) keeps a uniform sample of at most RESERVOIR embeddings.
    this.topicSeen++;
    if (this.topicSample.length < RESERVOIR) this.topicSample.push(e);
    else {
      const j = Math.floor(this.rng.uniform() * this.topicSeen);
      if (j < RESERVOIR) this.topicSample[j] = e;
    }
  }

  merge(o: WindowStats): void {
    this.n += o.n;
    for (const [f, s] of o.numeric) {
      const mine = this.numeric.get(f);
      if (mine) mine.merge(s);
      else this.numeric.set(f, KllSketch.fromJSON(s.toJSON()));
    }
    for (const [f, r] of o.rates) {
      const mine = this.rates.get(f) ?? { n: 0, k: 0 };
      this.rates.set(f, { n: mine.n + r.n, k: mine.k + r.k });
    }
    for (const [f, s] of o.categorical) {
      const mine = this.categorical.get(f);
      if (mine) mine.merge(s);
      else this.categorical.set(f, FrequentItems.fromJSON(s.toJSON()));
    }
    if (o.topicSum) {
      if (!this.topicSum) this.topicSum = new Float64Array(o.topicSum.length);
      for (let i = 0; i < o.topicSum.length; i++)
        this.topicSum[i] = (this.topicSum[i] as number) + (o.topicSum[i] as number);
      this.topicCount += o.topicCount;
      // Merge reservoirs proportionally to how many embeddings each side saw.
      const total = this.topicSeen + o.topicSeen;
      // Weighted sampling (Efraimidis–Spirakis): each kept embedding stands for seen/sample items.
      const wa = this.topicSeen / Math.max(this.topicSample.length, 1);
      const wb = o.topicSeen / Math.max(o.topicSample.length, 1);
      const pool = [
        ...this.topicSample.map((e) => ({ e, w: wa })),
        ...o.topicSample.map((e) => ({ e, w: wb })),
      ];
      const keyed = pool.map((p) => ({ e: p.e, key: this.rng.uniform() ** (1 / Math.max(p.w, 1e-9)) }));
      keyed.sort((a, b) => b.key - a.key);
      this.topicSample.length = 0;
      for (const k of keyed.slice(0, RESERVOIR)) this.topicSample.push(k.e);
      this.topicSeen = total;
    }
  }

  toJSON(): WindowState {
    return {
      n: this.n,
      numeric: Object.fromEntries([...this.numeric].map(([f, s]) => [f, s.toJSON()])),
      rates: Object.fromEntries(this.rates),
      categorical: Object.fromEntries([...this.categorical].map(([f, s]) => [f, s.toJSON()])),
      topic: this.topicSum
        ? {
            count: this.topicCount,
            sum: [...this.topicSum],
            seen: this.topicSeen,
            sample: this.topicSample.map((e) => [...e]),
          }
        : null,
    };
  }

  static fromJSON(s: WindowState): WindowStats {
    const w = new WindowStats();
    w.n = s.n;
    for (const [f, st] of Object.entries(s.numeric))
      w.numeric.set(f as NumericFeature, KllSketch.fromJSON(st));
    for (const [f, r] of Object.entries(s.rates)) w.rates.set(f as RateFeature, { ...r });
    for (const [f, c] of Object.entries(s.categorical))
      w.categorical.set(f as CategoricalFeature, FrequentItems.fromJSON(c));
    if (s.topic) {
      w.topicSum = Float64Array.from(s.topic.sum);
      w.topicCount = s.topic.count;
      w.topicSeen = s.topic.seen;
      for (const e of s.topic.sample) w.topicSample.push(Float32Array.from(e));
    }
    return w;
  }
}

/** A pinned dataset version's profile as a reference window: its numeric and 0/1 rate columns. */
export function windowOfProfile(profile: DatasetProfile): WindowStats {
  const w = new WindowStats();
  w.n = profile.rows;
  for (const c of profile.columns) {
    if ((NUMERIC_FEATURES as readonly string[]).includes(c.name) && c.numeric)
      w.numeric.set(c.name as NumericFeature, KllSketch.fromJSON(c.numeric.sketch));
    // A 0/1 column named like a rate (error_rate …) pins that rate.
    if ((RATE_FEATURES as readonly string[]).includes(c.name) && c.numeric) {
      const n = c.rows - c.nulls;
      w.rates.set(c.name as RateFeature, { n, k: Math.round(c.numeric.mean * n) });
    }
  }
  return w;
}
