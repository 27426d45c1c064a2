import { McpRefusal, type ToolCall } from '../types.js';
import type { ToolRule } from './rules.js';
import { toolAllowed } from './scope.js';

/**
 * Scope, then argument constraints. The scope is checked here again whatever tools/list showed: a
 * client may call a tool it was never shown. A constraint violation names the failing path and the
 * rule it broke, never the value (arguments may carry secrets).
 */
export function authorizeCall(call: ToolCall, rules: readonly ToolRule[]): void {
  if (!toolAllowed(call.caller, call.tool))
    throw new McpRefusal('tool_not_allowed', `This key may not call the tool ${call.tool.name}.`, {
      tool: call.tool.name,
    });
  for (const rule of rules) {
    if (!rule.arguments) continue;
    const r = rule.arguments.validate(call.arguments);
    if (r.valid) continue;
    const first = r.errors[0];
    const path = first?.path || '/';
    throw new McpRefusal(
      'invalid_request',
      `The arguments of ${call.tool.name} break Keel's policy for it: ${path} ${first?.message ?? 'is not allowed'}.`,
      { tool: call.tool.name, path, rule: rule.pattern },
    );
  }
}
