import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MemoryAudit, memoryAudit } from '../../access/memory-audit.js';
import { createSessionStore, type SessionStore } from '../../access/session-store.js';
import { oidcSchema } from '../../config/oidc.js';
import { type Database, openDatabase } from '../../store/db.js';
import type { OidcClient } from './oidc.js';
import { ssoRoutes } from './routes.js';

/**
 * The /auth routes around a stand-in relying party: what each way a sign-in can end sets, answers
 * and records. The protocol itself (PKCE, state, nonce against a real IdP) is test/browser/sso.test.ts.
 */
const OIDC = oidcSchema.parse({
  issuer: 'https://idp.example',
  client_id: 'keel',
  redirect_uri: 'https://keel.example.com/keel/auth/callback',
  roles: { operator: ['ops'] },
  session_ttl_s: 3600,
});
const CODE = 'the-authorization-code-0123456789';

describe('sso routes', () => {
  let database: Database;
  let sessions: SessionStore;
  let audit: MemoryAudit;
  const errors: Array<{ message: string; facts: Record<string, unknown> }> = [];
  let behaviour: 'ok' | 'idp-down' | 'exchange-fails' = 'ok';
  let groups: string[] = ['ops'];

  const client: OidcClient = {
    async start() {
      if (behaviour === 'idp-down') throw new TypeError('fetch failed');
      return {
        login: { state: 'st', nonce: 'nn', codeVerifier: 'cv' },
        url: new URL('https://idp.example/authorize?state=st'),
      };
    },
    async finish(search, login) {
      expect(login).toEqual({ state: 'st', nonce: 'nn', codeVerifier: 'cv' });
      if (behaviour === 'exchange-fails')
        throw Object.assign(new Error(`invalid_grant for ${new URLSearchParams(search).get('code')}`), {
          name: 'ResponseBodyError',
          code: 'OAUTH_RESPONSE_BODY_ERROR',
          error: 'invalid_grant',
        });
      return { issuer: 'https://idp.example', claims: { sub: 'u1', email: 'ana@example.com', groups } };
    },
  };

  beforeAll(async () => {
    database = await openDatabase('sqlite::memory:');
  });
  afterAll(() => database?.close());

  function app(maxPendingLogins?: number) {
    audit = memoryAudit();
    sessions = createSessionStore(database, { audit });
    return ssoRoutes({
      ...(maxPendingLogins === undefined ? {} : { maxPendingLogins }),
      oidc: OIDC,
      sessions,
      audit,
      trustProxy: false,
      client,
      onError: (message, facts) => errors.push({ message, facts }),
    });
  }

  /** /auth/login, then the IdP's redirect back with the login cookie it set. */
  async function signIn(a: ReturnType<typeof app>): Promise<Response> {
    const login = await a.request('/login');
    expect(login.status).toBe(302);
    const cookie = login.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(
      /^keel_login=[\w-]{43}; Max-Age=600; Path=\/keel\/auth\/callback; HttpOnly; Secure; SameSite=Lax/,
    );
    return a.request(`/callback?code=${CODE}&state=st`, { headers: { cookie: cookie.split(';')[0] ?? '' } });
  }

  it('caps the sign-ins under way: an unauthenticated flood of /auth/login cannot grow the store without bound', async () => {
    behaviour = 'ok';
    await database.db.deleteFrom('sso_logins').execute();
    const a = app(3);
    for (let i = 0; i < 3; i++) expect((await a.request('/login')).status).toBe(302);
    const full = await a.request('/login');
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).toBe('60');
    expect(full.headers.get('set-cookie')).toBeNull();
    expect(await full.text()).toContain('Too many sign-ins in progress');
    expect(await database.db.selectFrom('sso_logins').selectAll().execute()).toHaveLength(3);
    // A sign-in that ends frees its place.
    expect((await signIn(app(4))).status).toBe(302);
    expect(await database.db.selectFrom('sso_logins').selectAll().execute()).toHaveLength(3);
    await database.db.deleteFrom('sso_logins').execute();
  });

  it('sets HttpOnly, Secure (https), SameSite=Lax cookies that expire with the session', async () => {
    behaviour = 'ok';
    groups = ['ops'];
    const res = await signIn(app());
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/');
    const cookies = res.headers.getSetCookie();
    expect(cookies.find((c) => c.startsWith('keel_session='))).toMatch(
      /^keel_session=[\w-]{43}; Max-Age=3600; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    );
    expect(cookies.find((c) => c.startsWith('keel_csrf='))).toMatch(
      /^keel_csrf=[\w-]{43}; Max-Age=3600; Path=\/; Secure; SameSite=Lax$/,
    );
    expect(audit.entries.map((e) => e.action)).toEqual(['sso.signin']);
    expect(JSON.stringify(audit.entries)).not.toContain(CODE);
  });

  it('refuses a user whose groups map to no role: 403 page, no session', async () => {
    behaviour = 'ok';
    groups = ['sales'];
    const res = await signIn(app());
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('You signed in as ana@example.com, but none of your groups');
    expect(res.headers.getSetCookie().some((c) => c.startsWith('keel_session='))).toBe(false);
    expect(audit.entries).toEqual([
      expect.objectContaining({
        action: 'sso.refused',
        details: expect.objectContaining({ reason: 'no_role' }),
      }),
    ]);
  });

  it('answers a page, not a stack, when the IdP is down or refuses the code, and records neither code nor message', async () => {
    behaviour = 'idp-down';
    const a = app();
    const down = await a.request('/login');
    expect(down.status).toBe(502);
    expect(await down.text()).toContain('The identity provider did not answer');

    behaviour = 'exchange-fails';
    errors.length = 0;
    const failed = await signIn(a);
    expect(failed.status).toBe(502);
    const refused = audit.entries.find((e) => e.action === 'sso.refused');
    expect(refused?.details).toMatchObject({ reason: 'token_exchange_failed', error: 'invalid_grant' });
    expect(JSON.stringify([audit.entries, errors])).not.toContain(CODE);
  });

  it('passes on the IdP error, escaped', async () => {
    const res = await app().request('/callback?error=<b>access_denied</b>');
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('&lt;b&gt;access_denied&lt;/b&gt;');
    expect(html).not.toContain('<b>');
    expect(audit.entries[0]?.details).toMatchObject({ reason: 'idp_error' });
  });

  it('says whether SSO is on', async () => {
    expect(await (await app().request('/info')).json()).toEqual({ sso: true, login_url: '/auth/login' });
    expect(await (await ssoRoutes(undefined).request('/info')).json()).toEqual({ sso: false });
    expect((await ssoRoutes(undefined).request('/login')).status).toBe(404);
  });
});
