import { pino } from 'pino';
import type { KeelApp } from '../../../src/app.types.js';
import { buildKeel } from '../../../src/build.js';
import { defaultConfigInput } from '../../../src/config/defaults.js';
import { parseConfig } from '../../../src/config/load.js';
import { serve } from '../../../src/server.js';
import { ADMIN_TOKEN, SIGNING_KEY } from './constants.js';
import { type Seeded, seedWorkload } from './seed.js';

export interface CommandRoom {
  url: string;
  app: KeelApp;
  adminToken: string;
  viewerToken: string;
  seeded: Seeded;
  /** The admin API as the test sees it (to compare with what the page shows). */
  api<T>(
    path: string,
    opts?: { token?: string; method?: string; body?: unknown },
  ): Promise<{ status: number; body: T }>;
  /** /v1 with a virtual key. */
  v1(path: string, key: string, init?: { method?: string; body?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

/**
 * A real Keel (buildKeel, HTTP on 127.0.0.1:0, SQLite) with the built-in simulator, an admin token,
 * a viewer admin user, and a few weeks of traffic for several use cases sent through /v1.
 */
export async function startCommandRoom(): Promise<CommandRoom> {
  const defaults = defaultConfigInput();
  const config = parseConfig(
    {
      database: { url: 'sqlite::memory:' },
      logging: { level: 'silent' },
      admin: { token: ADMIN_TOKEN },
      audit: { signing_key: SIGNING_KEY, checkpoint_every: 100 },
      providers: [{ id: 'simulator', kind: 'simulator', simulator: { latency_ms: 1, tokens_per_second: 0 } }],
      models: [
        ...(defaults.models ?? []),
        // No price is known for this one: its calls are "unpriced".
        { name: 'local-llama', targets: [{ provider: 'simulator', model: 'llama-local-7b' }] },
      ],
    },
    {},
  );
  const app = await buildKeel(config, { logger: pino({ level: 'silent' }) });
  const server = await serve(app, { host: '127.0.0.1', port: 0 });
  const url = server.url;

  const api = async <T>(path: string, opts: { token?: string; method?: string; body?: unknown } = {}) => {
    const res = await fetch(`${url}/api${path}`, {
      method: opts.method ?? 'GET',
      headers: {
        authorization: `Bearer ${opts.token ?? ADMIN_TOKEN}`,
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  };
  const v1 = (path: string, key: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${url}/v1${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });

  const viewer = await api<{ token: string }>('/admins', {
    method: 'POST',
    body: { name: 'vera', role: 'viewer' },
  });
  if (viewer.status !== 201)
    throw new Error(`could not create the viewer admin: ${JSON.stringify(viewer.body)}`);
  const seeded = await seedWorkload({ url, app, api, v1 });

  return {
    url,
    app,
    adminToken: ADMIN_TOKEN,
    viewerToken: viewer.body.token,
    seeded,
    api,
    v1,
    close: async () => {
      await server.close();
      await app.close();
    },
  };
}
