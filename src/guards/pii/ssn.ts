import { before } from '../result.js';
import type { Span } from '../types.js';

/**
 * US Social Security numbers. `AAA-GG-SSSS` with dashes is recognised on its own; with spaces or no
 * separator only after a context word ("SSN", "social security"), since nine digits are otherwise
 * just a number. Never-issued values are rejected: area 000, 666 or 900–999, group 00, serial 0000,
 * and the two numbers famous from advertising (078-05-1120, 219-09-9999).
 */
const CANDIDATE = /(?<![\d-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\d-])/g;
const CONTEXT =
  /\b(?:ssn|ss#|social security(?: number| no\.?)?|sozialversicherungsnummer)\b[\s:#-]*(?:is|was|=)?[\s:#-]*$/;
const FAMOUS = new Set(['078051120', '219099999']);

export function validSsn(area: string, group: string, serial: string): boolean {
  const a = Number(area);
  return (
    a !== 0 &&
    a !== 666 &&
    a < 900 &&
    group !== '00' &&
    serial !== '0000' &&
    !FAMOUS.has(area + group + serial)
  );
}

export function findSsns(text: string, out: Span[]): void {
  CANDIDATE.lastIndex = 0;
  for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
    const [raw, area, sep, group, serial] = m as unknown as [string, string, string, string, string];
    if (!validSsn(area, group, serial)) continue;
    if (sep !== '-' && !CONTEXT.test(before(text, m.index, 40))) continue;
    out.push({ start: m.index, end: m.index + raw.length, label: 'pii.ssn' });
  }
}
