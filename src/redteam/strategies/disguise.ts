import type { Mulberry32 } from '../../prng.js';
import { mapOutside } from './protect.js';

/**
 * Character-level disguises: the words stay readable to a model (and to a human) but no longer match
 * plain patterns. Protected values (nonces, tool names, snippets) are left exactly as they are.
 */

export type Disguise = 'leetspeak' | 'homoglyph' | 'zero-width' | 'bidi';

const LEET: Record<string, string> = {
  a: '4',
  e: '3',
  i: '1',
  o: '0',
  s: '5',
  t: '7',
  A: '4',
  E: '3',
  I: '1',
  O: '0',
  S: '5',
  T: '7',
};

/** Latin letters and Cyrillic or Greek characters that render (nearly) the same. */
const LOOKALIKES: Record<string, readonly string[]> = {
  a: ['\u0430', '\u03b1'],
  c: ['\u0441', '\u03f2'],
  e: ['\u0435'],
  i: ['\u0456', '\u03b9'],
  j: ['\u0458'],
  o: ['\u043e', '\u03bf'],
  p: ['\u0440', '\u03c1'],
  s: ['\u0455'],
  x: ['\u0445', '\u03c7'],
  y: ['\u0443'],
  A: ['\u0410'],
  B: ['\u0412'],
  C: ['\u0421'],
  E: ['\u0415'],
  H: ['\u041d'],
  K: ['\u041a'],
  M: ['\u041c'],
  O: ['\u041e'],
  P: ['\u0420'],
  T: ['\u0422'],
  X: ['\u0425'],
};

const ZERO_WIDTH = ['\u200b', '\u200c', '\u200d', '\u2060'] as const;
/** Embedding/isolate pairs and marks: invisible in rendering, present in the bytes. */
const BIDI_PAIRS = [
  ['\u202a', '\u202c'],
  ['\u202b', '\u202c'],
  ['\u2066', '\u2069'],
  ['\u2067', '\u2069'],
  ['\u200e', ''],
  ['\u200f', ''],
] as const;

function perChar(segment: string, fn: (ch: string) => string): string {
  let out = '';
  for (const ch of segment) out += fn(ch);
  return out;
}

function disguiseSegment(segment: string, how: Disguise, rng: Mulberry32): string {
  switch (how) {
    case 'leetspeak':
      // A word must keep a letter: "is" as "15" reads as a number, to people and models alike.
      return segment.replace(/[A-Za-z]+/g, (word) => {
        const out = perChar(word, (ch) =>
          LEET[ch] !== undefined && rng.chance(0.55) ? (LEET[ch] as string) : ch,
        );
        return /[A-Za-z]/.test(out) ? out : `${word[0]}${out.slice(1)}`;
      });
    case 'homoglyph':
      return perChar(segment, (ch) => {
        const alts = LOOKALIKES[ch];
        return alts && rng.chance(0.6) ? rng.pick(alts) : ch;
      });
    case 'zero-width':
      // Inside words only: between two letters, so every word the filters look for is broken up.
      return segment.replace(/([A-Za-z])(?=[A-Za-z])/g, (m) =>
        rng.chance(0.35) ? m + rng.pick(ZERO_WIDTH) : m,
      );
    case 'bidi':
      return segment.replace(/[A-Za-z]{3,}/g, (word) => {
        if (!rng.chance(0.5)) return word;
        const [open, close] = rng.pick(BIDI_PAIRS);
        const cut = rng.int(1, word.length - 1);
        return `${word.slice(0, cut)}${open}${word.slice(cut)}${close}`;
      });
  }
}

export function disguise(text: string, how: Disguise, protect: readonly string[], rng: Mulberry32): string {
  return mapOutside(text, protect, (segment) => disguiseSegment(segment, how, rng));
}
