import type { ChatRequest, Usage } from '../canonical/types.js';

/**
 * More tokens than any one call can bill: several times the largest context window on offer. A
 * count above it is a provider bug or a hostile upstream, not a bill.
 */
export const MAX_TOKENS_PER_CALL = 10_000_000;

/** Stop tokens and the like that some providers count beyond `max_tokens`. */
const OUTPUT_SLACK = 16;

function count(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= MAX_TOKENS_PER_CALL;
}

/**
 * Why the usage an upstream reported cannot be billed as it stands, or null when it can. Usage is
 * what cost, budgets and the TPM window are charged from: a negative count would refund them, NaN
 * would poison a counter for good and a billion tokens would empty a budget in one call. So every
 * count must be a whole number between 0 and MAX_TOKENS_PER_CALL, cached and cache-write tokens
 * must fit in the input, reasoning in the output, and the visible output in what the request
 * allowed (`max_tokens` per choice; reasoning is left out, as Gemini counts thinking beyond it).
 */
export function implausibleUsage(u: Usage, req?: ChatRequest): string | null {
  const fields = ['inputTokens', 'cachedInputTokens', 'cacheWriteTokens', 'outputTokens', 'reasoningTokens'];
  for (const f of fields) {
    const n = u[f as keyof Usage] as number;
    if (!count(n)) return `${f} = ${String(n)}`;
  }
  if (u.cachedInputTokens + u.cacheWriteTokens > u.inputTokens)
    return `cached (${u.cachedInputTokens}) + cache-write (${u.cacheWriteTokens}) tokens exceed input (${u.inputTokens})`;
  if (u.reasoningTokens > u.outputTokens)
    return `reasoning tokens (${u.reasoningTokens}) exceed output (${u.outputTokens})`;
  if (req?.maxTokens !== undefined) {
    const allowed = req.maxTokens * (req.n ?? 1) + OUTPUT_SLACK;
    if (u.outputTokens - u.reasoningTokens > allowed)
      return `output (${u.outputTokens - u.reasoningTokens} visible tokens) exceeds max_tokens × n (${allowed - OUTPUT_SLACK})`;
  }
  return null;
}
