import type { Principal } from '../access/principal.js';
import type { Attribution } from './context.js';

/**
 * Caller-supplied attribution lands in usage rows, logs, traces and (use case) metric labels: each
 * is capped, and control characters are dropped. A use case is capped at the registry's id length.
 */
const MAX_LEN = 128;
const MAX_USE_CASE_LEN = 64;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes.
const CONTROL = /[\u0000-\u001f\u007f]/g;

function clean(v: string | undefined, max = MAX_LEN): string | null {
  if (!v) return null;
  const t = v.replace(CONTROL, '').trim();
  if (!t) return null;
  return t.length > max ? t.slice(0, max) : t;
}

/**
 * Who the call is for. For virtual keys the header may pick any use case the key's scope allows
 * (authorize checks it) and the key's first use case is the default; a keel.yaml key bound to a use
 * case always books to it, so an application cannot move its spend onto another team's use case.
 * A key's own team always wins over `x-keel-team`. What a header may not choose (a use case that
 * declares its access, a team with a budget, a guard policy weaker than the default) is decided in
 * scope.ts and guard-hooks.ts; user, feature and trace id are attribution only.
 */
export function attribute(
  headers: Record<string, string | undefined>,
  principal: Principal | null,
  bodyUser: string | undefined,
): Attribution {
  return {
    useCase:
      (principal && !principal.scopes && principal.useCase) ||
      (clean(headers['x-keel-use-case'], MAX_USE_CASE_LEN) ?? principal?.useCase ?? 'unassigned'),
    team: principal?.team ?? clean(headers['x-keel-team']),
    userId: clean(headers['x-keel-user']) ?? clean(bodyUser),
    feature: clean(headers['x-keel-feature']),
    traceId: clean(headers['x-keel-trace-id']),
  };
}
