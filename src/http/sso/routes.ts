import { Hono } from 'hono';
import { csrfTokenOf, type SessionStore, ssoActor } from '../../access/session-store.js';
import { decideRole } from '../../access/sso-roles.js';
import type { AuditLog } from '../../audit/types.js';
import type { OidcConfig } from '../../config/oidc.js';
import { KeelError } from '../../errors.js';
import { clientIp } from '../client-ip.js';
import type { AppEnv } from '../types.js';
import {
  type CookiePolicy,
  clearSessionCookies,
  setLoginCookie,
  setSessionCookies,
  takeLoginCookie,
} from './cookies.js';
import { createOidcClient, type OidcClient } from './oidc.js';
import { refusalPage } from './page.js';
import { checkSession } from './session.js';

export interface SsoDeps {
  oidc: OidcConfig;
  sessions: SessionStore;
  audit: AuditLog;
  trustProxy: boolean;
  /** The relying party; tests may hand in their own. */
  client?: OidcClient;
  /** IdP failures, described without tokens, codes or claims. */
  onError?: (message: string, facts: Record<string, unknown>) => void;
  now?: () => number;
  /**
   * Sign-ins under way (started, not yet back from the IdP) at most: /auth/login writes one row
   * without authentication, so a flood of it must not grow the store without bound. Default 10,000.
   */
  maxPendingLogins?: number;
}

/** A sign-in must come back from the IdP within this long. */
const LOGIN_TTL_S = 600;
const PURGE_EVERY_MS = 60_000;

type RefusalReason = 'idp_error' | 'no_login' | 'token_exchange_failed' | 'no_role';

/**
 * `/auth`: Command Room sign-in with an OpenID Connect IdP (authorization code + PKCE, state and
 * nonce), sign-out, and whether SSO is on. Without `auth.oidc` only GET /auth/info answers.
 */
