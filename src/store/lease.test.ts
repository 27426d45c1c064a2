import pg from 'pg';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from './db.js';
import { createLeaderLease, LEADER_LOCK_KEY, type LeaderLease } from './lease.js';
import { POSTGRES, STORES, type TestStore } from './testkit.js';

/** Resolves when `lease` reports `leader`, rejects after `ms`. */
function becomes(lease: LeaderLease, leader: boolean, ms: number): Promise<void> {
  if (lease.isLeader() === leader) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(
      () => reject(new Error(`not ${leader ? 'leader' : 'follower'} within ${ms} ms`)),
      ms,
    );
    const fn = (v: boolean) => {
      if (v !== leader) return;
      clearTimeout(t);
      lease.off('change', fn);
      resolve();
    };
    lease.on('change', fn);
  });
}

describe('leader lease on one node', () => {
  const open: Array<{ lease: LeaderLease; database: Database }> = [];
  afterEach(async () => {
    for (const o of open.splice(0)) {
      await o.lease.close();
      await o.database.close();
    }
  });

  it.each(STORES)('leads alone on $name and gives it up on close', async (store) => {
    const url = await store.fresh();
    const database = await openDatabase(url);
    const lease = createLeaderLease({ url, database, pollMs: 50 });
    open.push({ lease, database });
    await lease.ready();
    expect(lease.isLeader()).toBe(true);
  });
});

describe.runIf(POSTGRES)('leader lease on a PostgreSQL server', () => {
  let url = '';
  beforeAll(async () => {
    url = await (POSTGRES as TestStore).fresh();
  });
  const leases: LeaderLease[] = [];
  const databases: Database[] = [];
  afterEach(async () => {
    for (const l of leases.splice(0)) await l.close();
    for (const d of databases.splice(0)) await d.close();
  });

  async function replica(pollMs = 200): Promise<LeaderLease> {
    const database = await openDatabase(url);
    databases.push(database);
    const lease = createLeaderLease({ url, database, pollMs });
    leases.push(lease);
    await lease.ready();
    return lease;
  }

  it('has one leader; another takes over within a few polls once the leader’s session is gone', async () => {
    // The first leads; it polls rarely, so it is not the one that takes the lock back.
    const leader = await replica(60_000);
    const others = [await replica(), await replica()];
    const all = [leader, ...others];
    expect(leader.isLeader()).toBe(true);
    expect(all.filter((l) => l.isLeader())).toHaveLength(1);

    // The leader's session dies (server restart of its backend, network cut): the server frees the lock.
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const lost = becomes(leader, false, 5_000);
      const took = Promise.any(others.map((l) => becomes(l, true, 5_000)));
      await admin.query(
        `select pg_terminate_backend(pid) from pg_locks
         where locktype = 'advisory' and objid = $1::int::oid and granted`,
        [LEADER_LOCK_KEY],
      );
      await lost;
      await took;
    } finally {
      await admin.end();
    }
    expect(all.filter((l) => l.isLeader())).toHaveLength(1);
  });

  it('hands over on close', async () => {
    const a = await replica();
    const b = await replica();
    const [leader, other] = a.isLeader() ? [a, b] : [b, a];
    const took = becomes(other, true, 3_000);
    await leader.close();
    await took;
  });
});
