import { randomBytes } from 'node:crypto';
import { type Context, Hono } from 'hono';
import type { KeelApp, KeelServices } from './app.types.js';
import type { KeelConfig } from './config/schema.js';
import { KeelError } from './errors.js';
import type { AdminEnv } from './http/admin/index.js';
import { anthropicRoutes } from './http/anthropic/routes.js';
import { errorResponse } from './http/errors.js';
import { healthRoutes } from './http/health.js';
import { Lifecycle } from './http/lifecycle.js';
import { mcpDisabledRoutes } from './http/mcp/routes.js';
import { metricsRoute } from './http/metrics-route.js';
import { openaiRoutes } from './http/openai/routes.js';
import { outcomeRoutes } from './http/outcomes.js';
import { responsesRoutes } from './http/responses/routes.js';
import type { AppEnv } from './http/types.js';
import { defaultUiDir, uiRoutes } from './http/ui.js';
import type { Pipeline } from './pipeline/index.js';
import type { Router } from './routing/types.js';
import type { ResponseStore } from './store/responses.js';
import type { Logger } from './telemetry/logger.js';
import type { KeelMetrics } from './telemetry/metrics.js';
import type { OutcomeService } from './value/outcomes/service.js';

export interface AppDeps {
  config: KeelConfig;
  pipeline: Pipeline;
  router: Router;
  services: KeelServices;
  logger: Logger;
  /** The admin API (`/api`), already guarded by admin authentication and the role table. */
  adminApi: Hono<AdminEnv>;
  /** Command Room sign-in (`/auth`: OIDC login, callback, logout, info). */
  sso?: Hono<AppEnv>;
  metrics: KeelMetrics;
  /** Outcomes and feedback reported by applications (`/v1/outcomes`, `/v1/feedback`). */
  outcomes: OutcomeService;
  /** Stored Responses API answers; null when `responses.retention_days` is 0. */
  responses?: { store: ResponseStore; retentionDays: number } | null;
  /** `/mcp` (src/http/mcp/routes.ts); absent: /mcp answers that MCP is not enabled. */
  mcp?: Hono<AppEnv>;
  /** Called by close(): providers, writers, the store. */
  onClose: () => Promise<void>;
}

/**
 * Compose Keel's HTTP surface from already-built parts. No globals and no config reading here:
 * src/build.ts makes the parts from config, tests may hand in their own.
 */
export function createApp(deps: AppDeps): KeelApp {
  const { config, pipeline, router, services, logger } = deps;
  const app = new Hono<AppEnv>();
  const maxBodyBytes = config.server.max_body_bytes;
  const trustProxy = config.server.trust_proxy;

  // Request ids: a per-process random prefix and a counter — unique, and cheaper than a UUID.
  const idPrefix = `req_${randomBytes(6).toString('hex')}`;
  let idSeq = 0;
  app.use('*', async (c, next) => {
    const requestId = `${idPrefix}${(++idSeq).toString(36).padStart(6, '0')}`;
    c.set('requestId', requestId);
    await next();
    if (c.get('sealed')) return;
    c.res.headers.set('x-keel-request-id', requestId);
    const ctx = c.get('ctx');
    if (ctx) for (const [k, v] of Object.entries(ctx.responseHeaders)) c.res.headers.set(k, v);
  });

  const lifecycle = new Lifecycle();
  app.route('/', healthRoutes({ database: services.database, lifecycle, usage: services.usage }));
  if (config.telemetry.metrics_enabled)
    app.route('/', metricsRoute(deps.metrics, { token: config.telemetry.metrics_token }));
  app.route('/v1', openaiRoutes({ pipeline, router, maxBodyBytes, trustProxy, lifecycle }));
  app.route(
    '/v1',
    responsesRoutes({
      pipeline,
      store: deps.responses?.store ?? null,
      retentionDays: deps.responses?.retentionDays ?? 0,
      maxBodyBytes,
      trustProxy,
      lifecycle,
      onStoreError: (err, responseId) => logger.warn({ err, responseId }, 'response not stored'),
    }),
  );
  app.route('/v1', anthropicRoutes({ pipeline, router, maxBodyBytes, trustProxy, lifecycle }));
  app.route('/v1', outcomeRoutes({ pipeline, outcomes: deps.outcomes, trustProxy }));
  app.route('/mcp', deps.mcp ?? mcpDisabledRoutes());
  app.route('/api', deps.adminApi);
  if (deps.sso) app.route('/auth', deps.sso);
  // Last: the Command Room's single-page app never shadows the API.
  app.route('/', uiRoutes({ distDir: defaultUiDir() }));

  // Anthropic's shape under /v1/messages, and on /v1/models for callers that speak Anthropic's API.
  const shapeOf = (c: Context<AppEnv>): 'anthropic' | 'openai' =>
    c.req.path.startsWith('/v1/messages') ||
    (c.req.path.startsWith('/v1/models') && c.req.header('anthropic-version') !== undefined)
      ? 'anthropic'
      : 'openai';

  app.notFound((c) => {
    const shape = shapeOf(c);
    const e = new KeelError('not_found', `Unknown route: ${c.req.method} ${c.req.path.slice(0, 200)}`);
    return errorResponse(e, shape, c.get('requestId'));
  });

  app.onError((err, c) => {
    const shape = shapeOf(c);
    if (!(err instanceof KeelError)) logger.error({ err, requestId: c.get('requestId') }, 'unhandled error');
    return errorResponse(err, shape, c.get('requestId'));
  });

  let closed: Promise<void> | null = null;
  return {
    config,
    services,
    // `env` carries the Node socket (client address) from the server adapter.
    fetch: (request, env) => app.fetch(request, env),
    request: async (path, init) => app.request(path, init),
    routes: () => {
      // Middleware is registered as method ALL; handlers keep their own method.
      const seen = new Map<string, { method: string; path: string }>();
      for (const r of app.routes)
        if (r.method !== 'ALL') seen.set(`${r.method} ${r.path}`, { method: r.method, path: r.path });
      return [...seen.values()];
    },
    drain: () => {
      lifecycle.draining = true;
    },
    endStreams: () => lifecycle.endStreams(),
    close: () => {
      closed ??= deps.onClose();
      return closed;
    },
  };
}
