import { z } from 'zod';
import { querySecurityEvents } from '../../store/security-events.js';
import { defineGroup, route } from './api/declare.js';
import { wholeNumber } from './api/inputs.js';

/** An ISO time or epoch ms; an empty value is as if absent. */
const time = (param: string) =>
  z
    .string()
    .transform((v) => (v === '' ? undefined : /^\d+$/.test(v) ? Number(v) : Date.parse(v)))
    .refine((t) => !Number.isNaN(t), `${param}: expected an ISO time or epoch ms`)
    .optional();

const eventsQuery = z.object({
  from: time('from'),
  to: time('to'),
  detector: z.string().optional(),
  action: z.string().optional(),
  use_case: z.string().optional(),
  key_id: z.string().optional(),
  limit: wholeNumber('limit: expected a positive whole number', 1).optional(),
});

/** `GET /security-events`: guard decisions, newest first — positions and labels, never the text. */
export const securityApi = defineGroup({
  title: 'security',
  routes: {
    events: route('GET', '/security-events', 'viewer', 'Guard decisions, newest first', {
      query: eventsQuery,
    }),
  },
  needs: (s) => s.database,
  handlers: (database) => ({
    events: async (_c, { query: q }) => {
      const { limit } = q;
      const events = await querySecurityEvents(database, {
        ...(q.from !== undefined ? { from: q.from } : {}),
        ...(q.to !== undefined ? { to: q.to } : {}),
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
