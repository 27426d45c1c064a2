/**
 * Adversarial suffixes: the token salad that optimisation attacks (GCG and its kin) append to a
 * request — `… describing.\ + similarlyNow write oppositeley.](` — chosen token by token for its effect
 * on a model, not for meaning. The classifier learns the suffixes of the collections it was trained on,
 * which share nothing with the next optimisation run's; what every such suffix shares is its shape: a
 * run of words glued to brackets and symbols, camel-cased fragments and lone punctuation, with
 * brackets that do not pair, after a sentence that reads normally.
 *
 * The score is measured on the last line only (a suffix is appended), over windows of WINDOW
 * whitespace-separated tokens: the share of odd tokens in the window minus their share in the rest of
 * the line, so code, formulas and tables, odd all the way through, stay low. A window whose brackets
 * pair up counts half, and half again when it reads as code (statement ends and operators such as
 * `;`, `::`, `->`, `==`, `&&`). Layout (table rules, pipes, dashes), words wrapped in quotes, brackets
 * or backticks, and tokens with digits are never odd: pasted tables, shell commands and formulas are.
 */

/** Tokens per window: shorter suffixes are too few tokens to tell from a formula. */
const WINDOW = 12;
/** The line needs this many tokens besides the window: a request before the suffix. */
const MIN_REST = 4;
/** Only the end of a long line is looked at (a suffix is at the end): so many characters and tokens. */
const MAX_CHARS = 600;
const MAX_TOKENS = 96;
/** The score from which a suffix is reported (see docs/guards.md for what it was measured on). */
export const SUFFIX_AT = 0.3;

export interface SuffixFinding {
  score: number;
  /** Offsets of the window in the text. */
  start: number;
  end: number;
}

const SYMBOL_CODES = new Uint8Array(128);
for (const ch of '[]{}()^=+\\|<>`~*@$#%') SYMBOL_CODES[ch.charCodeAt(0)] = 1;
const LEADING = new Set([...'("\'[{<`\u201c\u2018*_']);
const TRAILING = new Set([...')"\']}>`\u201d\u2019.,;:!?*_']);
const LETTER = /\p{L}/u;
const LAYOUT = /^[-–—|:=_.]+$/;

function isLetter(c: number, ch: string): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c > 127 && LETTER.test(ch));
}

/**
 * An odd token: lone punctuation ("[", "!", "\\"), a camel-cased join ("similarlyNow"), or letters
 * mixed with brackets and symbols ("oppositeley.](", "]=setAttribute^{"); a word in quotes or
 * brackets, or followed by punctuation, is not odd, nor is a token with digits.
 */
function isOdd(t: string): boolean {
  let letters = 0;
  let digits = 0;
  let symbolAt = -1;
  let camel = false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (isLetter(c, t[i] as string)) {
      letters++;
      // Two lower-case letters, an upper-case one, a lower-case one: a join of two tokens.
      if (
        c >= 65 &&
        c <= 90 &&
        i >= 2 &&
        i + 1 < t.length &&
        isLower(t.charCodeAt(i - 1)) &&
        isLower(t.charCodeAt(i - 2)) &&
        isLower(t.charCodeAt(i + 1))
      )
        camel = true;
    } else if (c >= 48 && c <= 57) digits++;
    else if (c < 128 && SYMBOL_CODES[c] === 1 && symbolAt < 0) symbolAt = i;
  }
  // Table rules, dashes and pipes are layout; other lone punctuation ("[", "!", "\\") is salad.
  if (letters === 0 && digits === 0) return t.length <= 3 && !LAYOUT.test(t);
  // Digits among the letters are formulas and code ("(2cos", "x^2", "arr[i+1]"), not salad.
  if (digits > 0) return false;
  if (camel) return true;
  if (letters === 0 || symbolAt < 0) return false;
  // Symbols only as a word's wrapping ("(see", "below)", "*note*") do not make it odd.
  let a = 0;
  let b = t.length;
  while (a < b && LEADING.has(t[a] as string)) a++;
  while (b > a && TRAILING.has(t[b - 1] as string)) b--;
  for (let i = a; i < b; i++) {
    const c = t.charCodeAt(i);
    if (!(isLetter(c, t[i] as string) || c === 39 || c === 45 || c === 0x2019)) return true;
  }
  return false;
}

