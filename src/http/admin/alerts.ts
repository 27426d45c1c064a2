import { z } from 'zod';
import { KeelError } from '../../errors.js';
import { ALERT_STATES, publicAlert } from '../../value/alerts/service.js';
import { defineGroup, route } from './api/declare.js';
import { oneOf, wholeNumber } from './api/inputs.js';

/** Alerts: list and read (viewer); acknowledge, resolve and evaluate now (operator, audited). */
export const alertsApi = defineGroup({
  title: 'alerts',
  routes: {
    list: route('GET', '/alerts', 'viewer', 'Alerts (`state` open, acknowledged or resolved; `limit`)', {
      query: z.object({
        state: oneOf(ALERT_STATES, 'state must be one of open, acknowledged, resolved.').optional(),
        limit: wholeNumber('limit must be a whole number from 1 to 1000.', 1, 1000).optional(),
      }),
    }),
    evaluate: route('POST', '/alerts/evaluate', 'operator', 'Run the alert rules now; the open alerts'),
    get: route('GET', '/alerts/:id', 'viewer', 'One alert'),
    ack: route('POST', '/alerts/:id/ack', 'operator', 'Acknowledge an alert'),
    resolve: route('POST', '/alerts/:id/resolve', 'operator', 'Resolve an alert'),
  },
  needs: (s) => (s.value ? { value: s.value, now: s.now ?? Date.now } : undefined),
  handlers: ({ value, now }) => {
    const { alerts } = value;
    return {
      list: async (_c, { query: { state, limit } }) => {
        const list = await alerts.list({
          ...(state ? { state } : {}),
          ...(limit !== undefined ? { limit } : {}),
        });
        return { object: 'list' as const, data: list.map(publicAlert) };
      },
      evaluate: async () => {
        await value.evaluateAlerts(now());
        const open = await alerts.list({ state: 'open' });
        return { object: 'list' as const, data: open.map(publicAlert) };
      },
      get: async (_c, { params }) => {
        const a = await alerts.get(params.id);
        if (!a) throw new KeelError('not_found', 'No alert with that id.', { param: 'id' });
        return publicAlert(a);
      },
      ack: async (_c, { params, admin }) =>
        publicAlert(await alerts.acknowledge(params.id, admin.actor, now())),
      resolve: async (_c, { params, admin }) =>
        publicAlert(await alerts.resolve(params.id, admin.actor, now())),
    };
  },
});
