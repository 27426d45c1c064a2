import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { KeelApp } from '../src/app.types.js';
import { queryAudit } from '../src/audit/query.js';
import { buildKeel } from '../src/build.js';
import { parseConfig } from '../src/config/load.js';
import { listUsageEvents } from '../src/store/usage.js';
import type { FakeUpstream } from './fakes/index.js';
import { obj, standardConfig } from './helpers/fixtures.js';
import { setupGateway } from './helpers/gateway.js';
import { TEST_ENV } from './helpers/keel.js';

// The peers' worst mistakes, as tests: credentials in logs, errors, usage rows or audit entries;
// injection through the key check; auth that trusts Host / X-Forwarded-*; SSRF through provider URLs.

const ADMIN_TOKEN = 'keel-bootstrap-admin-SECRET-0d9e8f7a';
const STATIC_KEY = 'keel-static-client-SECRET-3c4d';

let oai: FakeUpstream;
let app: KeelApp;
let url: string;
const logLines: string[] = [];
const bodies: string[] = [];
const secrets: string[] = [TEST_ENV.OAI_KEY, TEST_ENV.ANT_KEY, ADMIN_TOKEN, STATIC_KEY];

setupGateway(
  (up) => ({
    ...standardConfig(up, {
      auth: { keys: [{ name: 'static', key: STATIC_KEY }] },
      admin: { token: ADMIN_TOKEN },
      audit: { signing_key: 'audit-signing-key-SECRET-aa11bb22' },
    }),
    logging: { level: 'trace', requests: true },
  }),
  (g) => {
    oai = g.oai;
    ({ app, url } = g.keel);
  },
  { logLines },
);

async function send(path: string, init: RequestInit & { headers?: Record<string, string> }) {
  const res = await fetch(url + path, init);
  const text = await res.text();
  bodies.push(text);
  return { status: res.status, text, headers: res.headers };
}

const json = (token: string | null, body: unknown, extra: Record<string, string> = {}) => ({
  method: 'POST',
  headers: {
    'content-type': 'application/json',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...extra,
  },
  body: JSON.stringify(body),
});

const CHAT = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] };

describe('hostile input at the key check', () => {
  it.each([
    "' OR '1'='1",
    "x'; DROP TABLE virtual_keys; --",
    'sk-keel-" UNION SELECT * FROM key_secrets --',
    'sk-keel-\u00ffevil\u00a0',
    '%00%27',
    'a'.repeat(5000),
  ])('a hostile key %#: clean 401, nothing echoed', async (key) => {
    const r = await send('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify(CHAT),
    });
    expect(r.status).toBe(401);
    expect(obj(obj(JSON.parse(r.text)).error).code).toBe('invalid_api_key');
    expect(r.text).not.toContain(key.slice(0, 40));
  });

  it('keys keep working after the hostile attempts (no table was harmed)', async () => {
    const created = await send('/api/keys', json(ADMIN_TOKEN, { name: 'after-attack', models: ['*'] }));
    expect(created.status).toBe(201);
    const key = String(obj(JSON.parse(created.text)).key);
    secrets.push(key);
    expect((await send('/v1/chat/completions', json(key, CHAT))).status).toBe(200);
  });

  it('huge headers get a clean 4xx', async () => {
    const r = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-keel-feature': 'f'.repeat(64 * 1024) },
      body: JSON.stringify(CHAT),
    }).catch((e: unknown) => e);
    if (r && typeof r === 'object' && 'status' in r) expect(r.status).toBe(431);
    else expect(r).toBeInstanceOf(Error); // the server may close the connection instead
  });

  it('wrong content types get 415 in the API shape', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const r = await send('/v1/chat/completions', {
        method: 'POST',
        headers: { 'content-type': type, authorization: `Bearer ${STATIC_KEY}` },
        body: 'model=gpt-4o',
      });
      expect(r.status).toBe(415);
      expect(obj(obj(JSON.parse(r.text)).error).code).toBe('unsupported_media_type');
    }
  });
});

