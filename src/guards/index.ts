/**
 * Keel guard detectors: pure functions over text (no network, no I/O) returning a score, labels and
 * spans into the original text. The gateway pipeline, the CLI (`keel guard scan|eval`) and the
 * benchmark all use this module.
 *
 * Input side (defaults): `detectInjection` (or `detectIndirectInjection` for tool results and
 * retrieved documents), `detectPii`, `detectSecrets`. Output side: `detectSecrets`, `detectPii`,
 * `detectLeak` (canary / verbatim system prompt), incrementally via `createStreamScanner`.
 * Actions: `redact`, `mask` / `unmask` / `createStreamUnmasker`.
 */
import { detectLeak, type LeakOptions } from './canary/index.js';
import { embeddedBlocks, shiftSpans } from './embedded.js';
import type { EvalDetect, EvalRow } from './eval.js';
import { detectIndirectInjection, detectInjection } from './injection/index.js';
import { detectPii } from './pii/index.js';
import { detectSecrets } from './secrets/index.js';
import type { DetectorResult } from './types.js';

export type { BenchmarkOptions, BenchmarkResult } from './bench.js';
export { benchmarkDetectors } from './bench.js';
export type { LeakOptions, PreparedSystemPrompt, PromptSecrets } from './canary/index.js';
export {
  canaryCore,
  createCanary,
  detectLeak,
  findVerbatim,
  prepareSystemPrompt,
  promptSecrets,
} from './canary/index.js';
export type { DecodedPayload, PayloadEncoding } from './decode.js';
export { decodePayloads, rot13 } from './decode.js';
export type { EmbeddedBlock } from './embedded.js';
export { embeddedBlocks, MIN_EMBEDDED, shiftSpans } from './embedded.js';
export type { EvalDetect, EvalMetrics, EvalOptions, EvalReport, EvalRow, SourceSummary } from './eval.js';
export { evaluate, formatEvalReport, sourceGroup, summarizeSources } from './eval.js';
export type { InjectionAnalysis, InjectionOptions } from './injection/index.js';
export { analyzeInjection, detectIndirectInjection, detectInjection } from './injection/index.js';
export type { NormalizedText } from './normalize.js';
export {
  foldLeet,
  joinSpacedLetters,
  normalizeForDetection,
  normalizeText,
  toOriginal,
} from './normalize.js';
export type { PiiKind, PiiOptions } from './pii/index.js';
export { detectPii, PII_KINDS } from './pii/index.js';
export type { MaskResult, RedactOptions, StreamUnmasker } from './redact.js';
export {
  createStreamUnmasker,
  MaskSession,
  mask,
  mergeSpans,
  placeholderKind,
  redact,
  unmask,
} from './redact.js';
export type { SecretOptions } from './secrets/index.js';
export { detectSecrets } from './secrets/index.js';
export type { StreamScanner, StreamScannerOptions, StreamUpdate, TextDetector } from './stream.js';
export { createStreamScanner } from './stream.js';
export type { Detector, DetectorOptions, DetectorResult, Span } from './types.js';

/** The detectors Keel runs on input by default: injection, PII, secrets. */
export function runInputDetectors(text: string, opts: { indirect?: boolean } = {}): DetectorResult[] {
  const results = [
    opts.indirect ? detectIndirectInjection(text) : detectInjection(text),
    detectPii(text),
    detectSecrets(text),
  ];
  if (!opts.indirect) {
    const pasted = pastedInjection(text);
    if (pasted) results.splice(1, 0, pasted);
  }
  return results;
}

/**
 * The indirect detector over the documents pasted into a user's text (embedded.ts), as the gateway
 * screens them: the highest-scoring block, its spans in `text`'s offsets; null when there is none.
 */
function pastedInjection(text: string): DetectorResult | null {
  let best: DetectorResult | null = null;
  for (const b of embeddedBlocks(text)) {
    const r = detectIndirectInjection(text.slice(b.start, b.end));
    if (!best || r.score > best.score) best = shiftSpans(r, b.start);
  }
  return best;
}

interface CliScanOptions {
  /** Treat the text as content that is not the user's (tool result, document). */
  indirect?: boolean;
  /** Also check for a system-prompt leak (canary / verbatim prompt), as for a model's output. */
  leak?: LeakOptions;
}

interface CliScanResult {
  flagged: boolean;
  /** Highest detector score. */
  score: number;
  detectors: DetectorResult[];
}

/** One result per input for `keel guard scan`. */
export function scanForCli(text: string, opts: CliScanOptions = {}): CliScanResult {
  const detectors = runInputDetectors(text, { indirect: opts.indirect });
  if (opts.leak) detectors.push(detectLeak(text, opts.leak));
  let score = 0;
  let flagged = false;
  for (const d of detectors) {
    score = Math.max(score, d.score);
    flagged ||= d.flagged;
  }
  return { flagged, score, detectors };
}

/** Kinds of rows that are content not written by the user (the indirect detector applies). */
const INDIRECT_KINDS: readonly string[] = ['indirect', 'document', 'tool', 'rag', 'retrieved'];

/**
 * Injection detector for `keel guard eval`. By default every row goes through the direct detector;
 * with `routeByKind`, rows whose `kind` is in INDIRECT_KINDS (documents, tool output) go through the
 * indirect one, as they would in the gateway.
 */
export function injectionEvalDetector(opts: { routeByKind?: boolean } = {}): EvalDetect {
  return (text: string, row: EvalRow) =>
    opts.routeByKind && row.kind !== undefined && INDIRECT_KINDS.includes(row.kind)
      ? detectIndirectInjection(text)
      : detectInjection(text);
}
