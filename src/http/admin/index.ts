import { Hono } from 'hono';
import { adminUserRoutes } from './admins.js';
import { adminAuth } from './auth.js';
import { infoRoutes } from './config.js';
import { keyRoutes } from './keys.js';
import { ADMIN_ROUTE_ROLES, installRoleTable } from './roles.js';
import type { AdminEnv, AdminRoutesDeps } from './types.js';

export { ADMIN_ROUTE_ROLES } from './roles.js';
export type { AdminEnv, AdminPrincipal, AdminRouteRule, AdminRoutesDeps } from './types.js';

/**
 * The admin API, to be mounted at `/api`. Order matters: authentication, then the role table,
 * then handlers (ours, then `extra` groups), so no route is reachable without both checks.
 * Errors are thrown as KeelErrors and rendered by the app's onError in the OpenAI error shape.
 */
export function adminRoutes(deps: AdminRoutesDeps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  app.use('*', adminAuth(deps));
  installRoleTable(
    app,
    [...ADMIN_ROUTE_ROLES, ...(deps.rules ?? [])],
    deps.audit,
    deps.config.server.trust_proxy,
  );
  infoRoutes(app, deps);
  keyRoutes(app, deps);
  adminUserRoutes(app, deps);
  for (const mount of deps.extra ?? []) mount(app);
  return app;
}
