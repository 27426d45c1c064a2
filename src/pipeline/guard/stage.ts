import type { ChatRequest } from '../../canonical/types.js';
import type { GuardPolicy } from '../../config/guards.js';
import { canaryFor } from '../../guards/canary/index.js';
import type { MemoView } from '../../guards/memo.js';
import type { SchemaPool } from '../../schemas/index.js';
import { event, screenInput, systemPromptOf } from './input.js';
import type { OutputContext } from './output.js';
import { stripOfferedTools } from './tools.js';
import type { GuardEvent } from './types.js';

export interface GuardState {
  output: OutputContext;
  events: GuardEvent[];
}

/**
 * The input half of the guard stage: plant a canary in the system prompt when the policy asks,
 * screen user and tool content, take the tools the policy strips out of the request, and prepare
 * what the output half needs. Throws on a block, after recording the decision in `state.events`.
 */
export function guardRequest(
  req: ChatRequest,
  policy: GuardPolicy,
  state: { events: GuardEvent[] },
  schemas?: SchemaPool,
  memo: MemoView | null = null,
): GuardState {
  let canary: string | null = null;
  const system = req.messages.find((m) => m.role === 'system');
  // The operator's prompt as written: the leak checks protect it, not the canary line added below
  // (which has its own check, and would make every short prompt long enough for the verbatim one).
  const systemPrompt = systemPromptOf(req.messages);
  // The canary rides in the system prompt: a request without one has nothing to leak and gets none.
  if (policy.canary && system) {
    canary = canaryFor(systemPrompt);
    const part = system.content.find((p) => p.type === 'text');
    // A line of its own, so a model that repeats its instructions repeats the canary too.
    if (part && part.type === 'text') part.text = `${part.text}\n\n${canary}`;
    else system.content.push({ type: 'text', text: canary });
  }
  const restore = screenInput(req, policy, state.events, memo);
  const stripped = stripOfferedTools(req, policy);
  if (stripped.length > 0)
    state.events.push(
      event('tools', 'input', 'strip', { score: 1, labels: ['tools.not_allowed'], spans: [] }, -1),
    );
  return {
    events: state.events,
    output: {
      policy,
      canary,
      systemPrompt,
      restore,
      req,
      schemas: schemas ?? null,
    },
  };
}
