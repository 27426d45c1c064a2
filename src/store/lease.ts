import { EventEmitter } from 'node:events';
import { sql } from 'kysely';
import type { Database } from './db.js';

/**
 * Which replica runs the background work that must happen once in a cluster (alert evaluation and
 * webhooks, rollups, retention purge, live-drift evaluation). On PostgreSQL it is whoever holds a
 * session-level advisory lock on a dedicated connection outside the pool: the server releases the
 * lock when that session ends, so a replica that dies or loses its connection loses leadership and
 * another one's next try-lock (every `pollMs`) takes it. A SQLite store has one node: always leader.
 */
export interface LeaderLease {
  isLeader(): boolean;
  /** `change` is emitted with the new isLeader() value. */
  on(event: 'change', fn: (leader: boolean) => void): void;
  off(event: 'change', fn: (leader: boolean) => void): void;
  /** Resolves after the first try-lock has been answered (or failed). */
  ready(): Promise<void>;
  /** Stop polling and release the lock (ends the dedicated session). */
  close(): Promise<void>;
}

export interface LeaseOptions {
  /** The store's URL: postgres://… gets its own connection for the lock. */
  url: string;
  database: Database;
  pollMs: number;
  onError?: (e: unknown) => void;
}

/** 'keel' as a 32-bit number: the advisory lock key of the leader lease. */
export const LEADER_LOCK_KEY = 0x6b65656c;

export function createLeaderLease(opts: LeaseOptions): LeaderLease {
  const scheme = /^([a-z]+):/i.exec(opts.url)?.[1]?.toLowerCase();
  if (opts.database.dialect === 'sqlite') return staticLease(true);
  if (scheme === 'pglite') return pollingLease(opts, pgliteSession(opts.database));
  return pollingLease(opts, serverSession(opts.url, opts.pollMs));
}

function staticLease(leader: boolean): LeaderLease {
  return {
    isLeader: () => leader,
    on() {},
    off() {},
    ready: async () => {},
    close: async () => {},
  };
}

/** One session that can try the lock, check it still holds, and end. */
interface LockSession {
  /** true when this session holds the lock (taken now or already held). */
  tryLock(): Promise<boolean>;
  /** Rejects when the session is gone; resolves true while the lock is held. */
  stillHeld(): Promise<boolean>;
  /** Called once when the connection breaks by itself. */
  onLost(fn: () => void): void;
  end(): Promise<void>;
}

function pollingLease(opts: LeaseOptions, session: () => LockSession): LeaderLease {
  const events = new EventEmitter();
  let leader = false;
  let current: LockSession | null = null;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const set = (v: boolean) => {
    if (v === leader) return;
    leader = v;
    events.emit('change', v);
  };
  const drop = () => {
    const s = current;
    current = null;
    set(false);
    if (s) void s.end().catch(() => undefined);
  };

  async function tick(): Promise<void> {
    if (closed) return;
    try {
      if (!current) {
        const s = session();
        current = s;
        s.onLost(() => {
          if (current === s) drop();
        });
      }
      const s = current;
      const held = leader ? await s.stillHeld() : await s.tryLock();
      if (current === s && !closed) set(held);
    } catch (e) {
      opts.onError?.(e);
      drop();
    }
  }

  const loop = () => {
    running = tick().finally(() => {
      if (!closed) {
        timer = setTimeout(loop, opts.pollMs);
        timer.unref();
      }
    });
  };
  loop();
  const first = running;

  return {
    isLeader: () => leader,
    on: (_e, fn) => events.on('change', fn),
    off: (_e, fn) => events.off('change', fn),
    ready: () => first,
    async close() {
      closed = true;
      clearTimeout(timer);
      await running;
      const s = current;
      current = null;
      set(false);
      await s?.end().catch(() => undefined);
    },
  };
}

/** A pg Client of its own: the lock lives and dies with this session, not with a pooled one. */
function serverSession(url: string, pollMs: number): () => LockSession {
  return () => {
    let lost: (() => void) | null = null;
    const client = import('pg').then(async ({ default: pg }) => {
      // A silent network partition must end the session on this side too, not hang the poll.
      const c = new pg.Client({
        connectionString: url,
        keepAlive: true,
        query_timeout: Math.max(3 * pollMs, 3000),
        connectionTimeoutMillis: Math.max(3 * pollMs, 3000),
      });
      c.on('error', () => lost?.());
      c.on('end', () => lost?.());
      await c.connect();
      return c;
    });
    const query = async (text: string) => {
      const c = await client;
      const r = await c.query<{ ok: boolean }>(text, [LEADER_LOCK_KEY]);
      return r.rows[0]?.ok === true;
    };
    return {
      tryLock: () => query('select pg_try_advisory_lock($1) as ok'),
      // A session-level lock lasts as long as its session: a round trip on it proves both.
      stillHeld: () => query('select $1::bigint > 0 as ok'),
      onLost(fn) {
        lost = fn;
      },
      async end() {
        lost = null;
        const c = await client.catch(() => null);
        await c?.end();
      },
    };
  };
}

/** PGlite is one in-process session: the lock there only says this process leads (tests). */
function pgliteSession(database: Database): () => LockSession {
  return () => ({
    async tryLock() {
      const r = await sql<{ ok: boolean }>`select pg_try_advisory_lock(${LEADER_LOCK_KEY}) as ok`.execute(
        database.db,
      );
      return r.rows[0]?.ok === true;
    },
    stillHeld: async () => true,
    onLost() {},
    async end() {
      await sql`select pg_advisory_unlock(${LEADER_LOCK_KEY})`.execute(database.db).catch(() => undefined);
    },
  });
}
