import { afterEach, describe, expect, it } from 'vitest';
import type { AdminRole } from '../../access/admin.js';
import { defineGroup } from './api/declare.js';
import { type AdminHarness, adminHarness, PLANTED } from './testkit.js';

let h: AdminHarness;
afterEach(async () => {
  await h?.close();
});

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

async function errorOf(res: Response): Promise<{ code: string; message: string; type: string }> {
  return (await json(res)).error as { code: string; message: string; type: string };
}

describe('admin API authentication', () => {
  it('is closed, with a message naming KEEL_ADMIN_TOKEN, when no token and no admin user exist', async () => {
    h = await adminHarness({ bootstrap: false });
    for (const [method, path] of [
      ['GET', '/whoami'],
      ['GET', '/keys'],
      ['POST', '/keys'],
      ['GET', '/config'],
    ] as const) {
      const res = await h.call(method, path, { token: 'anything-at-all-0123456789' });
      expect(res.status).toBe(401);
      const e = await errorOf(res);
      expect(e.code).toBe('admin_auth_required');
      expect(e.type).toBe('authentication_error');
      expect(e.message).toContain('KEEL_ADMIN_TOKEN');
    }
    expect((await h.call('GET', '/whoami')).status).toBe(401);
    expect(h.audit.entries.every((e) => e.action === 'admin.refused' && e.details?.reason === 'closed')).toBe(
      true,
    );

    // Once an admin user exists (created with the CLI, straight in the store) the API opens for it.
    const { token } = await h.admins.create({ name: 'root', role: 'admin' }, 'cli');
    const res = await h.call('GET', '/whoami', { token });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ actor: 'admin:root', role: 'admin', via: 'user' });
    const none = await h.call('GET', '/whoami');
    expect(await errorOf(none)).toMatchObject({ code: 'admin_auth_required' });
  });

  it('accepts the bootstrap token and refuses a missing, wrong or misplaced one, auditing without it', async () => {
    h = await adminHarness();
    const ok = await h.call('GET', '/whoami', { token: PLANTED.bootstrap });
    expect(ok.status).toBe(200);
    expect(await json(ok)).toEqual({
      actor: 'admin:bootstrap',
      name: 'bootstrap',
      role: 'admin',
      id: null,
      via: 'bootstrap',
    });

    const wrong = [
      `${PLANTED.bootstrap}x`,
      PLANTED.bootstrap.slice(0, -1),
      PLANTED.bootstrap.toUpperCase(),
      "' OR '1'='1",
      PLANTED.configKey, // a /v1 client key is not an admin credential
      'x'.repeat(600),
    ];
    for (const token of wrong) {
      const res = await h.call('GET', '/keys', { token });
      expect(res.status).toBe(401);
      expect((await errorOf(res)).message).toContain('not valid');
    }
    const cases: Array<Record<string, string>> = [
      {},
      { authorization: `Basic ${Buffer.from(`admin:${PLANTED.bootstrap}`).toString('base64')}` },
      { authorization: PLANTED.bootstrap },
      { 'x-api-key': PLANTED.bootstrap },
      { 'x-forwarded-for': '127.0.0.1', host: 'localhost' },
    ];
    for (const headers of cases) {
      const res = await h.call('GET', '/keys', { headers });
      expect(res.status).toBe(401);
      expect(await errorOf(res)).toMatchObject({ code: 'admin_auth_required' });
    }

    const refused = h.audit.entries.filter((e) => e.action === 'admin.refused');
    expect(refused).toHaveLength(wrong.length + cases.length);
    expect(refused[0]).toMatchObject({
      actor: 'anonymous',
      details: { status: 401, method: 'GET', path: '/api/keys' },
    });
    const text = JSON.stringify(h.audit.entries);
    for (const t of [PLANTED.bootstrap, ...wrong.slice(0, 3)]) expect(text).not.toContain(t);
  });

  it('refuses a revoked admin user at once', async () => {
    h = await adminHarness();
    const created = await json(
      await h.call('POST', '/admins', { token: PLANTED.bootstrap, body: { name: 'temp', role: 'operator' } }),
    );
    const token = created.token as string;
    expect(token).toMatch(/^keel-admin-[0-9A-Za-z]{43}$/);
    expect((await h.call('GET', '/whoami', { token })).status).toBe(200);
    const del = await h.call('DELETE', `/admins/${created.id as string}`, { token: PLANTED.bootstrap });
    expect(del.status).toBe(200);
    expect(await json(del)).toMatchObject({ status: 'revoked', name: 'temp' });
    expect((await h.call('GET', '/whoami', { token })).status).toBe(401);
  });
});

/**
 * Every route of the admin API with the least role allowed to call it. Each role is tried on each
 * route: allowed → a 2xx, refused → 403 forbidden_role and nothing changed.
 */
interface RouteCase {
  method: string;
  path: (ids: { key: string; admin: string }) => string;
  body?: unknown;
  min: AdminRole;
}

