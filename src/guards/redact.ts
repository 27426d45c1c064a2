/**
 * Applying spans: irreversible redaction (`[REDACTED:pii.email]`) and reversible masking with
 * placeholders (`<PII_PAYMENT_CARD_1>`) that go upstream and are restored in the answer.
 *
 * Placeholders are plain ASCII tokens a model can echo. `unmask` also restores them when the model
 * dropped or escaped the angle brackets (`PII_EMAIL_1`, `&lt;PII_EMAIL_1&gt;`, `\<PII_EMAIL_1\>`) or
 * changed their case. The same original value gets the same placeholder within a `MaskSession`, so
 * the model can tell that two mentions are the same card. For streamed answers use
 * `createStreamUnmasker`, which holds back a possible partial placeholder at a chunk end. The
 * incremental scanner for streamed output (`createStreamScanner`) lives in stream.ts.
 */
import type { Span } from './types.js';

/** Sorted, non-overlapping spans; overlapping or touching spans merge (the earlier span's label wins). */
export function mergeSpans(spans: readonly Span[]): Span[] {
  const sorted = [...spans].filter((s) => s.end > s.start).sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start < last.end) {
      if (s.end > last.end) last.end = s.end;
    } else {
      out.push({ ...s });
    }
  }
  return out;
}

export interface RedactOptions {
  /** Replacement for a span (default `[REDACTED:<label>]`). */
  replacement?: (span: Span, original: string) => string;
}

/** Replace every span with `[REDACTED:label]` (overlapping spans are merged first). */
export function redact(text: string, spans: readonly Span[], opts: RedactOptions = {}): string {
  const merged = mergeSpans(spans);
  if (merged.length === 0) return text;
  const replace = opts.replacement ?? ((s: Span) => `[REDACTED:${s.label}]`);
  let out = '';
  let at = 0;
  for (const s of merged) {
    out += text.slice(at, s.start) + replace(s, text.slice(s.start, s.end));
    at = s.end;
  }
  return out + text.slice(at);
}

/**
 * Placeholder state for one request: counters per kind, value → placeholder, placeholder → value.
 * Share one session across all messages of a request so a value masked twice gets one placeholder.
 */
export class MaskSession {
  readonly restore = new Map<string, string>();
  private readonly byValue = new Map<string, string>();
  private readonly counters = new Map<string, number>();

  placeholderFor(label: string, original: string): string {
    const key = `${label}\u0000${original}`;
    const known = this.byValue.get(key);
    if (known) return known;
    const kind = placeholderKind(label);
    const n = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, n);
    const placeholder = `<${kind}_${n}>`;
    this.byValue.set(key, placeholder);
    this.restore.set(placeholder, original);
    return placeholder;
  }
}

/** `pii.payment_card` → `PII_PAYMENT_CARD`. */
export function placeholderKind(label: string): string {
  return (
    label
      .replace(/[^A-Za-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .toUpperCase() || 'MASKED'
  );
}

export interface MaskResult {
  text: string;
  /** Placeholder (`<PII_EMAIL_1>`) → original value. */
  restore: Map<string, string>;
  /** The placeholders this call put into `text`, in order (a repeated value once per use). */
  used: string[];
}

/** Replace spans with placeholders; `restore` maps them back (see `unmask`). */
export function mask(
  text: string,
  spans: readonly Span[],
  session: MaskSession = new MaskSession(),
): MaskResult {
  const merged = mergeSpans(spans);
  const used: string[] = [];
  let out = '';
  let at = 0;
  for (const s of merged) {
    const placeholder = session.placeholderFor(s.label, text.slice(s.start, s.end));
    used.push(placeholder);
    out += text.slice(at, s.start) + placeholder;
    at = s.end;
  }
  return { text: out + text.slice(at), restore: session.restore, used };
}

const PLACEHOLDER =
  /(?:(?:<|&lt;|\\<|‹|«)\s*)?\b([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*_\d+)\b(?:\s*(?:>|&gt;|\\>|›|»))?/g;

/** Map from upper-case placeholder core (`PII_EMAIL_1`) to original value. */
function coreIndex(restore: ReadonlyMap<string, string>): Map<string, string> {
  const index = new Map<string, string>();
  for (const [placeholder, original] of restore)
    index.set(placeholder.replace(/^<|>$/g, '').toUpperCase(), original);
  return index;
}

/** Restore placeholders in `text` (tolerant of dropped/escaped brackets and case changes). */
export function unmask(text: string, restore: ReadonlyMap<string, string>): string {
  if (restore.size === 0) return text;
  const index = coreIndex(restore);
  return text.replace(PLACEHOLDER, (whole, core: string) => index.get(core.toUpperCase()) ?? whole);
}

export interface StreamUnmasker {
  /** Feed a chunk of the answer; returns the text that can be sent to the caller now. */
  push(chunk: string): string;
  /** End of stream: returns whatever was held back, restored. */
  end(): string;
}

/** Longest text held back waiting for a placeholder to complete. */
const MAX_HELD = 64;
const PARTIAL_TAIL = /(?:<|&lt;?|&l|&|\\<?|‹|«)?\s*[A-Za-z0-9_]*$/;

/**
 * Incremental `unmask` for streamed answers: a placeholder split across chunks ("<PII_CA" + "RD_1>")
 * is still restored. The tail that could start a placeholder (an opening bracket, a trailing word) is
 * held until the next chunk, at most MAX_HELD characters.
 */
export function createStreamUnmasker(restore: ReadonlyMap<string, string>): StreamUnmasker {
  let held = '';
  return {
    push(chunk: string): string {
      const text = held + chunk;
      if (restore.size === 0) {
        held = '';
        return text;
      }
      const tailStart = Math.max(0, text.length - MAX_HELD);
      const m = PARTIAL_TAIL.exec(text.slice(tailStart));
      const cut = m ? tailStart + m.index : text.length;
      held = text.slice(cut);
      return unmask(text.slice(0, cut), restore);
    },
    end(): string {
      const rest = held;
      held = '';
      return unmask(rest, restore);
    },
  };
}
