/**
 * Label hygiene for Prometheus series. Model names and use cases come from clients (a request may
 * name any model, a header any use case), so every distinct value would otherwise become a series
 * for as long as the process lives: a cardinality bomb one curl loop away.
 */

/** The value that stands in for everything past a limiter's budget. */
export const OVERFLOW_LABEL = 'other';
/** Stands in for absent values (no provider reached, no model parsed): Prometheus drops empty labels. */
export const NONE_LABEL = 'none';
/** Values longer than this are collapsed too: a 10 kB "model name" is not a label. */
const MAX_LABEL_LENGTH = 128;

/**
 * Admits the first `max` distinct values as themselves and maps the rest to "other". First come,
 * first served is deliberate: it needs no counting on the hot path, and the models and use cases
 * that matter are the ones seen early and often.
 */
export class LabelLimiter {
  private readonly seen = new Set<string>();

  /** `known`: when given, only values it accepts become labels; the rest are "other" from the start. */
  constructor(
    private readonly max: number,
    private readonly known?: (value: string) => boolean,
  ) {}

  value(raw: string | null): string {
    if (raw === null || raw === '') return NONE_LABEL;
    if (this.seen.has(raw)) return raw;
    if (this.seen.size >= this.max || raw.length > MAX_LABEL_LENGTH) return OVERFLOW_LABEL;
    if (this.known && !this.known(raw)) return OVERFLOW_LABEL;
    this.seen.add(raw);
    return raw;
  }

  get size(): number {
    return this.seen.size;
  }
}

const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/** "2xx", "4xx"… with no string building per call. */
export function statusClass(status: number): string {
  return STATUS_CLASSES[Math.floor(status / 100) - 1] ?? 'other';
}

/**
 * A fixed-depth tree of Maps keyed by label values: a lookup by several labels without building a
 * joined key string per call. The path array is read, never kept, so callers may reuse one buffer.
 * Bounded: past `maxLeaves` the tree is dropped and refilled, which costs a few rebuilt leaves,
 * never correctness (leaves only cache handles onto series that live in the registry).
 */
export class LabelTree<T> {
  private root = new Map<string, unknown>();
  private leaves = 0;

  constructor(
    private readonly depth: number,
    private readonly maxLeaves = 10_000,
  ) {}

  get(path: readonly string[]): T | undefined {
    let node: Map<string, unknown> | undefined = this.root;
    for (let i = 0; i < this.depth - 1 && node; i++)
      node = node.get(path[i] as string) as Map<string, unknown> | undefined;
    return node?.get(path[this.depth - 1] as string) as T | undefined;
  }

  set(path: readonly string[], value: T): void {
    if (this.leaves >= this.maxLeaves) {
      this.root = new Map();
      this.leaves = 0;
    }
    let node = this.root;
    for (let i = 0; i < this.depth - 1; i++) {
      const key = path[i] as string;
      let next = node.get(key) as Map<string, unknown> | undefined;
      if (!next) {
        next = new Map();
        node.set(key, next);
      }
      node = next;
    }
    node.set(path[this.depth - 1] as string, value);
    this.leaves++;
  }
}
