import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  type CounterBackend,
  createSharedCounters,
  type SharedCounters,
  type SharedCountersOptions,
} from './shared.js';

/*
 * Lua scripts run atomically on the Redis server: the same arithmetic as the plpgsql functions of
 * migration 007_counters. Numbers travel as strings (Lua → Redis truncates numbers to integers).
 * A window is a hash {s, c, p}; a budget is a hash {spent, r:<id> = "<amount>:<expires>"}.
 */
const WINDOW = `
local amount = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local win = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
local check = ARGV[5] == '1'
local start = now - (now % win)
local cur, prev = 0, 0
local h = redis.call('HMGET', KEYS[1], 's', 'c', 'p')
if h[1] then
  local s = tonumber(h[1])
  if s >= start then
    start = s
    cur = tonumber(h[2])
    prev = tonumber(h[3])
  elseif start - s == win then
    prev = tonumber(h[2])
  end
end
local elapsed = math.min(1, math.max(0, (now - start) / win))
local used = prev * (1 - elapsed) + cur
local ok = 1
if check and used + amount > limit then
  ok = 0
else
  cur = math.max(0, cur + amount)
end
redis.call('HSET', KEYS[1], 's', string.format('%d', start), 'c', string.format('%.17g', cur), 'p', string.format('%.17g', prev))
redis.call('PEXPIRE', KEYS[1], 2 * win + 60000)
return {ok, string.format('%.17g', used), string.format('%.17g', prev), string.format('%d', start)}
`;

/** Live reservations of one budget hash; expired ones are deleted on the way. */
const HELD = `
local function held(key, now)
  local all = redis.call('HGETALL', key)
  local r = 0
  for j = 1, #all, 2 do
    local f = all[j]
    if string.sub(f, 1, 2) == 'r:' then
      local v = all[j + 1]
      local sep = string.find(v, ':', 1, true)
      if tonumber(string.sub(v, sep + 1)) <= now then
        redis.call('HDEL', key, f)
      else
        r = r + tonumber(string.sub(v, 1, sep - 1))
      end
    end
  end
  return r
end
`;

// ARGV: id, now, expires, then limit and amount of each key in turn.
const RESERVE = `${HELD}
local id, now, exp = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local missing = {}
local spent = {}
for i = 1, #KEYS do
  local s = redis.call('HGET', KEYS[i], 'spent')
  if not s then missing[#missing + 1] = i end
  spent[i] = tonumber(s or '0')
end
if #missing > 0 then return {'missing', missing} end
local reserved = {}
for i = 1, #KEYS do
  local limit = tonumber(ARGV[2 + 2 * i])
  local amount = tonumber(ARGV[3 + 2 * i])
  local r = held(KEYS[i], now)
  if spent[i] + r + amount > limit + 1e-12 then
    return {'refused', i, string.format('%.17g', spent[i]), string.format('%.17g', r)}
  end
  reserved[i] = string.format('%.17g', r + amount)
  spent[i] = string.format('%.17g', spent[i])
end
for i = 1, #KEYS do
  redis.call('HSET', KEYS[i], 'r:' .. id, ARGV[3 + 2 * i] .. ':' .. exp)
end
return {'ok', spent, reserved}
`;

// ARGV: id, actual, now. A budget whose hash is gone (flushed) is not recreated with a partial spend.
const SETTLE = `${HELD}
local id, actual, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local out = {}
for i = 1, #KEYS do
  redis.call('HDEL', KEYS[i], 'r:' .. id)
  local spent = redis.call('HGET', KEYS[i], 'spent')
  if spent then
    spent = redis.call('HINCRBYFLOAT', KEYS[i], 'spent', actual)
    out[#out + 1] = {i, spent, string.format('%.17g', held(KEYS[i], now))}
  end
end
return out
`;

// ARGV: ledger spend. spent = max(spent, ledger); a budget whose hash is gone is not recreated.
const RAISE = `
local s = redis.call('HGET', KEYS[1], 'spent')
if not s then return false end
if tonumber(ARGV[1]) > tonumber(s) then
  redis.call('HSET', KEYS[1], 'spent', ARGV[1])
  return {s, ARGV[1]}
end
return {s, s}
`;

// ARGV: now, '1' to delete the whole budget. Returns {budgets deleted, reservations deleted}.
const SWEEP = `
local now, drop = tonumber(ARGV[1]), ARGV[2] == '1'
local all = redis.call('HGETALL', KEYS[1])
local gone = 0
for j = 1, #all, 2 do
  local f = all[j]
  if string.sub(f, 1, 2) == 'r:' then
    local v = all[j + 1]
    local sep = string.find(v, ':', 1, true)
    if drop then
      gone = gone + 1
    elseif tonumber(string.sub(v, sep + 1)) <= now then
      redis.call('HDEL', KEYS[1], f)
      gone = gone + 1
    end
  end
end
if drop then
  return {redis.call('DEL', KEYS[1]), gone}
end
return {0, gone}
`;

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
