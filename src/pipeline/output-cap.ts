import type { ChatRequest } from '../canonical/types.js';
import type { KeelConfig } from '../config/schema.js';
import { KeelError } from '../errors.js';
import { droppedFields } from '../providers/capabilities.js';
import type { OutputFit } from './budget-fit.js';
import type { RequestContext } from './context.js';
import { choicesOf, estimateChatCall } from './estimate.js';

/** Anthropic's smallest thinking budget; budget_tokens must also stay below max_tokens. */
const MIN_THINKING_BUDGET = 1024;
/** The smallest max_tokens a call with extended thinking can be lowered to. */
export const MIN_THINKING_OUTPUT = MIN_THINKING_BUDGET + 1;

export type CapReason = 'key' | 'model' | 'budget';

/**
 * Lower a call's max_tokens (per choice) to `cap` when it asks for more, as sent upstream. Client
 * libraries ask for the model's whole output range by default (@ai-sdk/anthropic: 64,000–128,000);
 * capping serves them where refusing would fail every call. The response says what happened:
 * `x-keel-max-tokens-capped: <sent>; requested=<asked>; by=<key|model|budget>`.
 *
 * An Anthropic thinking budget must stay below max_tokens: it is lowered with it (to half the
 * cap, at least 1,024), and a cap too small for any thinking is refused naming the field.
 */
export function capOutput(ctx: RequestContext, chat: ChatRequest, cap: number, by: CapReason): void {
  const asked = chat.maxTokens;
  if (asked !== undefined && asked <= cap) return;
  chat.maxTokens = cap;
  fitThinking(chat, cap, by);
  if (asked !== undefined)
    ctx.responseHeaders['x-keel-max-tokens-capped'] = `${cap}; requested=${asked}; by=${by}`;
}

function fitThinking(chat: ChatRequest, cap: number, by: CapReason): void {
  const budget = chat.thinking?.budget_tokens;
  if (typeof budget !== 'number' || budget < cap) return;
  const fitted = Math.max(MIN_THINKING_BUDGET, Math.floor(cap / 2));
  if (fitted >= cap) {
    const why =
      by === 'key'
        ? 'this API key allows'
        : by === 'model'
          ? 'this model produces'
          : 'the remaining budget pays for';
    throw new KeelError(
      'invalid_request',
      `thinking.budget_tokens: ${why} at most ${cap} output tokens, too few for extended thinking (at least ${MIN_THINKING_BUDGET} thinking tokens plus the answer).`,
      { param: 'thinking.budget_tokens' },
    );
  }
  chat.thinking = Object.assign({}, chat.thinking, { budget_tokens: fitted });
}

/**
 * How admission may lower a chat call's max_tokens to fit a budget (budget-fit.ts): per choice,
 * never below `minTokens` (and, with extended thinking, never below its smallest budget plus an answer).
 */
export function chatOutputFit(
  ctx: RequestContext,
  chat: ChatRequest,
  minTokens: number,
  defaultMaxOutput: number,
): OutputFit {
  return {
    n: choicesOf(chat),
    minTokens:
      typeof chat.thinking?.budget_tokens === 'number' ? Math.max(minTokens, MIN_THINKING_OUTPUT) : minTokens,
    apply(perChoice) {
      capOutput(ctx, chat, perChoice, 'budget');
      return estimateChatCall(chat, defaultMaxOutput);
    },
  };
}

/**
 * Reports in `x-keel-dropped-fields` the fields the answering target ignored as the client's API
 * documents them ignorable (providers/capabilities.ts).
 */
export function createDroppedReporter(config: KeelConfig): (ctx: RequestContext, chat: ChatRequest) => void {
  const kinds = new Map(config.providers.map((p) => [p.id, p.kind]));
  return (ctx, chat) => {
    const id = ctx.dispatch.provider;
    const kind = id === null ? undefined : kinds.get(id);
    if (!kind) return;
    const dropped = droppedFields(chat, kind);
    if (dropped.length > 0) ctx.responseHeaders['x-keel-dropped-fields'] = dropped.join(', ');
  };
}
