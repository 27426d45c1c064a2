import type { McpConfig } from '../../config/mcp.js';
import { detectSecrets, redact } from '../../guards/index.js';
import { McpRefusal, type ToolCall } from '../types.js';
import type { OnGuardDecision } from './decision.js';
import { mapStrings } from './walk.js';

type Mode = McpConfig['screening']['argument_secrets'];

/**
 * Secrets in a call's arguments are about to leave the organisation for a tool server: `block`
 * refuses the call, `mask` replaces each secret with `[REDACTED:<label>]` before the upstream sees
 * it, `flag` lets it through; the last two note a finding. Refusals and findings name the labels and
 * argument paths, never the values.
 */
export function screenCallArguments(call: ToolCall, mode: Mode, onDecision?: OnGuardDecision): void {
  if (mode === 'off') return;
  const labels = new Set<string>();
  const paths: string[] = [];
  const masked = mapStrings(call.arguments, (text, path) => {
    const r = detectSecrets(text);
    if (!r.flagged) return text;
    for (const l of r.labels) labels.add(l);
    paths.push(path || '/');
    return mode === 'mask' ? redact(text, r.spans) : text;
  });
  if (paths.length === 0) return;
  const found = [...labels].join(',');
  onDecision?.(call, {
    detector: 'secrets',
    direction: 'input',
    action: mode === 'mask' ? 'redact' : mode,
    score: 1,
    labels: [...labels],
  });
  if (mode === 'block')
    throw new McpRefusal(
      'secret_detected',
      `The arguments of ${call.tool.name} contain a secret (${found}) at ${paths.join(', ')}; Keel does not send secrets to tool servers.`,
      { tool: call.tool.name, labels: [...labels], paths },
    );
  if (mode === 'mask') call.arguments = masked as Record<string, unknown>;
  call.findings.push(`argument_secret:${mode === 'mask' ? 'masked' : 'flagged'}:${found}`);
}
