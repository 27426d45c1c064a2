/**
 * Word splitting for the verbatim-leak check: case-folded word hashes and offsets in parallel typed
 * arrays (no object per word).
 *
 * Every screened answer is split, so the arrays are reused across calls instead of allocated per call
 * (allocation and zero-filling were most of the check's cost on short answers). The result is only
 * valid until the next `words` call; callers copy what they keep.
 */
export interface Words {
  count: number;
  hash: Int32Array;
  start: Int32Array;
  end: Int32Array;
}

/** Buffers kept between calls hold at most this many words; a longer answer gets its own, freed after. */
const KEPT_WORDS = 8192;

const scratch: Words = {
  count: 0,
  hash: new Int32Array(256),
  start: new Int32Array(256),
  end: new Int32Array(256),
};

function grow(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

const isWordChar = (c: number) =>
  (c >= 48 && c <= 57) ||
  (c >= 65 && c <= 90) ||
  (c >= 97 && c <= 122) ||
  (c >= 0xc0 && !(c >= 0x2000 && c <= 0x2bff));

/** Words of `s` (letters/digits runs; punctuation and whitespace are separators). */
export function words(s: string): Words {
  // A one-off huge answer must not pin megabytes for the life of the process.
  const ws: Words = s.length > KEPT_WORDS * 2 ? { ...scratch } : scratch;
  let count = 0;
  let i = 0;
  const n = s.length;
  while (i < n) {
    if (!isWordChar(s.charCodeAt(i))) {
      i++;
      continue;
    }
    const from = i;
    let h = 0x811c9dc5;
    while (i < n) {
      let c = s.charCodeAt(i);
      if (!isWordChar(c)) break;
      if (c >= 65 && c <= 90) c += 32;
      else if (c >= 0xc0) c = s.charAt(i).toLowerCase().charCodeAt(0);
      h = Math.imul(h ^ c, 0x01000193);
      i++;
    }
    if (count === ws.hash.length) {
      // (Growing the shared buffers stops at KEPT_WORDS: longer texts take the copy above.)
      ws.hash = grow(ws.hash);
      ws.start = grow(ws.start);
      ws.end = grow(ws.end);
    }
    ws.hash[count] = h;
    ws.start[count] = from;
    ws.end[count] = i;
    count++;
  }
  ws.count = count;
  return ws;
}

/** Hash of words [at, at + k), kept to 30 bits so a Set holds small integers. */
export function shingleHash(ws: Words, at: number, k: number): number {
  let h = 0x9e3779b1;
  for (let j = 0; j < k; j++) h = Math.imul(h ^ (ws.hash[at + j] as number), 0x85ebca6b) ^ (h >>> 15);
  return h & 0x3fffffff;
}

export const wordLength = (ws: Words, j: number) => (ws.end[j] as number) - (ws.start[j] as number);
