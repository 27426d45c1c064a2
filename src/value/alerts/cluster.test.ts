import { Migrator } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.js';
import { type Database, migrateToLatest, openDatabase } from '../../store/db.js';
import { migrationProvider } from '../../store/migrations/index.js';
import { connectTo, STORES } from '../../store/testkit.js';
import { memoryAuditLog, type WebhookReceiver, webhookReceiver } from '../testkit.js';
import type { DriftState } from './rules.js';
import { type AlertService, createAlertService } from './service.js';

const T0 = Date.UTC(2026, 2, 1);

const drifting: DriftState = {
  useCase: 'support',
  feature: 'error_rate',
  method: 'z',
  statistic: 9,
  pValue: 1e-9,
  threshold: { p_value: 0.01 },
  window: { from: T0 - 3_600_000, until: T0 },
  reference: { rate: 0.01 },
  current: { rate: 0.4 },
};

describe.each(STORES)('alerts from two replicas on $name', (store) => {
  const open = async (): Promise<[Database, Database]> => {
    const connect = await connectTo(store);
    return [await connect(), await connect()];
  };
  let stores: [Database, Database] | undefined;
  let rx: WebhookReceiver | undefined;
  const events = () => rx?.got.map((d) => d.headers['x-keel-event']);
  afterEach(async () => {
    await stores?.[1].close();
    await stores?.[0].close();
    await rx?.close();
  });

  function replica(database: Database, url: string, drift: () => readonly DriftState[]): AlertService {
    const off = { enabled: false };
    const config = parseConfig(
      {
        alerts: {
          webhooks: [{ url, secret: 'whsec_cluster_test_0123456789', name: 'ops' }],
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
    ).alerts;
    return createAlertService({
      database,
      audit: memoryAuditLog(),
      config,
      context: () => ({
        useCases: [],
        forecast: async () => [],
        dailyValue: async () => {
          throw new Error('not read by data_drift');
        },
        hourlyUsage: async () => [],
        drift,
      }),
    });
  }

  it('opens one alert and sends one webhook when two evaluators race on the same breach', async () => {
    stores = await open();
    rx = await webhookReceiver();
    const a = replica(stores[0], rx.url, () => [drifting]);
    const b = replica(stores[1], rx.url, () => [drifting]);
    const [ra, rb] = await Promise.all([a.evaluate(T0), b.evaluate(T0)]);
    expect(ra.opened.length + rb.opened.length).toBe(1);
    await Promise.all([a.idle(), b.idle()]);
    expect(events()).toEqual(['alert.opened']);
    expect(await a.list({ state: 'open' })).toHaveLength(1);

    // Both see the condition gone at once: one resolution, one notification.
    const ca = replica(stores[0], rx.url, () => []);
    const cb = replica(stores[1], rx.url, () => []);
    const [xa, xb] = await Promise.all([ca.evaluate(T0 + 60_000), cb.evaluate(T0 + 60_000)]);
    expect(xa.resolved.length + xb.resolved.length).toBe(1);
    await Promise.all([ca.idle(), cb.idle()]);
    expect(events()).toEqual(['alert.opened', 'alert.resolved']);
  }, 60_000);

  it('refuses a second open alert per fingerprint at the store', async () => {
    stores = await open();
    const row = (id: string, state: string) => ({
      id,
      fingerprint: 'data_drift:use_case:support:error_rate',
      rule: 'data_drift',
      scope: 'use_case',
      subject: 'support',
      state,
      severity: 'warning',
      title: 't',
      details: '{}',
      opened_at: T0,
      last_seen_at: T0,
      delivery: '[]',
    });
    await stores[0].db.insertInto('alerts').values(row('alt_1', 'acknowledged')).execute();
    await expect(stores[1].db.insertInto('alerts').values(row('alt_2', 'open')).execute()).rejects.toThrow();
    // Resolved ones do not count.
    await stores[1].db.insertInto('alerts').values(row('alt_3', 'resolved')).execute();
  });
});

describe('009_cluster on a store that already holds duplicate open alerts', () => {
  it('keeps the earliest open and resolves the rest', async () => {
    const database = await openDatabase('sqlite::memory:', { migrate: false });
    try {
      const migrator = new Migrator({
        db: database.db,
        provider: migrationProvider(database.dialect),
      });
      expect((await migrator.migrateTo('006_security_events')).error).toBeUndefined();
      for (const [id, at] of [
        ['alt_b', T0 + 1],
        ['alt_a', T0],
        ['alt_c', T0 + 2],
      ] as const)
        await database.db
          .insertInto('alerts')
          .values({
            id,
            fingerprint: 'spend_spike:use_case:x',
            rule: 'spend_spike',
            scope: 'use_case',
            subject: 'x',
            state: 'open',
            severity: 'warning',
            title: 't',
            details: '{}',
            opened_at: at,
            last_seen_at: at + 10,
            delivery: '[]',
          })
          .execute();
      await migrateToLatest(database);
      const rows = await database.db.selectFrom('alerts').select(['id', 'state']).orderBy('id').execute();
      expect(rows).toEqual([
        { id: 'alt_a', state: 'open' },
        { id: 'alt_b', state: 'resolved' },
        { id: 'alt_c', state: 'resolved' },
      ]);
    } finally {
      await database.close();
    }
  });
});
