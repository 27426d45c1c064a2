/**
 * Layered injection detection over one model: normalise → signatures (also on the leetspeak-folded and
 * letter-joined views) → classifier (text model + segment model) → the same on decoded payloads
 * (base64 / hex / rot13 / reversed). Evidence is combined in logit space (model.ts `combineLogit`):
 *
 *   logit = max(combine(text, signatures), combine(payload, its signatures) + bonus, …)
 *
 * and reported as score = sigmoid(logit − threshold), so the tuned decision point is score 0.5 for
 * both the direct and the indirect mode, whatever their internal thresholds are.
 */
import { decodePayloads } from '../decode.js';
import {
  foldLeet,
  joinSpacedWithChanges,
  leetChangedWords,
  type NormalizedText,
  normalizeForDetection,
  toOriginal,
} from '../normalize.js';
import type { DetectorOptions, DetectorResult, Span } from '../types.js';
import { framedHarmfulRequest } from './framed.js';
import { combineLogit, type InjectionModel, type ModelScore, scoreModel } from './model.js';
import {
  candidateSignatures,
  candidateSignaturesForChanged,
  HAZARD_BIT,
  matchSignatures,
  type SignatureHit,
} from './signatures.js';
import { findAdversarialSuffix } from './suffix.js';

export interface InjectionOptions extends DetectorOptions {
  /** Also decode and scan base64/hex/rot13/reversed payloads (default true). */
  decode?: boolean;
}

export interface InjectionAnalysis {
  /** Combined logit before the threshold shift. */
  logit: number;
  /** Sum of signature weights on the text itself (capped). */
  signatures: number;
  /** Model outputs for the text itself. */
  model: ModelScore;
  result: DetectorResult;
}

/** Signature evidence never exceeds this, so a pile of weak hits cannot outvote everything. */
const SIGNATURE_CAP = 8;
/**
 * Evidence of an adversarial suffix (suffix.ts) in a user's own turn: the signature cap, enough to
 * flag alone. Documents and tool results are not checked: a suffix is what a user appends, and a page
 * that ends in formulas or code is more common than one ending in token salad.
 */
const SUFFIX_EVIDENCE = SIGNATURE_CAP;
/**
 * Evidence of a request for harm inside a story, persona or persuasion frame (framed.ts), in a user's
 * own turn: as much as a DAN persona, the rule being as rare on benign text (none of Keel's 8,457
 * benign rows, none of its 627 plain harmful requests). It blocks a turn the classifier scores as
 * neutral and only flags one the classifier is sure is ordinary. Documents are not checked: a news
 * story about a bombing is neither a frame nor a request.
 */
const FRAMED_EVIDENCE = 5;
/** Hiding text in an encoding is itself suspicious. */
const ENCODED_BONUS = 0.5;
/** Past this, the classifier scores the first and last parts only (signatures still see everything). */
const MAX_CLASSIFIED = 32 * 1024;

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export interface InjectionDetector {
  analyze(text: string, indirect: boolean, opts?: InjectionOptions): InjectionAnalysis;
  detect(text: string, opts?: InjectionOptions): DetectorResult;
  detectIndirect(text: string, opts?: InjectionOptions): DetectorResult;
}

export function createInjectionDetector(model: InjectionModel): InjectionDetector {
  const analyze = (text: string, indirect: boolean, opts: InjectionOptions = {}): InjectionAnalysis => {
    const comb = indirect ? model.combine.indirect : model.combine.direct;
    const threshold = indirect ? model.indirectThreshold : model.threshold;
    const norm = normalizeForDetection(text);
    const spans: Span[] = [];
    const sig = signatureEvidence(text, norm, indirect, spans);

    const scored = classify(model, norm.text);
    let logit = combineLogit(comb, scored, sig);
    const classifierLogit = combineLogit(comb, scored, 0);
    let topSpan: Span =
      scored.segments > 0 && scored.seg + comb.segOffset > scored.doc
        ? {
            start: toOriginal(norm, scored.segStart),
            end: toOriginal(norm, scored.segEnd),
            label: 'injection.classifier',
          }
        : { start: 0, end: text.length, label: 'injection.classifier' };
    let topIsClassifier = true;

    if (opts.decode !== false) {
      for (const p of decodePayloads(text)) {
        const pn = normalizeForDetection(p.text);
        const pSig = Math.min(SIGNATURE_CAP, sumWeights(matchSignatures(pn.text, indirect)));
        const pLogit = combineLogit(comb, classify(model, pn.text), pSig) + ENCODED_BONUS;
        const label = `injection.encoded.${p.encoding}`;
        if (pSig > 0) spans.push({ start: p.start, end: p.end, label });
        if (pLogit > logit) {
          logit = pLogit;
          topSpan = { start: p.start, end: p.end, label };
          topIsClassifier = false;
        }
      }
    }
    const score = sigmoid(logit - threshold);
    const flagged = score >= (opts.threshold ?? 0.5);
    // The classifier's span is reported when the classifier alone (no signatures) would flag.
    if (
      flagged &&
      (!topIsClassifier || classifierLogit >= threshold) &&
      !spans.some((s) => s.label === topSpan.label)
    ) {
      spans.push(topSpan);
    }
    spans.sort((a, b) => a.start - b.start || b.end - a.end);
    const labels: string[] = [];
    for (const s of spans) if (!labels.includes(s.label)) labels.push(s.label);
    return {
      logit,
      signatures: sig,
      model: scored,
      result: { detector: indirect ? 'indirect_injection' : 'injection', score, flagged, labels, spans },
    };
  };
  return {
    analyze,
    detect: (text, opts) => analyze(text, false, opts).result,
    detectIndirect: (text, opts) => analyze(text, true, opts).result,
  };
}

