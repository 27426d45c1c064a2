import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { type AdminRole, roleAllows } from '../../../access/admin.js';
import type { AuditLog } from '../../../audit/types.js';
import { KeelError } from '../../../errors.js';
import { adminAuth, requestFacts } from '../auth.js';
import { readAdminBody } from '../body.js';
import type { AdminEnv } from '../types.js';
import type { AdminServices, Handler, Reply, RouteGroup, RouteSpec } from './declare.js';
import { parseInput } from './inputs.js';

export interface AdminApiOptions {
  /** The groups to mount (default: all of Keel's, ADMIN_GROUPS). */
  groups?: readonly RouteGroup[];
  /**
   * Who is calling, instead of bearer-token authentication. Only for harnesses that test a
   * group's behaviour rather than its authentication; Keel itself always authenticates.
   */
  authenticate?: MiddlewareHandler<AdminEnv>;
}

/**
 * The admin API, to be mounted at `/api`: authentication, then per route its role check, input
 * parsing and handler. A path no declaration matches needs `admin` (so probing below it is a
 * refusal, as before) and then answers `route_not_found`. Errors are thrown as KeelErrors and
 * rendered by the app's onError.
 */
export function mountAdminApi(
  services: AdminServices,
  groups: readonly RouteGroup[],
  opts: Pick<AdminApiOptions, 'authenticate'> = {},
): { app: Hono<AdminEnv>; routes: readonly RouteSpec[] } {
  const app = new Hono<AdminEnv>();
  const trustProxy = services.config.server.trust_proxy;
  app.use('*', opts.authenticate ?? authenticator(services));
  const enforce = roleCheck(services.audit, trustProxy);
  const routes: RouteSpec[] = [];
  for (const group of groups) {
    const deps = group.needs(services);
    if (deps === undefined) continue;
    const handlers = group.handlers(deps) as Record<string, Handler<RouteSpec>>;
    for (const [name, spec] of Object.entries(group.routes)) {
      const handler = handlers[name];
      if (!handler) throw new Error(`admin route ${spec.method} ${spec.path} has no handler`);
      routes.push(spec);
      app.on(spec.method, spec.path, async (c) => {
        enforce(c, spec.role);
        const input = {
          params: c.req.param() as Record<string, string>,
          query: spec.query ? parseInput(spec.query, c.req.query(), 'query') : undefined,
          body: spec.body
            ? parseInput(
                spec.body,
                await readAdminBody(c.req.raw, {
                  optional: spec.optionalBody === true,
                  ...(spec.maxBodyBytes !== undefined ? { maxBytes: spec.maxBodyBytes } : {}),
                }),
                'body',
              )
            : undefined,
          admin: c.get('admin'),
        };
        const out = await handler(c, input as never);
        return isReply(out) ? c.json(out.body as object, out.status) : c.json(out as object);
      });
    }
  }
  app.all('*', (c) => {
    enforce(c, 'admin');
    throw new KeelError('route_not_found', `Unknown route: ${c.req.method} ${c.req.path.slice(0, 200)}`);
  });
  return { app, routes };
}

function authenticator(services: AdminServices): MiddlewareHandler<AdminEnv> {
  const { admins } = services;
  if (!admins) throw new Error('the admin API needs the admin store to authenticate');
  return adminAuth({
    config: services.config,
    admins,
    audit: services.audit,
    ...(services.sessions ? { sessions: services.sessions } : {}),
  });
}

/** Refuse (and audit) a caller whose role is below `required`. */
function roleCheck(audit: AuditLog, trustProxy: boolean) {
  return (c: Context<AdminEnv>, required: AdminRole): void => {
    const { role, actor } = c.get('admin');
    if (roleAllows(role, required)) return;
    audit.append({
      actor,
      action: 'admin.refused',
      target: null,
      details: { ...requestFacts(c, trustProxy), status: 403, reason: 'role', role, required_role: required },
    });
    throw new KeelError(
      'forbidden_role',
      `This needs the ${required} role; your admin credential has the ${role} role.`,
    );
  };
}

function isReply(v: unknown): v is Reply<unknown> {
  return typeof v === 'object' && v !== null && (v as { reply?: unknown }).reply === true;
}
