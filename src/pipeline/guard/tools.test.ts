import { describe, expect, it } from 'vitest';
import type { ChatRequest, ToolDef } from '../../canonical/types.js';
import { guardPolicySchema } from '../../config/guards.js';
import { guardRequest } from './stage.js';
import type { GuardEvent } from './types.js';

// A policy that strips tools outside its allow-list takes them out of the request: the model is not
// offered what it may not call, and the request itself is served, not refused.

const tool = (name: string): ToolDef => ({ name, parameters: { type: 'object', properties: {} } });
const request = (names: string[], extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'm',
  stream: false,
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Where is my order 48213?' }] }],
  tools: names.map(tool),
  ...extra,
});
const policy = (tools: Record<string, unknown>) => guardPolicySchema.parse({ tools });
const names = (req: ChatRequest) => req.tools?.map((t) => t.name);

function guard(req: ChatRequest, tools: Record<string, unknown>): GuardEvent[] {
  const events: GuardEvent[] = [];
  guardRequest(req, policy(tools), { events });
  return events;
}

describe('strip with an allow-list', () => {
  it('removes the tools the policy does not allow before the request goes upstream, and records it', () => {
    const req = request(['get_order_status', 'delete_customer', 'search_help_center', 'run_shell']);
    const events = guard(req, { action: 'strip', allowed: ['get_order_status', 'search_help_center'] });
    expect(names(req)).toEqual(['get_order_status', 'search_help_center']);
    expect(events).toEqual([
      expect.objectContaining({
        detector: 'tools',
        direction: 'input',
        action: 'strip',
        labels: ['tools.not_allowed'],
      }),
    ]);
  });

  it('a forced choice of a removed tool becomes auto; a request left with no tool goes without tools', () => {
    const forced = request(['get_weather', 'send_funds'], { toolChoice: { name: 'send_funds' } });
    guard(forced, { action: 'strip', allowed: ['get_weather'] });
    expect(names(forced)).toEqual(['get_weather']);
    expect(forced.toolChoice).toBe('auto');

    const none = request(['send_funds'], { toolChoice: 'required', parallelToolCalls: true });
    guard(none, { action: 'strip', allowed: ['get_weather'] });
    expect(none.tools).toBeUndefined();
    expect(none.toolChoice).toBeUndefined();
    expect(none.parallelToolCalls).toBeUndefined();
  });

  it('leaves the request alone under block, without an allow-list, or when every tool is allowed', () => {
    for (const tools of [
      { action: 'block', allowed: ['get_weather'] },
      { action: 'strip' },
      { action: 'strip', allowed: ['get_weather', 'send_funds'] },
    ]) {
      const req = request(['get_weather', 'send_funds'], { toolChoice: { name: 'send_funds' } });
      expect(guard(req, tools)).toEqual([]);
      expect(names(req)).toEqual(['get_weather', 'send_funds']);
      expect(req.toolChoice).toEqual({ name: 'send_funds' });
    }
  });
});
