/**
 * Incremental scanning of a streamed answer. Text is released to the caller only once it can no
 * longer be part of a finding that is still arriving:
 *
 * - the last `lookBehind` characters are always held back (a key split across chunks — "sk-pr" +
 *   "oj-…" — is complete before any of it is released);
 * - a finding that reaches the end of what has arrived may still grow, so release stops at its start;
 * - the hold never exceeds `maxHold` characters: past that the oldest text is released anyway, with
 *   the part of any known finding in it redacted (a 10 KB private key must not stall a stream).
 *
 * Each scan covers the held text plus up to `lookBehind` characters already released, as left
 * context ("password=" released earlier, the value now). Offsets in updates are absolute offsets in
 * the whole stream. Detectors are the same pure functions used elsewhere (secrets, PII, leak).
 */
import { redact } from './redact.js';
import type { DetectorResult, Span } from './types.js';

export type TextDetector = (text: string) => DetectorResult;

export interface StreamScannerOptions {
  detectors: readonly TextDetector[];
  /** Characters held back and re-scanned as context (default 256). */
  lookBehind?: number;
  /**
   * Characters always held back (default `lookBehind`). Lower it for detectors that report what may
   * still grow as a span touching the end (held from its start): the rest is released at once and
   * `lookBehind` characters of it stay as context for the next scan.
   */
  hold?: number;
  /** Most characters ever held back (default 16384). */
  maxHold?: number;
  /** Scan on every push even when nothing could be released yet (earliest detection; default false). */
  eager?: boolean;
}

export interface StreamUpdate {
  /** Text released by this call: stream[released.start, released.end). */
  released: { start: number; end: number; text: string };
  /** `released.text` with every finding redacted (`[REDACTED:label]`). */
  redacted: string;
  /** New complete findings (absolute offsets), each reported once. */
  spans: Span[];
  /** Results of the detectors that flagged in this scan (their spans are relative to the scan window). */
  results: DetectorResult[];
  /** Anything found in this call. */
  flagged: boolean;
}

export interface StreamScanner {
  push(chunk: string): StreamUpdate;
  /** End of stream: release everything, reporting what the final scan finds. */
  end(): StreamUpdate;
  /** Characters received so far. */
  readonly received: number;
  /** Characters released so far. */
  readonly releasedUpTo: number;
  /** Every finding so far (absolute offsets). */
  readonly findings: readonly Span[];
}

export function createStreamScanner(opts: StreamScannerOptions): StreamScanner {
  const lookBehind = Math.max(0, opts.lookBehind ?? 256);
  const hold = Math.min(lookBehind, Math.max(0, opts.hold ?? lookBehind));
  const maxHold = Math.max(lookBehind, opts.maxHold ?? 16_384);
  /** Text from absolute offset `base` on: released context + held text. */
  let buffer = '';
  let base = 0;
  let received = 0;
  let releasedUpTo = 0;
  const findings: Span[] = [];
  const seen = new Set<string>();

  const step = (final: boolean): StreamUpdate => {
    const nothingToRelease = !final && received - hold <= releasedUpTo;
    const results: DetectorResult[] = [];
    const fresh: Span[] = [];
    // Findings that may still grow (touching the end of what arrived) hold the release at their start.
    let holdFrom = received;
    let growingLabel = '';
    if (!nothingToRelease || opts.eager) {
      for (const detect of opts.detectors) {
        const r = detect(buffer);
        if (!r.flagged) continue;
        results.push(r);
        for (const s of r.spans) {
          const abs = { start: s.start + base, end: s.end + base, label: s.label };
          if (abs.end <= releasedUpTo) continue;
          if (!final && abs.end >= received) {
            if (abs.start < holdFrom) {
              holdFrom = abs.start;
              growingLabel = abs.label;
            }
            continue;
          }
          const key = `${abs.start}:${abs.end}:${abs.label}`;
          if (seen.has(key)) continue;
          seen.add(key);
          fresh.push(abs);
          findings.push(abs);
        }
      }
    }
    let releaseTo = final ? received : Math.min(received - hold, holdFrom);
    // Never hold more than maxHold; never release into the middle of a complete finding unless forced.
    if (!final) {
      for (const f of findings) if (f.start < releaseTo && f.end > releaseTo) releaseTo = f.start;
      releaseTo = Math.max(releaseTo, received - maxHold);
    }
    releaseTo = Math.max(releaseTo, releasedUpTo);
    const start = releasedUpTo;
    const text = buffer.slice(start - base, releaseTo - base);
    // Redact known findings (and, when forced out by maxHold, the released part of growing ones).
    const local: Span[] = [];
    for (const f of findings) {
      if (f.end > start && f.start < releaseTo) {
        local.push({
          start: Math.max(f.start, start) - start,
          end: Math.min(f.end, releaseTo) - start,
          label: f.label,
        });
      }
    }
    if (!final && holdFrom < releaseTo) {
      local.push({ start: Math.max(holdFrom, start) - start, end: releaseTo - start, label: growingLabel });
    }
    releasedUpTo = releaseTo;
    // Keep `lookBehind` released characters as context for the next scan.
    const keepFrom = Math.max(base, releasedUpTo - lookBehind);
    buffer = buffer.slice(keepFrom - base);
    base = keepFrom;
    return {
      released: { start, end: releaseTo, text },
      redacted: local.length > 0 ? redact(text, local) : text,
      spans: fresh,
      results,
      flagged: fresh.length > 0,
    };
  };

  return {
    push(chunk: string): StreamUpdate {
      buffer += chunk;
      received += chunk.length;
      return step(false);
    },
    end(): StreamUpdate {
      return step(true);
    },
    get received() {
      return received;
    },
    get releasedUpTo() {
      return releasedUpTo;
    },
    get findings() {
      return findings;
    },
  };
}
