import { Hono } from 'hono';
import { KeelError } from '../../errors.js';
import { DAY_MS } from '../../store/rollups/sql.js';
import type { ForecastScope } from '../../value/forecast/spend.js';
import { dayStart, monthStart, parseDay, parseGranularity, periodsOf } from '../../value/roi/periods.js';
import type { ValueService } from '../../value/service.js';
import { alertRoutes } from './alerts.js';
import type { AdminEnv, AdminRouteRule } from './types.js';
import { registryRoutes } from './use-cases.js';

/**
 * Least role per business-value route (the /use-cases rules are already in ADMIN_ROUTE_ROLES).
 *
 * | route                                   | role     |
 * | --------------------------------------- | -------- |
 * | GET  /use-cases, /use-cases/:id         | viewer   |
 * | POST /use-cases, PATCH /use-cases/:id   | operator |
 * | GET  /value, /forecasts, /outcomes      | viewer   |
 * | GET  /alerts, /alerts/:id               | viewer   |
 * | POST /alerts/:id/ack, /:id/resolve      | operator |
 * | POST /alerts/evaluate                   | operator |
 */
export const VALUE_ADMIN_ROUTE_ROLES: readonly AdminRouteRule[] = [
  { method: 'GET', path: '/value', role: 'viewer' },
  { method: 'GET', path: '/forecasts', role: 'viewer' },
  { method: 'GET', path: '/outcomes', role: 'viewer' },
  { method: 'GET', path: '/alerts', role: 'viewer' },
  { method: 'GET', path: '/alerts/*', role: 'viewer' },
  { method: 'POST', path: '/alerts/*', role: 'operator' },
];

/** Longest range a day-granular report may cover (keeps one response bounded). */
const MAX_PERIODS = 1000;
const FORECAST_SCOPES = new Set(['use_case', 'team', 'key']);

/**
 * The business-value admin API as a sub-app, to mount on the admin app (behind its authentication
 * and role table) with `app.route('/', valueAdminRoutes({ value }))`, plus VALUE_ADMIN_ROUTE_ROLES
 * in AdminRoutesDeps.rules.
 */
export function valueAdminRoutes(deps: { value: ValueService; now?: () => number }): Hono<AdminEnv> {
  const { value } = deps;
  const now = deps.now ?? Date.now;
  const app = new Hono<AdminEnv>();
  registryRoutes(app, { useCases: value.useCases });
  alertRoutes(app, { alerts: value.alerts, evaluate: (at) => value.evaluateAlerts(at), now });

  app.get('/value', async (c) => {
    const q = valueQuery(c.req.query(), now());
    return c.json(await value.report(q));
  });

  app.get('/forecasts', async (c) => {
    const scope = c.req.query('scope') ?? 'use_case';
    if (!FORECAST_SCOPES.has(scope))
      throw new KeelError('invalid_request', 'scope must be one of use_case, team, key.', { param: 'scope' });
    const data = await value.forecast(scope as ForecastScope, now());
    return c.json({ object: 'list', data });
  });

  app.get('/outcomes', async (c) => {
    const qs = c.req.query();
    const limit = qs.limit === undefined ? undefined : Number(qs.limit);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1000))
      throw new KeelError('invalid_request', 'limit must be a whole number from 1 to 1000.', {
        param: 'limit',
      });
    const data = await value.listOutcomes({
      ...(qs.use_case ? { useCase: qs.use_case } : {}),
      ...(qs.from ? { from: parseDay(qs.from, 'from', 'from') } : {}),
      ...(qs.to ? { to: parseDay(qs.to, 'to', 'to') } : {}),
      ...(limit !== undefined ? { limit } : {}),
    });
    return c.json({ object: 'list', data });
  });

  return app;
}

/**
 * `use_case` (comma-separated), `from` / `to` (YYYY-MM-DD or ISO; whole UTC days, `to` exclusive;
 * default: this month so far, through today), `granularity` day|week|month|total (default total).
 */
export function valueQuery(qs: Record<string, string>, at: number) {
  const from = qs.from ? parseDay(qs.from, 'from', 'from') : monthStart(at);
  const to = qs.to ? parseDay(qs.to, 'to', 'to') : dayStart(at) + DAY_MS;
  if (to <= from) throw new KeelError('invalid_request', 'to must be after from.', { param: 'to' });
  const granularity = parseGranularity(qs.granularity);
  if (periodsOf(from, Math.min(to, from + (MAX_PERIODS + 1) * DAY_MS), granularity).length > MAX_PERIODS)
    throw new KeelError(
      'invalid_request',
      `That range holds more than ${MAX_PERIODS} periods; use a coarser granularity.`,
      {
        param: 'granularity',
      },
    );
  const useCases = qs.use_case
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return { from, to, granularity, ...(useCases && useCases.length > 0 ? { useCases } : {}) };
}
