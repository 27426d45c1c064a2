import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

/** The session id: HttpOnly, so no script on the page can read it. */
export const SESSION_COOKIE = 'keel_session';
/** The session's CSRF token, readable by the Command Room, which echoes it in CSRF_HEADER. */
export const CSRF_COOKIE = 'keel_csrf';
export const CSRF_HEADER = 'x-keel-csrf';
/** A sign-in under way, sent back only to the callback. */
export const LOGIN_COOKIE = 'keel_login';

export interface CookiePolicy {
  /** Secure cookies when Keel is reached over https (the redirect URI says how). */
  secure: boolean;
  /** The redirect URI's path as the browser sees it (a proxy may serve Keel below a prefix). */
  callbackPath: string;
}

/**
 * SameSite=Lax: the cookies go with top-level navigations (the IdP's redirect back to Keel) but not
 * with another site's POSTs, fetches or frames. CSRF_HEADER covers what Lax leaves open.
 */
function base(policy: CookiePolicy, path: string, maxAgeS: number) {
  return { path, secure: policy.secure, sameSite: 'Lax' as const, maxAge: maxAgeS };
}

export function setLoginCookie(c: Context, policy: CookiePolicy, id: string, maxAgeS: number): void {
  setCookie(c, LOGIN_COOKIE, id, { ...base(policy, policy.callbackPath, maxAgeS), httpOnly: true });
}

export function takeLoginCookie(c: Context, policy: CookiePolicy): string | undefined {
  const id = getCookie(c, LOGIN_COOKIE);
  if (id !== undefined) deleteCookie(c, LOGIN_COOKIE, { path: policy.callbackPath, secure: policy.secure });
  return id;
}

export function setSessionCookies(
  c: Context,
  policy: CookiePolicy,
  session: { id: string; csrf: string; maxAgeS: number },
): void {
  setCookie(c, SESSION_COOKIE, session.id, { ...base(policy, '/', session.maxAgeS), httpOnly: true });
  setCookie(c, CSRF_COOKIE, session.csrf, base(policy, '/', session.maxAgeS));
}

export function clearSessionCookies(c: Context, policy: CookiePolicy): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: policy.secure });
  deleteCookie(c, CSRF_COOKIE, { path: '/', secure: policy.secure });
}

export function sessionIdOf(c: Context): string | undefined {
  return getCookie(c, SESSION_COOKIE);
}
