import type { Attribution, Principal } from './context.js';

const MAX_LEN = 200;

function clean(v: string | undefined): string | null {
  if (!v) return null;
  const t = v.trim();
  if (!t) return null;
  return t.length > MAX_LEN ? t.slice(0, MAX_LEN) : t;
}

/**
 * Who the call is for. For virtual keys the header may pick any use case the key's scope allows
 * (authorize checks it) and the key's first use case is the default; a keel.yaml key bound to a use
 * case always books to it, so an application cannot move its spend onto another team's use case.
 */
export function attribute(
  headers: Record<string, string | undefined>,
  principal: Principal | null,
  bodyUser: string | undefined,
): Attribution {
  return {
    useCase:
      (principal && !principal.scopes && principal.useCase) ||
      (clean(headers['x-keel-use-case']) ?? principal?.useCase ?? 'unassigned'),
    team: principal?.team ?? clean(headers['x-keel-team']),
    userId: clean(headers['x-keel-user']) ?? clean(bodyUser),
    feature: clean(headers['x-keel-feature']),
    traceId: clean(headers['x-keel-trace-id']),
  };
}
