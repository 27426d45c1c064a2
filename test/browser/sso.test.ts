import { createServer } from 'node:net';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeelApp, RunningServer } from '../../src/app.types.js';
import { buildKeel } from '../../src/build.js';
import { parseConfig } from '../../src/config/load.js';
import { serve } from '../../src/server.js';
import {
  type Browser,
  browserAvailability,
  type ConsoleLog,
  ensureCommandRoomBuilt,
  launchBrowser,
  seriousA11yViolations,
  watchConsole,
} from './helpers/browser.js';
import { ADMIN_TOKEN } from './helpers/constants.js';
import { startTestIdp, type TestIdp } from './helpers/idp.js';

/**
 * Command Room single sign-on end to end: a real OpenID Connect provider (oidc-provider) on an
 * ephemeral port, a real Keel, and Chromium going through the IdP's own login and consent pages.
 * The role comes from the user's groups; a user whose groups map to no role is refused; changes
 * made with the session cookie need its CSRF token; sign-out and expiry end the session; bearer
 * tokens keep working as before. Every sign-in, refusal and sign-out is in the audit log.
 */
const availability = browserAvailability();

const USERS = {
  olivia: { email: 'olivia@example.test', groups: ['staff', 'keel-ops'] },
  nora: { email: 'nora@example.test', groups: ['marketing'] },
};

