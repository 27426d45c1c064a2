/**
 * Text normalisation for injection detection. Attackers hide instructions from pattern matchers with
 * look-alike characters (Cyrillic "а" for Latin "a", fullwidth or mathematical letters), invisible
 * characters that split words ("ig\u200Bnore"), bidi controls, HTML entities and leetspeak. Detectors
 * scan the normalised view and map hits back to the original through `map`, so spans stay valid for
 * the caller's text. ASCII input without entities takes a fast path (lower-casing only, identity map):
 * that is the common case on the request path.
 */

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

/** ASCII without HTML entities: the fast path. A loop beats /[^\x00-\x7f]/ on long texts. */
function isPlainAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return !s.includes('&') || !HAS_ENTITY.test(s);
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
export function isInvisible(cp: number): boolean {
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
 * Cyrillic, Greek and other look-alikes of Latin letters (after lower-casing). NFKC already folds
 * fullwidth and mathematical alphanumerics; these survive it because they are distinct letters.
 */
const HOMOGLYPHS: Record<string, string> = {
  // Cyrillic
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  і: 'i',
  ї: 'i',
  ј: 'j',
  һ: 'h',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ӏ: 'l',
  ɡ: 'g',
  // Greek
  α: 'a',
  β: 'b',
  ε: 'e',
  η: 'n',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  γ: 'y',
  ω: 'w',
  ϲ: 'c',
  ϳ: 'j',
  // Latin small capitals and other IPA look-alikes that NFKC leaves alone
  ᴀ: 'a',
  ʙ: 'b',
  ᴄ: 'c',
  ᴅ: 'd',
  ᴇ: 'e',
  ɢ: 'g',
  ʜ: 'h',
  ɪ: 'i',
  ᴊ: 'j',
  ᴋ: 'k',
  ʟ: 'l',
  ᴍ: 'm',
  ɴ: 'n',
  ᴏ: 'o',
  ᴘ: 'p',
  ʀ: 'r',
  ꜱ: 's',
  ᴛ: 't',
  ᴜ: 'u',
  ᴠ: 'v',
  ᴡ: 'w',
  ʏ: 'y',
  ᴢ: 'z',
  ı: 'i',
  ȷ: 'j',
  ɑ: 'a',
  ɩ: 'i',
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
  for (const ch of s) out += HOMOGLYPHS[ch] ?? ch;
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

const LEET: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '8': 'b',
  '@': 'a',
  $: 's',
  '!': 'i',
  '|': 'l',
  '+': 't',
};

/**
 * Fold leetspeak ("1gn0r3 pr3v10u5") in an already normalised (lower-case) string. Length-preserving,
 * so offsets are unchanged. Only tokens that mix letters with leet digits/symbols are folded, so plain
 * numbers survive. Returns the input itself when there is nothing to fold.
 */
export function foldLeet(s: string): string {
  return foldLeetWithChanges(s).text;
}

/** foldLeet plus the folded tokens alone (space-separated), so callers can skip work when none matter. */
export function foldLeetWithChanges(s: string): { text: string; changed: string } {
  if (!hasLeet(s)) return { text: s, changed: '' };
  let out = '';
  let changed = '';
  let copied = 0;
  const n = s.length;
  let i = 0;
  while (i < n) {
    if (!isLeetTokenChar(s.charCodeAt(i))) {
      i++;
      continue;
    }
    // A token of letters and leet characters: fold it when it has both.
    const start = i;
    let letters = false;
    let leet = false;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (isLower(c)) letters = true;
      else if (c < 128 && LEET_CODE[c] !== 0) leet = true;
      else break;
      i++;
    }
    if (letters && leet) {
      let folded = '';
      for (let k = start; k < i; k++) {
        const c = s.charCodeAt(k);
        folded += String.fromCharCode(c < 128 && LEET_CODE[c] !== 0 ? (LEET_CODE[c] as number) : c);
      }
      out += s.slice(copied, start) + folded;
      changed += ` ${folded}`;
      copied = i;
    }
  }
  return copied === 0 ? { text: s, changed: '' } : { text: out + s.slice(copied), changed };
}

const isLower = (c: number) => c >= 97 && c <= 122;
/** LEET by character code (0 = not a leet character): no string keys in the hot loop. */
const LEET_CODE = new Uint8Array(128);
for (const [k, v] of Object.entries(LEET)) LEET_CODE[k.charCodeAt(0)] = v.charCodeAt(0);
const isLeetTokenChar = (c: number) => isLower(c) || (c < 128 && LEET_CODE[c] !== 0);
const isAlnum = (c: number) => isLower(c) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90);

/**
 * Cheap pre-check for foldLeet (a regex here is tried at every position): a leet digit or `@`/`$`
 * touching a letter, or `!`, `|`, `+` between two letters.
 */
function hasLeet(s: string): boolean {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    let strong: boolean;
    if ((c >= 48 && c <= 57 && c !== 50 && c !== 54 && c !== 57) || c === 64 || c === 36) strong = true;
    else if (c === 33 || c === 124 || c === 43) strong = false;
    else continue;
    const before = i > 0 && isLower(s.charCodeAt(i - 1));
    const after = i + 1 < n && isLower(s.charCodeAt(i + 1));
    if (strong ? before || after : before && after) return true;
  }
  return false;
}

const isSeparator = (c: number) => c === 32 || c === 46 || c === 45 || c === 95 || c === 42;

/** Cheap pre-check for joinSpacedLetters: five single letters in a row, one separator apart. */
function hasSpacedRun(s: string): boolean {
  const n = s.length;
  let run = 0;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    const single =
      isLower(c) &&
      (i === 0 || !isAlnum(s.charCodeAt(i - 1))) &&
      (i + 1 >= n || !isAlnum(s.charCodeAt(i + 1)));
    if (!single) {
      run = 0;
      i++;
      continue;
    }
    run++;
    if (run >= 5) return true;
    if (i + 2 < n && isSeparator(s.charCodeAt(i + 1)) && isLower(s.charCodeAt(i + 2))) {
      i += 2;
    } else {
      run = 0;
      i++;
    }
  }
  return false;
}

const SPACED_RUN = /\b(?:[a-z][ .\-_*]){4,}[a-z]\b/g;
const SPACED_SEP = /[ .\-_*]/g;

/**
 * Join letter-spaced words ("i g n o r e  a l l") in a normalised string. Runs of single letters
 * separated by single separators become one word; double spaces between spaced words stay as a word
 * break. Returns the input itself when there is nothing to join. Offsets change, so callers map hits
 * back to the run's region, not to characters.
 */
export function joinSpacedLetters(s: string): string {
  return joinSpacedWithChanges(s).text;
}

/** joinSpacedLetters plus the joined words alone (space-separated). */
export function joinSpacedWithChanges(s: string): { text: string; changed: string } {
  if (!hasSpacedRun(s)) return { text: s, changed: '' };
  let changed = '';
  const text = s.replace(SPACED_RUN, (run) => {
    const word = run.replace(SPACED_SEP, '');
    changed += ` ${word}`;
    return word;
  });
  return { text, changed };
}
