import { before } from '../result.js';
import type { Span } from '../types.js';

/**
 * Phone numbers, international and national. Digits alone cannot tell a phone number from an order
 * number, a date or a version, so a candidate must have the SHAPE of a phone number:
 *
 * - international: `+` or `00` then 8–15 digits (E.164), any common grouping: `+44 20 7946 0958`,
 *   `+1 (415) 555-0132`, `+4930123456`, `0049 30 1234567`;
 * - North American: `(415) 555-0132`, `415-555-0132`, `415.555.0132`, `1-800-555-0199`;
 * - other national formats: a trunk `0` and 9–11 digits in 2–5 space/dash groups: `020 7946 0958`,
 *   `030 1234 5678`, `01 23 45 67 89`, `06-12345678`;
 * - anything else (a bare digit run) only right after a phone word ("tel:", "phone", "mobile", "call").
 *
 * Rejected: dates (`2024-01-15`, `15.01.2024`, `01/15/2024`), dotted versions, and national-format
 * candidates right after "order", "invoice", "ref", "id", "#", "no.", "account", "tracking".
 */
const CANDIDATE = /(?<![\w.+/-])(?:\+|00)?\(?\d[\d ().\-/]{5,22}\d(?![\w])(?!\.\d)/g;
const PHONE_CONTEXT =
  /\b(?:tel|telephone|phone|ph|mobile|mob|cell|cellphone|call|fax|whatsapp|sms|text me|contact|hotline|numéro|telefon|téléphone)\b[^\w\n]{0,4}(?:number|no\.?|nr\.?|#|is|at|:)?[^\w\n]{0,3}$/;
const NEGATIVE_CONTEXT =
  /(?:\border|\binvoice|\bref(?:erence)?|\bid|#|\bno\.|\baccount|\bacct|\btracking|\bversion|\bv|\bserial|\bsku|\bisbn|\bpo|\bticket|\bcase)\b[^\w\n]{0,3}(?:number|no\.?|nr\.?|#|:)?[^\w\n]{0,3}$/;
const DATE = /^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})$/;
const NANP = /^(?:(?:\+?1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4})$/;
const NATIONAL = /^0[1-9]\d{0,3}(?:[ -]\d{2,8}){1,4}$/;
const SSN_SHAPE = /^\d{3}-\d{2}-\d{4}$/;
const DOTS = /\./g;

function digitCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

function looksLikePhone(raw: string, contextBefore: string): boolean {
  const digits = digitCount(raw);
  if (DATE.test(raw) || SSN_SHAPE.test(raw)) return false;
  // More than three dots is a version or an OID, never a phone grouping.
  if ((raw.match(DOTS)?.length ?? 0) > 3) return false;
  if (raw.startsWith('+')) return digits >= 8 && digits <= 15 && !raw.includes('+', 1);
  if (raw.startsWith('00') && /^00[1-9]/.test(raw.replace(/[ ().-]/g, '')))
    return digits >= 10 && digits <= 17;
  const hasPhoneWord = PHONE_CONTEXT.test(contextBefore);
  if (!hasPhoneWord && NEGATIVE_CONTEXT.test(contextBefore)) return false;
  if (NANP.test(raw)) return true;
  if (NATIONAL.test(raw) && digits >= 9 && digits <= 11) return true;
  return hasPhoneWord && digits >= 7 && digits <= 15 && !raw.includes('/');
}

export function findPhones(text: string, out: Span[]): void {
  CANDIDATE.lastIndex = 0;
  for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
    let raw = m[0];
    // A closing parenthesis with no opening one belongs to the surrounding prose.
    if (raw.endsWith(')') && !raw.includes('(')) raw = raw.slice(0, -1);
    if (looksLikePhone(raw, before(text, m.index, 30))) {
      out.push({ start: m.index, end: m.index + raw.length, label: 'pii.phone' });
    }
  }
}
