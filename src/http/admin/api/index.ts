import type { Hono } from 'hono';
import { roleAllows } from '../../../access/admin.js';
import { adminsApi } from '../admins.js';
import { alertsApi } from '../alerts.js';
import { auditApi } from '../audit.js';
import { infoApi } from '../config.js';
import { dataApi } from '../data/index.js';
import { keysApi } from '../keys.js';
import { mcpApi } from '../mcp.js';
import { redteamApi } from '../redteam.js';
import { reportsApi } from '../reports.js';
import { securityApi } from '../security.js';
import type { AdminEnv } from '../types.js';
import { useCasesApi } from '../use-cases.js';
import { valueApi } from '../value.js';
import { type AdminServices, defineGroup, type RouteGroup, type RouteSpec, route } from './declare.js';
import { type AdminApiOptions, mountAdminApi } from './mount.js';

export type { AdminServices, ResponseOf, RouteSpec } from './declare.js';
export type { AdminApiOptions } from './mount.js';

/**
 * Every admin route group Keel has, in mounting order (a literal path before a `:param` one that
 * would also match it). Adding a route means adding its declaration and handler to one of these.
 */
export const ADMIN_GROUPS = [
  infoApi,
  keysApi,
  adminsApi,
  auditApi,
  useCasesApi,
  alertsApi,
  valueApi,
  reportsApi,
  securityApi,
  redteamApi,
  dataApi,
  mcpApi,
] as const;

/** GET /capabilities: every route mounted and whether the caller's role may call it. */
export function capabilitiesApi(mounted: () => readonly RouteSpec[]) {
  return defineGroup({
    title: 'info',
    routes: {
      capabilities: route('GET', '/capabilities', 'viewer', 'Routes mounted; which ones your role may call'),
    },
    needs: () => mounted,
    handlers: (list) => ({
      capabilities: (_c, { admin: { role } }) => ({
        object: 'capabilities' as const,
        role,
        routes: list().map((r) => ({
          method: r.method,
          path: r.path,
          role: r.role,
          allowed: roleAllows(role, r.role),
        })),
      }),
    }),
  });
}

/** Every route Keel declares, with the group it belongs to (for the docs' table). */
export function declaredRoutes(): Array<RouteSpec & { group: string }> {
  return [...ADMIN_GROUPS, capabilitiesApi(() => [])].flatMap((g: RouteGroup) =>
    Object.values(g.routes).map((r) => ({ ...r, group: g.title })),
  );
}

export interface AdminApi {
  app: Hono<AdminEnv>;
  /** The declarations mounted for these services, in mounting order. */
  routes: readonly RouteSpec[];
}

/**
 * The admin API for these services, to mount at `/api` — the one way it is built, by src/build.ts
 * and by every test harness. Groups whose services are absent are left out (and so is their line
 * in GET /capabilities).
 */
export function createAdminApi(services: AdminServices, opts: AdminApiOptions = {}): AdminApi {
  let routes: readonly RouteSpec[] = [];
  const groups: readonly RouteGroup[] = [...(opts.groups ?? ADMIN_GROUPS), capabilitiesApi(() => routes)];
  const api = mountAdminApi(services, groups, opts);
  routes = api.routes;
  return api;
}
