/**
 * Forward-only helpers shared by the active-content scanners. Every search that could be repeated
 * from many start positions (the next `</script`, the next quote, the next `;`) goes through a
 * `NextIndex`, which remembers its last answer and only searches again past it: the total work over
 * one text stays linear however many openers an adversarial answer holds.
 */

export class NextIndex {
  private from = -1;
  private at = -1;

  constructor(
    private readonly text: string,
    private readonly needle: string,
    private readonly lower = false,
  ) {}

  /** Index of the first occurrence at or after `pos`, or -1. Calls must not move `pos` backwards far. */
  find(pos: number): number {
    if (this.from !== -1 && pos >= this.from && (this.at === -1 || this.at >= pos)) return this.at;
    this.from = pos;
    this.at = this.lower ? indexOfLower(this.text, this.needle, pos) : this.text.indexOf(this.needle, pos);
    return this.at;
  }
}

/** indexOf of a lower-case ASCII needle, ignoring the case of the text. */
function indexOfLower(text: string, needle: string, from: number): number {
  const first = needle.charCodeAt(0);
  const n = text.length - needle.length;
  outer: for (let i = from; i <= n; i++) {
    if ((text.charCodeAt(i) | 0x20) !== first) continue;
    for (let k = 1; k < needle.length; k++)
      if ((text.charCodeAt(i + k) | 0x20) !== needle.charCodeAt(k)) continue outer;
    return i;
  }
  return -1;
}

export const isAsciiLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
export const isDigit = (c: number) => c >= 48 && c <= 57;
export const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 12;

/** Whitespace and C0 controls: browsers drop them inside a URL scheme (`java\tscript:`). */
const isIgnorableInScheme = (c: number) => c <= 32;

const SCRIPT_SCHEMES = ['javascript:', 'vbscript:', 'data:text/html', 'data:image/svg+xml'];

/**
 * True when `url` (a link target or attribute value, entities already decoded) runs script when
 * followed or loaded: `javascript:`, `vbscript:`, HTML or SVG `data:` URLs. Case, whitespace and
 * control characters inside the scheme are ignored, as browsers do.
 */
export function isScriptUrl(url: string): boolean {
  let s = '';
  for (let i = 0; i < url.length && s.length < 20; i++) {
    const c = url.charCodeAt(i);
    if (isIgnorableInScheme(c)) continue;
    s += String.fromCharCode(c).toLowerCase();
  }
  return SCRIPT_SCHEMES.some((p) => s.startsWith(p));
}

const NAMED: Record<string, string> = {
  colon: ':',
  tab: '\t',
  newline: '\n',
  sol: '/',
  quot: '"',
  apos: "'",
  lt: '<',
  gt: '>',
  amp: '&',
  equals: '=',
  quest: '?',
  num: '#',
  period: '.',
  percnt: '%',
};
const ENTITY = /&(?:#x([0-9a-f]{1,6});?|#(\d{1,7});?|([a-z]{2,8});)/gi;

/** HTML character references in an attribute value, decoded the way a browser reads them. */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(
    ENTITY,
    (whole, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
      const code = hex ? Number.parseInt(hex, 16) : dec ? Number.parseInt(dec, 10) : -1;
      if (code >= 0) return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
      return NAMED[(name ?? '').toLowerCase()] ?? whole;
    },
  );
}
