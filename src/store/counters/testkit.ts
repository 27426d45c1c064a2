import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../db.js';
import { STORES, type TestStore } from '../testkit.js';
import { type Counters, createMemoryCounters } from './memory.js';
import { createPostgresCounters } from './postgres.js';
import { connectRedis, createRedisCounters } from './redis.js';
import type { SharedCounters, SharedCountersOptions } from './shared.js';

/** Lease options of a shared instance (the in-process counters have no leases). */
export type TestLeases = SharedCountersOptions['leases'];

/**
 * Every Counters implementation the conformance suites run against. `instance()` makes another
 * instance over the same store, as another replica would (in process there is only one store: the
 * same instance).
 */
export interface CounterTarget {
  name: string;
  shared: boolean;
  setup(): Promise<void>;
  instance(now: () => number, ttlMs: number, leases?: TestLeases): Promise<Counters>;
  /** Shared stores: reservations stored for a budget key, expired ones included. */
  storedReservations(key: string): Promise<number>;
  teardown(): Promise<void>;
}

function postgresTarget(store: TestStore): CounterTarget {
  let database: Database;
  return {
    name: store.name,
    shared: true,
    async setup() {
      database = await store.open();
    },
    async instance(now, ttlMs, leases) {
      return createPostgresCounters(database, {
        now,
        reservationTtlMs: ttlMs,
        ...(leases ? { leases } : {}),
      });
    },
    async storedReservations(key) {
      const { rows } = await sql<{ n: string | number }>`
        select count(*) as n from limit_reservations where key = ${key}`.execute(database.db);
      return Number(rows[0]?.n ?? 0);
    },
    async teardown() {
      await database?.close();
    },
  };
}

function redisTarget(url: string): CounterTarget {
  // A prefix per suite: the tests never see keys of other runs or of other suites.
  const prefix = `keel-test:${randomUUID()}:`;
  const open: SharedCounters[] = [];
  return {
    name: 'redis',
    shared: true,
    setup: async () => {},
    async instance(now, ttlMs, leases) {
      const c = createRedisCounters(await connectRedis(url), {
        prefix,
        now,
        reservationTtlMs: ttlMs,
        ...(leases ? { leases } : {}),
      });
      open.push(c);
      return c;
    },
    async storedReservations(key) {
      const redis = await connectRedis(url);
      try {
        const fields = await redis.hkeys(`${prefix}budget:${key}`);
        return fields.filter((f) => f.startsWith('r:')).length;
      } finally {
        await redis.quit();
      }
    },
    async teardown() {
      const redis = await connectRedis(url);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
      await Promise.all(open.map((c) => c.close()));
    },
  };
}

/** In process, the PostgreSQL stores of STORES, and the Redis server given by KEEL_TEST_REDIS_URL. */
export function counterTargets(): CounterTarget[] {
  const targets: CounterTarget[] = [
    {
      name: 'memory',
      shared: false,
      setup: async () => {},
      // One process, one store: every "replica" is the same instance (tests use distinct keys).
      instance: (() => {
        let clock: () => number = Date.now;
        const one = createMemoryCounters(() => clock());
        return async (now: () => number) => {
          clock = now;
          return one;
        };
      })(),
      storedReservations: async () => {
        throw new Error('in-process counters keep no stored reservations');
      },
      teardown: async () => {},
    },
    ...STORES.filter((s) => s.dialect === 'postgres').map(postgresTarget),
  ];
  if (process.env.KEEL_TEST_REDIS_URL) targets.push(redisTarget(process.env.KEEL_TEST_REDIS_URL));
  return targets;
}