/** A port nothing listens on now: Keel's redirect URI must be known before the IdP and Keel start. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as { port: number };
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

interface AuditRow {
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
}

describe.skipIf(!availability.run)('Command Room single sign-on in chromium', () => {
  let idp: TestIdp;
  let app: KeelApp;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let url: string;
  const log: ConsoleLog = { errors: [], failedResources: [] };

  beforeAll(async () => {
    await ensureCommandRoomBuilt();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    idp = await startTestIdp({ redirectUri: `${url}/auth/callback`, users: USERS });
    const config = parseConfig(
      {
        database: { url: 'sqlite::memory:' },
        logging: { level: 'silent' },
        admin: { token: ADMIN_TOKEN },
        auth: {
          oidc: {
            issuer: idp.issuer,
            client_id: idp.clientId,
            // biome-ignore lint/suspicious/noTemplateCurlyInString: keel.yaml ${VAR} interpolation, read by parseConfig
            client_secret: '${TEST_OIDC_SECRET}',
            redirect_uri: `${url}/auth/callback`,
            scopes: ['openid', 'email', 'groups'],
            roles: { admin: ['keel-admins'], operator: ['keel-ops'], viewer: ['staff-readonly'] },
            allow_http_issuer: true,
          },
        },
      },
      { TEST_OIDC_SECRET: idp.clientSecret },
    );
    app = await buildKeel(config, { logger: pino({ level: 'silent' }) });
    [server, browser] = await Promise.all([serve(app, { host: '127.0.0.1', port }), launchBrowser()]);
    page = await browser.context.newPage();
    watchConsole(page, log);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await app?.close();
    await idp?.close();
  });

  async function audit(action: string): Promise<AuditRow[]> {
    await app.services.audit.flush();
    const res = await fetch(`${url}/api/audit?action=${action}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    return ((await res.json()) as { data: AuditRow[] }).data;
  }

  async function sessionCookie(): Promise<string> {
    const c = (await browser.context.cookies(url)).find((k) => k.name === 'keel_session');
    if (!c) throw new Error('no keel_session cookie');
    return c.value;
  }

  /** Through the IdP's own pages: its login form (any password), then its consent page. */
  async function signInAtIdp(login: string): Promise<void> {
    await page.goto(`${url}/`);
    await page.getByRole('link', { name: 'Sign in with single sign-on' }).click();
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  it('signs an operator in through the IdP, with the role its group maps to', async () => {
    await signInAtIdp('olivia');
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    expect(new URL(page.url()).origin).toBe(url);
    expect(await page.locator('.who').textContent()).toContain('olivia@example.test');
    expect(await page.locator('.role').textContent()).toBe('operator');

    // Operator features, not admin ones.
    await page.goto(`${url}/keys`);
    await page.getByRole('button', { name: 'Create key' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Admin users' }).count()).toBe(0);

    const cookies = await browser.context.cookies(url);
    const session = cookies.find((c) => c.name === 'keel_session');
    const csrf = cookies.find((c) => c.name === 'keel_csrf');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(session?.expires).toBeGreaterThan(Date.now() / 1000);
    expect(csrf).toMatchObject({ httpOnly: false, sameSite: 'Lax' });

    const [signin] = await audit('sso.signin');
    expect(signin).toMatchObject({
      actor: 'sso:olivia@example.test',
      target: 'olivia',
      details: { role: 'operator', groups: ['staff', 'keel-ops'], matched_groups: ['keel-ops'] },
    });
    // No token, code or session id in what was recorded.
    expect(JSON.stringify(signin)).not.toContain(session?.value);
  });

  it('answers /api/whoami for the session, and refuses a change without the CSRF token', async () => {
    const request = browser.context.request;
    const me = await request.get(`${url}/api/whoami`);
    expect(me.status()).toBe(200);
    expect(await me.json()).toMatchObject({ actor: 'sso:olivia@example.test', role: 'operator', via: 'sso' });

    const body = { name: 'made-with-a-session' };
    const csrf = (await browser.context.cookies(url)).find((c) => c.name === 'keel_csrf')?.value ?? '';
    const missing = await request.post(`${url}/api/keys`, { data: body });
    expect(missing.status()).toBe(403);
    expect((await missing.json()).error.code).toBe('csrf_failed');
    const forged = await request.post(`${url}/api/keys`, {
      data: body,
      headers: { 'x-keel-csrf': `${csrf}x` },
    });
    expect(forged.status()).toBe(403);
    const elsewhere = await request.post(`${url}/api/keys`, {
      data: body,
      headers: { 'x-keel-csrf': csrf, origin: 'http://evil.example' },
    });
    expect(elsewhere.status()).toBe(403);
    const keysBefore = await app.services.keys.list();
    expect(keysBefore.some((k) => k.name === body.name)).toBe(false);

    // A bearer token wins over the cookie: automation from a signed-in browser needs no CSRF token.
    const bearer = { authorization: `Bearer ${ADMIN_TOKEN}` };
    expect(await (await request.get(`${url}/api/whoami`, { headers: bearer })).json()).toMatchObject({
      via: 'bootstrap',
    });
    expect(
      (
        await request.post(`${url}/api/keys`, { data: { name: 'bearer-in-a-browser' }, headers: bearer })
      ).status(),
    ).toBe(201);

    // Another site cannot sign the user out either.
    const logout = await request.post(`${url}/auth/logout`);
    expect(logout.status()).toBe(403);
    expect((await request.get(`${url}/api/whoami`)).status()).toBe(200);

    const made = await request.post(`${url}/api/keys`, { data: body, headers: { 'x-keel-csrf': csrf } });
    expect(made.status()).toBe(201);
    const refusals = (await audit('admin.refused')).filter((e) => e.details.reason === 'csrf');
    expect(refusals).toHaveLength(3);
    expect((await audit('sso.refused')).filter((e) => e.details.reason === 'csrf')).toHaveLength(1);
    const [created] = await audit('key.create');
    expect(created?.actor).toBe('sso:olivia@example.test');
  });

  it('keeps bearer tokens working for automation, with no CSRF token', async () => {
    const res = await fetch(`${url}/api/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'made-by-automation' }),
    });
    expect(res.status).toBe(201);
    const me = await fetch(`${url}/api/whoami`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(await me.json()).toMatchObject({ via: 'bootstrap', role: 'admin' });
  });

  it('signs out: the session ends on the server, not only in the browser', async () => {
    await page.goto(`${url}/`);
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    const old = await sessionCookie();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in with single sign-on' }).waitFor();
    expect((await browser.context.cookies(url)).map((c) => c.name)).not.toContain('keel_session');
    expect(await seriousA11yViolations(page)).toEqual([]);
    const replay = await fetch(`${url}/api/whoami`, { headers: { cookie: `keel_session=${old}` } });
    expect(replay.status).toBe(401);
    const [signout] = await audit('sso.signout');
    expect(signout).toMatchObject({ actor: 'sso:olivia@example.test', target: 'olivia' });
  });

  it('refuses an expired session', async () => {
    // The IdP remembers the user and the consent: signing in again goes straight through.
    await page.getByRole('link', { name: 'Sign in with single sign-on' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    const id = await sessionCookie();
    await app.services.database.db
      .updateTable('admin_sessions')
      .set({ expires_at: Date.now() - 1 })
      .execute();
    const res = await fetch(`${url}/api/whoami`, { headers: { cookie: `keel_session=${id}` } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
      'session has ended',
    );
    await page.reload();
    await page.getByRole('link', { name: 'Sign in with single sign-on' }).waitFor();
    expect(await page.locator('.notice').textContent()).toContain('session has ended');
  });

  it('refuses a user whose groups map to no role, with a page saying so, and audits it', async () => {
    await browser.context.clearCookies();
    await signInAtIdp('nora');
    await page.getByRole('heading', { name: 'No Command Room role for this account' }).waitFor();
    expect(await page.locator('main').textContent()).toContain('nora@example.test');
    expect((await browser.context.cookies(url)).map((c) => c.name)).not.toContain('keel_session');
    const refused = (await audit('sso.refused')).find((e) => e.details.reason === 'no_role');
    expect(refused).toMatchObject({
      actor: 'sso:nora@example.test',
      target: 'nora',
      details: { groups: ['marketing'], claim: 'groups' },
    });
  });

  it('refuses a callback that no sign-in in this browser started', async () => {
    const res = await fetch(`${url}/auth/callback?code=stolen-code&state=guessed`);
    expect(res.status).toBe(400);
    const refused = (await audit('sso.refused')).find((e) => e.details.reason === 'no_login');
    expect(refused).toBeDefined();
    expect(JSON.stringify(refused)).not.toContain('stolen-code');
  });

  it('logged no console error on Keel pages', () => {
    expect(log.errors.filter((e) => e.includes(url))).toEqual([]);
  });
});

if (!availability.run)
  describe('Command Room single sign-on in chromium', () => {
    it.skip(availability.reason, () => {});
  });
