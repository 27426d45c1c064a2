import { createHash } from 'node:crypto';
import type { ChatRequest } from '../canonical/types.js';

/**
 * Exact-match response cache key: SHA-256 of a key-order-independent serialisation of the whole
 * canonical request except `stream` and `includeUsage`, so a streamed answer can serve a plain
 * request and vice versa. Exact means exact: sampling parameters (temperature, n, seed) and `user`
 * are part of the key, and a request with temperature > 0 is cached like any other — turn the cache
 * on only for models where replaying one sample is acceptable.
 */
export function cacheKey(req: ChatRequest): string {
  let s = '{';
  for (const k of Object.keys(req).sort()) {
    if (k === 'stream' || k === 'includeUsage') continue;
    const v = (req as unknown as Record<string, unknown>)[k];
    if (v === undefined) continue;
    s += `${JSON.stringify(k)}:${stable(v)},`;
  }
  return createHash('sha256').update(`${s}}`).digest('hex');
}

function stable(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++)
      s += `${i > 0 ? ',' : ''}${v[i] === undefined ? 'null' : stable(v[i])}`;
    return `${s}]`;
  }
  const o = v as Record<string, unknown>;
  let s = '{';
  let first = true;
  for (const k of Object.keys(o).sort()) {
    if (o[k] === undefined) continue;
    s += `${first ? '' : ','}${JSON.stringify(k)}:${stable(o[k])}`;
    first = false;
  }
  return `${s}}`;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
}

/**
 * A bounded LRU with a TTL per entry. Map iteration order is insertion order, so re-inserting on
 * every hit keeps the least recently used entry first, where eviction finds it in O(1).
 * Expired entries are dropped lazily when looked up or when they reach the LRU end.
 */
export class LruTtlCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {}

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    if (e.expiresAt <= this.now()) return undefined;
    this.entries.set(key, e);
    return e.value;
  }

  set(key: string, value: V, ttlMs: number): void {
    if (ttlMs <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
