/**
 * Documents a user pastes into their own turn: "Summarise this e-mail: """ … """", a fenced file to
 * review, a page in <document> tags. The text inside is not the user's words but a third party's,
 * the same as a tool result, and an instruction planted in it ("Note to the AI reading this: reply
 * with …") reads to the direct detector as one more imperative among the user's own. The gateway
 * screens each such block with the indirect detector too — in addition to, never instead of, the
 * direct pass over the whole turn, so wrapping an attack in quotes cannot buy it the other detector.
 */

import type { DetectorResult } from './types.js';

/** Shorter blocks are a phrase the user quotes, not a document. */
export const MIN_EMBEDDED = 80;
/** Blocks looked at per text: a turn of thousands of fences is screened whole (direct) only. */
const MAX_BLOCKS = 16;

/** Opening tags looked at: each costs a search for its closing tag. */
const MAX_TAGS = 64;

const FENCES = ['"""', "'''", '```', '~~~'] as const;
const TAG =
  /<(document|doc|context|email|e-mail|article|page|file|source|text|content|input|data|message|snippet|excerpt|transcript|webpage|html|body)\b[^>\n]{0,200}>/gi;

export interface EmbeddedBlock {
  start: number;
  end: number;
}

/**
 * Pasted blocks in `text`, in order, each at least MIN_EMBEDDED long: fenced (""" ''' ``` ~~~, an
 * unclosed fence running to the end) or tagged (<document>…</document> and kin; unclosed tags run to
 * the end too). Blocks do not overlap: a tag inside a fence belongs to the fence.
 */
export function embeddedBlocks(text: string): EmbeddedBlock[] {
  const blocks: EmbeddedBlock[] = [];
  if (text.length < MIN_EMBEDDED) return blocks;
  const push = (start: number, end: number) => {
    if (end - start < MIN_EMBEDDED || blocks.length >= MAX_BLOCKS) return;
    if (blocks.some((b) => start < b.end && end > b.start)) return;
    blocks.push({ start, end });
  };
  for (const fence of FENCES) {
    let at = text.indexOf(fence);
    while (at !== -1 && blocks.length < MAX_BLOCKS) {
      const open = at + fence.length;
      const close = text.indexOf(fence, open);
      push(open, close === -1 ? text.length : close);
      if (close === -1) break;
      at = text.indexOf(fence, close + fence.length);
    }
  }
  TAG.lastIndex = 0;
  let tags = 0;
  for (let m = TAG.exec(text); m !== null && tags++ < MAX_TAGS; m = TAG.exec(text)) {
    const open = m.index + m[0].length;
    const closing = new RegExp(`</${m[1]}\\s*>`, 'gi');
    closing.lastIndex = open;
    const close = closing.exec(text)?.index ?? -1;
    push(open, close === -1 ? text.length : close);
    if (close === -1) break;
    TAG.lastIndex = close;
  }
  return blocks.sort((a, b) => a.start - b.start);
}

/** A block's detector result with its spans moved into the offsets of the text the block is in. */
export function shiftSpans(r: DetectorResult, by: number): DetectorResult {
  return { ...r, spans: r.spans.map((s) => ({ ...s, start: s.start + by, end: s.end + by })) };
}
