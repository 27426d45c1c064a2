import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { type AdminStore, adminActor, BOOTSTRAP_NAME } from '../../access/admin.js';
import { hashKey } from '../../access/keys.js';
import type { SessionStore } from '../../access/session-store.js';
import type { AuditLog } from '../../audit/types.js';
import type { KeelConfig } from '../../config/schema.js';
import { KeelError } from '../../errors.js';
import { clientIp } from '../client-ip.js';
import { checkSession } from '../sso/session.js';
import type { AdminEnv, AdminPrincipal } from './types.js';

const BOOTSTRAP: Omit<AdminPrincipal, 'role'> = {
  actor: adminActor(BOOTSTRAP_NAME),
  name: BOOTSTRAP_NAME,
  id: null,
  via: 'bootstrap',
};

/** What a refusal's audit entry says about the request: never its headers or body. */
export function requestFacts(c: Context, trustProxy: boolean): Record<string, unknown> {
  return { method: c.req.method, path: c.req.path.slice(0, 200), ip: clientIp(c, trustProxy) };
}

type Refusal = 'missing_token' | 'invalid_token' | 'closed' | 'invalid_session' | 'csrf';

/**
 * Admin authentication: `Authorization: Bearer <token>`, never a header a client or proxy could
 * spoof into meaning something else, or else (with auth.oidc) the Command Room's session cookie.
 * The bootstrap token (KEEL_ADMIN_TOKEN) is compared in constant time over SHA-256 digests (equal
 * length whatever was sent); named admins' tokens are looked up by hash. A bearer token wins over a
 * cookie, so automation behaves exactly as without SSO. Refusals are audited without the presented
 * value.
 */
export function adminAuth(deps: {
  config: KeelConfig;
  admins: AdminStore;
  audit: AuditLog;
  /** Command Room sessions (auth.oidc); absent: bearer tokens only. */
  sessions?: SessionStore;
}): MiddlewareHandler<AdminEnv> {
  const { admins, audit, sessions } = deps;
  const oidc = deps.config.auth.oidc;
  const ownOrigin = oidc ? new URL(oidc.redirect_uri).origin : '';
  const trustProxy = deps.config.server.trust_proxy;
  const bootstrap = deps.config.admin.token
    ? createHash('sha256').update(deps.config.admin.token).digest()
    : null;

  function refuse(c: Context, reason: Refusal): KeelError {
    audit.append({
      actor: 'anonymous',
      action: 'admin.refused',
      target: null,
      details: { ...requestFacts(c, trustProxy), status: reason === 'csrf' ? 403 : 401, reason },
    });
    if (reason === 'csrf')
      return new KeelError(
        'csrf_failed',
        'A change made with a Command Room session needs its CSRF token in the x-keel-csrf header.',
      );
    if (reason === 'invalid_session')
      return new KeelError('admin_auth_required', 'Your Command Room session has ended. Sign in again.');
    if (reason === 'closed')
      return new KeelError(
        'admin_auth_required',
        'The admin API is closed: no admin credential is configured. Set KEEL_ADMIN_TOKEN (16+ characters) ' +
          'and restart, or create an admin user with `keel admins create --name <name> --role admin`.',
      );
    if (reason === 'missing_token')
      return new KeelError(
        'admin_auth_required',
        sessions
          ? 'The admin API needs "Authorization: Bearer <admin token>" or a Command Room session (sign in at /auth/login).'
          : 'The admin API needs "Authorization: Bearer <admin token>".',
      );
    return new KeelError('admin_auth_required', 'The admin token is not valid (unknown or revoked).');
  }

  return async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    const open = async () => bootstrap !== null || sessions !== undefined || (await admins.hasActive());
    if (!token && sessions) {
      const checked = await checkSession(c, sessions, ownOrigin);
      if (checked.kind === 'refused') throw refuse(c, checked.reason);
      if (checked.kind === 'ok') {
        c.set('admin', checked.principal);
        return next();
      }
    }
    if (!token) throw refuse(c, (await open()) ? 'missing_token' : 'closed');
    // No credential Keel issues is that long; do not hash whatever a client chose to send.
    const hash = token.length <= 512 ? hashKey(token) : null;
    let principal: AdminPrincipal | undefined;
    if (hash === null) principal = undefined;
    else if (bootstrap && timingSafeEqual(Buffer.from(hash, 'hex'), bootstrap))
      principal = { ...BOOTSTRAP, role: 'admin' };
    else {
      const user = await admins.findByHash(hash);
      if (user)
        principal = {
          actor: adminActor(user.name),
          name: user.name,
          role: user.role,
          id: user.id,
          via: 'user',
        };
    }
    if (!principal) throw refuse(c, (await open()) ? 'invalid_token' : 'closed');
    c.set('admin', principal);
    await next();
  };
}

/** The credential of `Authorization: Bearer <token>`; no regex, so a huge header costs linear time. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header || header.length < 8 || header.slice(0, 6).toLowerCase() !== 'bearer') return undefined;
  const sep = header[6];
  if (sep !== ' ' && sep !== '\t') return undefined;
  return header.slice(7).trim() || undefined;
}
