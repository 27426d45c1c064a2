import type { ChatRequest } from '../../canonical/types.js';
import { loadBpe } from '../../value/tokens.js';

/**
 * Prompt token counting and simulated prompt caching. Every message is tokenised exactly once per
 * request; the same token stream feeds both the count and the prefix hashes, because tokenising a
 * long prompt is by far the most expensive thing the simulator does.
 */

/** OpenAI's chat format costs 3 tokens per message, 1 more for a `name`, and 3 to prime the reply. */
const PER_MESSAGE = 3;
const PER_NAME = 1;
const REPLY_PRIMING = 3;
/** What OpenAI bills for a low-detail image; the simulator never looks at images. */
const IMAGE_TOKENS = 85;
/** OpenAI caches prompts of at least 1024 tokens, in 128-token steps. */
const CACHE_MIN_TOKENS = 1024;
const CACHE_STEP = 128;

/** Synthetic token ids for structure (roles, images), outside the tokenizer's vocabulary. */
const ROLE_TOKEN: Record<string, number> = {
  system: 900_001,
  user: 900_002,
  assistant: 900_003,
  tool: 900_004,
};
const IMAGE_TOKEN = 900_010;

/** Long texts (system prompts, documents) recur across requests; memoise their tokens. */
const MEMO_MIN_CHARS = 2048;
const MEMO_MAX_ENTRIES = 64;

export class TokenMemo {
  private readonly map = new Map<string, number[]>();

  encode(text: string): number[] {
    if (text.length < MEMO_MIN_CHARS) return loadBpe().encode(text);
    const hit = this.map.get(text);
    if (hit) return hit;
    const tokens = loadBpe().encode(text);
    if (this.map.size >= MEMO_MAX_ENTRIES) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
    this.map.set(text, tokens);
    return tokens;
  }
}

/** A bounded LRU set of prompt-prefix hashes, one per provider instance (like one upstream's cache). */
export class PrefixCache {
  private readonly seen = new Map<number, true>();

  constructor(private readonly maxEntries = 20_000) {}

  /** Tokens served from cache for a prompt with these checkpoint hashes; then remembers them all. */
  lookupAndStore(checkpoints: readonly number[]): number {
    let hits = 0;
    for (const key of checkpoints) {
      if (!this.seen.has(key)) break;
      hits++;
    }
    for (const key of checkpoints) {
      this.seen.delete(key);
      this.seen.set(key, true);
    }
    while (this.seen.size > this.maxEntries) {
      const oldest = this.seen.keys().next().value;
      if (oldest === undefined) break;
      this.seen.delete(oldest);
    }
    return hits === 0 ? 0 : CACHE_MIN_TOKENS + (hits - 1) * CACHE_STEP;
  }
}

/** Rolling double hash over the token stream, with a checkpoint at 1024, 1152, 1280… tokens. */
class PrefixHasher {
  count = 0;
  readonly checkpoints: number[] = [];
  private h1 = 0x12345678;
  private h2 = 0x9abcdef0;

  push(token: number): void {
    this.h1 = (Math.imul(this.h1, 31) + token) | 0;
    this.h2 = (Math.imul(this.h2 ^ token, 0x01000193) + 0x7f4a7c15) | 0;
    this.count++;
    if (this.count >= CACHE_MIN_TOKENS && (this.count - CACHE_MIN_TOKENS) % CACHE_STEP === 0) {
      // 32 + 21 bits stay an exact JS number: a cheap, collision-resistant-enough Map key.
      this.checkpoints.push((this.h1 >>> 0) * 2_097_152 + ((this.h2 >>> 0) & 0x1fffff));
    }
  }

  pushAll(tokens: readonly number[]): void {
    for (let i = 0; i < tokens.length; i++) this.push(tokens[i] as number);
  }
}

interface PromptCount {
  tokens: number;
  /** Hashes of the prompt's 1024/1152/… token prefixes, for the prefix cache. */
  checkpoints: number[];
}

export function countPrompt(req: ChatRequest, memo: TokenMemo): PromptCount {
  const h = new PrefixHasher();
  if (req.tools && req.tools.length > 0) {
    for (const t of req.tools) {
      h.pushAll(memo.encode(`${t.name}: ${t.description ?? ''}\n${JSON.stringify(t.parameters)}`));
    }
  }
  for (const m of req.messages) {
    const role = ROLE_TOKEN[m.role] ?? 900_000;
    for (let i = 0; i < PER_MESSAGE; i++) h.push(role);
    if (m.name) {
      for (let i = 0; i < PER_NAME; i++) h.push(role);
      h.pushAll(memo.encode(m.name));
    }
    for (const part of m.content) {
      if (part.type === 'text') h.pushAll(memo.encode(part.text));
      else for (let i = 0; i < IMAGE_TOKENS; i++) h.push(IMAGE_TOKEN);
    }
    if (m.toolCalls) {
      for (const c of m.toolCalls) {
        h.pushAll(memo.encode(c.name));
        h.pushAll(memo.encode(c.arguments));
      }
    }
  }
  for (let i = 0; i < REPLY_PRIMING; i++) h.push(900_000);
  return { tokens: h.count, checkpoints: h.checkpoints };
}
