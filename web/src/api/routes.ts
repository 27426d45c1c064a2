import type { Capabilities } from '@keel/api';

export type { Capabilities };

export type Gate = 'ok' | 'missing' | 'forbidden';

interface Compiled {
  method: string;
  re: RegExp;
  allowed: boolean;
}

function compile(pattern: string): RegExp {
  const body = pattern
    .split('/')
    .map((seg) =>
      seg === '*' ? '.*' : seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return new RegExp(`^${body}$`);
}

/**
 * Decides, before asking, whether a request can succeed: the table lists every route this Keel
 * mounts, so one it does not list is missing (asking would be a 403 below admin, and every
 * refusal is an audit entry), and one it lists for a higher role is refused. Without a table
 * (older Keel) every request is tried.
 */
export function createGate(caps: Capabilities | null): (method: string, path: string) => Gate {
  if (!caps) return () => 'ok';
  const rules: Compiled[] = caps.routes.map((r) => ({
    method: r.method,
    re: compile(r.path),
    allowed: r.allowed,
  }));
  return (method, path) => {
    const p = path.split('?')[0] ?? path;
    const matching = rules.filter((r) => r.method === method && r.re.test(p));
    if (matching.length === 0) return 'missing';
    return matching.every((r) => r.allowed) ? 'ok' : 'forbidden';
  };
}
