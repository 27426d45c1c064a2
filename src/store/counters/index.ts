import type { KeelConfig } from '../../config/schema.js';
import type { Database } from '../db.js';
import { type Counters, createMemoryCounters } from './memory.js';
import { createPostgresCounters } from './postgres.js';
import { connectRedis, createRedisCounters } from './redis.js';

export type LimitsStore = 'memory' | 'database' | 'redis';

/** `auto`: Redis when a URL is set, the database when it is PostgreSQL, else in process (one node). */
export function resolveLimitsStore(
  limits: KeelConfig['limits'],
  database: Pick<Database, 'dialect'>,
): LimitsStore {
  if (limits.store !== 'auto') return limits.store;
  if (limits.redis_url) return 'redis';
  return database.dialect === 'postgres' ? 'database' : 'memory';
}

/**
 * The counters this Keel uses for rate limits and budgets, chosen by `limits.store`, and how to
 * release what they hold (the Redis connection) when the app closes.
 */
export async function createCounters(
  config: Pick<KeelConfig, 'limits' | 'routing'>,
  database: Database,
): Promise<{ counters: Counters; store: LimitsStore; close(): Promise<void> }> {
  const { limits } = config;
  const store = resolveLimitsStore(limits, database);
  const reservationTtlMs = limits.reservation_ttl_s * 1000;
  if (store !== 'memory' && reservationTtlMs <= config.routing.timeout_ms)
    throw new Error(
      `limits.reservation_ttl_s (${limits.reservation_ttl_s}) must exceed routing.timeout_ms: a reservation would expire while its call still runs`,
    );
  const leasing = store !== 'memory' && limits.budget_lease_fraction > 0;
  if (leasing && limits.budget_lease_ttl_s <= limits.reconcile_every_s)
    throw new Error(
      `limits.budget_lease_ttl_s (${limits.budget_lease_ttl_s}) must exceed limits.reconcile_every_s (${limits.reconcile_every_s}): a killed replica's lease must hold its unflushed spend until reconciliation has charged it`,
    );
  if (leasing && 2 * limits.budget_lease_flush_ms >= limits.budget_lease_ttl_s * 1000)
    throw new Error(
      `limits.budget_lease_flush_ms (${limits.budget_lease_flush_ms}) must be under half of limits.budget_lease_ttl_s: leases are renewed at each flush`,
    );
  const shared = {
    reservationTtlMs,
    ...(leasing
      ? {
          leases: {
            fraction: limits.budget_lease_fraction,
            ttlMs: limits.budget_lease_ttl_s * 1000,
            flushMs: limits.budget_lease_flush_ms,
          },
        }
      : {}),
  };
  switch (store) {
    case 'memory':
      return { counters: createMemoryCounters(), store, close: async () => {} };
    case 'database': {
      if (database.dialect !== 'postgres')
        throw new Error(
          'limits.store "database" needs a PostgreSQL database.url (SQLite keeps limits in memory)',
        );
      const counters = createPostgresCounters(database, shared);
      return { counters, store, close: () => counters.close() };
    }
    case 'redis': {
      if (!limits.redis_url) throw new Error('limits.store "redis" needs limits.redis_url or KEEL_REDIS_URL');
      const counters = createRedisCounters(await connectRedis(limits.redis_url), shared);
      return { counters, store, close: () => counters.close() };
    }
  }
}
