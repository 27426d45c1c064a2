import { hash } from 'node:crypto';
import type { DetectorResult } from './types.js';

/** The input detectors whose results a memo keeps: each a pure function of the text alone. */
export type MemoDetector = 'injection' | 'indirect_injection' | 'pii' | 'secrets';

/**
 * Detector results of texts seen recently, so a text is screened once rather than on every request
 * that carries it again.
 *
 * Chat clients send the whole conversation on every turn and agents send every earlier tool result
 * on every step: without a memo, a conversation's n-th request screens all n user messages again,
 * and a 50 KB tool result read in step one is rescanned at every step after it. The detectors are
 * pure functions of the text, so a result can be reused; the policy's decision (threshold, block
 * or flag) is still taken fresh on every request.
 *
 * What is kept is what most texts get: a result with nothing found (no labels, no spans), which is
 * just a score and a flag. A text with findings is screened every time; those are rare and their
 * spans would have to be kept. The table is typed arrays of a fixed size, indexed by 128 bits of a
 * SHA-256 digest (mixed with 128 bits per caller), and holds no text: the memo must not keep user
 * messages (and the secrets and personal data in them) in memory after their request is over. Nor
 * does it hold objects: a memo of per-request result objects, measured in the gateway, had them all
 * outlive the young generation, and the garbage collector's extra copying cost more than the
 * single-turn screening the memo saved. A digest costs ~1 µs for a chat message and ~0.2 ms for 100 KB, against ~10 µs and
 * ~4 ms to screen them.
 *
 * Each caller (API key) has its own part of the memo: a shared one would answer a text another caller
 * sent recently measurably faster (~4 ms for 100 KB), and that timing would tell a caller whether
 * someone else had sent a document it can guess. A conversation comes from one key anyway.
 */
export interface ScreeningMemo extends MemoView {
  /** The memo as one caller sees it: only texts that caller sent are found. */
  view(caller: string): MemoView;
  /** Texts remembered now, over all callers (tests and diagnostics). */
  readonly size: number;
}

export interface MemoView {
  /** The memo's place for `text` (digested on the first lookup, once for every detector). */
  slot(text: string): MemoSlot;
}

export interface MemoSlot {
  /** `detector`'s result for the slot's text, remembered or computed by `run` now. */
  result(detector: MemoDetector, run: (text: string) => DetectorResult): DetectorResult;
}

/** Texts below this are screened every time: the digest and lookup would cost about as much. */
export const MEMO_MIN_CHARS = 24;

const DETECTORS: readonly MemoDetector[] = ['injection', 'indirect_injection', 'pii', 'secrets'];
const KEY_WORDS = 4;

/**
 * `slots` (a power of two, default 65,536: 3.2 MB) is how many texts are remembered. A slot is
 * chosen by the digest; a new text evicts whatever held its slot. At 1,000 new texts a second, a
 * text stays for about a minute: long enough for an agent's next step or a user's next turn.
 */
export function createScreeningMemo(opts: { slots?: number } = {}): ScreeningMemo {
  const requested = opts.slots ?? 1 << 16;
  const slots = requested > 0 ? 2 ** Math.ceil(Math.log2(requested)) : 0;
  const keys = new Uint32Array(slots * KEY_WORDS);
  const scores = new Float64Array(slots * DETECTORS.length);
  /** Per slot: bit d set = detector d's result is held; bit d + 4 = that result was flagged. */
  const bits = new Uint8Array(slots);
  let used = 0;

  // 128 bits per caller XORed into the text's digest: two callers' keys for one text differ, and
  // making one caller's key equal another's for some text is a 128-bit search.
  const salts = new Map<string, Uint32Array>();
  const saltOf = (caller: string): Uint32Array => {
    let salt = salts.get(caller);
    if (!salt) {
      if (salts.size >= 10_000) salts.clear();
      const d = hash('sha256', `keel-memo\0${caller}`, 'binary');
      salt = Uint32Array.of(word(d, 0), word(d, 4), word(d, 8), word(d, 12));
      salts.set(caller, salt);
    }
    return salt;
  };
  const slot = (text: string, caller: string): MemoSlot => {
    if (text.length < MEMO_MIN_CHARS || slots === 0) return passThrough(text);
    // Digested on the first lookup: under a policy with every input detector off there is none.
    let at = -1;
    let k0 = 0;
    let k1 = 0;
    let k2 = 0;
    let k3 = 0;
    const mine = () =>
      keys[at * KEY_WORDS] === k0 &&
      keys[at * KEY_WORDS + 1] === k1 &&
      keys[at * KEY_WORDS + 2] === k2 &&
      keys[at * KEY_WORDS + 3] === k3;
    return {
      result(detector, run) {
        if (at < 0) {
          // A string digest: a Buffer's allocation took longer than the hashing. The text alone is
          // hashed, the caller mixed in after: prefixing the caller's id made a copy of every text,
          // 49 KB of garbage per request for an agent's resent tool result.
          const d = hash('sha256', text, 'binary');
          const salt = saltOf(caller);
          k0 = (word(d, 0) ^ (salt[0] as number)) >>> 0;
          k1 = (word(d, 4) ^ (salt[1] as number)) >>> 0;
          k2 = (word(d, 8) ^ (salt[2] as number)) >>> 0;
          k3 = (word(d, 12) ^ (salt[3] as number)) >>> 0;
          at = k0 & (slots - 1);
        }
        const di = DETECTORS.indexOf(detector);
        const held = bits[at] as number;
        if (mine() && held & (1 << di)) {
          const flagged = (held & (1 << (di + 4))) !== 0;
          const score = scores[at * DETECTORS.length + di] as number;
          return { detector, score, flagged, labels: [], spans: [] };
        }
        const r = run(text);
        if (r.labels.length > 0 || r.spans.length > 0 || r.detector !== detector) return r;
        if (!mine()) {
          if (held === 0) used++;
          const base = at * KEY_WORDS;
          keys[base] = k0;
          keys[base + 1] = k1;
          keys[base + 2] = k2;
          keys[base + 3] = k3;
          bits[at] = 0;
        }
        scores[at * DETECTORS.length + di] = r.score;
        bits[at] = (bits[at] as number) | (1 << di) | (r.flagged ? 1 << (di + 4) : 0);
        return r;
      },
    };
  };
  return {
    slot: (text) => slot(text, ''),
    view: (caller) => ({ slot: (text) => slot(text, caller) }),
    get size() {
      return used;
    },
  };
}

/** Four bytes of a binary (latin1) digest string as an unsigned 32-bit word. */
function word(d: string, i: number): number {
  return (
    (d.charCodeAt(i) |
      (d.charCodeAt(i + 1) << 8) |
      (d.charCodeAt(i + 2) << 16) |
      (d.charCodeAt(i + 3) << 24)) >>>
    0
  );
}

/** Screening without a memo: the same interface, nothing remembered. */
export function passThrough(text: string): MemoSlot {
  return { result: (_detector, run) => run(text) };
}
