import { before } from '../result.js';
import type { Span } from '../types.js';

/**
 * High-entropy tokens: runs of 20–200 characters of [A-Za-z0-9+/_-] that look random. Decisions:
 *
 * - Random means: Shannon entropy ≥ 3.5 bits/char, letters AND digits, frequent switches between
 *   upper case, lower case and digits (≥ 0.3 per char; random base62 switches ~0.6 per char), and at
 *   most half of the characters inside lower-case runs of 3+ (identifiers such as
 *   `getUserAccountSettingsById2` are mostly such runs — they are words).
 * - Pure hex runs (git SHAs, checksums, trace ids) are NOT reported unless a secret word (key, secret,
 *   token, password, auth, credential) appears just before them: "commit 3f2a…" stays, "api_key=3f2a…"
 *   is reported.
 * - UUIDs are identifiers, never reported.
 * - Runs longer than 200 characters are data (images, blobs), not credentials; with a secret word
 *   before them the first 200 characters are reported.
 * - Paths: a run with a `/` is reported only if no segment between slashes is a lower-case word.
 */
const MIN = 20;
const MAX = 200;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const SECRET_CONTEXT =
  /(?:key|secret|token|passw(?:or)?d|pwd|auth|credential|bearer|signature|sig)\w*["']?\s*(?:[:=]|is|=>)?\s*["']?$/i;
const WORD_SEGMENT = /(?:^|\/)[a-z]{3,}(?:\/|$)/;
const counts = new Int32Array(128);

/** [A-Za-z0-9+/_-] by character code. */
const RUN_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) if (/[A-Za-z0-9+/_-]/.test(String.fromCharCode(c))) RUN_CHAR[c] = 1;
const runChar = (c: number) => c < 128 && RUN_CHAR[c] === 1;

function classOf(c: number): number {
  if (c >= 48 && c <= 57) return 0;
  if (c >= 65 && c <= 90) return 1;
  if (c >= 97 && c <= 122) return 2;
  return 3;
}

/** Shannon entropy in bits per character of s[start, end) (ASCII). */
export function shannonEntropy(s: string, start = 0, end = s.length): number {
  const n = end - start;
  if (n <= 0) return 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) counts[c] = (counts[c] as number) + 1;
  }
  let h = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128) continue;
    const k = counts[c] as number;
    if (k > 0) {
      const p = k / n;
      h -= p * Math.log2(p);
      counts[c] = 0;
    }
  }
  return h;
}

/** True when s looks like a random credential by the rules above (context not considered). */
export function looksRandom(s: string): boolean {
  let digits = 0;
  let letters = 0;
  let hex = true;
  let switches = 0;
  let prev = -1;
  let lowerRun = 0;
  let inWords = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const k = classOf(c);
    if (k === 2) {
      lowerRun++;
      if (lowerRun === 3) inWords += 3;
      else if (lowerRun > 3) inWords++;
    } else {
      lowerRun = 0;
    }
    if (k === 0) digits++;
    else if (k !== 3) letters++;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) hex = false;
    if (prev >= 0 && k !== prev) switches++;
    prev = k;
  }
  if (hex || digits === 0 || letters === 0) return false;
  if (switches / s.length < 0.3 || inWords > s.length / 2) return false;
  return shannonEntropy(s) >= 3.5;
}

export function findHighEntropy(text: string, out: Span[]): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (!runChar(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < n && runChar(text.charCodeAt(i))) i++;
    const len = i - start;
    if (len < MIN) continue;
    let end = i;
    const context = SECRET_CONTEXT.test(before(text, start, 40));
    if (len > MAX) {
      if (!context) continue;
      end = start + MAX;
    }
    const run = text.slice(start, end);
    if (UUID.test(run)) continue;
    if (run.includes('/') && WORD_SEGMENT.test(run)) continue;
    const random = looksRandom(run);
    const hexWithContext = context && /^[0-9a-f]+$/i.test(run) && len >= 32;
    const weakWithContext = context && shannonEntropy(run) >= 3.0 && /\d/.test(run) && /[a-z]/i.test(run);
    if (random || hexWithContext || weakWithContext) out.push({ start, end, label: 'secret.high_entropy' });
  }
}
