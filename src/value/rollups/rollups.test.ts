import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../../store/db.js';
import {
  histogramQuantile,
  LATENCY_BOUNDS_MS,
  LATENCY_BUCKETS,
  latencyBucket,
} from '../../store/rollups/buckets.js';
import { createRollupJob } from '../../store/rollups/job.js';
import { DAY_MS, HOUR_MS } from '../../store/rollups/sql.js';
import { STORES } from '../../store/testkit.js';
import type { UsageEvent } from '../../store/types.js';
import { usageEvent, writeEvents } from '../testkit.js';
import { readActiveUsers, readUsage } from './read.js';

const T0 = Date.UTC(2026, 2, 1); // 2026-03-01

describe('latency histogram', () => {
  it('buckets by upper bound and interpolates quantiles Prometheus-style', () => {
    expect(LATENCY_BUCKETS).toBe(24);
    expect(latencyBucket(5)).toBe(0);
    expect(latencyBucket(5.01)).toBe(1);
    expect(latencyBucket(100)).toBe(6);
    expect(latencyBucket(60_000)).toBe(22);
    expect(latencyBucket(60_001)).toBe(23);
    const h = new Array<number>(LATENCY_BUCKETS).fill(0);
    h[6] = 10; // 10 calls in (75, 100]
    h[8] = 10; // 10 calls in (150, 200]
    // rank 10 of 20 = the top of bucket 6
    expect(histogramQuantile(h, 0.5)).toBe(100);
    // rank 19: 9 of 10 into (150, 200]
    expect(histogramQuantile(h, 0.95)).toBeCloseTo(150 + 50 * 0.9, 10);
    expect(histogramQuantile(new Array<number>(LATENCY_BUCKETS).fill(0), 0.5)).toBeNull();
    const open = new Array<number>(LATENCY_BUCKETS).fill(0);
    open[23] = 3;
    expect(histogramQuantile(open, 0.5)).toBe(LATENCY_BOUNDS_MS[22]);
  });
});

