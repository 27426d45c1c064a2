import type { ChatMessage } from '../../canonical/types.js';
import { messageText } from '../../canonical/types.js';
import { decodePayloads, rot13 } from '../../guards/decode.js';
import { HOMOGLYPHS } from '../../guards/homoglyphs.js';
import { foldLeet } from '../../guards/obfuscation.js';

/**
 * How the naive simulator reads a conversation: like a model that understands every disguise. Each
 * user and tool message becomes one or more readable texts — invisible and bidi characters dropped,
 * look-alike letters folded, base64/hex/rot13 payloads decoded — and fragments labelled "part A",
 * "part B"… across turns are joined. System and assistant text is never read as an instruction.
 */

export interface Passage {
  /** Readable text, case kept (values are copied from it). */
  text: string;
  /** Same length as `text`: ASCII lower-cased and leetspeak folded (instructions are matched on it). */
  folded: string;
}

const INVISIBLE = /\u034f|[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/g;
const ROT13_HINT = /\brot-?13\b|\bcaesar\b/i;
const PART = /\b(?:part|piece|fragment)\s+([A-C1-3])\b[^«\n]{0,40}«([^»]{1,2000})»/gi;

function foldChar(ch: string): string {
  const direct = HOMOGLYPHS[ch];
  if (direct !== undefined) return direct;
  const lower = ch.toLowerCase();
  const viaLower = lower !== ch ? HOMOGLYPHS[lower] : undefined;
  return viaLower !== undefined ? viaLower.toUpperCase() : ch;
}

/** Invisible characters removed and look-alikes folded, per character, so case survives. */
export function readable(raw: string): string {
  const s = raw.replace(INVISIBLE, '');
  let ascii = true;
  for (let i = 0; i < s.length && ascii; i++) ascii = s.charCodeAt(i) < 128;
  if (ascii) return s;
  let out = '';
  for (const ch of s) out += foldChar(ch);
  return out;
}

/** Lower case without changing the length (the rare characters whose lower case is longer stay). */
function lowerSameLength(s: string): string {
  return s.replace(/[^a-z0-9\s.,;:!?'"()-]/g, (c) => {
    const l = c.toLowerCase();
    return l.length === c.length ? l : c;
  });
}

export function passage(text: string): Passage {
  return { text, folded: foldLeet(lowerSameLength(text)) };
}

/** Instruction-bearing texts of the conversation, in order (see module comment). */
export function readInstructions(messages: readonly ChatMessage[]): Passage[] {
  const out: Passage[] = [];
  const parts = new Map<string, string>();
  for (const m of messages) {
    if (m.role !== 'user' && m.role !== 'tool') continue;
    const text = readable(messageText(m));
    if (text.length === 0) continue;
    out.push(passage(text));
    for (const p of decodePayloads(text)) out.push(passage(readable(p.text)));
    if (ROT13_HINT.test(text)) out.push(passage(rot13(text)));
    PART.lastIndex = 0;
    for (let hit = PART.exec(text); hit !== null; hit = PART.exec(text))
      parts.set((hit[1] as string).toUpperCase(), hit[2] as string);
  }
  if (parts.size >= 2) {
    const joined = [...parts.entries()]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([, v]) => v.trim())
      .join(' ');
    out.push(passage(joined));
    for (const p of decodePayloads(joined)) out.push(passage(readable(p.text)));
  }
  return out;
}

/** Everything the model can see, verbatim: where planted values are looked for. */
export function visibleText(messages: readonly ChatMessage[]): string {
  const texts: string[] = [];
  for (const m of messages) {
    texts.push(messageText(m));
    if (m.toolCalls) for (const c of m.toolCalls) texts.push(c.arguments);
  }
  return texts.join('\n');
}
