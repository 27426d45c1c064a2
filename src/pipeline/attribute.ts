import type { Attribution, Principal } from './context.js';

const MAX_LEN = 200;

function clean(v: string | undefined): string | null {
  if (!v) return null;
  const t = v.trim();
  if (!t) return null;
  return t.length > MAX_LEN ? t.slice(0, MAX_LEN) : t;
}

/**
 * Who the call is for. A key bound to a use case wins over the header, so an application cannot
 * book its spend on another team's use case.
 */
export function attribute(
  headers: Record<string, string | undefined>,
  principal: Principal | null,
  bodyUser: string | undefined,
): Attribution {
  return {
    useCase: principal?.useCase ?? clean(headers['x-keel-use-case']) ?? 'unassigned',
    team: principal?.team ?? clean(headers['x-keel-team']),
    userId: clean(headers['x-keel-user']) ?? clean(bodyUser),
    feature: clean(headers['x-keel-feature']),
    traceId: clean(headers['x-keel-trace-id']),
  };
}
