import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { periodStart } from '../../pipeline/admit.js';
import { startBudgetReconciler } from '../../pipeline/reconcile.js';
import { readSpend } from '../../value/rollups/spend.js';
import { usageEvent, writeEvents } from '../../value/testkit.js';
import { type Database, openDatabase } from '../db.js';
import type { Counters } from './memory.js';
import { counterTargets } from './testkit.js';

/*
 * Reconciliation of shared budgets with the durable ledger, on every shared store. The clock stays
 * in 2025, before any real-time reservation another suite may hold on the same PostgreSQL server,
 * so sweeping expired reservations here never takes one of theirs.
 */
const NOW = Date.UTC(2025, 5, 15, 12);
const MIN = 60_000;
const TTL = 15 * MIN;
const month = periodStart('month', NOW);
const never = { isLeader: () => false, on() {}, off() {} };

let ledger: Database;
beforeAll(async () => {
  ledger = await openDatabase('sqlite::memory:');
});
afterAll(() => ledger.close());

describe.each(counterTargets().filter((t) => t.shared))('budget reconciliation on $name', (target) => {
  beforeAll(() => target.setup());
  afterAll(() => target.teardown());

  async function setup(n: number) {
    const clock = { t: NOW };
    const now = () => clock.t;
    const list: Counters[] = [];
    for (let i = 0; i < n; i++) list.push(await target.instance(now, TTL));
    const reconciler = (c: Counters) =>
      startBudgetReconciler({
        counters: c,
        lease: never,
        ledgerSpend: (subject, from) => readSpend(ledger, subject, from),
        intervalMs: MIN,
        graceMs: TTL,
        now,
      });
    return { clock, list, reconciler };
  }

  it('a call whose replica died before settling is charged after one pass, and refuses overspend', async () => {
    const { clock, list, reconciler } = await setup(2);
    const [dead, alive] = list as [Counters, Counters];
    const team = `team_${randomUUID()}`;
    const key = `team:${team}:${month.label}`;
    const load = () => readSpend(ledger, { column: 'team', value: team }, month.from);
    await writeEvents(ledger, [usageEvent({ ts: NOW - 3_600_000, costUsd: 0.2, team })]);
    const held = await dead.reserve([{ key, limitUsd: 1, amountUsd: 0.3 }], load);
    expect(held.ok).toBe(true);
    // The call is answered and its usage event reaches the ledger (the spool replays it), but its
    // replica is killed before the settle: the shared spend stays at 0.2.
    await writeEvents(ledger, [usageEvent({ ts: NOW, costUsd: 0.25, team })]);
    clock.t += TTL;
    // Without reconciliation the expired reservation frees room the dead call actually spent.
    const r = reconciler(alive);
    try {
      const report = await r.run();
      expect(report.raised).toBeGreaterThanOrEqual(1);
      const refused = await alive.reserve([{ key, limitUsd: 1, amountUsd: 0.6 }], load);
      expect(refused).toMatchObject({ ok: false, key });
      if (!refused.ok) expect(refused.spentUsd).toBeCloseTo(0.45, 9);
      // What is left still fits.
      expect((await alive.reserve([{ key, limitUsd: 1, amountUsd: 0.55 }], load)).ok).toBe(true);
      // A second pass finds nothing more to repair on this budget.
      await r.run();
      expect(alive.budget(key)?.spentUsd).toBeCloseTo(0.45, 9);
    } finally {
      await r.close();
    }
  });

  it('never lowers spend the ledger has not caught up with, and never creates a budget', async () => {
    const { list, reconciler } = await setup(1);
    const [c] = list as [Counters];
    const keyId = `key_${randomUUID()}`;
    const key = `key:${keyId}:total`;
    // Settled here, still buffered in a replica: the ledger has less than the counters.
    await writeEvents(ledger, [usageEvent({ ts: NOW, costUsd: 0.1, keyId })]);
    const r1 = await c.reserve([{ key, limitUsd: 5, amountUsd: 1 }], async () => 0.1);
    if (r1.ok) await c.settle(r1.reservation, 0.9);
    expect(await c.reconcile?.(key, 0.1)).toEqual({ beforeUsd: 1, afterUsd: 1 });
    const r = reconciler(c);
    try {
      await r.run();
    } finally {
      await r.close();
    }
    const probe = await c.reserve([{ key, limitUsd: 5, amountUsd: 0 }], async () => 99);
    expect(probe.ok).toBe(true);
    expect(c.budget(key)?.spentUsd).toBeCloseTo(1, 9);
    // A key the store does not hold is left for the next reserve to load.
    const absent = `key:${randomUUID()}:total`;
    expect(await c.reconcile?.(absent, 3)).toBeUndefined();
    expect(await c.activeBudgetKeys?.()).not.toContain(absent);
  });

  it('deletes budgets of past periods and expired reservations, keeping live ones', async () => {
    const { clock, list, reconciler } = await setup(1);
    const [c] = list as [Counters];
    const team = `team_${randomUUID()}`;
    const DAY = 86_400_000;
    const day = (t: number) => `team:${team}:${periodStart('day', t).label}`;
    const midnight = periodStart('day', NOW).from + DAY;
    const yesterday = day(NOW - DAY);
    const lastMonth = `team:${team}:${periodStart('month', month.from - 1).label}`;
    const today = day(NOW);
    const tomorrow = day(midnight);
    const total = `team:${team}:total`;
    const item = (key: string) => ({ key, limitUsd: 10, amountUsd: 0.1 });
    const reserveAt = async (t: number, keys: string[]) => {
      clock.t = t;
      expect((await c.reserve(keys.map(item), async () => 0)).ok).toBe(true);
    };
    // Never settled: budgets of past periods left behind with their reservations.
    await reserveAt(NOW - DAY, [yesterday, lastMonth]);
    await reserveAt(NOW - TTL, [today, total]); // expires at NOW
    // Just after midnight: today has ended, but less than the grace ago (a call admitted just
    // before midnight may still settle on it), and one of its calls is still running.
    const end = midnight + TTL / 2;
    await reserveAt(end - MIN, [today]);
    await reserveAt(end, [tomorrow]);

    const r = reconciler(c);
    try {
      const report = await r.run();
      expect(report.deletedBudgets).toBeGreaterThanOrEqual(2);
      expect(report.deletedReservations).toBeGreaterThanOrEqual(4);
    } finally {
      await r.close();
    }
    const keys = new Set(await c.activeBudgetKeys?.());
    for (const k of [yesterday, lastMonth]) expect(keys.has(k)).toBe(false);
    for (const k of [today, tomorrow, total]) expect(keys.has(k)).toBe(true);
    expect(await target.storedReservations(yesterday)).toBe(0);
    expect(await target.storedReservations(lastMonth)).toBe(0);
    expect(await target.storedReservations(total)).toBe(0);
    expect(await target.storedReservations(today)).toBe(1);
    expect(await target.storedReservations(tomorrow)).toBe(1);
  });
});
