import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashKey } from '../../access/keys.js';
import { ENDPOINTS } from '../../access/model.js';
import type { UsageEvent } from '../../store/types.js';
import { createUsageWriter } from '../../store/usage.js';
import { maskUrl } from './config.js';
import { type AdminHarness, adminHarness, PLANTED } from './testkit.js';

let h: AdminHarness;
const boot = { token: PLANTED.bootstrap };
beforeEach(async () => {
  h = await adminHarness();
});
afterEach(async () => {
  await h.close();
});

type Json = Record<string, unknown>;

async function json(res: Response): Promise<Json> {
  return (await res.json()) as Json;
}

async function errorOf(res: Response): Promise<{ code: string; param: string | null; message: string }> {
  return (await json(res)).error as { code: string; param: string | null; message: string };
}

describe('keys API', () => {
  it('creates a key and shows its value only in the create and rotate responses', async () => {
    const res = await h.call('POST', '/keys', {
      ...boot,
      body: {
        name: 'support bot',
        models: ['gpt-4o*'],
        tools: ['lookup_order'],
        use_cases: ['support'],
        team: 'cx',
        rpm: 60,
        tpm: 10_000,
        max_tokens: 1024,
        budget_usd: 5,
        budget_period: 'day',
        expires_at: '2999-01-01T00:00:00Z',
        allowed_cidrs: ['10.0.0.0/8'],
      },
    });
    expect(res.status).toBe(201);
    const created = await json(res);
    const secret = created.key as string;
    expect(secret).toMatch(/^sk-keel-[0-9A-Za-z]{43}$/);
    expect(Object.keys(created).slice(0, 2)).toEqual(['id', 'key']);
    expect(created).toMatchObject({
      name: 'support bot',
      models: ['gpt-4o*'],
      endpoints: [...ENDPOINTS],
      tools: ['lookup_order'],
      use_cases: ['support'],
      team: 'cx',
      rpm: 60,
      tpm: 10_000,
      max_tokens: 1024,
      budget_usd: 5,
      budget_period: 'day',
      expires_at: '2999-01-01T00:00:00.000Z',
      allowed_cidrs: ['10.0.0.0/8'],
      status: 'active',
      created_by: 'admin:bootstrap',
      prefix: secret.slice(0, 14),
    });
    const id = created.id as string;
    expect((await h.keys.findByHash(hashKey(secret)))?.key.id).toBe(id);

    const later = [
      await h.call('GET', '/keys', boot),
      await h.call('GET', `/keys/${id}`, boot),
      await h.call('GET', '/keys?include_revoked=true', boot),
      await h.call('PATCH', `/keys/${id}`, { ...boot, body: { rpm: 30, team: null } }),
    ];
    for (const r of later) {
      expect(r.status).toBe(200);
      const text = await r.text();
      expect(text).not.toContain(secret);
      expect(text).not.toContain(hashKey(secret));
      expect(text).not.toContain('"key"');
    }
    const one = await json(await h.call('GET', `/keys/${id}`, boot));
    expect(one).toMatchObject({ rpm: 30, team: null, tpm: 10_000 });

    const rotated = await h.call('POST', `/keys/${id}/rotate`, { ...boot, body: { grace_s: 120 } });
    expect(rotated.status).toBe(200);
    const r = await json(rotated);
    const fresh = r.key as string;
    expect(fresh).toMatch(/^sk-keel-/);
    expect(fresh).not.toBe(secret);
    expect(r.id).toBe(id);
    const graceEnd = Date.parse(r.previous_key_expires_at as string);
    expect(graceEnd - Date.parse(r.updated_at as string)).toBe(120_000);
    expect((await h.keys.findByHash(hashKey(secret)))?.secretExpiresAt).toBe(graceEnd);
    expect((await h.keys.findByHash(hashKey(fresh)))?.secretExpiresAt).toBeNull();

    const del = await h.call('DELETE', `/keys/${id}`, boot);
    expect(del.status).toBe(200);
    const revoked = await del.text();
    expect(revoked).not.toContain(fresh);
    expect(JSON.parse(revoked)).toMatchObject({ id, status: 'revoked' });
    expect((await h.keys.findByHash(hashKey(fresh)))?.key.revokedAt).not.toBeNull();
    expect((await json(await h.call('GET', '/keys', boot))).data).toEqual([]);
    expect(
      ((await json(await h.call('GET', '/keys?include_revoked=true', boot))).data as Json[]).length,
    ).toBe(1);
  });

  it('applies deny-by-default scopes and the configured rotation grace', async () => {
    const created = await json(await h.call('POST', '/keys', { ...boot, body: { name: 'bare' } }));
    expect(created).toMatchObject({
      models: [],
      tools: [],
      mcp_servers: [],
      mcp_tools: [],
      use_cases: [],
      budget_period: 'month',
    });
    const agent = await json(
      await h.call('POST', '/keys', {
        ...boot,
        body: { name: 'agent', mcp_servers: ['fs'], mcp_tools: ['crm__read_*'] },
      }),
    );
    expect(agent).toMatchObject({ mcp_servers: ['fs'], mcp_tools: ['crm__read_*'] });
    const patched = await json(
      await h.call('PATCH', `/keys/${agent.id as string}`, { ...boot, body: { mcp_servers: ['*'] } }),
    );
    expect(patched).toMatchObject({ mcp_servers: ['*'], mcp_tools: ['crm__read_*'] });
    // An empty JSON body and no body at all both mean "defaults" for rotate.
    for (const init of [{ body: {} }, {}]) {
      const res = await h.call('POST', `/keys/${created.id as string}/rotate`, { ...boot, ...init });
      expect(res.status).toBe(200);
      const r = await json(res);
      expect(Date.parse(r.previous_key_expires_at as string) - Date.parse(r.updated_at as string)).toBe(
        h.config.access.rotation_grace_s * 1000,
      );
    }
  });

  it('answers bad input with clean 4xx errors naming the parameter', async () => {
    const cases: Array<
      [string, string, { body?: unknown; headers?: Record<string, string> }, number, string, string | null]
    > = [
      ['POST', '/keys', { body: {} }, 400, 'invalid_request', 'name'],
      ['POST', '/keys', { body: { name: 'x', modelz: ['a'] } }, 400, 'invalid_request', 'modelz'],
      ['POST', '/keys', { body: { name: 'evil\u202Etxt.exe' } }, 400, 'invalid_request', 'name'],
      ['POST', '/keys', { body: { name: 'zero\u200Bwidth' } }, 400, 'invalid_request', 'name'],
      ['POST', '/keys', { body: { name: 'x', rpm: '60' } }, 400, 'invalid_request', 'rpm'],
      [
        'POST',
        '/keys',
        { body: { name: 'x', mcp_servers: ['Bad Id'] } },
        400,
        'invalid_request',
        'mcp_servers[0]',
      ],
      ['POST', '/keys', { body: { name: 'x', rpm: -1 } }, 400, 'invalid_request', 'rpm'],
      ['POST', '/keys', { body: { name: 'x', budget_usd: 0 } }, 400, 'invalid_request', 'budget_usd'],
      [
        'POST',
        '/keys',
        { body: { name: 'x', budget_period: 'year' } },
        400,
        'invalid_request',
        'budget_period',
      ],
      [
        'POST',
        '/keys',
        { body: { name: 'x', expires_at: '2001-01-01' } },
        400,
        'invalid_request',
        'expires_at',
      ],
      [
        'POST',
        '/keys',
        { body: { name: 'x', expires_at: 'tomorrow' } },
        400,
        'invalid_request',
        'expires_at',
      ],
      ['POST', '/keys', { body: { name: 'x', expires_at: 1 } }, 400, 'invalid_request', 'expires_at'],
      [
        'POST',
        '/keys',
        { body: { name: 'x', allowed_cidrs: ['300.1.1.1/8'] } },
        400,
        'invalid_request',
        'allowed_cidrs[0]',
      ],
      [
        'POST',
        '/keys',
        { body: { name: 'x', endpoints: ['admin'] } },
        400,
        'invalid_request',
        'endpoints[0]',
      ],
      ['POST', '/keys', { body: [{ name: 'x' }] }, 400, 'invalid_request', null],
      ['POST', '/keys', { body: '{"name": "x"' }, 400, 'invalid_json', null],
      [
        'POST',
        '/keys',
        { body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
        415,
        'unsupported_media_type',
        null,
      ],
      [
        'POST',
        '/keys',
        { body: '{"name":"x"}', headers: { 'content-type': 'text/plain' } },
        415,
        'unsupported_media_type',
        null,
      ],
      ['POST', '/keys', { body: { name: 'x'.repeat(2_000_000) } }, 413, 'body_too_large', null],
      ['PATCH', '/keys/key_0123456789abcdef', { body: { rpm: 5 } }, 404, 'not_found', 'id'],
      ['GET', "/keys/' OR '1'='1", {}, 404, 'not_found', null],
      ['DELETE', '/keys/%27%3B%20DROP%20TABLE%20virtual_keys%3B--', {}, 404, 'not_found', 'id'],
      ['POST', '/keys/key_0123456789abcdef/rotate', { body: { grace_s: 10 } }, 404, 'not_found', 'id'],
      [
        'POST',
        '/keys/key_0123456789abcdef/rotate',
        { body: { grace_s: -1 } },
        400,
        'invalid_request',
        'grace_s',
      ],
      ['GET', '/usage?limit=abc', {}, 400, 'invalid_request', 'limit'],
      ['GET', '/usage?since=yesterday', {}, 400, 'invalid_request', 'since'],
      ['POST', '/admins', { body: { name: 'bootstrap', role: 'admin' } }, 400, 'invalid_request', 'name'],
      ['POST', '/admins', { body: { name: 'eve', role: 'root' } }, 400, 'invalid_request', 'role'],
      ['POST', '/admins', { body: { name: "eve'; --", role: 'viewer' } }, 400, 'invalid_request', 'name'],
      ['DELETE', '/admins/adm_0123456789abcdef', {}, 404, 'not_found', 'id'],
    ];
    for (const [method, path, init, status, code, param] of cases) {
      const res = await h.call(method, path, { ...boot, ...init });
      expect(res.status, `${method} ${path} ${JSON.stringify(init).slice(0, 80)}`).toBe(status);
      const e = await errorOf(res);
      expect(e.code, `${method} ${path}`).toBe(code);
      if (param !== null) expect(e.param, `${method} ${path}`).toBe(param);
    }
    expect(await h.keys.list({ includeRevoked: true })).toEqual([]);
  });

  it('stores SQL-ish and unicode names verbatim', async () => {
    const name = "Robert'); DROP TABLE virtual_keys;-- 名前 café";
    const res = await h.call('POST', '/keys', { ...boot, body: { name, team: '" OR 1=1 --' } });
    expect(res.status).toBe(201);
    const id = (await json(res)).id as string;
    expect(await json(await h.call('GET', `/keys/${id}`, boot))).toMatchObject({ name, team: '" OR 1=1 --' });
  });
});

describe('admin users API', () => {
  it('creates, lists and revokes admins; the token is shown once and never stored', async () => {
    const res = await h.call('POST', '/admins', { ...boot, body: { name: 'alice', role: 'operator' } });
    expect(res.status).toBe(201);
    const a = await json(res);
    const token = a.token as string;
    expect(a).toMatchObject({
      name: 'alice',
      role: 'operator',
      status: 'active',
      created_by: 'admin:bootstrap',
    });
    const stored = JSON.stringify(await h.database.db.selectFrom('admin_users').selectAll().execute());
    expect(stored).not.toContain(token);
    expect(stored).toContain(hashKey(token));

    const dup = await h.call('POST', '/admins', { ...boot, body: { name: 'alice', role: 'viewer' } });
    expect(dup.status).toBe(400);

    const list = await h.call('GET', '/admins', boot);
    const text = await list.text();
    expect(text).not.toContain(token);
    expect(text).not.toContain(hashKey(token));
    expect((JSON.parse(text) as { data: Json[] }).data.map((x) => x.name)).toEqual(['alice']);

    // alice (operator) acts with her own name in the audit log.
    const k = await h.call('POST', '/keys', { token, body: { name: 'by alice' } });
    expect(k.status).toBe(201);
    expect(h.audit.entries.at(-1)).toMatchObject({ actor: 'admin:alice', action: 'key.create' });

    await h.call('DELETE', `/admins/${a.id as string}`, boot);
    expect((await json(await h.call('GET', '/admins', boot))).data).toEqual([]);
    const all = (await json(await h.call('GET', '/admins?include_revoked=true', boot))).data as Json[];
    expect(all[0]).toMatchObject({ name: 'alice', status: 'revoked' });
  });
});

describe('config and usage views', () => {
  it('masks every secret in GET /config', async () => {
    const res = await h.call('GET', '/config', boot);
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const secret of Object.values(PLANTED)) expect(text).not.toContain(secret);
    const cfg = JSON.parse(text) as {
      admin: Json;
      auth: { keys: Json[] };
      audit: Json;
      providers: Json[];
      database: Json;
      models: Json[];
    };
    expect(cfg.admin.token).toBe('***');
    expect(cfg.auth.keys[0]).toMatchObject({ name: 'legacy', key: '***' });
    expect(cfg.audit.signing_key).toBe('***');
    expect(cfg.providers[0]).toMatchObject({
      id: 'openai',
      api_key: '***',
      headers: { Authorization: '***' },
    });
    expect(cfg.database.url).toBe('postgres://keel:***@db.internal:5432/keel');
    expect(cfg.models[0]).toMatchObject({ name: 'chat' }); // the rest is shown as is
    expect(maskUrl('postgres://u@h/db?sslpassword=x&a=1')).toBe('postgres://u@h/db?sslpassword=***&a=1');
    expect(maskUrl('sqlite:.keel/keel.db')).toBe('sqlite:.keel/keel.db');
  });

  it('lists recent usage events with limit, since and use_case filters', async () => {
    const writer = createUsageWriter(h.database, { flushIntervalMs: 60_000, batchSize: 100 });
    const base: UsageEvent = {
      requestId: 'r',
      ts: 1_800_000_000_000,
      endpoint: 'chat',
      apiShape: 'openai',
      stream: false,
      modelRequested: 'chat',
      provider: 'openai',
      modelUpstream: 'gpt-4o',
      attempts: 1,
      fallbacks: [],
      cacheHit: false,
      status: 200,
      errorCode: null,
      latencyMs: 10,
      ttftMs: null,
      inputTokens: 10,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: 5,
      reasoningTokens: 0,
      tokensEstimated: false,
      costUsd: 0.001,
      priceVersion: 'v1',
      keyId: 'key_0123456789abcdef',
      useCase: 'support',
      team: null,
      userId: null,
      feature: null,
      traceId: null,
    };
    for (let i = 0; i < 5; i++)
      writer.record({ ...base, requestId: `r${i}`, ts: base.ts + i, useCase: i % 2 ? 'search' : 'support' });
    await writer.close();

    const all = (await json(await h.call('GET', '/usage', boot))).data as Json[];
    expect(all.map((e) => e.request_id)).toEqual(['r4', 'r3', 'r2', 'r1', 'r0']);
    expect(all[0]).toMatchObject({
      model_requested: 'chat',
      use_case: 'support',
      cost_usd: 0.001,
      key_id: 'key_0123456789abcdef',
    });
    const limited = (await json(await h.call('GET', '/usage?limit=2', boot))).data as Json[];
    expect(limited.map((e) => e.request_id)).toEqual(['r4', 'r3']);
    const since = (await json(await h.call('GET', `/usage?since=${base.ts + 3}`, boot))).data as Json[];
    expect(since.map((e) => e.request_id)).toEqual(['r4', 'r3']);
    const iso = new Date(base.ts + 3).toISOString();
    expect(((await json(await h.call('GET', `/usage?since=${iso}`, boot))).data as Json[]).length).toBe(2);
    const search = (await json(await h.call('GET', '/usage?use_case=search', boot))).data as Json[];
    expect(search.map((e) => e.request_id)).toEqual(['r3', 'r1']);
  });
});

