import { KeelError } from '../errors.js';
import type { CallEstimate } from './estimate.js';

/**
 * How a chat call's output may be lowered to fit a budget. Client libraries ask for a model's whole
 * output range by default (@ai-sdk/anthropic sends max_tokens 64,000–128,000), which priced at the
 * output rate can exceed a small budget's room though the answer would cost a fraction of a cent.
 * Such a call is served with max_tokens lowered to what the room pays for, and that lower
 * max_tokens is what the upstream receives, so the reservation still covers every token the call
 * can produce: budgets are never overspent.
 */
export interface OutputFit {
  /** Choices per call. */
  n: number;
  /** Fewest output tokens per choice worth serving; below this the call is refused. */
  minTokens: number;
  /** Lower the call's max_tokens per choice (sent upstream) and return its new estimate. */
  apply(perChoice: number): CallEstimate;
}

/**
 * The largest max_tokens per choice whose maximum cost (`costAt(total output tokens)`, linear in
 * output) is within `roomUsd`, or null when it is below `fit.minTokens` or the call's own.
 */
export function fittingOutput(
  costAt: (maxOutputTokens: number) => number,
  est: CallEstimate,
  roomUsd: number,
  fit: OutputFit,
): number | null {
  if (est.maxOutputTokens <= 0) return null;
  const base = costAt(0);
  const perToken = (costAt(est.maxOutputTokens) - base) / est.maxOutputTokens;
  if (!(perToken > 0) || roomUsd <= base) return null;
  let perChoice = Math.floor((roomUsd - base) / perToken / fit.n);
  // Floating-point rounding must never let the lowered call cost more than the room.
  while (perChoice > 0 && costAt(perChoice * fit.n) > roomUsd) perChoice--;
  const asked = est.maxOutputTokens / fit.n;
  if (perChoice >= asked || perChoice < Math.min(fit.minTokens, asked)) return null;
  return perChoice;
}

/**
 * Budget exhaustion: 402 (`insufficient_quota` / Anthropic `billing_error`), which the official
 * OpenAI and Anthropic SDKs, the AI SDK and LangChain do not retry (they retry 429 up to three
 * times), with `retry-after` set to the end of the budget's period when it has one.
 */
export function budgetExceeded(
  describe: string,
  r: { spentUsd: number; reservedUsd: number; limitUsd: number },
  maxCost: number,
  untilMs: number,
  now: number,
): KeelError {
  const opts: { retryAfter?: number } = {};
  if (Number.isFinite(untilMs) && untilMs > now) opts.retryAfter = Math.ceil((untilMs - now) / 1000);
  return new KeelError(
    'budget_exceeded',
    `Budget exceeded: ${describe} has $${(r.spentUsd + r.reservedUsd).toFixed(4)} of $${r.limitUsd.toFixed(2)} spent or reserved; this call could cost up to $${maxCost.toFixed(4)}.`,
    opts,
  );
}
