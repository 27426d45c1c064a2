import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.js';
import { type Database, openDatabase } from '../db.js';
import { createCounters, resolveLimitsStore } from './index.js';

const config = (limits: Record<string, unknown> = {}, env: Record<string, string> = {}) =>
  parseConfig({ limits }, env);

describe('choosing where limits live', () => {
  it('auto: Redis when a URL is set, PostgreSQL when that is the store, in process on SQLite', () => {
    const sqlite = { dialect: 'sqlite' } as const;
    const postgres = { dialect: 'postgres' } as const;
    expect(resolveLimitsStore(config().limits, sqlite)).toBe('memory');
    expect(resolveLimitsStore(config().limits, postgres)).toBe('database');
    expect(resolveLimitsStore(config({ redis_url: 'redis://r:6379/2' }).limits, sqlite)).toBe('redis');
    expect(resolveLimitsStore(config({}, { KEEL_REDIS_URL: 'redis://r:6379/2' }).limits, postgres)).toBe(
      'redis',
    );
    expect(resolveLimitsStore(config({ store: 'memory' }).limits, postgres)).toBe('memory');
  });

  it('KEEL_REDIS_URL overrides limits.redis_url; the reservation TTL defaults to 15 minutes, reconciliation to a minute, leases to 5% for 2 minutes', () => {
    const c = config(
      { redis_url: 'redis://from-file:6379/0' },
      { KEEL_REDIS_URL: 'redis://from-env:6379/1' },
    );
    expect(c.limits).toEqual({
      store: 'auto',
      redis_url: 'redis://from-env:6379/1',
      reservation_ttl_s: 900,
      reconcile_every_s: 60,
      budget_lease_fraction: 0.05,
      budget_lease_ttl_s: 120,
      budget_lease_flush_ms: 1000,
      budget_min_output_tokens: 256,
    });
    expect(() => config({ store: 'postgres' })).toThrow(/limits\.store/);
  });

  describe('on a SQLite store', () => {
    let database: Database;
    beforeAll(async () => {
      database = await openDatabase('sqlite::memory:');
    });
    afterAll(() => database.close());

    it('refuses the database mode, a Redis mode without URL and a TTL shorter than a call', async () => {
      await expect(createCounters(config({ store: 'database' }), database)).rejects.toThrow(/PostgreSQL/);
      await expect(createCounters(config({ store: 'redis' }), database)).rejects.toThrow(/KEEL_REDIS_URL/);
      const short = parseConfig(
        {
          limits: { store: 'redis', redis_url: 'redis://x:1/0', reservation_ttl_s: 60 },
          routing: { timeout_ms: 120_000 },
        },
        {},
      );
      await expect(createCounters(short, database)).rejects.toThrow(/reservation_ttl_s/);
      // A killed replica's lease must outlive one reconciliation, and live ones be renewed in time.
      const redis = { store: 'redis', redis_url: 'redis://x:1/0' };
      const shortLease = config({ ...redis, budget_lease_ttl_s: 60, reconcile_every_s: 60 });
      await expect(createCounters(shortLease, database)).rejects.toThrow(/budget_lease_ttl_s/);
      const slowFlush = config({ ...redis, budget_lease_ttl_s: 120, budget_lease_flush_ms: 60_000 });
      await expect(createCounters(slowFlush, database)).rejects.toThrow(/budget_lease_flush_ms/);
    });

    it('keeps limits in process by default', async () => {
      const made = await createCounters(config(), database);
      expect(made.store).toBe('memory');
      await made.close();
    });

    it.runIf(process.env.KEEL_TEST_REDIS_URL)('connects to Redis and closes the connection', async () => {
      const made = await createCounters(config({ redis_url: process.env.KEEL_TEST_REDIS_URL }), database);
      expect(made.store).toBe('redis');
      expect((await made.counters.hit(`selection-test:${Date.now()}`, 1, 1, 60_000)).ok).toBe(true);
      await made.close();
    });
  });
});