describe('auth ignores client-controlled routing headers', () => {
  it('Host and X-Forwarded-* do not unlock anything', async () => {
    const variants: Record<string, string>[] = [
      { host: 'localhost' },
      { host: '127.0.0.1' },
      { 'x-forwarded-for': '127.0.0.1' },
      { 'x-forwarded-host': 'admin.internal', 'x-real-ip': '127.0.0.1' },
    ];
    for (const headers of variants) {
      const v1 = await send('/v1/chat/completions', json(null, CHAT, headers));
      expect(v1.status).toBe(401);
      const api = await send('/api/keys', { method: 'GET', headers });
      expect(api.status).toBe(401);
    }
  });
});

describe('egress policy', () => {
  it('refuses a provider URL on a link-local / metadata address without connecting', async () => {
    const config = parseConfig(
      {
        database: { url: 'sqlite::memory:' },
        logging: { level: 'silent' },
        providers: [{ id: 'meta', kind: 'openai-compatible', base_url: 'http://169.254.169.254/v1' }],
        models: [{ name: 'm', targets: [{ provider: 'meta', model: 'x' }] }],
        routing: { retries: { max: 0 } },
      },
      {},
    );
    const k = await buildKeel(config, { logger: pino({ level: 'silent' }) });
    try {
      const started = Date.now();
      const r = await k.request('/v1/chat/completions', json(null, { ...CHAT, model: 'm' }));
      const body = obj(await r.json());
      expect(r.status).toBe(503);
      expect(String(obj(body.error).message)).toMatch(/egress|link-local|refuse/i);
      // Refused locally: no connection attempt that would hang on an unroutable address.
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await k.close();
    }
  });
});

describe('secrets never appear anywhere', () => {
  it('after a workload that used every kind of credential', async () => {
    // Every credential kind in play: provider keys (upstream calls), the static client key, a
    // virtual key (created above), the admin token (admin calls), refused calls with wrong keys.
    const vkey = secrets[secrets.length - 1]!;
    await send('/v1/chat/completions', json(STATIC_KEY, CHAT));
    await send('/v1/chat/completions', json(vkey, { ...CHAT, stream: true }));
    await send(
      '/v1/messages',
      json(vkey, { model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    );
    await send('/v1/chat/completions', json(`${vkey}x`, CHAT));
    await send('/api/keys', { method: 'GET', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    await send('/api/keys', { method: 'GET', headers: { authorization: `Bearer ${ADMIN_TOKEN}x` } });
    const created = await send('/api/keys', json(ADMIN_TOKEN, { name: 'rot', models: ['*'] }));
    const id = String(obj(JSON.parse(created.text)).id);
    secrets.push(String(obj(JSON.parse(created.text)).key));
    const rotated = await send(`/api/keys/${id}/rotate`, json(ADMIN_TOKEN, {}));
    secrets.push(String(obj(JSON.parse(rotated.text)).key));
    await send(`/api/keys/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    oai.enqueue({ status: 401, message: `Incorrect API key provided: ${TEST_ENV.OAI_KEY}` });
    await send('/v1/chat/completions', json(STATIC_KEY, CHAT));
    const config = await send('/api/config', {
      method: 'GET',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(config.status).toBe(200);

    await app.services.usage.flush();
    await app.services.audit.flush();
    const usage = JSON.stringify(await listUsageEvents(app.services.database, { limit: 10_000 }));
    const audit = JSON.stringify((await queryAudit(app.services.database, { limit: 500 })).entries);
    expect(audit).toContain('request.refused');
    expect(audit).toContain('key.rotate');
    expect(logLines.some((l) => l.includes('"msg":"request"'))).toBe(true);
    const places = { logs: logLines.join('\n'), usage, audit };
    for (const [where, text] of Object.entries(places))
      for (const secret of secrets)
        expect(text.includes(secret), `${where} contains a credential`).toBe(false);
    const responses = bodies.join('\n');
    for (const secret of secrets.slice(0, 4))
      expect(responses.includes(secret), 'a response contains a configured credential').toBe(false);
    // The fresh keys were shown exactly once each, on create and rotate, and never again.
    for (const key of secrets.slice(4))
      expect(bodies.filter((b) => b.includes(key)).length).toBeLessThanOrEqual(1);
  });
});
