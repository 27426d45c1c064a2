import { type Counters, createMemoryCounters } from '../../access/counters.js';
import type { KeelConfig } from '../../config/schema.js';
import type { Database } from '../db.js';
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
  switch (store) {
    case 'memory':
      return { counters: createMemoryCounters(), store, close: async () => {} };
    case 'database': {
      if (database.dialect !== 'postgres')
        throw new Error(
          'limits.store "database" needs a PostgreSQL database.url (SQLite keeps limits in memory)',
        );
      const counters = createPostgresCounters(database, { reservationTtlMs });
      return { counters, store, close: () => counters.close() };
    }
    case 'redis': {
      if (!limits.redis_url) throw new Error('limits.store "redis" needs limits.redis_url or KEEL_REDIS_URL');
      const counters = createRedisCounters(await connectRedis(limits.redis_url), { reservationTtlMs });
      return { counters, store, close: () => counters.close() };
    }
  }
}