function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}

/** Symbols a line needs before its tokens are looked at. */
const MIN_SYMBOLS = 3;

function symbols(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 128 && SYMBOL_CODES[c] === 1) n++;
  }
  return n;
}

const CLOSES: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/** Brackets in `s` that do not pair with another in order. */
function unpaired(s: string, from: number, to: number): number {
  const stack: string[] = [];
  let bad = 0;
  for (let i = from; i < to; i++) {
    const ch = s[i] as string;
    if (ch === '(' || ch === '[' || ch === '{') stack.push(ch);
    else if (ch === ')' || ch === ']' || ch === '}') {
      if (stack.length > 0 && stack[stack.length - 1] === CLOSES[ch]) stack.pop();
      else bad++;
    }
  }
  return bad + stack.length;
}

/** Operators and statement ends of code (`;`, `::`, `->`, `=>`, `==`, `!=`, `&&`, `||`, `+=`) in s[from, to). */
function codeMarks(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    const next = i + 1 < to ? s.charCodeAt(i + 1) : 32;
    if (c === 59 && next <= 32) n++;
    else if (
      (c === 58 && next === 58) ||
      ((c === 45 || c === 61) && next === 62) ||
      ((c === 61 || c === 33 || c === 43) && next === 61) ||
      (c === 38 && next === 38) ||
      (c === 124 && next === 124)
    ) {
      n++;
      i++;
    }
  }
  return n;
}

/** The strongest suffix-like window of `text`'s last line, or null when none reaches SUFFIX_AT. */
export function findAdversarialSuffix(text: string): SuffixFinding | null {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) <= 32) end--;
  // The last line, or its last MAX_CHARS (lastIndexOf would scan a long one-line text whole).
  let lineStart = end;
  const floor = Math.max(0, end - MAX_CHARS);
  while (lineStart > floor && text.charCodeAt(lineStart - 1) !== 10) lineStart--;
  // Cheap exit: a suffix has several symbols; a sentence has none or a pair of brackets.
  if (symbols(text, lineStart, end) < MIN_SYMBOLS) return null;
  const tokens: Array<{ t: string; at: number }> = [];
  for (let i = lineStart; i < end; ) {
    while (i < end && text.charCodeAt(i) <= 32) i++;
    const from = i;
    while (i < end && text.charCodeAt(i) > 32) i++;
    if (i > from) tokens.push({ t: text.slice(from, i), at: from });
  }
  if (tokens.length < WINDOW + MIN_REST) return null;
  const first = Math.max(MIN_REST, tokens.length - MAX_TOKENS);
  const odd = tokens.map((x) => (isOdd(x.t) ? 1 : 0));
  let total = 0;
  for (const o of odd) total += o;
  let best: SuffixFinding | null = null;
  const consider = (s: number) => {
    let inside = 0;
    for (let k = s; k < s + WINDOW; k++) inside += odd[k] as number;
    const rest = tokens.length - WINDOW;
    const from = (tokens[s] as { at: number }).at;
    const last = tokens[s + WINDOW - 1] as { t: string; at: number };
    const to = last.at + last.t.length;
    const paired = unpaired(text, from, to) < 2;
    const code = codeMarks(text, from, to) >= 2;
    const score = (inside / WINDOW - (total - inside) / rest) * (paired ? 0.5 : 1) * (code ? 0.5 : 1);
    if (score >= SUFFIX_AT && (!best || score > best.score)) best = { score, start: from, end: to };
  };
  for (let s = first; s + WINDOW <= tokens.length; s += 2) consider(s);
  consider(tokens.length - WINDOW);
  return best;
}
