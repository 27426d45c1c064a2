import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.js';
import { createTrafficMonitors } from '../../data/monitors/monitor.js';
import { dataSettings } from '../../data/settings.js';
import { Mulberry32 } from '../../prng.js';
import { type Database, openDatabase } from '../../store/db.js';
import { STORES } from '../../store/testkit.js';
import { createValueService, type ValueService } from '../service.js';
import { memoryAuditLog, usageEvent } from '../testkit.js';

const HOUR = 36e5;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2024, 0, 1);

describe.each(STORES)('data_drift alert rule on $name', (store) => {
  let database: Database | undefined;
  let value: ValueService | undefined;
  afterEach(async () => {
    await value?.close();
    await database?.close();
  });

  it('opens an alert when a live monitor starts drifting, refreshes it, and resolves it when drift stops', async () => {
    const url = await store.fresh();
    const config = parseConfig({ database: { url } }, {});
    expect(config.alerts.rules.data_drift.enabled).toBe(true);
    database = await openDatabase(url);
    const monitors = createTrafficMonitors({
      settings: dataSettings({ monitors: { reference_days: 1, window_hours: 6, min_events: 100 } }).monitors,
      onDrift: () => {},
    });
    let t = T0;
    value = await createValueService({
      config,
      database,
      audit: memoryAuditLog(),
      now: () => t,
      drift: () => monitors.drifting(),
    });
    const g = new Mulberry32(7);
    const traffic = (from: number, n: number, span: number, slow = false) => {
      for (let i = 0; i < n; i++)
        monitors.observe({
          event: usageEvent({
            ts: from + (i / n) * span,
            useCase: 'support',
            latencyMs: (slow ? 900 : 200) + 100 * g.uniform(),
          }),
        });
    };
    const driftAlerts = async () =>
      (await value!.alerts.list()).filter((a) => a.rule === 'data_drift' && a.subject === 'support');

    // Reference: the first day; then a normal window: nothing drifts, nothing opens.
    traffic(T0, 2000, DAY);
    traffic(T0 + 30 * HOUR, 600, 6 * HOUR);
    t = T0 + 36 * HOUR;
    monitors.runMonitors(t);
    expect((await value.evaluateAlerts(t)).opened).toEqual([]);

    // Latency shifts: one open data_drift alert for the feature.
    traffic(T0 + 40 * HOUR, 600, 6 * HOUR, true);
    t = T0 + 46 * HOUR;
    monitors.runMonitors(t);
    const first = await value.evaluateAlerts(t);
    expect(first.opened.map((a) => a.fingerprint)).toEqual(['data_drift:use_case:support:latency_ms']);
    const [open] = await driftAlerts();
    expect(open).toMatchObject({ state: 'open', severity: 'warning', scope: 'use_case', subject: 'support' });
    expect(open?.title).toContain('latency_ms');
    expect(open?.title).toContain('psi+ks');
    expect(open?.details).toMatchObject({
      feature: 'latency_ms',
      method: 'psi+ks',
      threshold: { psi: 0.2, p_value: 0.01 },
      window: { from: new Date(t - 6 * HOUR).toISOString(), until: new Date(t).toISOString() },
    });
    expect(open?.details.statistic).toBeGreaterThan(0.2);
    expect(open?.details.p_value).toBeLessThan(0.01);

    // Still drifting: the same alert is refreshed, not reopened.
    t += 60_000;
    const again = await value.evaluateAlerts(t);
    expect(again.opened).toEqual([]);
    expect(await driftAlerts()).toMatchObject([{ id: open?.id, state: 'open', lastSeenAt: t }]);

    // Back to normal: resolved by the system.
    traffic(T0 + 60 * HOUR, 600, 6 * HOUR);
    t = T0 + 66 * HOUR;
    monitors.runMonitors(t);
    const done = await value.evaluateAlerts(t);
    expect(done.resolved.map((a) => a.id)).toEqual([open?.id]);
    expect(await driftAlerts()).toMatchObject([{ id: open?.id, state: 'resolved', resolvedBy: 'system' }]);
  });
});
