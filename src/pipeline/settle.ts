import type { ChatRequest, ChatResponse, EmbeddingsRequest, Usage } from '../canonical/types.js';
import type { PriceBook } from '../value/pricing/types.js';
import { countTextTokens, estimateChatInputTokens } from '../value/tokens.js';
import type { RequestContext } from './context.js';

export interface Settlement {
  usage: Usage;
  costUsd: number | null;
  priceVersion: string | null;
}

const ZERO: Usage = {
  inputTokens: 0,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
  outputTokens: 0,
  reasoningTokens: 0,
};

/**
 * The usage to bill: what the provider reported, or — only when it reported nothing — an estimate
 * from the tokenizer, marked as estimated so reports can tell the two apart.
 */
export function usageFor(ctx: RequestContext, outputText: string | null): Usage {
  const reported = ctx.dispatch.usage;
  if (reported) return reported;
  if (!ctx.dispatch.provider) return ZERO;
  const input = ctx.chat
    ? estimateChatInputTokens(ctx.chat)
    : ctx.embeddings
      ? estimateEmbeddingTokens(ctx.embeddings)
      : 0;
  const output = outputText ? countTextTokens(outputText) : 0;
  return {
    inputTokens: input,
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: output,
    reasoningTokens: 0,
    estimated: true,
  };
}

export function estimateEmbeddingTokens(req: EmbeddingsRequest): number {
  let n = 0;
  for (const item of req.input) n += typeof item === 'string' ? countTextTokens(item) : item.length;
  return n;
}

/** Price the call. A cache hit cost nothing upstream, so it is recorded at $0 with its version. */
export function settle(ctx: RequestContext, prices: PriceBook, outputText: string | null): Settlement {
  const usage = usageFor(ctx, outputText);
  const { provider, modelUpstream } = ctx.dispatch;
  if (!provider || !modelUpstream) return { usage, costUsd: null, priceVersion: null };
  const quote = prices.quote(provider, modelUpstream, usage, ctx.receivedAt);
  if (ctx.dispatch.cacheHit)
    return { usage, costUsd: quote.priceVersion ? 0 : null, priceVersion: quote.priceVersion };
  return { usage, costUsd: quote.costUsd, priceVersion: quote.priceVersion };
}

/** Text of all choices, for estimating output tokens when the provider gave no usage. */
export function responseText(res: ChatResponse): string {
  let s = '';
  for (const c of res.choices) {
    s += c.message.content ?? '';
    for (const t of c.message.toolCalls ?? []) s += t.name + t.arguments;
  }
  return s;
}

export type { ChatRequest };
