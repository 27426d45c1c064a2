import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { csrfTokenOf, type SessionStore, ssoActor } from '../../access/session-store.js';
import type { AdminPrincipal } from '../admin/types.js';
import { CSRF_HEADER, sessionIdOf } from './cookies.js';

/** Methods that change nothing: a cookie alone may call them (SameSite=Lax already keeps other sites' frames out). */
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export type SessionCheck =
  | { kind: 'none' }
  | { kind: 'ok'; principal: AdminPrincipal; sessionId: string }
  | { kind: 'refused'; reason: 'invalid_session' | 'csrf' };

/**
 * Who a request's session cookie signs in, if it carries one. A state-changing request must also
 * echo the session's CSRF token in `x-keel-csrf` (another site can make a browser send the cookie,
 * never a custom header), and when the browser names its origin it must be Keel's own.
 */
export async function checkSession(
  c: Context,
  sessions: SessionStore,
  ownOrigin: string,
): Promise<SessionCheck> {
  const id = sessionIdOf(c);
  if (id === undefined) return { kind: 'none' };
  const session = await sessions.find(id);
  if (!session) return { kind: 'refused', reason: 'invalid_session' };
  if (!SAFE.has(c.req.method)) {
    const origin = c.req.header('origin');
    if (
      (origin !== undefined && origin !== ownOrigin) ||
      !sameToken(c.req.header(CSRF_HEADER), csrfTokenOf(id))
    )
      return { kind: 'refused', reason: 'csrf' };
  }
  return {
    kind: 'ok',
    sessionId: id,
    principal: {
      actor: ssoActor(session.name),
      name: session.name,
      role: session.role,
      id: null,
      via: 'sso',
    },
  };
}

function sameToken(sent: string | undefined, expected: string): boolean {
  if (sent === undefined) return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
