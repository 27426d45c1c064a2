/**
 * Views of already-normalised text that undo two cheap obfuscations: leetspeak ("1gn0r3") and letter
 * spacing ("i g n o r e"). Each returns the input itself when there is nothing to undo, plus the
 * changed words alone so callers can skip a second signature pass when none of them matter.
 */

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
  const tokens = leetTokens(s);
  if (tokens.length === 0) return s;
  let out = '';
  let copied = 0;
  for (let t = 0; t < tokens.length; t += 2) {
    const start = tokens[t] as number;
    const end = tokens[t + 1] as number;
    out += s.slice(copied, start) + foldToken(s, start, end);
    copied = end;
  }
  return out + s.slice(copied);
}

/** The words foldLeet would change, folded, space-separated ('' when none) — without building the view. */
export function leetChangedWords(s: string): string {
  const tokens = leetTokens(s);
  let changed = '';
  for (let t = 0; t < tokens.length; t += 2)
    changed += ` ${foldToken(s, tokens[t] as number, tokens[t + 1] as number)}`;
  return changed;
}

/** foldLeet plus the changed words. */
export function foldLeetWithChanges(s: string): { text: string; changed: string } {
  const changed = leetChangedWords(s);
  return { text: changed === '' ? s : foldLeet(s), changed };
}

function foldToken(s: string, start: number, end: number): string {
  let folded = '';
  for (let k = start; k < end; k++) {
    const c = s.charCodeAt(k);
    folded += String.fromCharCode(c < 128 && LEET_CODE[c] !== 0 ? (LEET_CODE[c] as number) : c);
  }
  return folded;
}

/**
 * [start, end) pairs of the tokens (runs of letters and leet characters) that have a leet character
 * touching a letter: a leet digit or `@`/`$` next to a letter, or `!`, `|`, `+` between two letters.
 * One pass; only characters with a leet meaning are looked at closely.
 */
function leetTokens(s: string): number[] {
  const out: number[] = [];
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c >= 128 || LEET_CODE[c] === 0) {
      i++;
      continue;
    }
    const strong = c !== 33 && c !== 124 && c !== 43;
    const before = i > 0 && isLower(s.charCodeAt(i - 1));
    const after = i + 1 < n && isLower(s.charCodeAt(i + 1));
    if (!(strong ? before || after : before && after)) {
      i++;
      continue;
    }
    let start = i;
    while (start > 0 && isLeetTokenChar(s.charCodeAt(start - 1))) start--;
    let end = i + 1;
    while (end < n && isLeetTokenChar(s.charCodeAt(end))) end++;
    out.push(start, end);
    i = end;
  }
  return out;
}

const isLower = (c: number) => c >= 97 && c <= 122;
/** LEET by character code (0 = not a leet character): no string keys in the hot loop. */
const LEET_CODE = new Uint8Array(128);
for (const [k, v] of Object.entries(LEET)) LEET_CODE[k.charCodeAt(0)] = v.charCodeAt(0);
const isLeetTokenChar = (c: number) => isLower(c) || (c < 128 && LEET_CODE[c] !== 0);
/** 1 for ASCII letters and digits, by character code. */
const ALNUM = new Uint8Array(128);
for (let c = 0; c < 128; c++) if (/[A-Za-z0-9]/.test(String.fromCharCode(c))) ALNUM[c] = 1;

const isSeparator = (c: number) => c === 32 || c === 46 || c === 45 || c === 95 || c === 42;

/** Cheap pre-check for joinSpacedLetters: five single letters in a row, one separator apart. */
function hasSpacedRun(s: string): boolean {
  const n = s.length;
  let run = 0;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c >= 128 || ALNUM[c] === 0) {
      run = 0;
      i++;
      continue;
    }
    const next = i + 1 < n ? s.charCodeAt(i + 1) : 32;
    if (next < 128 && ALNUM[next] === 1) {
      // A word of two or more characters: skip it whole.
      run = 0;
      i += 2;
      while (i < n) {
        const d = s.charCodeAt(i);
        if (d >= 128 || ALNUM[d] === 0) break;
        i++;
      }
      continue;
    }
    // A single character, preceded by a non-alphanumeric (we never stop inside a word).
    if (!isLower(c)) {
      run = 0;
      i++;
      continue;
    }
    if (++run >= 5) return true;
    if (i + 2 < n && isSeparator(next) && isLower(s.charCodeAt(i + 2))) i += 2;
    else {
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
