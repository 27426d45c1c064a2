import type { Context, Hono, MiddlewareHandler } from 'hono';
import { type AdminRole, roleAllows } from '../../access/admin.js';
import type { AuditLog } from '../../audit/types.js';
import { KeelError } from '../../errors.js';
import { requestFacts } from './auth.js';
import type { AdminEnv, AdminRouteRule } from './types.js';

/**
 * The one table of who may call what on /api. Every route is listed; a route missing from it
 * (a new one someone forgot) needs the `admin` role, so omissions fail closed. Rules for routes
 * other groups mount (audit, use cases) live here too, so the whole policy reads in one place.
 */
export const ADMIN_ROUTE_ROLES: readonly AdminRouteRule[] = [
  { method: 'GET', path: '/whoami', role: 'viewer' },
  { method: 'GET', path: '/config', role: 'viewer' },
  { method: 'GET', path: '/usage', role: 'viewer' },

  { method: 'GET', path: '/keys', role: 'viewer' },
  { method: 'GET', path: '/keys/:id', role: 'viewer' },
  { method: 'POST', path: '/keys', role: 'operator' },
  { method: 'PATCH', path: '/keys/:id', role: 'operator' },
  { method: 'POST', path: '/keys/:id/rotate', role: 'operator' },
  { method: 'DELETE', path: '/keys/:id', role: 'operator' },

  { method: 'GET', path: '/admins', role: 'admin' },
  { method: 'POST', path: '/admins', role: 'admin' },
  { method: 'DELETE', path: '/admins/:id', role: 'admin' },

  { method: 'GET', path: '/audit', role: 'viewer' },
  { method: 'GET', path: '/audit/*', role: 'viewer' },
  { method: 'POST', path: '/audit/verify', role: 'operator' },

  { method: 'GET', path: '/use-cases', role: 'viewer' },
  { method: 'GET', path: '/use-cases/*', role: 'viewer' },
  { method: 'POST', path: '/use-cases', role: 'operator' },
  { method: 'POST', path: '/use-cases/*', role: 'operator' },
  { method: 'PUT', path: '/use-cases/*', role: 'operator' },
  { method: 'PATCH', path: '/use-cases/*', role: 'operator' },
  { method: 'DELETE', path: '/use-cases/*', role: 'operator' },
];

/**
 * Install the role checks on `app` (after authentication, before any handler). When several rules
 * match a request each must pass, so overlapping rules can only tighten access.
 */
export function installRoleTable(
  app: Hono<AdminEnv>,
  rules: readonly AdminRouteRule[],
  audit: AuditLog,
  trustProxy: boolean,
): void {
  const enforce = (c: Context<AdminEnv>, required: AdminRole) => {
    const { role, actor } = c.get('admin');
    if (roleAllows(role, required)) return;
    audit.append({
      actor,
      action: 'admin.refused',
      target: null,
      details: { ...requestFacts(c, trustProxy), status: 403, reason: 'role', role, required_role: required },
    });
    throw forbidden(role, required);
  };
  const check =
    (required: AdminRole): MiddlewareHandler<AdminEnv> =>
    async (c, next) => {
      c.set('adminRule', required);
      enforce(c, required);
      await next();
    };
  for (const r of rules) app.on(r.method, r.path, check(r.role));
  app.use('*', async (c, next) => {
    if (c.get('adminRule') === undefined) enforce(c, 'admin');
    await next();
  });
}

function forbidden(role: AdminRole, required: AdminRole): KeelError {
  return new KeelError(
    'forbidden_role',
    `This needs the ${required} role; your admin credential has the ${role} role.`,
  );
}
