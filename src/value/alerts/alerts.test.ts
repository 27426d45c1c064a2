import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.js';
import { DAY_MS, HOUR_MS } from '../../store/rollups/sql.js';
import { STORES } from '../../store/testkit.js';
import {
  clock,
  type Delivery,
  memoryAuditLog,
  usageEvent,
  type ValueHarness,
  valueHarness,
  webhookReceiver,
} from '../testkit.js';
import { createAlertService } from './service.js';

const MARCH = Date.UTC(2026, 2, 1);
const SECRET = 'whsec_test_0123456789abcdef';

/** The first delivery is refused with a 500 (and retried). */
const receiver = () => webhookReceiver((n) => (n === 1 ? 500 : 204));

/** A receiver that answers 503 on /down and never answers on /hang, until it is `healthy` (204). */
async function unwell(): Promise<{
  url: string;
  got: string[];
  healthy: boolean;
  close: () => Promise<void>;
}> {
  const got: string[] = [];
  const state = { healthy: false };
  const server: Server = createServer((req, res) => {
    got.push(req.url ?? '');
    if (state.healthy) {
      res.statusCode = 204;
      res.end();
    } else if (req.url?.endsWith('/down')) {
      res.statusCode = 503;
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    got,
    get healthy() {
      return state.healthy;
    },
    set healthy(v: boolean) {
      state.healthy = v;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** $15 a day for the 'ramp' use case on March days `from`..`to`. */
function spendDays(h: ValueHarness, from: number, to: number): void {
  for (let d = from; d <= to; d++)
    for (let i = 0; i < 15; i++)
      h.usage.record(
        usageEvent({ ts: MARCH + (d - 1) * DAY_MS + 8 * HOUR_MS + i * 60_000, useCase: 'ramp', costUsd: 1 }),
      );
}

function verify(r: Delivery): Record<string, unknown> {
  const expected = `sha256=${createHmac('sha256', SECRET).update(r.body).digest('hex')}`;
  expect(r.headers['x-keel-signature']).toBe(expected);
  expect(r.headers['content-type']).toBe('application/json');
  const body = JSON.parse(r.body) as Record<string, unknown>;
  expect(r.headers['x-keel-timestamp']).toBe(String(Math.floor(Date.parse(body.sent_at as string) / 1000)));
  expect(r.headers['x-keel-event']).toBe(body.type);
  return body;
}

describe.each(STORES)('alerts and webhooks ($name)', (store) => {
  let h: ValueHarness;
  let rx: Awaited<ReturnType<typeof receiver>> | undefined;
  afterEach(async () => {
    await h?.close();
    await rx?.close();
  });

  it('does not hold up shutdown for webhook retries; the next start sends what was cut short', async () => {
    const down = await unwell();
    const c = clock(MARCH);
    const alerts = {
      webhooks: [
        { url: `${down.url}/down`, secret: SECRET, name: 'down' },
        { url: `${down.url}/hang`, secret: SECRET, name: 'hang' },
      ],
      // Left alone, these would retry for minutes.
      delivery: { backoff_ms: 60_000, max_backoff_ms: 300_000, max_attempts: 6, timeout_ms: 60_000 },
      rules: { spend_spike: { enabled: false }, unpriced_calls: { enabled: false } },
    };
    h = await valueHarness(
      await store.fresh(),
      { use_cases: [{ id: 'ramp', monthly_budget_usd: 300 }], alerts },
      { now: c.now },
    );
    spendDays(h, 1, 10);
    c.set(MARCH + 10 * DAY_MS + HOUR_MS);
    await h.usage.flush();
    const alert = (await h.value.evaluateAlerts()).opened[0]!;
    while (down.got.length < 2) await new Promise((r) => setTimeout(r, 5));

    const started = Date.now();
    await h.value.alerts.close(50);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(down.got).toHaveLength(2); // one attempt each, no retry
    const stored = await h.value.alerts.get(alert.id);
    expect(stored?.delivery).toEqual([
      expect.objectContaining({
        webhook: 'down',
        status: 'failed',
        attempts: 1,
        last_status: 503,
        last_error: 'HTTP 503; not retried: Keel shut down',
      }),
      expect.objectContaining({
        webhook: 'hang',
        status: 'failed',
        attempts: 1,
        last_error: 'cancelled: Keel shut down',
      }),
    ]);

    // The next process on the same store, with the receiver back: both deliveries go out again.
    down.healthy = true;
    const next = createAlertService({
      database: h.database,
      audit: memoryAuditLog(),
      config: parseConfig({ alerts }, {}).alerts,
      context: () => {
        throw new Error('no rule evaluation in this test');
      },
    });
    expect(await next.resumeInterrupted()).toBe(2);
    await next.idle();
    expect(down.got.slice(2).sort()).toEqual(['/down', '/hang']);
    expect((await next.get(alert.id))?.delivery).toEqual([
      expect.objectContaining({ webhook: 'down', event: 'alert.opened', status: 'delivered', attempts: 1 }),
      expect.objectContaining({ webhook: 'hang', event: 'alert.opened', status: 'delivered', attempts: 1 }),
    ]);
    expect(await next.resumeInterrupted()).toBe(0);
    await next.close();
    await down.close();
  });

  it('forecasts a budget overrun before it happens, signs and retries the webhook, escalates and resolves', async () => {
    rx = await receiver();
    const c = clock(MARCH);
    h = await valueHarness(
      await store.fresh(),
      {
        use_cases: [{ id: 'ramp', monthly_budget_usd: 300 }],
        alerts: {
          webhooks: [{ url: rx.url, secret: SECRET, name: 'ops' }],
          delivery: { backoff_ms: 5, max_backoff_ms: 20, max_attempts: 4 },
          rules: { spend_spike: { enabled: false }, unpriced_calls: { enabled: false } },
        },
      },
      { now: c.now },
    );

    spendDays(h, 1, 10);
    c.set(MARCH + 10 * DAY_MS + HOUR_MS); // day 11, 01:00: $150 spent of $300
    await h.usage.flush();
    const first = await h.value.evaluateAlerts();
    expect(first.opened).toHaveLength(1);
    const alert = first.opened[0]!;
    expect(alert).toMatchObject({
      rule: 'budget_forecast',
      scope: 'use_case',
      subject: 'ramp',
      severity: 'warning',
      state: 'open',
    });
    expect(alert.details.mtd_usd).toBe(150);
    expect(alert.details.forecast_usd as number).toBeGreaterThan(300);
    // $15/day from $150 reaches $300 ten days later.
    expect(alert.details.projected_crossing_at).toBe(new Date(MARCH + 20 * DAY_MS + HOUR_MS).toISOString());

    await h.value.alerts.idle();
    expect(rx.got).toHaveLength(2); // first refused with 500, retried
    expect(rx.got[1]!.body).toBe(rx.got[0]!.body);
    const opened = verify(rx.got[1]!);
    expect(opened).toMatchObject({
      type: 'alert.opened',
      alert: { id: alert.id, subject: 'ramp', state: 'open' },
    });
    const stored = await h.value.alerts.get(alert.id);
    expect(stored?.delivery).toEqual([
      expect.objectContaining({
        webhook: 'ops',
        event: 'alert.opened',
        status: 'delivered',
        attempts: 2,
        last_status: 204,
      }),
    ]);

    // Acknowledge through the API (audited); a second evaluation refreshes without re-notifying.
    const ack = await h.request(`/api/alerts/${alert.id}/ack`, { method: 'POST' });
    expect(ack.status).toBe(200);
    expect(((await ack.json()) as { state: string }).state).toBe('acknowledged');
    expect(h.audit.entries.find((e) => e.action === 'alert.acknowledge')).toMatchObject({
      actor: 'admin:tester',
      target: alert.id,
    });
    c.set(MARCH + 10 * DAY_MS + 2 * HOUR_MS);
    const again = await h.value.evaluateAlerts();
    expect([again.opened, again.escalated, again.resolved].map((x) => x.length)).toEqual([0, 0, 0]);

    // Crossing the budget escalates the same alert to critical.
    spendDays(h, 11, 20);
    await h.usage.flush();
    c.set(MARCH + 20 * DAY_MS + HOUR_MS);
    const crossed = await h.value.evaluateAlerts();
    expect(crossed.escalated.map((a) => [a.id, a.severity, a.state])).toEqual([
      [alert.id, 'critical', 'acknowledged'],
    ]);

    // A new month: March's alert resolves itself. Spend stopped on day 20, and the weighted rate has
    // decayed over eleven idle days (15 × 0.7^11 ≈ $0.30/day), so April is not at risk.
    c.set(Date.UTC(2026, 3, 1, 12));
    const april = await h.value.evaluateAlerts();
    expect(april.resolved.map((a) => a.id)).toEqual([alert.id]);
    expect(april.opened).toEqual([]);
    const forecast = await h.value.forecast('use_case');
    expect(forecast).toEqual([
      expect.objectContaining({ id: 'ramp', month: '2026-04', mtd_usd: 0, status: 'ok' }),
    ]);
    expect(forecast[0]!.daily_rate_usd).toBeCloseTo(15 * 0.7 ** 11, 9);
    await h.value.alerts.idle();
    const events = rx.got.slice(2).map((r) => verify(r).type);
    expect(events).toEqual(['alert.escalated', 'alert.resolved']);

    const list = (await (await h.request('/api/alerts?state=resolved')).json()) as {
      data: Array<{ id: string; resolved_by: string }>;
    };
    expect(list.data).toEqual([expect.objectContaining({ id: alert.id, resolved_by: 'system' })]);
    const bad = await h.request(`/api/alerts/${alert.id}/ack`, { method: 'POST' });
    expect(bad.status).toBe(400);
  }, 120_000);

  it('spend spikes, error-rate spikes and unpriced calls open alerts that resolve when they stop', async () => {
    const c = clock(MARCH);
    h = await valueHarness(await store.fresh(), { use_cases: [{ id: 'flaky' }] }, { now: c.now });
    const base = MARCH + 2 * DAY_MS;
    // 48 quiet hours: $0.10 and 10 good calls per hour each.
    for (let hr = 0; hr < 48; hr++)
      for (let i = 0; i < 10; i++)
        h.usage.record(
          usageEvent({ ts: base - 48 * HOUR_MS + hr * HOUR_MS + i * 1000, useCase: 'flaky', costUsd: 0.01 }),
        );
    // Then one bad hour: $6 of spend, 20 of 30 calls failing, 2 calls on a model with no price.
    for (let i = 0; i < 30; i++)
      h.usage.record(
        usageEvent({
          ts: base + i * 1000,
          useCase: 'flaky',
          costUsd: i < 2 ? null : 0.25,
          modelRequested: i < 2 ? 'new-model' : 'gpt-test',
          modelUpstream: i < 2 ? 'new-model' : 'gpt-test',
          status: i >= 10 ? 502 : 200,
          errorCode: i >= 10 ? 'upstream_error' : null,
        }),
      );
    await h.usage.flush();
    c.set(base + HOUR_MS + 60_000);
    const r = await h.value.evaluateAlerts();
    const byRule = Object.fromEntries(r.opened.map((a) => [a.rule, a]));
    expect(Object.keys(byRule).sort()).toEqual(['error_rate_spike', 'spend_spike', 'unpriced_calls']);
    // The baseline is the hourly average over 168 h, of which 48 had spend.
    expect(byRule.spend_spike?.details.spent_usd).toBeCloseTo(7, 9);
    expect(byRule.spend_spike?.details.baseline_hourly_usd).toBeCloseTo(4.8 / 168, 9);
    expect(byRule.error_rate_spike).toMatchObject({
      subject: 'flaky',
      severity: 'critical',
      details: { requests: 30, errors: 20 },
    });
    expect(byRule.unpriced_calls).toMatchObject({
      subject: 'sim/new-model',
      details: { unpriced_requests: 2 },
    });

    // Viewers may read alerts but not act on them.
    const viewer = await valueHarness(await store.fresh(), {}, { now: c.now, role: 'viewer' });
    try {
      expect((await viewer.request('/api/alerts')).status).toBe(200);
      const refused = await viewer.request(`/api/alerts/${byRule.spend_spike!.id}/resolve`, {
        method: 'POST',
      });
      expect(refused.status).toBe(403);
    } finally {
      await viewer.close();
    }

    // The next hour is quiet again: spikes resolve; the unpriced calls stay within the 24 h window.
    c.set(base + 2 * HOUR_MS + 60_000);
    const later = await h.value.evaluateAlerts();
    expect(later.resolved.map((a) => a.rule).sort()).toEqual(['error_rate_spike', 'spend_spike']);
    const open = await h.value.alerts.list({ state: 'open' });
    expect(open.map((a) => a.rule)).toEqual(['unpriced_calls']);
  }, 120_000);
});