describe.each(STORES)('usage rollups ($name)', (store) => {
  let db: Database;
  afterEach(async () => {
    await db?.close();
  });

  function workload(): UsageEvent[] {
    const ev: UsageEvent[] = [];
    for (let i = 0; i < 60; i++) {
      ev.push(
        usageEvent({
          ts: T0 + i * 20 * 60_000, // every 20 min over 20 hours
          useCase: i % 3 === 0 ? 'alpha' : 'beta',
          team: i % 2 === 0 ? 'red' : null,
          keyId: i % 4 === 0 ? 'key_a' : null,
          costUsd: i % 10 === 9 ? null : 0.25,
          latencyMs: 40 + i * 10,
          status: i % 15 === 14 ? 502 : i % 20 === 19 ? 429 : 200,
          errorCode: i % 15 === 14 ? 'upstream_error' : i % 20 === 19 ? 'budget_exceeded' : null,
          userId: `u${i % 7}`,
          inputTokens: 10,
          outputTokens: 5,
        }),
      );
    }
    return ev;
  }

  function expected(ev: UsageEvent[], useCase: string) {
    const mine = ev.filter((e) => e.useCase === useCase);
    const blocked = mine.filter((e) => e.errorCode === 'budget_exceeded');
    return {
      requests: mine.length,
      costUsd: mine.reduce((a, e) => a + (e.costUsd ?? 0), 0),
      unpriced: mine.filter((e) => e.costUsd === null).length,
      blocked: blocked.length,
      errors: mine.filter((e) => e.status >= 400 && e.errorCode !== 'budget_exceeded').length,
      latencyCount: mine.length - blocked.length,
      inputTokens: mine.length * 10,
    };
  }

  it('rolls up incrementally and reads rollups + raw tail exactly', async () => {
    db = await store.open();
    const ev = workload();
    const job = createRollupJob(db, { chunk: 7, yieldFn: async () => {} });
    await writeEvents(db, ev.slice(0, 40));
    const first = await job.refresh();
    expect(first.rolledUp).toBe(store.dialect === 'postgres' ? 0 : 40); // Postgres lags one pass
    await job.refresh();
    await writeEvents(db, ev.slice(40));
    // Half in the rollups, the rest raw above the watermark: the reader must see all of it once.
    for (const pass of ['before', 'after'] as const) {
      if (pass === 'after') {
        await job.refresh();
        await job.refresh();
      }
      const wm = await job.watermark();
      if (pass === 'after') expect(wm).toBe(60);
      const rows = await readUsage(db, wm, { from: T0, to: T0 + DAY_MS, grain: 'day', by: ['use_case'] });
      for (const uc of ['alpha', 'beta']) {
        const r = rows.find((g) => g.dims.use_case === uc);
        const x = expected(ev, uc);
        expect(r?.m.requests).toBe(x.requests);
        expect(r?.m.costUsd).toBeCloseTo(x.costUsd, 10);
        expect(r?.m.unpriced).toBe(x.unpriced);
        expect(r?.m.blocked).toBe(x.blocked);
        expect(r?.m.errors).toBe(x.errors);
        expect(r?.m.latencyCount).toBe(x.latencyCount);
        expect(r?.m.inputTokens).toBe(x.inputTokens);
        expect(r?.m.hist.reduce((a, b) => a + b, 0)).toBe(x.latencyCount);
      }
      const hourly = await readUsage(db, wm, { from: T0, to: T0 + DAY_MS, grain: 'hour', by: [] });
      expect(hourly.reduce((a, g) => a + g.m.requests, 0)).toBe(60);
      expect(hourly.find((g) => g.t === T0 + HOUR_MS)?.m.requests).toBe(3);
      const keyed = await readUsage(db, wm, {
        from: T0,
        to: T0 + DAY_MS,
        grain: 'day',
        by: [],
        where: { key_id: 'key_a' },
      });
      expect(keyed[0]?.m.requests).toBe(15);
    }
    // Running again changes nothing (idempotent).
    await job.refresh();
    const again = await readUsage(db, await job.watermark(), {
      from: T0,
      to: T0 + DAY_MS,
      grain: 'day',
      by: [],
    });
    expect(again[0]?.m.requests).toBe(60);

    const users = await readActiveUsers(db, await job.watermark(), {
      from: T0,
      to: T0 + DAY_MS,
      periodStarts: [T0],
    });
    expect(users.total.get(T0)).toBe(7);
    const alphaUsers = new Set(ev.filter((e) => e.useCase === 'alpha').map((e) => e.userId));
    expect(users.byUseCase.get(T0)?.get('alpha')).toBe(alphaUsers.size);
  });

  it('purges raw events past retention but keeps them in the rollups', async () => {
    db = await store.open();
    const old = Array.from({ length: 10 }, (_, i) => usageEvent({ ts: T0 + i * HOUR_MS, useCase: 'alpha' }));
    const recent = Array.from({ length: 5 }, (_, i) =>
      usageEvent({ ts: T0 + 40 * DAY_MS + i * HOUR_MS, useCase: 'alpha' }),
    );
    await writeEvents(db, [...old, ...recent]);
    const job = createRollupJob(db, { rawDays: 30, yieldFn: async () => {} });
    // Nothing is purged before it is rolled up.
    expect(await job.purge(T0 + 41 * DAY_MS)).toBe(0);
    await job.refresh();
    await job.refresh();
    expect(await job.purge(T0 + 41 * DAY_MS)).toBe(10);
    const left = await db.db
      .selectFrom('usage_events')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    expect(Number(left?.n)).toBe(5);
    const rows = await readUsage(db, await job.watermark(), {
      from: T0,
      to: T0 + 45 * DAY_MS,
      grain: 'day',
      by: ['use_case'],
    });
    expect(rows.reduce((a, g) => a + g.m.requests, 0)).toBe(15);
    // New events after a purge still get ids above the watermark.
    await writeEvents(db, [usageEvent({ ts: T0 + 41 * DAY_MS, useCase: 'alpha' })]);
    await job.refresh();
    await job.refresh();
    const after = await readUsage(db, await job.watermark(), {
      from: T0,
      to: T0 + 45 * DAY_MS,
      grain: 'day',
      by: [],
    });
    expect(after.reduce((a, g) => a + g.m.requests, 0)).toBe(16);
  });
});
