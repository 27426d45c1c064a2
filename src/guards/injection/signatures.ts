/**
 * Fast signatures: precompiled patterns for well-known injection and jailbreak phrasings (patterns.ts),
 * matched on the normalised (lower-case, folded) text. A hit adds evidence (logits) to the
 * classifier's score rather than deciding alone, except for the few phrasings that are injections in
 * any context.
 */

import { scanWords, WordTable } from '../words.js';
import { HAZARD_WORD_LIST } from './framed.js';
import { SIGNATURE_ANCHORS, SIGNATURE_SOURCES } from './patterns.js';

export interface Signature {
  id: string;
  direct: number;
  indirect: number;
  re: RegExp;
  /** Words of which at least one occurs in every match (a cheap prefilter); empty = always run. */
  anchors: readonly string[];
  /** Substrings of which at least one occurs in every match (for non-word anchors). */
  literals: readonly string[];
}

export interface SignatureHit {
  id: string;
  /** Offsets into the scanned (normalised) text. */
  start: number;
  end: number;
  weight: number;
}

export const SIGNATURES: readonly Signature[] = SIGNATURE_SOURCES.map(([id, direct, indirect, pattern]) => {
  const [words = '', literals = []] = SIGNATURE_ANCHORS[id] ?? [];
  return {
    id,
    direct,
    indirect,
    re: new RegExp(pattern, 'g'),
    anchors: words.split(' ').filter(Boolean),
    literals,
  };
});

/**
 * Signatures are prefiltered: one pass over the words of the text ORs together the bit masks of the
 * signatures whose anchor words occur, and only those patterns run. Patterns that start with an
 * alternation are tried at every position by the regex engine; skipping them keeps a 2 KB prompt
 * at a few microseconds.
 */
if (SIGNATURES.length > 31)
  throw new Error('signature masks hold at most 31 signatures (bit 31: hazard words)');
let ALWAYS = 0;
const LITERALS: Array<[literal: string, bit: number]> = [];
const anchorEntries: Array<[string, number]> = [];
SIGNATURES.forEach((sig, i) => {
  const bit = 1 << i;
  if (sig.anchors.length === 0 && sig.literals.length === 0) ALWAYS |= bit;
  for (const w of sig.anchors) anchorEntries.push([w, bit]);
  for (const l of sig.literals) LITERALS.push([l, bit]);
});
/**
 * Set in `candidateSignatures` when the text has a hazard word (framed.ts): the same pass over the
 * words answers whether the framed-request rule can match at all.
 */
export const HAZARD_BIT = 1 << 31;
for (const w of HAZARD_WORD_LIST) anchorEntries.push([w, HAZARD_BIT]);
const ANCHORS_TABLE = new WordTable(anchorEntries);

/**
 * Verbs and words that start attack phrasings without being anchors. When such a word only appears
 * after leet folding or letter joining ("1gn0r3", "i g n o r e"), every signature is worth trying on
 * that view.
 */
const OBFUSCATED_TRIGGERS = new WordTable(
  (
    'ignore ignoring disregard forget overlook override bypass neglect discard abandon dismiss show reveal print ' +
    'repeat output display disclose leak recite dump tell give share expose pretend act behave roleplay simulate ' +
    'system jailbreak dan developer unfiltered uncensored unrestricted'
  )
    .split(' ')
    .map((w) => [w, 1] as const),
);
// Bits 0–30; bit 31 (the sign bit of the 32-bit masks) is HAZARD_BIT.
const ALL_SIGNATURES = SIGNATURES.length >= 31 ? 0x7fffffff : (1 << SIGNATURES.length) - 1;

/** Signatures worth trying on a leet-folded or letter-joined view, given the words that changed. */
export function candidateSignaturesForChanged(changedWords: string): number {
  if (changedWords === '') return 0;
  return scanWords(changedWords, OBFUSCATED_TRIGGERS) !== 0
    ? ALL_SIGNATURES
    : candidateSignatures(changedWords);
}

/** Bit mask of the signatures that may match `text` (normalised, lower-case). */
export function candidateSignatures(text: string): number {
  let mask = ALWAYS | scanWords(text, ANCHORS_TABLE);
  for (const [literal, bit] of LITERALS) if ((mask & bit) === 0 && text.includes(literal)) mask |= bit;
  return mask;
}

/**
 * First hit of each signature in `text` (normalised). `mask` restricts the signatures tried (default:
 * those whose anchors occur in `text`).
 */
export function matchSignatures(
  text: string,
  indirect: boolean,
  out: SignatureHit[] = [],
  mask = candidateSignatures(text),
): SignatureHit[] {
  for (let i = 0; i < SIGNATURES.length; i++) {
    const sig = SIGNATURES[i] as Signature;
    const weight = indirect ? sig.indirect : sig.direct;
    if (weight <= 0 || (mask & (1 << i)) === 0) continue;
    sig.re.lastIndex = 0;
    const m = sig.re.exec(text);
    if (m) out.push({ id: sig.id, start: m.index, end: m.index + m[0].length, weight });
  }
  return out;
}
