import { openStages } from './gate.js';
import type { ToolCallStages } from './types.js';

/**
 * The one place the tool-call stages are put together. Each part that exists is passed in; a part
 * that is not there lets everything through (openStages), so the gateway runs with none of them.
 */
export interface StageParts {
  /** Scopes, argument constraints, rate limits, screening and accounting (mcp/policy, mcp/screen, mcp/accounting). */
  policy?: Omit<ToolCallStages, 'approve'>;
  /** Held calls for `approval: required` tools (mcp/approvals). */
  approve?: ToolCallStages['approve'];
}

export function composeStages(parts: StageParts = {}): ToolCallStages {
  return openStages({
    ...(parts.policy ?? {}),
    ...(parts.approve ? { approve: parts.approve } : {}),
  });
}
