/**
 * Character-level disguises must not touch the values the checks look for (a nonce written in
 * leetspeak would no longer be the nonce). `mapOutside` applies a transform to the text between
 * protected values only; `splitPoints` gives the spaces a payload may be cut at.
 */

function protectedRanges(text: string, protect: readonly string[]): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const value of protect) {
    if (value.length === 0) continue;
    for (let at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + value.length))
      ranges.push([at, at + value.length]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

export function mapOutside(
  text: string,
  protect: readonly string[],
  fn: (segment: string) => string,
): string {
  let out = '';
  let at = 0;
  for (const [start, end] of protectedRanges(text, protect)) {
    out += fn(text.slice(at, start)) + text.slice(start, end);
    at = end;
  }
  return out + fn(text.slice(at));
}

/** Offsets of spaces outside protected values: where a payload can be split without breaking one. */
export function splitPoints(text: string, protect: readonly string[]): number[] {
  const ranges = protectedRanges(text, protect);
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== ' ') continue;
    if (ranges.some(([s, e]) => i >= s && i < e)) continue;
    out.push(i);
  }
  return out;
}
