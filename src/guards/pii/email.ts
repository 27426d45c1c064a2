import { wordBounded } from '../result.js';
import type { Span } from '../types.js';

/**
 * E-mail addresses, found by expanding around each `@` (no regex backtracking over the whole text).
 * The domain needs a dot and an alphabetic TLD; image-file "TLDs" (`icon@2x.png`) are not addresses.
 */
const FILE_TLDS = new Set(['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'ico', 'bmp', 'tif', 'tiff']);

const isLocal = (c: number) =>
  (c >= 48 && c <= 57) ||
  (c >= 65 && c <= 90) ||
  (c >= 97 && c <= 122) ||
  c === 46 ||
  c === 95 ||
  c === 37 ||
  c === 43 ||
  c === 45;
const isDomain = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 46 || c === 45;

export function findEmails(text: string, out: Span[]): void {
  let at = text.indexOf('@');
  while (at >= 0) {
    let s = at;
    while (s > 0 && at - s < 64 && isLocal(text.charCodeAt(s - 1))) s--;
    while (s < at && text.charCodeAt(s) === 46) s++;
    let e = at + 1;
    while (e < text.length && e - at < 255 && isDomain(text.charCodeAt(e))) e++;
    while (e > at + 1 && (text.charCodeAt(e - 1) === 46 || text.charCodeAt(e - 1) === 45)) e--;
    const next = text.indexOf('@', at + 1);
    // `scheme://user:password@host` is URL credentials (a secret), not an address.
    const userinfo =
      s > 0 && text.charCodeAt(s - 1) === 58 && text.lastIndexOf('://', s) > text.lastIndexOf(' ', s);
    if (s < at && e > at + 1 && !userinfo && validDomain(text, at + 1, e) && text.charCodeAt(at - 1) !== 46) {
      if (wordBounded(text, s, e) || text.charCodeAt(e) === 46)
        out.push({ start: s, end: e, label: 'pii.email' });
    }
    at = next;
  }
}

function validDomain(text: string, start: number, end: number): boolean {
  const domain = text.slice(start, end);
  const dot = domain.lastIndexOf('.');
  if (dot <= 0 || domain.includes('..')) return false;
  const tld = domain.slice(dot + 1);
  return tld.length >= 2 && /^[a-z]+$/i.test(tld) && !FILE_TLDS.has(tld.toLowerCase());
}
