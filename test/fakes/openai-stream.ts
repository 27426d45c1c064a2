import type { FakeToolCall } from './common.js';
import { jsonFragments, pieces } from './common.js';

export interface StreamPlan {
  id: string;
  created: number;
  model: string;
  n: number;
  /** Text of choice i, or null when the answer is tool calls only. */
  choiceText: (i: number) => string | null;
  toolCalls: Required<FakeToolCall>[] | undefined;
  finish: string;
  includeUsage: boolean;
  /** Put on the first content chunk of each choice (OpenAI sends logprobs per content chunk). */
  logprobs?: Record<string, unknown>;
  /** The usage object for the final chunk, given the number of deltas streamed. */
  usage: (completion: number) => unknown;
}

/**
 * The `chat.completion.chunk` frames of one streamed answer, as OpenAI sends them: a role chunk
 * (carrying the first tool call's id and name when there is no text), content deltas, tool call
 * starts and argument fragments, a finish chunk per choice, then with include_usage a
 * `choices: []` usage chunk (every earlier chunk has `usage: null`), then `[DONE]`.
 */
export function openaiStreamFrames(p: StreamPlan): string[] {
  const chunk = (choices: unknown[], usage?: unknown) =>
    `data: ${JSON.stringify({
      id: p.id,
      object: 'chat.completion.chunk',
      created: p.created,
      model: p.model,
      service_tier: 'default',
      system_fingerprint: 'fp_fake0001',
      choices,
      ...(p.includeUsage ? { usage: usage ?? null } : {}),
    })}\n\n`;
  const delta = (
    index: number,
    d: Record<string, unknown>,
    finish: string | null = null,
    lp: unknown = null,
  ) => chunk([{ index, delta: d, logprobs: lp, finish_reason: finish }]);
  const toolStart = (k: number, tc: Required<FakeToolCall>) => ({
    index: k,
    id: tc.id,
    type: 'function',
    function: { name: tc.name, arguments: '' },
  });

  const frames: string[] = [];
  let completion = 0;
  for (let i = 0; i < p.n; i++) {
    const text = p.choiceText(i);
    const calls = p.toolCalls ?? [];
    const first = calls[0];
    const startsInRoleChunk = text === null && first !== undefined;
    frames.push(
      delta(i, {
        role: 'assistant',
        content: text === null ? null : '',
        refusal: null,
        ...(startsInRoleChunk ? { tool_calls: [toolStart(0, first)] } : {}),
      }),
    );
    if (text !== null) {
      pieces(text).forEach((piece, k) => {
        completion++;
        frames.push(delta(i, { content: piece }, null, k === 0 ? (p.logprobs ?? null) : null));
      });
    }
    calls.forEach((tc, k) => {
      if (k > 0 || !startsInRoleChunk) frames.push(delta(i, { tool_calls: [toolStart(k, tc)] }));
      for (const frag of jsonFragments(tc.arguments)) {
        completion++;
        frames.push(delta(i, { tool_calls: [{ index: k, function: { arguments: frag } }] }));
      }
    });
    frames.push(delta(i, {}, p.finish));
  }
  if (p.includeUsage) frames.push(chunk([], p.usage(completion)));
  frames.push('data: [DONE]\n\n');
  return frames;
}
