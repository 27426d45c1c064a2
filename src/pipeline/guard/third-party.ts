import type { EmbeddedBlock } from '../../guards/index.js';
import type { Span } from '../../guards/types.js';

/**
 * Third-party text inside a request: which messages and sections are retrieved content, and how
 * text the indirect detector flags is withheld under `indirect_injection.input: redact`.
 */

/**
 * Messages that carry retrieved content rather than the user's own words: a `name` such as
 * `context`, `document` or `retrieval`, or text wrapped in <keel:context>…</keel:context>.
 * They get the indirect-injection detector, like tool results — but only under a policy with
 * `context_marking: true`: anyone can type the marks, so elsewhere they are ignored and the text is
 * screened as the end user's own words. Tool results are always indirect.
 */
export const CONTEXT_NAME = /^(context|document|retriev|rag)/i;
export const CONTEXT_OPEN = '<keel:context>';
export const CONTEXT_CLOSE = '</keel:context>';

/**
 * What a document, tool result or pasted block is replaced by when `indirect_injection.input` is
 * `redact`. It says what happened without quoting the withheld text, so the model can tell the user
 * that a source was left out, and carries no instruction of its own.
 */
export const WITHHELD = '[Keel withheld this content: it carried instructions addressed to the model.]';

/** The contents of each <keel:context> section of `text` (an unclosed one runs to the end). */
function contextSections(text: string): Array<EmbeddedBlock & { closed: boolean }> {
  const out: Array<EmbeddedBlock & { closed: boolean }> = [];
  let at = 0;
  for (;;) {
    const open = text.indexOf(CONTEXT_OPEN, at);
    if (open === -1) return out;
    const start = open + CONTEXT_OPEN.length;
    const close = text.indexOf(CONTEXT_CLOSE, start);
    if (close === -1) {
      out.push({ start, end: text.length, closed: false });
      return out;
    }
    out.push({ start, end: close, closed: true });
    at = close + CONTEXT_CLOSE.length;
  }
}

/** User text with <keel:context> sections split out (the sections are retrieved content). */
export function splitContext(text: string): { direct: string; indirect: string } {
  if (!text.includes(CONTEXT_OPEN)) return { direct: text, indirect: '' };
  let direct = '';
  let indirect = '';
  let at = 0;
  for (const s of contextSections(text)) {
    direct += `${text.slice(at, s.start - CONTEXT_OPEN.length)}\n`;
    indirect += `${text.slice(s.start, s.end)}\n`;
    at = s.closed ? s.end + CONTEXT_CLOSE.length : text.length;
  }
  direct += text.slice(at);
  return { direct, indirect };
}

/** A range of a text and what replaces it. */
export interface Replacement extends EmbeddedBlock {
  text: string;
}

/** `text` with each range replaced (ranges in order, not overlapping). */
export function replaceRanges(text: string, ranges: readonly Replacement[]): string {
  let out = '';
  let at = 0;
  for (const r of ranges) {
    out += `${text.slice(at, r.start)}${r.text}`;
    at = r.end;
  }
  return out + text.slice(at);
}

/** Shorter tool results and documents are withheld whole: a short text is mostly its instruction. */
export const PARTIAL_MIN = 1000;
/** What replaces the lines of a long text that held the planted instruction. */
export const WITHHELD_PASSAGE =
  '[Keel withheld a passage here: it carried instructions addressed to the model.]';

/**
 * A long tool result, document or pasted block with a planted instruction in a few of its lines (a web page with
 * one poisoned comment): those lines are withheld and the rest kept, if the rest then scores under
 * the acting point (`stillActs` says whether it does); otherwise, or when the detector's spans cover
 * most of the text (a span over all of it, lines over half of it), the whole text is withheld.
 */
export function withholdPassages(
  text: string,
  spans: readonly Span[],
  stillActs: (rest: string) => boolean,
): string {
  if (text.length < PARTIAL_MIN) return WITHHELD;
  const lines = flaggedLines(text, spans);
  if (!lines) return WITHHELD;
  const rest = replaceRanges(
    text,
    lines.map((l) => ({ ...l, text: WITHHELD_PASSAGE })),
  );
  return stillActs(rest) ? WITHHELD : rest;
}

/** The lines holding `spans` (sorted by start), merged; null when they are most of the text. */
function flaggedLines(text: string, spans: readonly Span[]): EmbeddedBlock[] | null {
  if (spans.length === 0) return null;
  const out: EmbeddedBlock[] = [];
  let covered = 0;
  for (const s of spans) {
    if (s.start <= 0 && s.end >= text.length) return null;
    // A span can take in the line break or the full stop before its text (a pattern anchored on the
    // start of a sentence): those belong to the line before.
    let from = s.start;
    let to = s.end;
    while (from < to && /[\s.!?;:,"']/.test(text[from] as string)) from++;
    while (to > from && /\s/.test(text[to - 1] as string)) to--;
    const start = from > 0 ? text.lastIndexOf('\n', from - 1) + 1 : 0;
    const newline = text.indexOf('\n', Math.max(from, to - 1));
    const end = newline === -1 ? text.length : newline;
    const last = out[out.length - 1];
    if (last && start <= last.end + 1) {
      covered += Math.max(0, end - last.end);
      last.end = Math.max(last.end, end);
    } else {
      out.push({ start, end });
      covered += end - start;
    }
  }
  return covered * 2 > text.length ? null : out;
}

/**
 * Blocks found in the direct text (context sections taken out) located in the part's whole text.
 * The direct text is the part's text with each section replaced by a line break, so each block's
 * own text is searched for in order.
 */
export function shiftedInto<T extends EmbeddedBlock>(
  text: string,
  direct: string,
  blocks: readonly T[],
): T[] {
  const out: T[] = [];
  let from = 0;
  for (const b of blocks) {
    const body = direct.slice(b.start, b.end);
    const at = text.indexOf(body, from);
    if (at === -1) continue;
    out.push({ ...b, start: at, end: at + body.length });
    from = at + body.length;
  }
  return out;
}

/** `text` with the contents of its <keel:context> sections replaced by WITHHELD. */
export function withholdContext(text: string): string {
  return replaceRanges(
    text,
    contextSections(text).map((s) => ({ start: s.start, end: s.end, text: WITHHELD })),
  );
}
