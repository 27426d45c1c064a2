/**
 * Hashed features of the injection classifier, shared by the runtime scorer and the trainer
 * (scripts/guards/train-injection.mjs transpiles this file), so both see exactly the same buckets.
 *
 * Features over the normalised text: character 3..5-grams (whitespace runs collapsed, digits folded to
 * 0 — these survive misspellings and obfuscation), word unigrams + bigrams and the first word of each
 * segment. Each is hashed (FNV-1a, then Fibonacci hashing) into 2^FEATURE_BITS buckets. A single pass emits features in text order and
 * reports segment ends, so the scorer gets the whole-text score and every segment's score at once.
 */

export const FEATURE_BITS = 18;
export const BUCKETS = 1 << FEATURE_BITS;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const WORD_SEED = 0x9e3779b1;
const BIGRAM_SEED = 0x85ebca6b;
const FIRST_SEED = 0x27d4eb2f;
const MAX_WORD = 32;

export interface SegmentOptions {
  /** A newline closes a segment at least this long (an injected instruction is often its own line). */
  lineMin: number;
  /** A sentence end closes a segment at least this long. */
  min: number;
  /** A segment is closed at the next whitespace once it is this long. */
  max: number;
}

export interface FeatureVisitor {
  feature(bucket: number): void;
  /** `end` is the offset (in the visited text) where the finished segment ends. */
  segmentEnd(end: number): void;
}

/** Fibonacci hashing: the top FEATURE_BITS bits of h × 2^32/φ (one multiply; FNV's low bits are weak). */
function fmix(h: number): number {
  return Math.imul(h, 0x9e3779b1) >>> (32 - FEATURE_BITS);
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0;
}

/** Letters, digits, apostrophe and any non-ASCII character (CJK has no spaces between words). */
function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 39 || c >= 0x80;
}

/**
 * Visit the features of `text` (already normalised: lower-case, folded). With `seg`, `segmentEnd` is
 * called after each segment, including the last; without it, once at the end. A feature may repeat;
 * the model counts each distinct bucket once per text and once per segment (binary features), so
 * "ha ha ha …" or a page of digits cannot pile up evidence by repetition.
 */
export function visitFeatures(text: string, v: FeatureVisitor, seg: SegmentOptions | null): void {
  const n = text.length;
  // Last four kept characters, most recent first; -1 = none yet.
  let p1 = -1;
  let p2 = -1;
  let p3 = -1;
  let p4 = -1;
  let wordHash = FNV_OFFSET;
  let wordLen = 0;
  let prevWord = 0;
  let hasPrevWord = false;
  let segLen = 0;
  // Words seen in the current segment: the first word of a line or sentence says whether it is an
  // imperative ("provide", "ignore") or a question — position the bag of words cannot see.
  let segWords = 0;
  let pendingBoundary = false;
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i);
    const space = isSpace(c);
    if (seg) {
      if (space) {
        if ((c === 10 && segLen >= seg.lineMin) || segLen >= seg.max) pendingBoundary = true;
      } else if (pendingBoundary || segLen >= 2 * seg.max) {
        // (Text without whitespace is cut at twice the maximum, mid-token.)
        v.segmentEnd(i);
        segLen = 0;
        segWords = 0;
        pendingBoundary = false;
      }
      segLen++;
    }
    if (space) {
      if (p1 === 32) continue;
    } else if (c >= 48 && c <= 57) {
      c = 48;
    } else if (seg && (c === 46 || c === 33 || c === 63) && segLen >= seg.min) {
      const next = i + 1 < n ? text.charCodeAt(i + 1) : 32;
      if (isSpace(next)) pendingBoundary = true;
    }
    const k = space ? 32 : c;
    // Word features.
    if (isWordChar(c)) {
      if (wordLen < MAX_WORD) wordHash = Math.imul(wordHash ^ c, FNV_PRIME);
      wordLen++;
    } else if (wordLen > 0) {
      const w = Math.imul(wordHash ^ WORD_SEED, FNV_PRIME);
      v.feature(fmix(w));
      if (hasPrevWord) v.feature(fmix(Math.imul(prevWord ^ BIGRAM_SEED, FNV_PRIME) ^ w));
      if (segWords === 0) v.feature(fmix(Math.imul(w ^ FIRST_SEED, FNV_PRIME)));
      segWords++;
      prevWord = w;
      hasPrevWord = true;
      wordHash = FNV_OFFSET;
      wordLen = 0;
    }
    // Character n-grams ending here, hashed backwards so the 3-, 4- and 5-gram share work.
    if (p2 >= 0) {
      let h = Math.imul(FNV_OFFSET ^ k, FNV_PRIME);
      h = Math.imul(h ^ p1, FNV_PRIME);
      h = Math.imul(h ^ p2, FNV_PRIME);
      v.feature(fmix(h));
      if (p3 >= 0) {
        h = Math.imul(h ^ p3, FNV_PRIME);
        v.feature(fmix(h));
        if (p4 >= 0) v.feature(fmix(Math.imul(h ^ p4, FNV_PRIME)));
      }
    }
    p4 = p3;
    p3 = p2;
    p2 = p1;
    p1 = k;
  }
  if (wordLen > 0) {
    const w = Math.imul(wordHash ^ WORD_SEED, FNV_PRIME);
    v.feature(fmix(w));
    if (hasPrevWord) v.feature(fmix(Math.imul(prevWord ^ BIGRAM_SEED, FNV_PRIME) ^ w));
  }
  v.segmentEnd(n);
}
