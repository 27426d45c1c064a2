import { Hono } from 'hono';
import { KeelError } from '../../errors.js';
import type { Database } from '../../store/db.js';
import { querySecurityEvents } from '../../store/security-events.js';
import type { AdminRouteRule } from './types.js';

export const SECURITY_ROUTE_ROLES: AdminRouteRule[] = [
  { method: 'GET', path: '/security-events', role: 'viewer' },
];

function time(v: string | undefined, param: string): number | undefined {
  if (v === undefined) return undefined;
  const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (Number.isNaN(t))
    throw new KeelError('invalid_request', `${param}: expected an ISO time or epoch ms`, { param });
  return t;
}

/** `GET /security-events`: guard decisions, newest first — positions and labels, never the text. */
export function securityRoutes(deps: { database: Database }) {
  const app = new Hono();
  app.get('/security-events', async (c) => {
    const q = c.req.query();
    const limit = q.limit === undefined ? undefined : Number(q.limit);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
      throw new KeelError('invalid_request', 'limit: expected a positive whole number', { param: 'limit' });
    const events = await querySecurityEvents(deps.database, {
      ...(q.from ? { from: time(q.from, 'from') } : {}),
      ...(q.to ? { to: time(q.to, 'to') } : {}),
      ...(q.detector ? { detector: q.detector } : {}),
      ...(q.action ? { action: q.action } : {}),
      ...(q.use_case ? { useCase: q.use_case } : {}),
      ...(q.key_id ? { keyId: q.key_id } : {}),
      ...(limit !== undefined ? { limit } : {}),
    });
    return c.json({
      object: 'list',
      data: events.map((e) => ({
        ts: new Date(e.ts).toISOString(),
        request_id: e.requestId,
        use_case: e.useCase,
        key_id: e.keyId,
        model: e.model,
        detector: e.detector,
        direction: e.direction,
        action: e.action,
        score: e.score,
        labels: e.labels,
        spans: e.spans,
        message_index: e.index,
      })),
    });
  });
  return app;
}
