import { type GuardPolicy, INJECTION_BLOCK_AT, INJECTION_FLAG_AT } from '../../config/guards.js';

/**
 * How strict a guard policy is, dimension by dimension, so a policy a caller could select by
 * naming a use case in a header can never loosen the default. A policy is *weaker* than another if
 * any one of these is weaker:
 *
 * - an action: off < flag < mask < redact < strip < block (each detector and direction; `mask`
 *   is below `redact` because masked text comes back to the caller);
 * - an injection threshold: a higher block threshold blocks less (unset = 0.85);
 * - indirect injection: `redact` (withhold the text) ranks above `block`. Withheld from a score, the
 *   text reaches the model no more than a block from that score lets it, and the call goes on; the
 *   combination withholds from the lower of the two acting points (unset: 0.5 to withhold, 0.85 to block);
 * - the tool allow-list: a list that allows a tool the other refuses (none = any tool);
 * - `active_content.allowed_hosts`: a host the other does not allow (two lists → their intersection);
 * - a switch that adds a check: canary, external classifier, argument validation (on > off);
 * - `context_marking`: honouring the application's context marks is weaker than ignoring them.
 *
 * `strictest(a, b)` takes the stricter value of each dimension: a policy at least as strict as both.
 */
const RANK: Record<string, number> = { off: 0, flag: 1, mask: 2, redact: 3, strip: 4, block: 5 };

function stricterAction<T extends string>(a: T, b: T): T {
  return (RANK[b] ?? 0) > (RANK[a] ?? 0) ? b : a;
}

function lowerThreshold(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined && b === undefined) return undefined;
  return Math.min(a ?? INJECTION_BLOCK_AT, b ?? INJECTION_BLOCK_AT);
}

function intersect(a: string[] | undefined, b: string[] | undefined): string[] | undefined {
  if (!a) return b && [...b];
  if (!b) return [...a];
  const allowed = new Set(b);
  return a.filter((t) => allowed.has(t));
}

/** The score from which an indirect-injection policy keeps a text from the model (1.1: never). */
function actsAt(p: GuardPolicy['indirect_injection']): number {
  if (p.input === 'redact') return p.threshold ?? INJECTION_FLAG_AT;
  if (p.input === 'block') return p.threshold ?? INJECTION_BLOCK_AT;
  return 1.1;
}

export function strictest(a: GuardPolicy, b: GuardPolicy): GuardPolicy {
  const injectionThreshold = lowerThreshold(a.injection.threshold, b.injection.threshold);
  const indirectThreshold = lowerThreshold(a.indirect_injection.threshold, b.indirect_injection.threshold);
  const external = a.injection.external ?? b.injection.external;
  const allowed = intersect(a.tools.allowed, b.tools.allowed);
  return {
    injection: {
      input: stricterAction(a.injection.input, b.injection.input),
      ...(injectionThreshold !== undefined ? { threshold: injectionThreshold } : {}),
      ...(external ? { external } : {}),
    },
    indirect_injection:
      a.indirect_injection.input === 'redact' || b.indirect_injection.input === 'redact'
        ? { input: 'redact', threshold: Math.min(actsAt(a.indirect_injection), actsAt(b.indirect_injection)) }
        : {
            input: stricterAction(a.indirect_injection.input, b.indirect_injection.input),
            ...(indirectThreshold !== undefined ? { threshold: indirectThreshold } : {}),
          },
    pii: {
      input: stricterAction(a.pii.input, b.pii.input),
      output: stricterAction(a.pii.output, b.pii.output),
    },
    secrets: {
      input: stricterAction(a.secrets.input, b.secrets.input),
      output: stricterAction(a.secrets.output, b.secrets.output),
    },
    leak: { output: stricterAction(a.leak.output, b.leak.output) },
    tools: {
      action: stricterAction(a.tools.action, b.tools.action),
      ...(allowed ? { allowed } : {}),
      validate_arguments: a.tools.validate_arguments || b.tools.validate_arguments,
    },
    active_content: {
      output: stricterAction(a.active_content.output, b.active_content.output),
      sql: stricterAction(a.active_content.sql, b.active_content.sql),
      allowed_hosts: intersect(a.active_content.allowed_hosts, b.active_content.allowed_hosts) ?? [],
    },
    canary: a.canary || b.canary,
    context_marking: a.context_marking && b.context_marking,
  };
}
