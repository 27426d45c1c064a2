import type { Span } from '../types.js';

/**
 * Payment card numbers: 13–19 digits, optionally in groups separated by single spaces or dashes,
 * that pass the Luhn check AND whose length fits a known issuer range (IIN). Both are required:
 * Luhn alone passes one random number in ten.
 */

export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Card networks by IIN prefix range → valid lengths. */
const IIN: Array<[from: number, to: number, digits: number, lengths: number[]]> = [
  [4, 4, 1, [13, 16, 19]], // Visa
  [51, 55, 2, [16]], // Mastercard
  [2221, 2720, 4, [16]], // Mastercard 2-series
  [34, 34, 2, [15]], // Amex
  [37, 37, 2, [15]],
  [6011, 6011, 4, [16, 17, 18, 19]], // Discover
  [644, 649, 3, [16, 17, 18, 19]],
  [65, 65, 2, [16, 17, 18, 19]],
  [300, 305, 3, [14, 15, 16, 17, 18, 19]], // Diners Club
  [3095, 3095, 4, [14, 15, 16, 17, 18, 19]],
  [36, 36, 2, [14, 15, 16, 17, 18, 19]],
  [38, 39, 2, [14, 15, 16, 17, 18, 19]],
  [3528, 3589, 4, [16, 17, 18, 19]], // JCB
  [62, 62, 2, [16, 17, 18, 19]], // UnionPay
  [2200, 2204, 4, [16, 17, 18, 19]], // Mir
  [50, 50, 2, [12, 13, 14, 15, 16, 17, 18, 19]], // Maestro
  [56, 58, 2, [12, 13, 14, 15, 16, 17, 18, 19]],
  [60, 60, 2, [16]], // RuPay
  [63, 63, 2, [12, 13, 14, 15, 16, 17, 18, 19]],
  [67, 67, 2, [12, 13, 14, 15, 16, 17, 18, 19]],
];

function knownIssuer(digits: string): boolean {
  for (const [from, to, n, lengths] of IIN) {
    const p = Number(digits.slice(0, n));
    if (p >= from && p <= to && lengths.includes(digits.length)) return true;
  }
  return false;
}

export function isCardNumber(digits: string): boolean {
  return digits.length >= 12 && digits.length <= 19 && knownIssuer(digits) && luhn(digits);
}

/** Fewer than 12 digits in the whole text: no card can be present (cheap pre-check). */
function enoughDigits(text: string): boolean {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57 && ++n >= 12) return true;
  }
  return false;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const DIGIT = /\d/g;

/**
 * Candidates: digit groups separated by single spaces or dashes (at most 8 groups, 19 digits), not
 * glued to other digits or dashes. A hand-written scan: the equivalent regex is retried at every digit.
 */
export function findCards(text: string, out: Span[]): void {
  if (!enoughDigits(text)) return;
  const n = text.length;
  let i = 0;
  while (i < n) {
    // Jump to the next digit natively.
    DIGIT.lastIndex = i;
    const next = DIGIT.exec(text);
    if (next === null) return;
    i = next.index;
    if (i > 0 && (isDigit(text.charCodeAt(i - 1)) || text.charCodeAt(i - 1) === 45)) {
      while (i < n && isDigit(text.charCodeAt(i))) i++;
      continue;
    }
    const start = i;
    const groups: number[] = [];
    let sep = 0;
    let digits = 0;
    let end = i;
    for (;;) {
      const g = i;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
      groups.push(i - g);
      digits += i - g;
      end = i;
      const c = text.charCodeAt(i);
      if (digits > 19 || groups.length >= 8 || (c !== 32 && c !== 45) || !isDigit(text.charCodeAt(i + 1)))
        break;
      // One separator style per number ("4111 1111-1111 1111" is not how cards are written).
      if (sep !== 0 && c !== sep) break;
      sep = c;
      i++;
    }
    if (digits >= 12) checkCandidate(text, start, end, groups, out);
    if (i === start) i++;
  }
}

/** Longest run of leading groups that forms a valid card (a CVV or expiry may follow the number). */
function checkCandidate(text: string, start: number, end: number, groups: number[], out: Span[]): void {
  const raw = text.slice(start, end);
  const compact = raw.replace(/[ -]/g, '');
  let bestEnd = -1;
  let digits = 0;
  let offset = 0;
  for (const len of groups) {
    digits += len;
    offset += len;
    if (digits > 19) break;
    if (isCardNumber(compact.slice(0, digits)) && (groups.length === 1 || len >= 3)) bestEnd = offset;
    offset += 1;
  }
  if (bestEnd > 0) out.push({ start, end: start + bestEnd, label: 'pii.payment_card' });
}
