import { type ChatRequest, type EmbeddingsRequest, MAX_CHOICES } from '../canonical/types.js';
import { KeelError } from '../errors.js';
import { estimateChatInput } from '../value/tokens.js';
import { estimateEmbeddingTokens } from './settle.js';

/**
 * What admission counts for a call before it runs. The budget reservation prices maxInputTokens at
 * the dearest input rate (plain, cached or cache write) and maxOutputTokens at the dearest output
 * rate (plain or reasoning), so every dimension settle() can bill is inside the reservation.
 */
export interface CallEstimate {
  /** Likely input tokens: what the TPM window counts until the call settles. */
  inputTokens: number;
  /** Upper estimate of input tokens: tool definitions and results, images at their largest. */
  maxInputTokens: number;
  /** Every output token the call may produce: all choices, reasoning tokens included. */
  maxOutputTokens: number;
}

/** Choices a chat call asks for; a 400 before anything is counted when outside 1..MAX_CHOICES. */
export function choicesOf(req: ChatRequest): number {
  const n = req.n ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > MAX_CHOICES)
    throw new KeelError('invalid_request', `Invalid 'n': expected an integer from 1 to ${MAX_CHOICES}.`, {
      param: 'n',
    });
  return n;
}

/**
 * Output is per choice up to maxTokens (or the default Keel then sends upstream, see prepare()).
 * Reasoning needs no extra term for the providers Keel speaks to: OpenAI's max_completion_tokens,
 * Gemini's maxOutputTokens and Anthropic's max_tokens (which must exceed thinking.budget_tokens) all
 * bound reasoning plus answer. A reasoning budget passed through to an OpenAI-compatible gateway is
 * added on top, since Keel cannot know whether that upstream counts it inside max_tokens.
 */
export function estimateChatCall(req: ChatRequest, defaultMaxOutput: number): CallEstimate {
  const input = estimateChatInput(req);
  const perChoice = (req.maxTokens ?? defaultMaxOutput) + passedReasoningBudget(req);
  return {
    inputTokens: input.tokens,
    maxInputTokens: input.maxTokens,
    maxOutputTokens: choicesOf(req) * perChoice,
  };
}

/** `thinking.budget_tokens` (Anthropic's spelling) or `reasoning.max_tokens` (OpenRouter's) in passthrough. */
function passedReasoningBudget(req: ChatRequest): number {
  const p = req.passthrough;
  if (!p) return 0;
  return Math.max(tokenCount(p.thinking, 'budget_tokens'), tokenCount(p.reasoning, 'max_tokens'));
}

function tokenCount(v: unknown, field: string): number {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 0;
  const n = (v as Record<string, unknown>)[field];
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.ceil(n) : 0;
}

/** Embeddings bill input only: every string of an array input, every id of a token-id input. */
export function estimateEmbeddingsCall(req: EmbeddingsRequest): CallEstimate {
  const tokens = estimateEmbeddingTokens(req);
  return { inputTokens: tokens, maxInputTokens: tokens, maxOutputTokens: 0 };
}
