/**
 * A tiny open-addressing hash table from ASCII words to integers, looked up straight from a slice of
 * a string (no substring allocation). Detectors use it to scan all words of a text in one pass —
 * far cheaper than a regex alternation like /\b(?:ignore|forget|…)\b/, which the engine retries at
 * every position.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Case-insensitive FNV-1a of s[start, end) (ASCII letters folded to lower case). */
export function wordHash(s: string, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) {
    let c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  // Never 0: 0 marks an empty slot.
  return h | 1;
}

export class WordTable {
  private readonly keys: Int32Array;
  private readonly values: Int32Array;
  private readonly mask: number;

  /** Values must be non-zero; a repeated word ORs its values together. */
  constructor(entries: Iterable<readonly [word: string, value: number]>) {
    const list = [...entries];
    let size = 16;
    while (size < list.length * 4) size *= 2;
    this.keys = new Int32Array(size);
    this.values = new Int32Array(size);
    this.mask = size - 1;
    for (const [w, v] of list) this.insert(wordHash(w, 0, w.length), v);
  }

  private insert(h: number, v: number): void {
    let slot = h & this.mask;
    while (this.keys[slot] !== 0 && this.keys[slot] !== h) slot = (slot + 1) & this.mask;
    this.keys[slot] = h;
    this.values[slot] = (this.values[slot] as number) | v;
  }

  /** Value of the word s[start, end), or 0. */
  get(s: string, start: number, end: number): number {
    return this.lookup(wordHash(s, start, end));
  }

  /** Value for a hash computed by `wordHash` (or the same fold inline), or 0. */
  lookup(h: number): number {
    let slot = h & this.mask;
    for (;;) {
      const k = this.keys[slot] as number;
      if (k === 0) return 0;
      if (k === h) return this.values[slot] as number;
      slot = (slot + 1) & this.mask;
    }
  }
}

/** 1 for ASCII letters, by character code. */
const LETTER = new Uint8Array(128);
for (let c = 65; c <= 90; c++) LETTER[c] = 1;
for (let c = 97; c <= 122; c++) LETTER[c] = 1;

/**
 * Calls `visit(value, start, end)` for every ASCII-letter word of `s` found in `table`. Returns the
 * OR of all values seen. The hash is computed while the word is scanned (one touch per character).
 */
export function scanWords(
  s: string,
  table: WordTable,
  visit?: (value: number, start: number, end: number) => void,
): number {
  let acc = 0;
  const n = s.length;
  let i = 0;
  while (i < n) {
    let c = s.charCodeAt(i);
    if (c >= 128 || LETTER[c] === 0) {
      i++;
      continue;
    }
    const start = i;
    let h = FNV_OFFSET;
    do {
      // Letters only here: OR 0x20 lower-cases A–Z and keeps a–z.
      h = Math.imul(h ^ (c | 0x20), FNV_PRIME);
      c = s.charCodeAt(++i);
    } while (i < n && c < 128 && LETTER[c] === 1);
    const v = table.lookup(h | 1);
    if (v !== 0) {
      acc |= v;
      visit?.(v, start, i);
    }
  }
  return acc;
}
