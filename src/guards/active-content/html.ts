/**
 * Active HTML in an answer: `<script>` elements, embedded frames (`<iframe>`, `<frame>`, `<object>`,
 * `<embed>`), inline event handlers (`onerror=`, `onload=` …), script URLs in any attribute or
 * autolink, and attributes that load or link to an outside host carrying data (`<img src=…>`).
 *
 * One forward pass: at each `<` a tag is read up to its `>`, stopping at the next `<` outside a
 * quoted value; after a tag the scan resumes past it, and searches for closing tags and quotes go
 * through NextIndex, so a 100 KB answer of unclosed tags and quotes stays linear.
 */
import { decodeEntities, isAsciiLetter, isDigit, isScriptUrl, isSpace, NextIndex } from './scan.js';
import { exfiltrates, type HostAllowList } from './urls.js';

export type ActiveKind =
  | 'markdown_image'
  | 'markdown_link'
  | 'html_image'
  | 'html_link'
  | 'script'
  | 'embed'
  | 'script_url'
  | 'event_handler'
  | 'sql_write';

export interface Finding {
  start: number;
  end: number;
  kind: ActiveKind;
}

const EMBED_TAGS = new Set(['iframe', 'frame', 'frameset', 'object', 'embed', 'applet']);
/** Attributes whose URL the browser fetches without a click. */
const LOAD_ATTRS = new Set(['src', 'srcset', 'poster', 'background', 'data', 'lowsrc', 'dynsrc', 'codebase']);
const LINK_ATTRS = new Set(['href', 'action', 'formaction', 'xlink:href', 'cite']);
/** Longest quoted attribute value read; a longer one ends the tag attempt. */
const MAX_VALUE = 8192;

interface Ctx {
  text: string;
  allowed: HostAllowList;
  out: Finding[];
  dq: NextIndex;
  sq: NextIndex;
  gt: NextIndex;
  /** Ends of closing tags: searched from positions of their own, so not shared with `gt`. */
  gtAfterClose: NextIndex;
  closers: Map<string, NextIndex>;
}

export function scanHtml(text: string, allowed: HostAllowList, out: Finding[]): void {
  const ctx: Ctx = {
    text,
    allowed,
    out,
    dq: new NextIndex(text, '"'),
    sq: new NextIndex(text, "'"),
    gt: new NextIndex(text, '>'),
    gtAfterClose: new NextIndex(text, '>'),
    closers: new Map(),
  };
  const n = text.length;
  let i = text.indexOf('<');
  while (i !== -1 && i < n - 1) {
    const next = scanTag(ctx, i);
    i = text.indexOf('<', Math.max(next, i + 1));
  }
}

