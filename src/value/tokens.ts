import { createRequire } from 'node:module';
import type { ChatRequest } from '../canonical/types.js';

/**
 * Token estimation for when a provider reports no usage (and for budget reservations). Keel's one
 * token counter: the encoding is chosen by model family (encodingFor). OpenAI's embedding models
 * count in cl100k_base; everything else — chat on every family, other providers' embeddings — in
 * o200k_base (gpt-4o family). For families other than OpenAI's the counts are an estimate, which is
 * why usage records computed here are marked `tokensEstimated`.
 */

type Encoding = 'o200k_base' | 'cl100k_base';

/** The encoding a model's tokens are estimated in. */
export function encodingFor(model: string): Encoding {
  return /^text-(embedding|similarity|search)-/.test(model) ? 'cl100k_base' : 'o200k_base';
}

type CountTokens = (text: string, opts?: { disallowedSpecial?: Set<string> }) => number;

/** A BPE tokenizer (encode/decode), for the simulator and estimators. */
interface Bpe {
  encode(text: string, opts?: { disallowedSpecial?: Set<string> }): number[];
  decode(tokens: number[]): string;
  countTokens: CountTokens;
}

const MODULES: Record<Encoding, string> = {
  o200k_base: 'gpt-tokenizer',
  cl100k_base: 'gpt-tokenizer/encoding/cl100k_base',
};
const loaded = new Map<Encoding, Bpe>();

/**
 * An encoding's tokenizer costs ~130 ms and ~65 MB RSS to load, so it is loaded on first use instead
 * of at start-up: a deployment whose providers always report usage never pays for it.
 */
export function loadBpe(encoding: Encoding = 'o200k_base'): Bpe {
  let bpe = loaded.get(encoding);
  if (!bpe) {
    const require = createRequire(import.meta.url);
    const m = require(MODULES[encoding]) as Bpe;
    // Special-token text in a prompt is ordinary text to Keel, never a reason to throw.
    bpe = {
      encode: (text) => m.encode(text, PLAIN_TEXT),
      decode: (t) => m.decode(t),
      countTokens: (text) => m.countTokens(text, PLAIN_TEXT),
    };
    loaded.set(encoding, bpe);
  }
  return bpe;
}

// Special-token text ("<|endoftext|>") inside user content is ordinary text to count, not an error.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** Texts up to this many UTF-16 units are counted exactly. */
export const EXACT_TOKEN_LIMIT = 16_384;
const SAMPLES = 4;
const SAMPLE_LENGTH = EXACT_TOKEN_LIMIT / SAMPLES;

/**
 * Number of tokens in `text` (o200k_base unless another encoding is asked for). Exact up to EXACT_TOKEN_LIMIT characters. Longer texts are
 * estimated from four evenly spaced 4,096-character samples scaled to the full length, which bounds
 * the work at about 16k characters of BPE (BPE on unusual text such as CJK or random symbols runs
 * near 1 ms per 1k characters, so an exact count of a 4 MB body would stall the event loop for
 * seconds). On homogeneous text the estimate is within a few percent; text whose density changes
 * sharply between the samples (e.g. prose followed by base64) can be off by more.
 */
export function countTextTokens(text: string, encoding: Encoding = 'o200k_base'): number {
  if (text.length === 0) return 0;
  const count = loadBpe(encoding).countTokens;
  if (text.length <= EXACT_TOKEN_LIMIT) return count(text);
  const stride = (text.length - SAMPLE_LENGTH) / (SAMPLES - 1);
  let tokens = 0;
  for (let i = 0; i < SAMPLES; i++) {
    const start = Math.floor(i * stride);
    tokens += count(text.slice(start, start + SAMPLE_LENGTH));
  }
  return Math.ceil((tokens / EXACT_TOKEN_LIMIT) * text.length);
}

