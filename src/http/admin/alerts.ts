import { KeelError } from '../../errors.js';
import { ALERT_STATES, type AlertState, publicAlert } from '../../value/alerts/service.js';
import { defineGroup, route } from './api/declare.js';

/** Alerts: list and read (viewer); acknowledge, resolve and evaluate now (operator, audited). */
export const alertsApi = defineGroup({
  title: 'alerts',
  routes: {
    list: route('GET', '/alerts', 'viewer', 'Alerts (`state` open, acknowledged or resolved; `limit`)'),
    evaluate: route('POST', '/alerts/evaluate', 'operator', 'Run the alert rules now; the open alerts'),
    get: route('GET', '/alerts/:id', 'viewer', 'One alert'),
    ack: route('POST', '/alerts/:id/ack', 'operator', 'Acknowledge an alert'),
    resolve: route('POST', '/alerts/:id/resolve', 'operator', 'Resolve an alert'),
  },
  needs: (s) => (s.value ? { value: s.value, now: s.now ?? Date.now } : undefined),
  handlers: ({ value, now }) => {
    const { alerts } = value;
    return {
      list: async (c) => {
        const state = c.req.query('state');
        if (state !== undefined && !(ALERT_STATES as readonly string[]).includes(state))
          throw new KeelError('invalid_request', 'state must be one of open, acknowledged, resolved.', {
            param: 'state',
          });
        const limitText = c.req.query('limit');
        const limit = limitText === undefined ? undefined : Number(limitText);
        if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1000))
          throw new KeelError('invalid_request', 'limit must be a whole number from 1 to 1000.', {
            param: 'limit',
          });
        const list = await alerts.list({
          ...(state ? { state: state as AlertState } : {}),
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