/** Reads the tag at `lt`; returns where scanning resumes. */
function scanTag(ctx: Ctx, lt: number): number {
  const { text, allowed } = ctx;
  const n = text.length;
  let i = lt + 1;
  if (!isAsciiLetter(text.charCodeAt(i))) return i;
  while (i < n && (isAsciiLetter(text.charCodeAt(i)) || isDigit(text.charCodeAt(i)) || text[i] === '-')) i++;
  const name = text.slice(lt + 1, i).toLowerCase();
  // An autolink: <javascript:alert(1)>
  if (text[i] === ':') {
    const gt = ctx.gt.find(i);
    const stop = gt === -1 ? n : gt;
    if (!/\s/.test(text.slice(lt + 1, Math.min(stop, lt + 64))) && isScriptUrl(text.slice(lt + 1, stop)))
      ctx.out.push({ start: lt, end: gt === -1 ? n : gt + 1, kind: 'script_url' });
    return i;
  }
  let handler = false;
  const kinds: Finding[] = [];
  // Attributes up to `>`; the next `<` outside a quote ends the attempt (not a tag).
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 62) break; // >
    if (c === 60) return i; // <
    if (isSpace(c) || c === 47) {
      i++;
      continue;
    }
    const attrStart = i;
    while (i < n && !isSpace(text.charCodeAt(i)) && !'=<>/'.includes(text[i] as string)) i++;
    const attr = text.slice(attrStart, i).toLowerCase();
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    let value: string | null = null;
    if (text[i] === '=') {
      i++;
      while (i < n && isSpace(text.charCodeAt(i))) i++;
      const q = text[i];
      if (q === '"' || q === "'") {
        const close = (q === '"' ? ctx.dq : ctx.sq).find(i + 1);
        if (close === -1) {
          // Unclosed: the browser would still be reading this value at the end of the answer.
          checkAttr(attr, text.slice(i + 1), allowed, lt, n, kinds);
          handler ||= /^on[a-z]+$/.test(attr);
          return finishTag(ctx, lt, n, name, handler, kinds, true);
        }
        if (close - i > MAX_VALUE) return i + 1;
        value = text.slice(i + 1, close);
        i = close + 1;
      } else {
        const vs = i;
        while (i < n && !isSpace(text.charCodeAt(i)) && text[i] !== '>' && text[i] !== '<') i++;
        value = text.slice(vs, i);
      }
    }
    if (attr.length > 2 && attr.startsWith('on') && /^on[a-z]+$/.test(attr) && value !== null) handler = true;
    if (value !== null) checkAttr(attr, value, allowed, lt, -1, kinds);
  }
  const end = i < n ? i + 1 : n;
  return finishTag(ctx, lt, end, name, handler, kinds, i >= n);
}

function checkAttr(
  attr: string,
  raw: string,
  allowed: HostAllowList,
  lt: number,
  end: number,
  kinds: Finding[],
): void {
  const value = decodeEntities(raw);
  if ((LOAD_ATTRS.has(attr) || LINK_ATTRS.has(attr)) && isScriptUrl(value))
    kinds.push({ start: lt, end, kind: 'script_url' });
  else if (LOAD_ATTRS.has(attr) && exfiltrates(firstSrc(attr, value), 'load', allowed))
    kinds.push({ start: lt, end, kind: 'html_image' });
  else if (LINK_ATTRS.has(attr) && exfiltrates(value.trim(), 'follow', allowed))
    kinds.push({ start: lt, end, kind: 'html_link' });
}

/** `srcset="a.png 1x, b.png 2x"`: every candidate loads, but one is enough to tell. */
function firstSrc(attr: string, value: string): string {
  if (attr !== 'srcset') return value.trim();
  return (
    value
      .split(',')
      .map((c) => c.trim().split(/\s+/)[0] ?? '')
      .find((u) => u.includes('//')) ?? value.trim()
  );
}

function finishTag(
  ctx: Ctx,
  lt: number,
  end: number,
  name: string,
  handler: boolean,
  kinds: Finding[],
  unterminated: boolean,
): number {
  const { text, out, closers } = ctx;
  const element = name === 'script' ? 'script' : EMBED_TAGS.has(name) ? 'embed' : null;
  let spanEnd = end;
  if (element) {
    // The whole element, up to its closing tag (or the end: an unclosed <script> swallows the rest).
    let closer = closers.get(name);
    if (!closer) {
      closer = new NextIndex(text, `</${name}`, true);
      closers.set(name, closer);
    }
    const close = unterminated ? -1 : closer.find(end);
    if (close === -1) spanEnd = text.length;
    else {
      const gt = ctx.gtAfterClose.find(close);
      spanEnd = gt === -1 ? text.length : gt + 1;
    }
    out.push({ start: lt, end: spanEnd, kind: element });
  }
  if (handler) out.push({ start: lt, end, kind: 'event_handler' });
  for (const k of kinds) out.push({ start: k.start, end: k.end === -1 ? end : k.end, kind: k.kind });
  // Resume right after the tag, never past the element: its content may be outside a code span the
  // tag itself is in, and must be scanned on its own.
  return end;
}
