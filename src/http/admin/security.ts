import { KeelError } from '../../errors.js';
import { querySecurityEvents } from '../../store/security-events.js';
import { defineGroup, route } from './api/declare.js';

function time(v: string | undefined, param: string): number | undefined {
  if (v === undefined) return undefined;
  const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (Number.isNaN(t))
    throw new KeelError('invalid_request', `${param}: expected an ISO time or epoch ms`, { param });
  return t;
}

/** `GET /security-events`: guard decisions, newest first — positions and labels, never the text. */
export const securityApi = defineGroup({
  title: 'security',
  routes: {
    events: route('GET', '/security-events', 'viewer', 'Guard decisions, newest first'),
  },
  needs: (s) => s.database,
  handlers: (database) => ({
    events: async (c) => {
      const q = c.req.query();
      const limit = q.limit === undefined ? undefined : Number(q.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
        throw new KeelError('invalid_request', 'limit: expected a positive whole number', { param: 'limit' });
      const events = await querySecurityEvents(database, {
        ...(q.from ? { from: time(q.from, 'from') } : {}),
        ...(q.to ? { to: time(q.to, 'to') } : {}),
        ...(q.detector ? { detector: q.detector } : {}),
        ...(q.action ? { action: q.action } : {}),
        ...(q.use_case ? { useCase: q.use_case } : {}),
        ...(q.key_id ? { keyId: q.key_id } : {}),
        ...(limit !== undefined ? { limit } : {}),
      });
      return {
        object: 'list' as const,
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
      };
    },
  }),
});
