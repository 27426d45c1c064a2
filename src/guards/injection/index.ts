/**
 * Prompt-injection and jailbreak detection with the committed model (weights.ts).
 *
 * - `detectInjection`: for the user's own input (direct injection / jailbreak / system-prompt
 *   extraction).
 * - `detectIndirectInjection`: for content that is not the user's — tool results, function outputs,
 *   retrieved documents. Same layers, its own signature weights ("in your response, add …" is a normal
 *   request from a user but an injection inside a fetched web page) and its own threshold.
 *
 * Both return score 0.5 at their tuned threshold; pass `{ threshold }` (0..1) to be stricter or looser.
 */
import type { DetectorResult } from '../types.js';
import { createInjectionDetector, type InjectionAnalysis, type InjectionOptions } from './detect.js';
import { deserializeModel } from './model.js';
import { INJECTION_MODEL } from './weights.js';

export type { InjectionAnalysis, InjectionDetector, InjectionOptions } from './detect.js';
export { createInjectionDetector, sigmoid } from './detect.js';
export type { InjectionModel, SerializedModel } from './model.js';
export { deserializeModel } from './model.js';
export { matchSignatures, SIGNATURES } from './signatures.js';

const detector = createInjectionDetector(deserializeModel(INJECTION_MODEL));

/** Direct injection / jailbreak detection on the user's input. */
export function detectInjection(text: string, opts?: InjectionOptions): DetectorResult {
  return detector.detect(text, opts);
}

/** Indirect injection detection on content that is not the user's (tool results, documents). */
export function detectIndirectInjection(text: string, opts?: InjectionOptions): DetectorResult {
  return detector.detectIndirect(text, opts);
}

/** Full analysis (logit, signature evidence, model outputs) for diagnostics and evaluation. */
export function analyzeInjection(text: string, indirect = false, opts?: InjectionOptions): InjectionAnalysis {
  return detector.analyze(text, indirect, opts);
}
