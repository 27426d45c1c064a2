import type { GuardPolicy } from '../../config/guards.js';
import { activeKindOf } from '../../guards/active-content/index.js';

/**
 * What the policy does with one active-content finding: SQL that changes data follows
 * `active_content.sql`, everything else `active_content.output`, and a finding that starts inside a
 * code block is at most flagged — a markdown renderer shows it as text, and answers that explain
 * HTML or SQL would otherwise lose their examples.
 */
export function activeContentAction(policy: GuardPolicy, label: string): 'block' | 'redact' | 'flag' | 'off' {
  const { kind, inCode } = activeKindOf(label);
  const action = kind === 'sql_write' ? policy.active_content.sql : policy.active_content.output;
  return inCode && action !== 'off' ? 'flag' : action;
}

/** Whether the policy screens answers for active content at all. */
export function screensActiveContent(policy: GuardPolicy): boolean {
  return policy.active_content.output !== 'off' || policy.active_content.sql !== 'off';
}
