/**
 * Improper output handling (OWASP LLM05): active content in a model's answer that the application
 * or the user's browser would act on.
 *
 * | label                          | what                                                               |
 * | ------------------------------ | ------------------------------------------------------------------ |
 * | `active.markdown_image`        | `![…](url)` to an outside host carrying data: loads with no click  |
 * | `active.markdown_link`         | `[…](url)` to an outside host carrying data                        |
 * | `active.html_image` / `_link`  | the same through `src=` / `href=` attributes                       |
 * | `active.script`                | a `<script>` element                                               |
 * | `active.embed`                 | `<iframe>`, `<frame>`, `<object>`, `<embed>`                       |
 * | `active.script_url`            | `javascript:`, `vbscript:`, HTML/SVG `data:` URLs as link targets  |
 * | `active.event_handler`         | an inline `on…=` handler in a tag                                  |
 * | `active.sql_write`             | DROP / DELETE / UPDATE / INSERT / ALTER / TRUNCATE statements      |
 *
 * Starting inside a fenced code block or an inline code span, the same findings are labelled
 * `active.code.<kind>`: a markdown renderer shows them as text, so the gateway only records them
 * (see code.ts for what counts as code). Which hosts are outside, and when a URL carries data:
 * urls.ts. Every scanner is a single forward pass; a 100 KB adversarial answer stays linear.
 */
import type { DetectorResult, Span } from '../types.js';
import { codeRegions, type FenceState, fenceAfterLines, insideCode } from './code.js';
import { type ActiveKind, type Finding, scanHtml } from './html.js';
import { scanMarkdown } from './markdown.js';
import { pendingFrom } from './pending.js';
import { scanSql } from './sql.js';
import type { HostAllowList } from './urls.js';

export type { ActiveKind } from './html.js';
export { exfiltrates, hostOf, isAllowedHost } from './urls.js';

export interface ActiveContentOptions {
  /** Hosts answers may link or load from with data (each also allows its subdomains). */
  allowedHosts?: HostAllowList;
}

interface ScanStart {
  /** The fence open where `text` begins. */
  fence: FenceState | null;
  /** `text` begins inside a line. */
  midLine: boolean;
  /** A stream still arriving: report what may still grow as an `active.pending` span to the end. */
  pending?: boolean;
}

/** The label of a stream's not-yet-complete construct: held back, never reported. */
export const PENDING_LABEL = 'active.pending';
const NOTHING = (): DetectorResult => ({
  detector: 'active_content',
  score: 0,
  flagged: false,
  labels: [],
  spans: [],
});

function scan(text: string, opts: ActiveContentOptions, start: ScanStart): DetectorResult {
  const allowed = (opts.allowedHosts ?? []).map((h) => h.toLowerCase());
  const found: Finding[] = [];
  if (text.includes('<')) scanHtml(text, allowed, found);
  scanMarkdown(text, allowed, found);
  scanSql(text, found);
  const pending = start.pending ? pendingFrom(text) : -1;
  if (found.length === 0 && pending === -1) return NOTHING();
  const regions =
    text.includes('`') || text.includes('~~~') || start.fence
      ? codeRegions(text, start.fence, start.midLine)
      : [];
  // Shown as code, a construct still arriving is harmless: nothing to wait for.
  const tail: Span[] =
    pending !== -1 && !insideCode(regions, pending, pending + 1)
      ? [{ start: pending, end: text.length, label: PENDING_LABEL }]
      : [];
  if (found.length === 0 && tail.length === 0) return NOTHING();
  const spans: Span[] = found.map((f) => ({
    start: f.start,
    end: f.end,
    // Where it starts decides: an opening tag shown as code opens nothing.
    label: insideCode(regions, f.start, f.start + 1) ? `active.code.${f.kind}` : `active.${f.kind}`,
  }));
  spans.push(...tail);
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const labels: string[] = [];
  for (const s of spans) if (!labels.includes(s.label)) labels.push(s.label);
  return { detector: 'active_content', score: 1, flagged: true, labels, spans };
}

/** Active content in a complete answer (see the module comment for labels). */
export function detectActiveContent(text: string, opts: ActiveContentOptions = {}): DetectorResult {
  return scan(text, opts, { fence: null, midLine: false });
}

/** The kind behind a label: `active.code.sql_write` → `{ kind: 'sql_write', inCode: true }`. */
export function activeKindOf(label: string): { kind: ActiveKind; inCode: boolean } {
  const inCode = label.startsWith('active.code.');
  return { kind: label.slice(inCode ? 12 : 7) as ActiveKind, inCode };
}

/** How much of the line a stream window starts in is read again as context. */
const LINE_CONTEXT = 4096;

/**
 * The detector for a streamed answer, fed every chunk before the stream scanner sees it. The stream
 * scanner calls `detect` on a window that starts somewhere in the answer; whether that point is in a
 * code block depends on everything before it, so this tracks the fence state over complete lines
 * and scans each window from the start of its line (at most LINE_CONTEXT characters back).
 */
export function createActiveContentStream(opts: ActiveContentOptions = {}): {
  push(chunk: string): void;
  detect(window: string): DetectorResult;
  /** The stream ended: what was still pending is judged as it stands. */
  finish(): void;
} {
  let pending = '';
  let open = true;
  let origin = 0;
  let fence: FenceState | null = null;
  let midLine = false;
  return {
    push(chunk) {
      pending += chunk;
    },
    finish() {
      open = false;
    },
    detect(window) {
      const received = origin + pending.length;
      const base = received - window.length;
      const nl = pending.lastIndexOf('\n', base - origin - 1);
      if (nl !== -1 && base > origin) {
        fence = midLine
          ? fenceAfterLines(pending.slice(pending.indexOf('\n') + 1, nl + 1), fence)
          : fenceAfterLines(pending.slice(0, nl + 1), fence);
        pending = pending.slice(nl + 1);
        origin += nl + 1;
        midLine = false;
      }
      if (base - origin > LINE_CONTEXT) {
        const drop = base - LINE_CONTEXT - origin;
        pending = pending.slice(drop);
        origin += drop;
        midLine = true;
      }
      const r = scan(pending, opts, { fence, midLine, pending: open });
      if (!r.flagged) return r;
      const shift = origin - base;
      for (const s of r.spans) {
        s.start += shift;
        s.end += shift;
      }
      return r;
    },
  };
}
