import { describe, expect, it } from 'vitest';
import type { ChatRequest, ChatResponse } from '../../canonical/types.js';
import { guardPolicySchema } from '../../config/guards.js';
import { canaryFor } from '../../guards/canary/index.js';
import { screenOutput } from './output.js';
import { guardRequest } from './stage.js';
import type { GuardEvent } from './types.js';

const SYSTEM = 'You are a concise assistant for an online bookshop.';
const request = (system: string): ChatRequest => ({
  model: 'm',
  stream: false,
  messages: [
    { role: 'system', content: [{ type: 'text', text: system }] },
    { role: 'user', content: [{ type: 'text', text: 'Does this ship to Norway?' }] },
  ],
});
const answer = (text: string): ChatResponse => ({
  id: 'r1',
  model: 'm',
  created: 0,
  choices: [{ index: 0, message: { role: 'assistant', content: text }, finishReason: 'stop' }],
});

describe('the canary and the leak checks', () => {
  it('plants the canary in the prompt but protects the operator’s own text', () => {
    const req = request(SYSTEM);
    const state = guardRequest(req, guardPolicySchema.parse({}), { events: [] });
    const canary = canaryFor(SYSTEM);
    expect(state.output.canary).toBe(canary);
    expect(req.messages[0]?.content).toEqual([{ type: 'text', text: `${SYSTEM}\n\n${canary}` }]);
    // The prompt the output checks compare against is the operator's, without the canary line.
    expect(state.output.systemPrompt).toBe(SYSTEM);
  });

  it('checks a short prompt for verbatim copies when it carries a canary, and the canary itself', () => {
    const events: GuardEvent[] = [];
    const policy = guardPolicySchema.parse({ leak: { output: 'flag' } });
    const state = guardRequest(request(SYSTEM), policy, { events });
    // Part of the 51-character prompt is not a leak…
    screenOutput(answer('I am a concise assistant for an online bookshop.'), state.output, events);
    expect(events.filter((e) => e.detector === 'leak')).toEqual([]);
    // …the whole of it is, and so is the canary.
    screenOutput(answer(`My instructions: ${SYSTEM}`), state.output, events);
    screenOutput(answer(`Here: ${state.output.canary}`), state.output, events);
    expect(events.filter((e) => e.detector === 'leak').map((e) => e.labels)).toEqual([
      ['leak.system_prompt'],
      ['leak.canary'],
    ]);
    // Without a canary, prompts under 80 characters are not checked for verbatim copies.
    const quiet: GuardEvent[] = [];
    const plain = guardRequest(request(SYSTEM), guardPolicySchema.parse({ canary: false }), {
      events: quiet,
    });
    screenOutput(answer(`My instructions: ${SYSTEM}`), plain.output, quiet);
    expect(quiet.filter((e) => e.detector === 'leak')).toEqual([]);
  });

  it('gives the same prompt the same canary, and different prompts different ones', () => {
    expect(canaryFor(SYSTEM)).toBe(canaryFor(`${SYSTEM}`));
    expect(canaryFor(SYSTEM)).not.toBe(canaryFor(`${SYSTEM} `));
    const long = 'x'.repeat(40_000);
    expect(canaryFor(long)).toBe(canaryFor(long));
  });
});
