/**
 * Text normalisation for injection detection. Attackers hide instructions from pattern matchers with
 * look-alike characters (Cyrillic "а" for Latin "a", fullwidth or mathematical letters), invisible
 * characters that split words ("ig\u200Bnore"), bidi controls, HTML entities and leetspeak. Detectors
 * scan the normalised view and map hits back to the original through `map`, so spans stay valid for
 * the caller's text. ASCII input without entities takes a fast path (lower-casing only, identity map):
 * that is the common case on the request path.
 *
 * Leetspeak folding and letter joining (obfuscation.ts) and payload decoding (decode.ts) are
 * re-exported here.
 */
import { HOMOGLYPHS } from './homoglyphs.js';

export { type DecodedPayload, type DecodeOptions, decodePayloads, rot13 } from './decode.js';
export {
  foldLeet,
  foldLeetWithChanges,
  joinSpacedLetters,
  joinSpacedWithChanges,
  leetChangedWords,
} from './obfuscation.js';

export interface NormalizedText {
  /** Lower-cased, NFKC-folded, homoglyph-folded text with invisible characters removed. */
  text: string;
  /**
   * `map[i]` is the offset in the original of normalised character `i`; `map[text.length]` is the
   * original length. `null` means the identity (fast path).
   */
  map: Int32Array | null;
}

/** Original offset of normalised offset `i`. */
export function toOriginal(n: NormalizedText, i: number): number {
  if (!n.map) return i;
  return n.map[Math.max(0, Math.min(i, n.map.length - 1))] ?? 0;
}

const HAS_ENTITY = /&(?:#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]{2,6});/i;

/**
 * ASCII without HTML entities: the fast path. UTF-8 byte length equals the UTF-16 length exactly when
 * every character is ASCII, and the native byte count is far faster than a JS loop or a regex.
 */
function isPlainAscii(s: string): boolean {
  return Buffer.byteLength(s, 'utf8') === s.length && (!s.includes('&') || !HAS_ENTITY.test(s));
}
const ENTITY = /&(?:#(\d{1,7})|#x([0-9a-f]{1,6})|([a-z]{2,6}));/iy;
const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  ndash: '-',
  mdash: '-',
  lsquo: "'",
  rsquo: "'",
  ldquo: '"',
  rdquo: '"',
  hellip: '...',
};

/** Zero-width, bidi control and other format characters that render as nothing. */
function isInvisible(cp: number): boolean {
  return (
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x206f) ||
    cp === 0xfeff ||
    cp === 0x00ad ||
    cp === 0x034f ||
    cp === 0x061c ||
    cp === 0x115f ||
    cp === 0x1160 ||
    cp === 0x17b4 ||
    cp === 0x17b5 ||
    cp === 0x180e ||
    cp === 0x3164 ||
    cp === 0xffa0 ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0xe0100 && cp <= 0xe01ef) ||
    cp === 0xe0001 ||
    cp === 0xe007f
  );
}

/**
 * Typographic apostrophes and quotes as typed on phones and by word processors: "don’t" must read as
 * "don't" to every pattern and to the classifier's word features (its HTML entities already do).
 */
const QUOTES: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201a': "'",
  '\u201b': "'",
  '\u2032': "'",
  '\u02bc': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u201e': '"',
  '\u201f': '"',
  '\u2033': '"',
};

const COMBINING = /\p{M}/gu;
const LATIN_START = /^[a-z]/i;
const foldCache = new Map<number, string>();
const FOLD_CACHE_MAX = 8192;

/** NFKC + lower-case + diacritic strip (for Latin letters) + homoglyph fold of one code point. */
function foldCodePoint(cp: number): string {
  const cached = foldCache.get(cp);
  if (cached !== undefined) return cached;
  let s = String.fromCodePoint(cp).normalize('NFKC').toLowerCase();
  const d = s.normalize('NFD');
  if (LATIN_START.test(d)) s = d.replace(COMBINING, '');
  let out = '';
  for (const ch of s) out += HOMOGLYPHS[ch] ?? QUOTES[ch] ?? ch;
  // Unicode "tag" characters smuggle invisible ASCII that models still read: decode, don't drop.
  if (cp >= 0xe0020 && cp <= 0xe007e) out = String.fromCharCode(cp - 0xe0000).toLowerCase();
  if (cp === 0x2028 || cp === 0x2029) out = '\n';
  if (foldCache.size < FOLD_CACHE_MAX) foldCache.set(cp, out);
  return out;
}

/** Normalise for detection (see module comment). Linear in the input; allocation-free on the fast path. */
export function normalizeForDetection(input: string): NormalizedText {
  if (isPlainAscii(input)) return { text: input.toLowerCase(), map: null };
  const parts: string[] = [];
  const map: number[] = [];
  const n = input.length;
  let i = 0;
  while (i < n) {
    const c = input.charCodeAt(i);
    if (c < 0x80) {
      if (c === 0x26) {
        ENTITY.lastIndex = i;
        const m = ENTITY.exec(input);
        if (m) {
          const decoded = decodeEntity(m);
          if (decoded !== null) {
            const folded =
              decoded.length === 1 && decoded.charCodeAt(0) < 0x80 ? decoded : foldString(decoded);
            for (let k = 0; k < folded.length; k++) map.push(i);
            parts.push(folded.toLowerCase());
            i += m[0].length;
            continue;
          }
        }
      }
      parts.push(c >= 0x41 && c <= 0x5a ? String.fromCharCode(c + 32) : (input[i] as string));
      map.push(i);
      i++;
      continue;
    }
    const cp = input.codePointAt(i) as number;
    const width = cp > 0xffff ? 2 : 1;
    if (!isInvisible(cp)) {
      const f = foldCodePoint(cp);
      for (let k = 0; k < f.length; k++) map.push(i);
      parts.push(f);
    }
    i += width;
  }
  map.push(n);
  return { text: parts.join(''), map: Int32Array.from(map) };
}

function decodeEntity(m: RegExpExecArray): string | null {
  if (m[1] !== undefined || m[2] !== undefined) {
    const cp = m[1] !== undefined ? Number.parseInt(m[1], 10) : Number.parseInt(m[2] as string, 16);
    if (cp <= 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
    return String.fromCodePoint(cp);
  }
  return NAMED_ENTITIES[(m[3] as string).toLowerCase()] ?? null;
}

function foldString(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (isInvisible(cp)) continue;
    out += cp < 0x80 ? ch.toLowerCase() : foldCodePoint(cp);
  }
  return out;
}

/** `normalizeForDetection(s).text`, for callers that need no offsets. */
export function normalizeText(s: string): string {
  return normalizeForDetection(s).text;
}
