import type { Span } from '../types.js';

/** IBAN length per country (ISO 13616 registry). */
const IBAN_LENGTHS: Record<string, number> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};

/** Country code + check digits, then groups of letters/digits separated by single spaces. */
const CANDIDATE = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{1,4}){3,9}\b/gi;

/** ISO 7064 mod 97-10 over the rearranged IBAN, computed in chunks (no BigInt). */
function ibanChecksumOk(iban: string): boolean {
  const s = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const v = c >= 65 ? c - 55 : c - 48;
    rem = v >= 10 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
  }
  return rem === 1;
}

export function isIban(compact: string): boolean {
  const iban = compact.toUpperCase();
  const len = IBAN_LENGTHS[iban.slice(0, 2)];
  return (
    len !== undefined && iban.length === len && /^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban) && ibanChecksumOk(iban)
  );
}

export function findIbans(text: string, out: Span[]): void {
  CANDIDATE.lastIndex = 0;
  for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
    const raw = m[0];
    const len = IBAN_LENGTHS[raw.slice(0, 2).toUpperCase()];
    if (len === undefined) continue;
    // Take exactly the country's length of characters; the candidate may run into a following word.
    let count = 0;
    let end = 0;
    while (end < raw.length && count < len) {
      if (raw.charCodeAt(end) !== 32) count++;
      end++;
    }
    // The candidate may have swallowed following words: resume right after what was used (or just
    // after the country code when nothing was), so a second IBAN in the tail is still seen.
    if (
      count === len &&
      (end >= raw.length || raw.charCodeAt(end) === 32) &&
      isIban(raw.slice(0, end).replace(/ /g, ''))
    ) {
      out.push({ start: m.index, end: m.index + end, label: 'pii.iban' });
      CANDIDATE.lastIndex = m.index + end;
    } else {
      CANDIDATE.lastIndex = m.index + 2;
    }
  }
}