const ROUTES: RouteCase[] = [
  { method: 'GET', path: () => '/whoami', min: 'viewer' },
  { method: 'GET', path: () => '/config', min: 'viewer' },
  { method: 'GET', path: () => '/usage', min: 'viewer' },
  { method: 'GET', path: () => '/keys', min: 'viewer' },
  { method: 'HEAD', path: () => '/keys', min: 'viewer' },
  { method: 'GET', path: (i) => `/keys/${i.key}`, min: 'viewer' },
  { method: 'POST', path: () => '/keys', body: { name: 'made by role test' }, min: 'operator' },
  { method: 'PATCH', path: (i) => `/keys/${i.key}`, body: { rpm: 99 }, min: 'operator' },
  { method: 'POST', path: (i) => `/keys/${i.key}/rotate`, body: { grace_s: 5 }, min: 'operator' },
  { method: 'DELETE', path: (i) => `/keys/${i.key}`, min: 'operator' },
  { method: 'GET', path: () => '/admins', min: 'admin' },
  { method: 'HEAD', path: () => '/admins', min: 'admin' },
  { method: 'POST', path: () => '/admins', body: { name: 'made-by-test', role: 'viewer' }, min: 'admin' },
  { method: 'DELETE', path: (i) => `/admins/${i.admin}`, min: 'admin' },
];

const RANK: Record<AdminRole, number> = { viewer: 0, operator: 1, admin: 2 };

describe.each(['viewer', 'operator', 'admin'] as const)('the %s role', (role) => {
  it.each(ROUTES)(`$method $min-route`, async (route) => {
    h = await adminHarness();
    const boot = { token: PLANTED.bootstrap };
    const { token } = await h.admins.create({ name: `as-${role}`, role }, 'cli');
    const key = (await h.keys.create({ name: 'target', rpm: 1 }, 'cli')).key;
    const victim = (await h.admins.create({ name: 'victim', role: 'viewer' }, 'cli')).admin;
    const path = route.path({ key: key.id, admin: victim.id });
    const before = JSON.stringify([await h.keys.list({ includeRevoked: true }), await h.admins.list()]);

    const res = await h.call(route.method, path, { token, ...(route.body ? { body: route.body } : {}) });
    if (RANK[role] >= RANK[route.min]) {
      expect(res.status, `${role} ${route.method} ${path}`).toBeGreaterThanOrEqual(200);
      expect(res.status).toBeLessThan(300);
    } else {
      expect(res.status, `${role} ${route.method} ${path}`).toBe(403);
      if (route.method !== 'HEAD') {
        const e = await errorOf(res);
        expect(e.code).toBe('forbidden_role');
        expect(e.message).toContain(route.min);
      }
      const after = JSON.stringify([await h.keys.list({ includeRevoked: true }), await h.admins.list()]);
      expect(after).toBe(before);
      expect(h.audit.entries.at(-1)).toMatchObject({
        actor: `admin:as-${role}`,
        action: 'admin.refused',
        details: { status: 403, role, required_role: route.min },
      });
    }
    // The bootstrap token may do everything.
    expect((await h.call('GET', '/admins', boot)).status).toBe(200);
  });
});

describe('routes no declaration matches', () => {
  it('need the admin role, then answer route_not_found', async () => {
    h = await adminHarness();
    const viewer = (await h.admins.create({ name: 'v', role: 'viewer' }, 'cli')).token;
    // Unknown paths: refused below admin; trailing-slash and case tricks too.
    for (const p of ['/nope', '/keys/', '/KEYS', '/keys/x/y', '/keys/../admins']) {
      expect((await h.call('GET', p, { token: viewer })).status).toBe(403);
    }
    const res = await h.call('GET', '/nope', { token: PLANTED.bootstrap });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('route_not_found');
    // A declared route with an unknown id is a plain not_found, so clients can tell the two apart.
    const missing = await h.call('GET', '/keys/key_0123456789abcdef', { token: PLANTED.bootstrap });
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it("a group's declared role is the rule enforced", async () => {
    const group = defineGroup({
      title: 'test',
      routes: { ping: { method: 'GET', path: '/ping', role: 'operator', summary: 'test' } },
      needs: () => true,
      handlers: () => ({ ping: () => ({ ok: true }) }),
    });
    h = await adminHarness({ api: { groups: [group] } });
    const viewer = (await h.admins.create({ name: 'v', role: 'viewer' }, 'cli')).token;
    const operator = (await h.admins.create({ name: 'o', role: 'operator' }, 'cli')).token;
    expect((await h.call('GET', '/ping', { token: viewer })).status).toBe(403);
    expect(await (await h.call('GET', '/ping', { token: operator })).json()).toEqual({ ok: true });
    // Groups not given are not mounted: their paths are unknown routes.
    expect((await h.call('GET', '/keys', { token: PLANTED.bootstrap })).status).toBe(404);
  });
});
