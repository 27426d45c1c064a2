import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LEASE, RAISE, RESERVE, SETTLE, SWEEP, WINDOW } from './redis-scripts.js';
import {
  type CounterBackend,
  createSharedCounters,
  type SharedCounters,
  type SharedCountersOptions,
} from './shared.js';

export interface RedisCountersOptions extends SharedCountersOptions {
  /** Prefix of every key Keel writes (default `keel:limits:`). */
  prefix?: string;
}

/**
 * Counters shared by every replica through one Redis (a single primary: the scripts touch several
 * keys at once, which Redis Cluster only allows within one hash slot). Takes ownership of the
 * connection: close() quits it.
 */
export function createRedisCounters(redis: Redis, opts: RedisCountersOptions = {}): SharedCounters {
  const prefix = opts.prefix ?? 'keel:limits:';
  const windowKey = (k: string) => `${prefix}window:${k}`;
  const budgetKey = (k: string) => `${prefix}budget:${k}`;

  const shas = new Map<string, string>();
  /** EVALSHA, falling back to EVAL once when the server does not have the script cached yet. */
  async function run(script: string, keys: string[], args: Array<string | number>): Promise<unknown> {
    let sha = shas.get(script);
    if (!sha) {
      sha = createHash('sha1').update(script).digest('hex');
      shas.set(script, sha);
    }
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (e) {
      if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e;
      return redis.eval(script, keys.length, ...keys, ...args);
    }
  }

  /** Every budget hash under the prefix (SCAN: never blocks the server like KEYS). */
  async function budgetKeys(): Promise<string[]> {
    const from = budgetKey('').length;
    const match = `${budgetKey('').replace(/[*?[\]\\]/g, '\\$&')}*`;
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = next;
      for (const k of keys) out.push(k.slice(from));
    } while (cursor !== '0');
    // SCAN may return a key more than once.
    return [...new Set(out)];
  }

  const backend: CounterBackend = {
    async window(key, amount, limit, windowMs, now, check) {
      const r = (await run(WINDOW, [windowKey(key)], [amount, limit, windowMs, now, check ? '1' : '0'])) as [
        number,
        string,
        string,
        string,
      ];
      return { ok: r[0] === 1, used: Number(r[1]), previous: Number(r[2]), start: Number(r[3]) };
    },

    async reserve(id, items, now, expiresAt) {
      const args: Array<string | number> = [id, now, expiresAt];
      for (const it of items) args.push(it.limitUsd, it.amountUsd);
      const r = (await run(
        RESERVE,
        items.map((i) => budgetKey(i.key)),
        args,
      )) as [string, ...unknown[]];
      if (r[0] === 'missing')
        return { status: 'missing', keys: (r[1] as number[]).map((i) => items[i - 1]!.key) };
      if (r[0] === 'refused')
        return { status: 'refused', index: Number(r[1]) - 1, spent: Number(r[2]), reserved: Number(r[3]) };
      return {
        status: 'ok',
        spent: (r[1] as string[]).map(Number),
        reserved: (r[2] as string[]).map(Number),
      };
    },

    async lease(id, items, fraction, now, expiresAt) {
      const args: Array<string | number> = [id, now, expiresAt, fraction];
      for (const it of items) args.push(it.limitUsd, it.pendingUsd, it.inflightUsd, it.needUsd, it.unitUsd);
      const r = (await run(
        LEASE,
        items.map((i) => budgetKey(i.key)),
        args,
      )) as [string, unknown];
      if (r[0] === 'missing')
        return { status: 'missing', keys: (r[1] as number[]).map((i) => items[i - 1]!.key) };
      return {
        status: 'ok',
        results: (r[1] as Array<[string, string, string, string]>).map(([st, spent, others, keep]) => ({
          kind: st === 'slice' ? 'slice' : st === 'exact' ? 'exact' : 'refused',
          spent: Number(spent),
          others: Number(others),
          keep: Number(keep),
        })),
      };
    },

    async init(key, spentUsd) {
      await redis.hsetnx(budgetKey(key), 'spent', String(spentUsd));
    },

    async settle(id, keys, actualUsd, now) {
      const r = (await run(SETTLE, keys.map(budgetKey), [id, actualUsd, now])) as Array<
        [number, string, string]
      >;
      return r.map(([i, spent, reserved]) => ({
        key: keys[i - 1]!,
        spent: Number(spent),
        reserved: Number(reserved),
      }));
    },

    budgetKeys,

    async raise(key, ledgerUsd) {
      const r = (await run(RAISE, [budgetKey(key)], [String(ledgerUsd)])) as [string, string] | null;
      return r ? { before: Number(r[0]), after: Number(r[1]) } : undefined;
    },

    async sweep(keys, now) {
      const past = new Set(keys);
      const total = { budgets: 0, reservations: 0 };
      for (const k of new Set([...keys, ...(await budgetKeys())])) {
        const [b, r] = (await run(SWEEP, [budgetKey(k)], [now, past.has(k) ? '1' : '0'])) as [number, number];
        total.budgets += b;
        total.reservations += r;
      }
      return total;
    },

    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
  return createSharedCounters(backend, opts);
}

/** Connect to the Redis at `url` (redis://[user:pass@]host:port/db, rediss:// for TLS). */
export async function connectRedis(url: string): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  // A dropped connection reconnects by itself; the error surfaces on the commands that fail meanwhile.
  redis.on('error', () => undefined);
  await redis.connect();
  return redis;
}