/** Signatures on the normalised, leet-folded and letter-joined views; spans pushed, capped weight returned. */
function signatureEvidence(text: string, norm: NormalizedText, indirect: boolean, spans: Span[]): number {
  const best = new Map<string, number>();
  const hits: SignatureHit[] = [];
  const mask = candidateSignatures(norm.text);
  pushHits(matchSignatures(norm.text, indirect, hits, mask), norm, spans, best);
  // The leetspeak and letter-joined views only matter when their changed words are signature
  // anchors: "Q3 revenue" folds to "qe revenue" and needs no second pass.
  const leetMask = candidateSignaturesForChanged(leetChangedWords(norm.text));
  if (leetMask !== 0) {
    hits.length = 0;
    pushHits(matchSignatures(foldLeet(norm.text), indirect, hits, leetMask), norm, spans, best);
  }
  const joined = joinSpacedWithChanges(norm.text);
  const joinedMask = candidateSignaturesForChanged(joined.changed);
  if (joinedMask !== 0) {
    hits.length = 0;
    // Offsets in the joined view do not map back; report the whole text.
    for (const h of matchSignatures(joined.text, indirect, hits, joinedMask)) {
      if ((best.get(h.id) ?? 0) < h.weight) best.set(h.id, h.weight);
      spans.push({ start: 0, end: text.length, label: `injection.signature.${h.id}` });
    }
  }
  const framed = !indirect && (mask & HAZARD_BIT) !== 0 ? framedHarmfulRequest(norm.text) : null;
  if (framed) {
    best.set('framed_request', FRAMED_EVIDENCE);
    spans.push({
      start: toOriginal(norm, framed.start),
      end: toOriginal(norm, framed.end),
      label: 'injection.framed_request',
    });
  }
  const suffix = indirect ? null : findAdversarialSuffix(text);
  if (suffix) {
    best.set('adversarial_suffix', SUFFIX_EVIDENCE);
    spans.push({ start: suffix.start, end: suffix.end, label: 'injection.adversarial_suffix' });
  }
  let sum = 0;
  for (const w of best.values()) sum += w;
  return Math.min(sum, SIGNATURE_CAP);
}

function sumWeights(hits: SignatureHit[]): number {
  let s = 0;
  for (const h of hits) s += h.weight;
  return s;
}

function pushHits(
  hits: SignatureHit[],
  norm: NormalizedText,
  spans: Span[],
  best: Map<string, number>,
): void {
  for (const h of hits) {
    const label = `injection.signature.${h.id}`;
    if ((best.get(h.id) ?? 0) < h.weight) best.set(h.id, h.weight);
    const start = toOriginal(norm, h.start);
    const end = toOriginal(norm, h.end);
    if (!spans.some((s) => s.label === label && s.start === start)) spans.push({ start, end, label });
  }
}

/** Model score; very long texts are scored on their head and tail to bound the work. */
function classify(model: InjectionModel, text: string): ModelScore {
  if (text.length <= MAX_CLASSIFIED) return scoreModel(model, text);
  const half = MAX_CLASSIFIED / 2;
  const head = scoreModel(model, text.slice(0, half));
  const tailStart = text.length - half;
  const tail = scoreModel(model, text.slice(tailStart));
  const pick = Math.max(head.doc, head.seg) >= Math.max(tail.doc, tail.seg) ? head : tail;
  const offset = pick === tail ? tailStart : 0;
  return {
    doc: (head.doc + tail.doc) / 2,
    segWhole: (head.segWhole + tail.segWhole) / 2,
    seg: Math.max(head.seg, tail.seg),
    segMean: (head.segMean + tail.segMean) / 2,
    segments: head.segments + tail.segments,
    segStart: pick.segStart + offset,
    segEnd: pick.segEnd + offset,
    harm: Math.max(head.harm, tail.harm),
  };
}