export function ssoRoutes(deps: SsoDeps | undefined): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/info', (c) => c.json(deps ? { sso: true, login_url: '/auth/login' } : { sso: false }));
  if (!deps) return app;

  const { oidc, sessions, audit, trustProxy } = deps;
  const client = deps.client ?? createOidcClient(oidc);
  const now = deps.now ?? Date.now;
  const redirect = new URL(oidc.redirect_uri);
  const policy: CookiePolicy = { secure: redirect.protocol === 'https:', callbackPath: redirect.pathname };
  const ownOrigin = redirect.origin;
  let lastPurge = 0;
  let lastFullReport = 0;
  const maxPending = deps.maxPendingLogins ?? 10_000;

  const describeError = (err: unknown): Record<string, unknown> => {
    // Names and OAuth error codes only: an error's message or cause may quote what the IdP sent.
    const e = err as { name?: unknown; code?: unknown; error?: unknown };
    const str = (v: unknown) => (typeof v === 'string' ? v.slice(0, 100) : undefined);
    return { name: str(e?.name), code: str(e?.code), error: str(e?.error) };
  };

  app.get('/login', async (c) => {
    let started: Awaited<ReturnType<OidcClient['start']>>;
    try {
      started = await client.start();
    } catch (err) {
      deps.onError?.('identity provider discovery failed', describeError(err));
      return c.html(
        refusalPage(
          'The identity provider did not answer',
          'Keel could not reach the identity provider to start the sign-in. Try again in a moment; if it persists, ask your Keel administrator to check auth.oidc.issuer.',
        ),
        502,
      );
    }
    if ((await sessions.pendingLogins()) >= maxPending) {
      if (now() - lastFullReport > PURGE_EVERY_MS) {
        lastFullReport = now();
        deps.onError?.('too many sign-ins under way; refusing new ones until some end or expire', {
          max: maxPending,
        });
      }
      c.header('retry-after', '60');
      return c.html(
        refusalPage(
          'Too many sign-ins in progress',
          'Keel has too many sign-ins waiting for the identity provider right now. Try again in a minute.',
        ),
        503,
      );
    }
    const id = await sessions.beginLogin(started.login, LOGIN_TTL_S * 1000);
    setLoginCookie(c, policy, id, LOGIN_TTL_S);
    if (now() - lastPurge > PURGE_EVERY_MS) {
      lastPurge = now();
      sessions
        .purgeExpired()
        .catch((err: unknown) => deps.onError?.('session purge failed', describeError(err)));
    }
    c.header('cache-control', 'no-store');
    return c.redirect(started.url.href, 302);
  });

  app.get('/callback', async (c) => {
    c.header('cache-control', 'no-store');
    const ip = clientIp(c, trustProxy);
    /** Audit the refusal and answer with a page that says what happened. */
    const refuse = (
      reason: RefusalReason,
      status: 400 | 403 | 502,
      page: [title: string, text: string],
      facts: Record<string, unknown> = {},
      who: { actor: string; target: string | null } = { actor: 'anonymous', target: null },
    ) => {
      audit.append({ ...who, action: 'sso.refused', details: { reason, ip, ...facts } });
      return c.html(refusalPage(...page), status);
    };
    const loginId = takeLoginCookie(c, policy);
    const idpError = c.req.query('error')?.slice(0, 100);
    if (idpError !== undefined)
      return refuse(
        'idp_error',
        400,
        ['Sign-in was not completed', `The identity provider answered "${idpError}".`],
        {
          error: idpError,
        },
      );
    const login = loginId === undefined ? undefined : await sessions.takeLogin(loginId);
    if (!login)
      return refuse('no_login', 400, [
        'This sign-in has expired',
        'It took longer than 10 minutes, was already used, or was started in another browser. Sign in again.',
      ]);
    let signedIn: Awaited<ReturnType<OidcClient['finish']>>;
    try {
      signedIn = await client.finish(new URL(c.req.url).search, login);
    } catch (err) {
      const facts = describeError(err);
      deps.onError?.('sign-in could not be completed with the identity provider', facts);
      return refuse(
        'token_exchange_failed',
        502,
        ['Sign-in failed', 'Keel could not confirm this sign-in with the identity provider. Sign in again.'],
        facts,
      );
    }
    const { claims, issuer } = signedIn;
    const subject = String(claims.sub).slice(0, 255);
    const nameClaim = claims[oidc.name_claim];
    const name = (typeof nameClaim === 'string' && nameClaim ? nameClaim : subject).slice(0, 200);
    const decision = decideRole(claims, oidc.role_claim, oidc.roles);
    const facts = { issuer, subject, name, claim: oidc.role_claim, groups: decision.groups.slice(0, 50) };
    if (decision.role === null)
      return refuse(
        'no_role',
        403,
        [
          'No Command Room role for this account',
          `You signed in as ${name}, but none of your groups gives a role in Keel. Ask your Keel administrator to map one of your groups under auth.oidc.roles.`,
        ],
        facts,
        { actor: ssoActor(name), target: subject },
      );
    const { id } = await sessions.create(
      { subject, issuer, name, role: decision.role },
      oidc.session_ttl_s * 1000,
      { ...facts, ip, matched_groups: decision.matched },
    );
    setSessionCookies(c, policy, { id, csrf: csrfTokenOf(id), maxAgeS: oidc.session_ttl_s });
    return c.redirect('/', 302);
  });

  app.post('/logout', async (c) => {
    const checked = await checkSession(c, sessions, ownOrigin);
    if (checked.kind === 'refused' && checked.reason === 'csrf') {
      audit.append({
        actor: 'anonymous',
        action: 'sso.refused',
        target: null,
        details: { reason: 'csrf', path: '/auth/logout', ip: clientIp(c, trustProxy) },
      });
      throw new KeelError('csrf_failed', "Sign-out needs the session's x-keel-csrf header.");
    }
    if (checked.kind === 'ok') await sessions.end(checked.sessionId, { ip: clientIp(c, trustProxy) });
    clearSessionCookies(c, policy);
    return c.body(null, 204);
  });

  return app;
}
