/**
 * Shared shapes of Keel's guard detectors. Every detector is a pure, synchronous function over text:
 * no network, no I/O, no global state beyond precompiled tables, so it can run on the request path,
 * in the CLI and in tests alike. Spans always point into the ORIGINAL text the caller passed in (never
 * into a normalised copy), so callers can redact, mask or report positions without re-deriving them.
 */

export interface Span {
  /** Inclusive start offset (UTF-16 code units) into the original text. */
  start: number;
  /** Exclusive end offset into the original text. */
  end: number;
  /** Dotted label, e.g. `pii.email`, `secret.openai_key`, `injection.signature.ignore_previous`. */
  label: string;
}

export interface DetectorResult {
  /** Detector id: `injection`, `indirect_injection`, `pii`, `secrets`, `leak`. */
  detector: string;
  /** 0..1; for pattern detectors 1 when anything was found, else 0. */
  score: number;
  flagged: boolean;
  /** Distinct labels found, in first-seen order. */
  labels: string[];
  spans: Span[];
}

/** Options every detector accepts; detectors may read extra keys of their own. */
export interface DetectorOptions {
  /** Score at or above which `flagged` is true (detectors with a score use their tuned default). */
  threshold?: number;
}

export type Detector<O extends DetectorOptions = DetectorOptions> = (
  text: string,
  opts?: O,
) => DetectorResult;

/** Sort by start, then longest first, and drop spans fully contained in an earlier kept one. */
export function dedupeSpans(spans: Span[]): Span[] {
  if (spans.length < 2) return spans;
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Span[] = [];
  let lastEnd = -1;
  for (const s of spans) {
    if (s.end <= lastEnd) continue;
    out.push(s);
    lastEnd = s.end;
  }
  return out;
}
