/**
 * Layered injection detection over one model: normalise → signatures (also on the leetspeak-folded and
 * letter-joined views) → classifier (whole text and segments) → the same on decoded payloads
 * (base64 / hex / rot13 / reversed). Evidence is combined in logit space:
 *
 *   logit = max(classifier(text), classifier(payload) + bonus, …) + Σ signature weights (capped)
 *
 * and reported as score = sigmoid(logit − threshold), so the tuned decision point is score 0.5 for
 * both the direct and the indirect mode, whatever their internal thresholds are.
 */
import { decodePayloads } from '../decode.js';
import { foldLeet, joinSpacedLetters, type NormalizedText, normalizeForDetection, toOriginal } from '../normalize.js';
import type { DetectorOptions, DetectorResult, Span } from '../types.js';
import { type InjectionModel, scoreModel } from './model.js';
import { matchSignatures, type SignatureHit } from './signatures.js';

export interface InjectionOptions extends DetectorOptions {
  /** Also decode and scan base64/hex/rot13/reversed payloads (default true). */
  decode?: boolean;
}

export interface InjectionAnalysis {
  /** Combined logit before the threshold shift. */
  logit: number;
  /** Classifier logit of the text itself (whole text or best segment). */
  classifier: number;
  /** Sum of signature weights (capped). */
  signatures: number;
  result: DetectorResult;
}

/** Signature evidence never exceeds this, so a pile of weak hits cannot outvote everything. */
const SIGNATURE_CAP = 8;
/** Hiding text in an encoding is itself suspicious. */
const ENCODED_BONUS = 0.5;
/** Past this, only the first and last parts are scanned by the classifier (signatures see everything). */
const MAX_CLASSIFIED = 48 * 1024;

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
    const norm = normalizeForDetection(text);
    const spans: Span[] = [];
    const best = new Map<string, number>();
    const hits: SignatureHit[] = [];
    matchSignatures(norm.text, indirect, hits);
    pushHits(hits, norm, '', spans, best);
    const leet = foldLeet(norm.text);
    if (leet !== norm.text) {
      hits.length = 0;
      pushHits(matchSignatures(leet, indirect, hits), norm, '', spans, best);
    }
    const joined = joinSpacedLetters(norm.text);
    if (joined !== norm.text) {
      hits.length = 0;
      // Offsets in the joined view do not map back; report the whole text.
      for (const h of matchSignatures(joined, indirect, hits)) {
        note(best, h.id, h.weight);
        spans.push({ start: 0, end: text.length, label: `injection.signature.${h.id}` });
      }
    }

    const scored = classify(model, norm.text);
    let classifier = scored.logit;
    let top = classifier;
    let topSpan: Span | null =
      scored.seg >= scored.doc
        ? {
            start: toOriginal(norm, scored.segStart),
            end: toOriginal(norm, scored.segEnd),
            label: 'injection.classifier',
          }
        : { start: 0, end: text.length, label: 'injection.classifier' };

    if (opts.decode !== false) {
      for (const p of decodePayloads(text)) {
        const pn = normalizeForDetection(p.text);
        hits.length = 0;
        matchSignatures(pn.text, indirect, hits);
        let pSig = 0;
        for (const h of hits) pSig += h.weight;
        const pLogit = classify(model, pn.text).logit + Math.min(pSig, SIGNATURE_CAP) + ENCODED_BONUS;
        if (pLogit > top) {
          top = pLogit;
          topSpan = { start: p.start, end: p.end, label: `injection.encoded.${p.encoding}` };
        }
        if (hits.length > 0) spans.push({ start: p.start, end: p.end, label: `injection.encoded.${p.encoding}` });
      }
    }
    classifier = Math.max(classifier, top);
    let sig = 0;
    for (const w of best.values()) sig += w;
    sig = Math.min(sig, SIGNATURE_CAP);
    const logit = top + sig;
    const score = sigmoid(logit - (indirect ? model.indirectThreshold : model.threshold));
    const flagged = score >= (opts.threshold ?? 0.5);
    if (flagged && topSpan && top > (indirect ? model.indirectThreshold : model.threshold) - sig) {
      spans.push(topSpan);
    }
    spans.sort((a, b) => a.start - b.start || b.end - a.end);
    const labels: string[] = [];
    for (const s of spans) if (!labels.includes(s.label)) labels.push(s.label);
    return {
      logit,
      classifier,
      signatures: sig,
      result: {
        detector: indirect ? 'indirect_injection' : 'injection',
        score,
        flagged,
        labels,
        spans,
      },
    };
  };
  return {
    analyze,
    detect: (text, opts) => analyze(text, false, opts).result,
    detectIndirect: (text, opts) => analyze(text, true, opts).result,
  };
}

function note(best: Map<string, number>, id: string, weight: number): void {
  if ((best.get(id) ?? 0) < weight) best.set(id, weight);
}

function pushHits(
  hits: SignatureHit[],
  norm: NormalizedText,
  prefix: string,
  spans: Span[],
  best: Map<string, number>,
): void {
  for (const h of hits) {
    const label = `injection.signature.${prefix}${h.id}`;
    note(best, h.id, h.weight);
    const start = toOriginal(norm, h.start);
    const end = toOriginal(norm, h.end);
    if (!spans.some((s) => s.label === label && s.start === start)) spans.push({ start, end, label });
  }
}

/** Classifier logit; very long texts are scored on their head and tail to bound the work. */
function classify(model: InjectionModel, text: string) {
  if (text.length <= MAX_CLASSIFIED) return scoreModel(model, text);
  const half = MAX_CLASSIFIED / 2;
  const head = scoreModel(model, text.slice(0, half));
  const tailStart = text.length - half;
  const tail = scoreModel(model, text.slice(tailStart));
  if (head.logit >= tail.logit) return head;
  return { ...tail, segStart: tail.segStart + tailStart, segEnd: tail.segEnd + tailStart };
}
