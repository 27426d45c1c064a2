/**
 * Where an answer shows code rather than markdown: fenced blocks (``` or ~~~, CommonMark rules, up
 * to three spaces of indent; an unclosed fence runs to the end) and inline code spans on one line.
 * A markdown renderer shows their content as text, so an `<script>` or an image inside them does not
 * run or load. Deliberately narrow — fences indented further, in block quotes, or inline code across
 * lines are treated as not code — so a crafted answer can only make Keel stricter, never looser.
 */

export interface FenceState {
  char: number;
  len: number;
}

/** The fence a line opens or closes, given the fence state before it. */
export function fenceAfterLine(line: string, open: FenceState | null): FenceState | null {
  let i = 0;
  while (i < 3 && line.charCodeAt(i) === 32) i++;
  const c = line.charCodeAt(i);
  if (c !== 96 && c !== 126) return open;
  let n = 0;
  while (line.charCodeAt(i + n) === c) n++;
  if (n < 3) return open;
  const rest = line.slice(i + n);
  if (open) return c === open.char && n >= open.len && rest.trim() === '' ? null : open;
  if (c === 96 && rest.includes('`')) return open;
  return { char: c, len: n };
}

/** Fence state after every complete line of `text` (the part after its last newline is ignored). */
export function fenceAfterLines(text: string, open: FenceState | null): FenceState | null {
  let state = open;
  let at = 0;
  for (;;) {
    const nl = text.indexOf('\n', at);
    if (nl === -1) return state;
    state = fenceAfterLine(text.slice(at, nl), state);
    at = nl + 1;
  }
}

/**
 * Code regions of `text` as sorted [start, end) pairs. `fence`: the fence open at the start of
 * `text`; `midLine`: `text` starts inside a line (no fence opener, no inline code on that line).
 */
export function codeRegions(text: string, fence: FenceState | null = null, midLine = false): number[] {
  const out: number[] = [];
  let state = fence;
  let at = 0;
  let first = true;
  while (at <= text.length) {
    const nl = text.indexOf('\n', at);
    const end = nl === -1 ? text.length : nl;
    const line = text.slice(at, end);
    const partial = first && midLine;
    first = false;
    if (state) {
      const next = partial ? state : fenceAfterLine(line, state);
      // The closing fence line is part of the block.
      out.push(at, end);
      state = next;
    } else if (!partial) {
      const next = fenceAfterLine(line, null);
      if (next) {
        out.push(at, end);
        state = next;
      } else inlineCode(line, at, out);
    }
    if (nl === -1) break;
    at = nl + 1;
  }
  return merge(out);
}

/** Inline code spans of one line: a run of N backticks up to the next run of exactly N. */
function inlineCode(line: string, offset: number, out: number[]): void {
  if (!line.includes('`')) return;
  const runs: number[] = [];
  for (let i = 0; i < line.length; ) {
    if (line.charCodeAt(i) !== 96) {
      i++;
      continue;
    }
    let j = i;
    while (line.charCodeAt(j) === 96) j++;
    runs.push(i, j - i);
    i = j;
  }
  // next[k]: index of the next run with the same length (one right-to-left pass).
  const count = runs.length / 2;
  const next = new Int32Array(count).fill(-1);
  const lastByLen = new Map<number, number>();
  for (let k = count - 1; k >= 0; k--) {
    const len = runs[2 * k + 1] as number;
    next[k] = lastByLen.get(len) ?? -1;
    lastByLen.set(len, k);
  }
  for (let k = 0; k < count; ) {
    const m = next[k] as number;
    if (m === -1) {
      k++;
      continue;
    }
    out.push(
      offset + (runs[2 * k] as number),
      offset + (runs[2 * m] as number) + (runs[2 * m + 1] as number),
    );
    k = m + 1;
  }
}

function merge(pairs: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < pairs.length; i += 2) {
    const s = pairs[i] as number;
    const e = pairs[i + 1] as number;
    const last = out.length - 1;
    if (last > 0 && s <= (out[last] as number) + 1) out[last] = Math.max(out[last] as number, e);
    else out.push(s, e);
  }
  return out;
}

/** Whether [start, end) lies inside one code region (regions sorted). */
export function insideCode(regions: readonly number[], start: number, end: number): boolean {
  // Binary search: spans arrive in several passes, not in one sorted order.
  let lo = 0;
  let hi = regions.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = regions[2 * mid] as number;
    const e = regions[2 * mid + 1] as number;
    if (end <= s) hi = mid - 1;
    else if (start >= e) lo = mid + 1;
    else return start >= s && end <= e;
  }
  return false;
}