/** Per-message framing and reply priming in OpenAI's chat format (gpt-3.5-turbo-0613 and later). */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING = 3;
/** Image cost without knowing its size: OpenAI charges 85 at low detail, 765 for a 1024×1024 image. */
const IMAGE_TOKENS_LOW = 85;
const IMAGE_TOKENS = 765;
/**
 * The most one image is assumed to cost, whatever its detail setting: about what Anthropic charges
 * at its resize limit (1.15 megapixels ÷ 750), above OpenAI's largest tiled high-detail image (1,445).
 * Detail is ignored because a fallback to another provider family ignores it too.
 */
export const IMAGE_TOKENS_MAX = 1_600;
/** Anthropic's tool-use system prompt, added to the input whenever tools are offered (the largest published). */
export const TOOL_PROMPT_TOKENS_MAX = 346;

/**
 * Inline files (PDF pages are rendered as text plus page images): one token per three bytes, above
 * what providers report for PDFs (~1,500–3,000 tokens per page of 50–100 KB), so a reservation holds. A file given by URL is not fetched and counts as one image.
 */
function binaryTokens(base64: string | undefined): number {
  if (base64 === undefined) return IMAGE_TOKENS_MAX;
  return Math.ceil((base64.length * 3) / 4 / 3);
}

/** A chat request's input tokens: the likely count, and an upper estimate for budget reservations. */
interface ChatInputEstimate {
  tokens: number;
  /** Images at IMAGE_TOKENS_MAX each, plus the tool-use system prompt when tools are offered. */
  maxTokens: number;
}

/**
 * Prompt tokens of a chat request, following OpenAI's published counting recipe: 3 per message,
 * the content, 1 more for a name, 3 to prime the reply. Tool definitions and a JSON schema response
 * format are counted as their JSON text, which slightly overestimates OpenAI's internal rendering.
 */
export function estimateChatInputTokens(req: ChatRequest): number {
  return estimateChatInput(req).tokens;
}

/** Both input estimates of a chat request in one pass over it (the text is tokenised once). */
export function estimateChatInput(req: ChatRequest): ChatInputEstimate {
  let tokens = REPLY_PRIMING;
  let images = 0;
  let imageTokens = 0;
  for (const m of req.messages) {
    tokens += TOKENS_PER_MESSAGE;
    let text = '';
    for (const p of m.content) {
      if (p.type === 'text') text += p.text;
      else if (p.type === 'image') {
        images++;
        imageTokens += p.detail === 'low' ? IMAGE_TOKENS_LOW : IMAGE_TOKENS;
      } else if (p.type === 'thinking') text += p.thinking;
      else if (p.type === 'file' && p.text !== undefined) text += p.text;
      else if (p.type === 'file') tokens += binaryTokens(p.data);
    }
    if (m.toolCalls) {
      for (const c of m.toolCalls) text += `${c.name}${c.arguments}`;
      tokens += TOKENS_PER_MESSAGE * m.toolCalls.length;
    }
    tokens += countTextTokens(text);
    if (m.name) tokens += TOKENS_PER_NAME + countTextTokens(m.name);
  }
  const hasTools = req.tools !== undefined && req.tools.length > 0;
  if (hasTools) {
    const defs = req.tools!.map((t) => ({
      name: t.name,
      description: t.description,
      parameters: t.parameters,
    }));
    tokens += countTextTokens(JSON.stringify(defs));
  }
  if (req.responseFormat?.type === 'json_schema')
    tokens += countTextTokens(JSON.stringify(req.responseFormat.schema));
  return {
    tokens: tokens + imageTokens,
    maxTokens: tokens + images * IMAGE_TOKENS_MAX + (hasTools ? TOOL_PROMPT_TOKENS_MAX : 0),
  };
}

/** Input tokens of an embeddings request: token-id arrays count as given, texts in the model's encoding. */
export function estimateEmbeddingInputTokens(
  model: string,
  input: readonly (string | readonly number[])[],
): number {
  const encoding = encodingFor(model);
  let total = 0;
  for (const item of input) total += typeof item === 'string' ? countTextTokens(item, encoding) : item.length;
  return total;
}
