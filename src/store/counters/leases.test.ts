import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Counters } from './memory.js';
import type { SharedCounters } from './shared.js';
import { counterTargets, type TestLeases } from './testkit.js';

/*
 * Leased budget allowances on every shared store. The flush timer is set far beyond a test's length;
 * the tests call flush() where the timer would have run, so nothing waits on wall-clock time.
 */
/*
 * 2026-01-01: after the clock of reconcile.test.ts (whose sweeps would take these leases) and before
 * real time (whose reservations the sweep here would take), on a PostgreSQL server the suites share.
 */
const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const TTL = 15 * MIN;
const LEASE_TTL = 2 * MIN;
const leases = (fraction: number): TestLeases => ({ fraction, ttlMs: LEASE_TTL, flushMs: 3_600_000 });
const fresh = (name: string) => `${name}:${randomUUID()}`;

/** Deterministic amounts: the same run every time. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe.each(counterTargets().filter((t) => t.shared))('leased budgets on $name', (target) => {
  beforeAll(() => target.setup());
  afterAll(() => target.teardown());

  async function replicas(fractions: number[]) {
    const clock = { t: T0 };
    const now = () => clock.t;
    const list: SharedCounters[] = [];
    for (const f of fractions)
      list.push((await target.instance(now, TTL, f > 0 ? leases(f) : undefined)) as SharedCounters);
    return { clock, list };
  }

  /** The budget as a fresh per-call instance reads it from the store. */
  async function stored(key: string, limitUsd: number) {
    const { list } = await replicas([0]);
    const probe = list[0]!;
    const r = await probe.reserve([{ key, limitUsd, amountUsd: 0 }], async () => 0);
    expect(r.ok).toBe(true);
    return probe.budget(key)!;
  }

  it('three instances: 600 concurrent calls never commit more than the limit, and all of it is charged', async () => {
    // Two leasing instances (one greedy) and one reserving call by call, as in a rolling upgrade.
    const { list } = await replicas([0.5, 0.05, 0]);
    const b = fresh('team');
    const limit = 1;
    const rand = prng(7);
    let committed = 0; // maximum cost of admitted calls in flight + actual cost of settled ones
    let spent = 0;
    let admitted = 0;
    const call = async (c: Counters, amount: number, actual: number) => {
      const r = await c.reserve([{ key: b, limitUsd: limit, amountUsd: amount }], async () => 0);
      if (!r.ok) return;
      admitted++;
      committed += amount;
      expect(committed).toBeLessThanOrEqual(limit + 1e-9);
      // Let other calls interleave between admission and settle.
      await Promise.resolve();
      committed -= amount - actual;
      spent += actual;
      await c.settle(r.reservation, actual);
    };
    for (let wave = 0; wave < 3; wave++)
      await Promise.all(
        Array.from({ length: 200 }, (_, i) => {
          const amount = 0.002 + rand() * 0.01;
          return call(list[i % 3]!, amount, amount * rand());
        }),
      );
    expect(admitted).toBeGreaterThan(100);
    expect(spent).toBeLessThanOrEqual(limit);
    // Closing returns every lease: the store holds exactly the spend, and nothing reserved.
    await Promise.all(list.map((c) => c.close()));
    expect(await target.storedReservations(b)).toBe(0);
    const after = await stored(b, limit);
    expect(after.spentUsd).toBeCloseTo(spent, 9);
    expect(after.reservedUsd).toBe(0);
  });

  it('near the limit slices shrink to single calls: every call that fits is admitted', async () => {
    const { list } = await replicas([0.5, 0.5, 0.5]);
    const b = fresh('use_case');
    const item = { key: b, limitUsd: 1, amountUsd: 0.1 };
    let admitted = 0;
    let refusedWhileHeld = 0;
    // Round robin, one call at a time, each costing all it reserved: exactly ten fit.
    for (let i = 0; i < 30 && admitted < 10; i++) {
      const c = list[i % 3]!;
      const r = await c.reserve([item], async () => 0);
      if (r.ok) {
        admitted++;
        await c.settle(r.reservation, 0.1);
        continue;
      }
      // Refused only while the other instances hold unused slices (the documented worst case)...
      expect(r.spentUsd + r.reservedUsd + 0.1).toBeGreaterThan(1);
      refusedWhileHeld++;
      // ...which they resize at their next flush and return at the one after, once idle.
      for (const o of list) if (o !== c) await o.flush?.();
      for (const o of list) if (o !== c) await o.flush?.();
      const retried = await c.reserve([item], async () => 0);
      expect(retried.ok).toBe(true);
      admitted++;
      if (retried.ok) await c.settle(retried.reservation, 0.1);
      const last = await stored(b, 1);
      expect(last.spentUsd + last.reservedUsd).toBeLessThanOrEqual(1 + 1e-9);
    }
    expect(admitted).toBe(10);
    expect(refusedWhileHeld).toBeLessThanOrEqual(2);
    // The eleventh call fits nowhere.
    for (const c of list) expect((await c.reserve([item], async () => 0)).ok).toBe(false);
    await Promise.all(list.map((c) => c.close()));
    expect((await stored(b, 1)).spentUsd).toBeCloseTo(1, 9);
  });

  it('a call over several budgets is admitted all or nothing, from slices of each', async () => {
    const { list } = await replicas([0.2, 0.2]);
    const key = fresh('key');
    const team = fresh('team');
    const items = (amountUsd: number) => [
      { key, limitUsd: 10, amountUsd },
      { key: team, limitUsd: 0.5, amountUsd },
    ];
    const ok = await list[0]!.reserve(items(0.3), async () => 0);
    expect(ok.ok).toBe(true);
    // The team budget has 0.2 left after the first call's 0.3: a 0.25 call is refused on it.
    const refused = await list[1]!.reserve(items(0.25), async () => 0);
    expect(refused).toMatchObject({ ok: false, key: team });
    if (ok.ok) await list[0]!.settle(ok.reservation, 0.1);
    await list[0]!.flush?.();
    await list[0]!.flush?.();
    expect((await list[1]!.reserve(items(0.25), async () => 0)).ok).toBe(true);
  });

  it("a killed instance's lease stops counting after its TTL and the sweep removes it", async () => {
    const { clock, list } = await replicas([0.5, 0.5]);
    const [killed, alive] = list as [SharedCounters, SharedCounters];
    const b = fresh('team');
    const r = await killed.reserve([{ key: b, limitUsd: 1, amountUsd: 0.1 }], async () => 0);
    expect(r.ok).toBe(true);
    if (r.ok) await killed.settle(r.reservation, 0.05);
    // Killed now: its slice (half the budget) and its unflushed 0.05 stay held in the store.
    expect(await target.storedReservations(b)).toBe(1);
    const big = { key: b, limitUsd: 1, amountUsd: 0.6 };
    expect((await alive.reserve([big], async () => 0)).ok).toBe(false);
    clock.t += LEASE_TTL;
    const swept = await alive.sweep?.([]);
    expect(swept?.reservations).toBeGreaterThanOrEqual(1);
    expect(await target.storedReservations(b)).toBe(0);
    // The whole budget is free again; the unflushed spend is the ledger's to charge (reconcile.test.ts).
    const after = await alive.reserve([big], async () => 0);
    expect(after.ok).toBe(true);
    expect((await alive.reconcile?.(b, 0.05))?.afterUsd).toBeCloseTo(0.05, 12);
  });

  it('an instance that cannot renew its lease stops admitting from it before it expires', async () => {
    const { clock, list } = await replicas([0.5]);
    const [c] = list as [SharedCounters];
    const b = fresh('key');
    const item = { key: b, limitUsd: 1, amountUsd: 0.01 };
    expect((await c.reserve([item], async () => 0)).ok).toBe(true);
    expect(await target.storedReservations(b)).toBe(1);
    // Within half the TTL calls are admitted from the slice; after it, each call goes to the store
    // (which renews the lease) instead of trusting a lease another instance may see as expired.
    clock.t += LEASE_TTL / 2;
    const before = await stored(b, 1);
    expect((await c.reserve([item], async () => 0)).ok).toBe(true);
    const renewed = await stored(b, 1);
    // The step replaced the lease: the call in flight plus half of what is free besides it.
    expect(renewed.reservedUsd).toBeCloseTo(0.01 + 0.5 * (1 - 0.01), 9);
    expect(before.reservedUsd).toBeCloseTo(0.5, 9);
  });
});
