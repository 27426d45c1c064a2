import { Hono, type MiddlewareHandler } from 'hono';
import type { AdminRole, AdminStore } from '../../access/admin.js';
import { createAdminStore } from '../../access/admin-store.js';
import { createKeyStore } from '../../access/key-store.js';
import { type MemoryAudit, memoryAudit } from '../../access/memory-audit.js';
import type { KeyStore } from '../../access/store.js';
import { parseConfig } from '../../config/load.js';
import type { KeelConfig } from '../../config/schema.js';
import { KeelError } from '../../errors.js';
import { type Database, openDatabase } from '../../store/db.js';
import { errorResponse } from '../errors.js';
import type { AppEnv } from '../types.js';
import { type AdminApiOptions, type AdminServices, createAdminApi } from './index.js';
import type { AdminEnv } from './types.js';

/** Secrets planted in the test config, so tests can prove none of them ever comes back out. */
export const PLANTED = {
  bootstrap: 'bootstrap-token-0123456789abcdef',
  providerKey: 'sk-provider-secret-abcdef0123456789',
  headerValue: 'Bearer hdr-secret-0123456789',
  configKey: 'sk-config-client-key-0123456789',
  signingKey: 'audit-signing-key-0123456789abcdef',
  dbPassword: 'db-pass-0123456789',
};

export interface AdminHarness {
  config: KeelConfig;
  database: Database;
  audit: MemoryAudit;
  keys: KeyStore;
  admins: AdminStore;
  /** `/api/...` requests through a Hono app wired like src/app.ts (request id, onError). */
  call(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
  close(): Promise<void>;
}

/** A fixed caller instead of token authentication, for tests about a group's behaviour. */
export function fixedAdmin(role: AdminRole = 'admin'): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    c.set('admin', { actor: 'admin:tester', name: 'tester', role, id: null, via: 'bootstrap' });
    await next();
  };
}

/**
 * An app wired like src/app.ts around the admin API (request ids, errors in the OpenAI shape,
 * `/api` built by createAdminApi), for every harness that tests admin routes. `mount` adds other
 * routes (e.g. /v1/outcomes) to the same app.
 */
export function adminTestApp(
  services: AdminServices,
  opts: AdminApiOptions & { mount?: (app: Hono<AppEnv>) => void } = {},
): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  let n = 0;
  app.use('*', async (c, next) => {
    c.set('requestId', `req_test_${++n}`);
    await next();
  });
  app.route('/api', createAdminApi(services, opts).app);
  opts.mount?.(app);
  app.notFound((c) =>
    errorResponse(new KeelError('not_found', 'Unknown route'), 'openai', c.get('requestId')),
  );
  app.onError((err, c) => errorResponse(err, 'openai', c.get('requestId')));
  return app;
}

/**
 * The admin API on a real `sqlite::memory:` store with real key and admin stores, mounted at /api
 * the way the app mounts it, and an in-memory audit log to inspect.
 */
export async function adminHarness(
  opts: { bootstrap?: boolean; services?: Partial<AdminServices>; api?: AdminApiOptions } = {},
): Promise<AdminHarness> {
  const config = parseConfig(
    {
      database: { url: `postgres://keel:${PLANTED.dbPassword}@db.internal:5432/keel` },
      admin: opts.bootstrap === false ? {} : { token: PLANTED.bootstrap },
      auth: { keys: [{ name: 'legacy', key: PLANTED.configKey }] },
      audit: { signing_key: PLANTED.signingKey },
      providers: [
        {
          id: 'openai',
          kind: 'openai',
          api_key: PLANTED.providerKey,
          headers: { Authorization: PLANTED.headerValue },
        },
      ],
      models: [{ name: 'chat', targets: [{ provider: 'openai', model: 'gpt-4o' }] }],
    },
    {},
  );
  const database = await openDatabase('sqlite::memory:');
  const audit = memoryAudit();
  const keys = createKeyStore(database, { audit });
  const admins = createAdminStore(database, { audit });
  const app = adminTestApp({ config, keys, admins, audit, database, ...opts.services }, opts.api);
  return {
    config,
    database,
    audit,
    keys,
    admins,
    call(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      if (o.token !== undefined) headers.authorization = `Bearer ${o.token}`;
      let body: string | undefined;
      if (o.body !== undefined) {
        body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
      }
      return Promise.resolve(
        app.request(`/api${path}`, { method, headers, ...(body !== undefined ? { body } : {}) }),
      );
    },
    close: () => database.close(),
  };
}
