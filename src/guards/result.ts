import type { DetectorResult, Span } from './types.js';

/** Result of a pattern detector: score 1 and flagged when anything was found. */
export function patternResult(detector: string, spans: Span[]): DetectorResult {
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const labels: string[] = [];
  for (const s of spans) if (!labels.includes(s.label)) labels.push(s.label);
  const found = spans.length > 0;
  return { detector, score: found ? 1 : 0, flagged: found, labels, spans };
}

const isWord = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/** True when the characters just outside [start, end) are not letters, digits or `_`. */
export function wordBounded(text: string, start: number, end: number): boolean {
  return (
    (start === 0 || !isWord(text.charCodeAt(start - 1))) &&
    (end >= text.length || !isWord(text.charCodeAt(end)))
  );
}

/** Up to `n` characters before `start`, lower-cased (context keywords such as "phone:" or "order #"). */
export function before(text: string, start: number, n: number): string {
  return text.slice(Math.max(0, start - n), start).toLowerCase();
}
