import type { Hono } from 'hono';
import { KeelError } from '../../errors.js';
import { ALERT_STATES, type AlertService, type AlertState, publicAlert } from '../../value/alerts/service.js';
import type { AdminEnv } from './types.js';

/**
 * Alerts: GET /alerts[?state=open|acknowledged|resolved&limit=] and GET /alerts/:id (viewer);
 * POST /alerts/:id/ack and POST /alerts/:id/resolve (operator, audited); POST /alerts/evaluate
 * (operator) runs the rules now instead of waiting for the timer.
 */
export function alertRoutes(
  app: Hono<AdminEnv>,
  deps: { alerts: AlertService; evaluate: (now?: number) => Promise<unknown>; now?: () => number },
): void {
  const { alerts } = deps;
  const now = deps.now ?? Date.now;

  app.get('/alerts', async (c) => {
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
    return c.json({ object: 'list', data: list.map(publicAlert) });
  });

  app.post('/alerts/evaluate', async (c) => {
    await deps.evaluate(now());
    const open = await alerts.list({ state: 'open' });
    return c.json({ object: 'list', data: open.map(publicAlert) });
  });

  app.get('/alerts/:id', async (c) => {
    const a = await alerts.get(c.req.param('id'));
    if (!a) throw new KeelError('not_found', 'No alert with that id.', { param: 'id' });
    return c.json(publicAlert(a));
  });

  app.post('/alerts/:id/ack', async (c) => {
    const a = await alerts.acknowledge(c.req.param('id'), c.get('admin').actor, now());
    return c.json(publicAlert(a));
  });

  app.post('/alerts/:id/resolve', async (c) => {
    const a = await alerts.resolve(c.req.param('id'), c.get('admin').actor, now());
    return c.json(publicAlert(a));
  });
}