describe('audit of admin actions', () => {
  it('records each mutation with actor, before/after and no secret anywhere', async () => {
    const created = await json(await h.call('POST', '/keys', { ...boot, body: { name: 'audited', rpm: 1 } }));
    const id = created.id as string;
    await h.call('PATCH', `/keys/${id}`, { ...boot, body: { rpm: 2 } });
    const rotated = await json(await h.call('POST', `/keys/${id}/rotate`, { ...boot, body: { grace_s: 1 } }));
    await h.call('DELETE', `/keys/${id}`, boot);
    const admin = await json(
      await h.call('POST', '/admins', { ...boot, body: { name: 'ops', role: 'viewer' } }),
    );
    await h.call('DELETE', `/admins/${admin.id as string}`, boot);
    await h.call('GET', '/keys', { token: 'wrong-token-0123456789' });

    const entries = h.audit.entries;
    expect(entries.map((e) => e.action)).toEqual([
      'key.create',
      'key.update',
      'key.rotate',
      'key.revoke',
      'admin.create',
      'admin.revoke',
      'admin.refused',
    ]);
    for (const e of entries.slice(0, 6)) expect(e.actor).toBe('admin:bootstrap');
    expect(entries[0]?.target).toBe(id);
    expect(entries[1]?.details).toMatchObject({ before: { rpm: 1 }, after: { rpm: 2 } });
    expect(entries[3]?.details).toMatchObject({ before: { status: 'active' }, after: { status: 'revoked' } });
    expect(entries[5]?.details).toMatchObject({ before: { status: 'active' }, after: { status: 'revoked' } });
    expect(entries[6]).toMatchObject({
      actor: 'anonymous',
      details: { status: 401, reason: 'invalid_token' },
    });

    const text = JSON.stringify(entries);
    const secrets = [
      created.key as string,
      rotated.key as string,
      admin.token as string,
      PLANTED.bootstrap,
      'wrong-token-0123456789',
    ];
    for (const s of secrets) {
      expect(text).not.toContain(s);
      expect(text).not.toContain(hashKey(s));
    }
  });
});
