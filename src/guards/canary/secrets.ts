/**
 * Secrets of the system prompt as leak material: an API key, token or password an operator put into
 * a use case's instructions is for the model's use, never for the end user's eyes. The secrets
 * detector runs once per distinct system prompt (bounded cache); answers are then searched for each
 * value, exactly and also re-cased or with whitespace, dashes or other punctuation in between (the
 * same tolerance as the canary). Values are kept in memory only, never in findings: a finding holds
 * positions and the label `leak.secret`.
 *
 * Values longer than MAX_CORE characters are matched by their first MAX_CORE letters and digits: a
 * streamed answer is scanned with a 256-character look-behind, and a finding must fit in it to be
 * stopped before any of it is released. A 2 KB private key is recognised by its first 200 characters.
 */
import { detectSecrets } from '../secrets/index.js';
import type { Span } from '../types.js';

/** Longest stretch of a value that is matched (letters and digits); see the module comment. */
export const MAX_CORE = 200;
/** Shorter cores are too common to mean a leak ("hunter2" appears in ordinary text). */
const MIN_CORE = 8;

export interface PromptSecrets {
  /** Each value's letters and digits, lower-cased, at most MAX_CORE of them. */
  cores: readonly string[];
}

const NONE: PromptSecrets = { cores: [] };
const cache = new Map<string, PromptSecrets>();
const CACHE_MAX = 64;

/** The lower-case ASCII letter or digit at `c`, or -1 for anything else. */
function alnum(c: number): number {
  if ((c >= 48 && c <= 57) || (c >= 97 && c <= 122)) return c;
  return c >= 65 && c <= 90 ? c + 32 : -1;
}

/** Letters and digits of `s`, lower-cased, at most `limit` of them. */
function squeeze(s: string, limit: number): string {
  let text = '';
  for (let i = 0; i < s.length && text.length < limit; i++) {
    const c = alnum(s.charCodeAt(i));
    if (c >= 0) text += String.fromCharCode(c);
  }
  return text;
}

/** The secrets in a system prompt, prepared for matching (cached per distinct prompt). */
export function promptSecrets(systemPrompt: string): PromptSecrets {
  if (systemPrompt.length === 0) return NONE;
  let hit = cache.get(systemPrompt);
  if (!hit) {
    const cores = new Set<string>();
    for (const s of detectSecrets(systemPrompt).spans) {
      const core = squeeze(systemPrompt.slice(s.start, s.end), MAX_CORE);
      if (core.length >= MIN_CORE) cores.add(core);
    }
    hit = cores.size > 0 ? { cores: [...cores] } : NONE;
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
    cache.set(systemPrompt, hit);
  }
  return hit;
}

/**
 * Where a system-prompt secret occurs in `output` (label `leak.secret`). Each occurrence of a core's
 * first character starts a match that skips anything but letters and digits; most fail at the next
 * one. No copy of the output is made: this runs on every stream window.
 */
export function findPromptSecrets(output: string, secrets: PromptSecrets): Span[] {
  const spans: Span[] = [];
  const n = output.length;
  for (const core of secrets.cores) {
    const first = core.charCodeAt(0);
    for (let i = 0; i < n; i++) {
      if (alnum(output.charCodeAt(i)) !== first) continue;
      let k = 1;
      let last = i;
      for (let j = i + 1; k < core.length && j < n; j++) {
        const c = alnum(output.charCodeAt(j));
        if (c < 0) continue;
        if (c !== core.charCodeAt(k)) break;
        last = j;
        k++;
      }
      if (k < core.length) continue;
      spans.push({ start: i, end: last + 1, label: 'leak.secret' });
      i = last;
    }
  }
  return spans;
}
