import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.js';
import type { Database } from '../../store/db.js';
import { connectTo, STORES } from '../../store/testkit.js';
import { createAlertService } from '../../value/alerts/service.js';
import { memoryAuditLog, usageEvent } from '../../value/testkit.js';
import { dataSettings } from '../settings.js';
import { type ClusterMonitors, createClusterMonitors } from './cluster.js';
import { createTrafficMonitors, type DriftAlert, type TrafficMonitors } from './monitor.js';

const T0 = Date.UTC(2026, 2, 1);
const HOUR = 3_600_000;
const settings = dataSettings({
  monitors: { reference_days: 1, window_hours: 24, interval_minutes: 1, min_events: 50 },
}).monitors;

interface Replica {
  database: Database;
  local: TrafficMonitors;
  cluster: ClusterMonitors;
  drift: DriftAlert[];
}

describe.each(STORES)('live drift across replicas on $name', (store) => {
  const replicas: Replica[] = [];
  afterEach(async () => {
    for (const r of replicas.splice(0).reverse()) await r.database.close();
  });

  async function replica(connect: () => Promise<Database>): Promise<Replica> {
    const database = await connect();
    const drift: DriftAlert[] = [];
    const local = createTrafficMonitors({ settings, onDrift: () => {} });
    const cluster = createClusterMonitors({
      database,
      audit: memoryAuditLog(),
      local,
      evaluator: createTrafficMonitors({ settings, onDrift: (a) => drift.push(a) }),
      staleMs: 5 * 60_000,
      windowMs: settings.windowMs,
    });
    const r = { database, local, cluster, drift };
    replicas.push(r);
    return r;
  }

  const observe = (r: Replica, count: number, from: number, errors: boolean) => {
    for (let i = 0; i < count; i++)
      r.local.observe({
        event: usageEvent({
          ts: from + i * 60_000,
          useCase: 'support',
          ...(errors && i % 2 === 0 ? { status: 502, errorCode: 'upstream_error' } : {}),
        }),
      });
  };

  it('judges drift on the merged traffic, keeps the alert open, and survives a restart', async () => {
    const connect = await connectTo(store);
    const a = await replica(connect);
    const b = await replica(connect);
    // Both see the reference day; then only A sees errors, and B sees too little to judge alone.
    observe(a, 150, T0, false);
    observe(b, 150, T0 + 30_000, false);
    const now = T0 + 24 * HOUR + 6 * HOUR;
    observe(a, 200, T0 + 24 * HOUR + HOUR, true);
    observe(b, 20, T0 + 24 * HOUR + HOUR + 30_000, false);
    await a.cluster.sync(now);
    await b.cluster.sync(now);

    // B leads: it evaluates the merge, not its own traffic.
    await b.cluster.evaluate(now);
    expect(b.drift).toEqual([expect.objectContaining({ status: 'firing', feature: 'error_rate' })]);
    const [status] = await a.cluster.status('support');
    expect(status?.reference.events).toBe(300);
    expect(status?.current.events).toBe(220);
    expect((await a.cluster.drifting()).map((d) => d.feature)).toEqual(['error_rate']);

    const off = { enabled: false };
    const alerts = createAlertService({
      database: b.database,
      audit: memoryAuditLog(),
      config: parseConfig(
        {
          alerts: {
            rules: {
              budget_forecast: off,
              roi_below_target: off,
              spend_spike: off,
              error_rate_spike: off,
              unpriced_calls: off,
            },
          },
        },
        {},
      ).alerts,
      context: () => ({
        useCases: [],
        forecast: async () => [],
        dailyValue: async () => {
          throw new Error('not read by data_drift');
        },
        hourlyUsage: async () => [],
        drift: () => b.cluster.drifting(),
      }),
    });
    expect((await alerts.evaluate(now)).opened).toHaveLength(1);
    // B keeps seeing no errors of its own; the next merged run still sees A's.
    observe(b, 20, now, false);
    await b.cluster.sync(now + 60_000);
    await b.cluster.evaluate(now + 60_000);
    const again = await alerts.evaluate(now + 60_000);
    expect(again.resolved).toHaveLength(0);
    expect(await alerts.list({ state: 'open' })).toHaveLength(1);

    // Both replicas restart: a new one finds their windows in the store (folded once, not twice)
    // and the verdict with them.
    const later = now + 10 * 60_000;
    const c = await replica(connect);
    await c.cluster.sync(later);
    await c.cluster.evaluate(later);
    const [after] = await c.cluster.status('support');
    expect(after?.reference.events).toBe(300);
    expect(after?.current.events).toBe(240);
    expect((await c.cluster.drifting()).map((d) => d.feature)).toEqual(['error_rate']);
    expect(c.drift).toEqual([]); // still drifting: no new firing
    const rows = await c.database.db.selectFrom('monitor_windows').select('replica_id').execute();
    expect(rows.map((r) => r.replica_id)).toEqual(['']);
  }, 60_000);

  it('shares reference freezes through the store', async () => {
    const connect = await connectTo(store);
    const a = await replica(connect);
    const b = await replica(connect);
    observe(a, 10, T0, false);
    observe(b, 10, T0 + 30_000, false);
    await a.cluster.sync(T0 + HOUR);
    await b.cluster.sync(T0 + HOUR);
    await a.cluster.freezeReference('support', T0 + HOUR, 'admin:test');
    await b.cluster.sync(T0 + HOUR + 1);
    // B's next observation belongs to the current window now, not the reference.
    observe(b, 1, T0 + 2 * HOUR, false);
    await b.cluster.sync(T0 + 2 * HOUR);
    await b.cluster.evaluate(T0 + 2 * HOUR);
    const [st] = await a.cluster.status('support');
    expect(st?.reference).toMatchObject({ events: 20, until: T0 + HOUR, complete: true });
    expect(st?.current.events).toBe(1);
  });
});
