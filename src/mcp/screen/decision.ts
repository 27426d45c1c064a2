import type { ToolCall } from '../types.js';

/**
 * One guard decision on a tool call, as /v1 records them (security events, keel_guard_decisions_total):
 * `input` is what the agent sends to a tool (arguments), `output` what comes back (the result).
 */
export interface GuardDecision {
  detector: 'secrets' | 'pii' | 'indirect_injection';
  direction: 'input' | 'output';
  action: 'block' | 'flag' | 'redact';
  score: number;
  labels: string[];
}

export type OnGuardDecision = (call: ToolCall, d: GuardDecision) => void;
