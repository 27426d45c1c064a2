import { Hono } from 'hono';
import type { Database } from '../store/db.js';
import type { Lifecycle } from './lifecycle.js';
import type { AppEnv } from './types.js';

/**
 * `/healthz`: the process answers. `/readyz`: the store answers too and the process is not shutting
 * down, so traffic may be sent here.
 */
export function healthRoutes(deps: { database: Database; lifecycle?: Lifecycle }): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    if (deps.lifecycle?.draining) return c.json({ status: 'draining' }, 503);
    try {
      await deps.database.ping();
      return c.json({ status: 'ready', store: deps.database.dialect, config: 'loaded' });
    } catch {
      return c.json({ status: 'not_ready', store: 'unreachable' }, 503);
    }
  });
  return app;
}
