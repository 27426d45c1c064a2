import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { KeelError } from '../errors.js';
import type { KeelMetrics } from '../telemetry/metrics.js';
import { errorResponse } from './errors.js';
import type { AppEnv } from './types.js';

const BEARER = /^Bearer[ \t]+([!-~]{1,512})[ \t]*$/i;

export interface MetricsRouteOptions {
  /** When set, scrapes need `Authorization: Bearer <token>`. */
  token?: string | undefined;
}

/**
 * GET /metrics, mounted at the root. Metrics reveal model names, use cases and spend, so a token
 * can close them; it is compared in constant time over SHA-256 digests (equal length whatever was
 * sent), and never echoed.
 */
export function metricsRoute(metrics: KeelMetrics, opts: MetricsRouteOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const expected = opts.token ? createHash('sha256').update(opts.token).digest() : null;

  app.get('/metrics', async (c) => {
    if (expected) {
      const presented = BEARER.exec(c.req.header('authorization') ?? '')?.[1];
      const ok =
        presented !== undefined && timingSafeEqual(createHash('sha256').update(presented).digest(), expected);
      if (!ok) {
        const e = presented
          ? new KeelError('invalid_api_key', 'The metrics token is not valid.')
          : new KeelError('missing_api_key', 'GET /metrics needs "Authorization: Bearer <metrics token>".');
        const res = errorResponse(e, 'openai', c.get('requestId') ?? '');
        res.headers.set('www-authenticate', 'Bearer realm="keel-metrics"');
        return res;
      }
    }
    const { contentType, body } = await metrics.render();
    return c.body(body, 200, { 'content-type': contentType, 'cache-control': 'no-store' });
  });

  return app;
}
