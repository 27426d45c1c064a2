import { Hono } from 'hono';
import type { Database } from '../store/db.js';
import type { UsageSink } from '../store/types.js';
import type { Lifecycle } from './lifecycle.js';
import type { AppEnv } from './types.js';

/**
 * `/healthz`: the process answers. `/readyz`: the store answers too and the process is not shutting
 * down, so traffic may be sent here. A store that answers reads but refuses writes (SQLite locked by
 * another process, or full) is `degraded`: still 200, since calls are answered and their records wait
 * in memory and the spool, with the backlog reported.
 */
export function healthRoutes(deps: {
  database: Database;
  lifecycle?: Lifecycle;
  usage?: Pick<UsageSink, 'failing' | 'pending'>;
}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    if (deps.lifecycle?.draining) return c.json({ status: 'draining' }, 503);
    try {
      await deps.database.ping();
      if (deps.usage?.failing)
        return c.json({
          status: 'degraded',
          store: deps.database.dialect,
          config: 'loaded',
          writes: 'failing',
          usage_pending: deps.usage.pending ?? null,
        });
      return c.json({ status: 'ready', store: deps.database.dialect, config: 'loaded' });
    } catch {
      return c.json({ status: 'not_ready', store: 'unreachable' }, 503);
    }
  });
  return app;
}
