import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Counters } from './memory.js';
import { counterTargets } from './testkit.js';

/** One conformance suite for every Counters implementation (see counterTargets). */
const targets = counterTargets();

const T0 = 1_800_000_000_000;
const MIN = 60_000;
const TTL = 15 * MIN;
/** Budget keys unique per test, so the tests of one store never see each other's rows. */
const fresh = (name: string) => `${name}:${randomUUID()}`;

describe.each(targets)('counters on $name', (target) => {
  beforeAll(() => target.setup());
  afterAll(() => target.teardown());

  /** `n` instances over the store, sharing one settable clock. */
  async function replicas(n: number, start = T0) {
    const clock = { t: start };
    const now = () => clock.t;
    const list: Counters[] = [];
    for (let i = 0; i < n; i++) list.push(await target.instance(now, TTL));
    return { clock, list };
  }

  it('sliding window refuses past the limit and recovers as the window slides', async () => {
    const { clock, list } = await replicas(1, 60_000 * 1000);
    const [c] = list as [Counters];
    const k = fresh('rpm');
    for (let i = 0; i < 3; i++) expect((await c.hit(k, 1, 3, MIN)).ok).toBe(true);
    const refused = await c.hit(k, 1, 3, MIN);
    expect(refused).toMatchObject({ ok: false, used: 3, limit: 3 });
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    // Half-way into the next window, half of the previous window's 3 still counts (1.5): one fits.
    clock.t += MIN + MIN / 2;
    const half = await c.hit(k, 1, 3, MIN);
    expect(half).toMatchObject({ ok: true, used: 3, resetMs: MIN / 2 });
    const again = await c.hit(k, 1, 3, MIN);
    expect(again.ok).toBe(false);
    // 0.5 over the limit, previous window 3 units: room again after 1/6 of a window.
    expect(again.retryAfterMs).toBe(Math.ceil(MIN / 6));
    // Post-hoc accounting: taking units back makes room, never below zero.
    await c.add(k, -100, MIN);
    expect((await c.hit(k, 1, 3, MIN)).ok).toBe(true);
    // Two windows later everything has slid out.
    clock.t += 2 * MIN;
    for (let i = 0; i < 3; i++) expect((await c.hit(k, 1, 3, MIN)).ok).toBe(true);
    expect((await c.hit(k, 1, 3, MIN)).ok).toBe(false);
  });

  it('reserve is all-or-nothing across budgets and settle moves reservation to spend', async () => {
    const { list } = await replicas(1);
    const [c] = list as [Counters];
    const key = fresh('key');
    const team = fresh('team');
    const loaded: string[] = [];
    const load = async (k: string) => {
      loaded.push(k);
      return k === team ? 0.9 : 0;
    };
    const r1 = await c.reserve(
      [
        { key, limitUsd: 5, amountUsd: 0.05 },
        { key: team, limitUsd: 1, amountUsd: 0.05 },
      ],
      load,
    );
    expect(r1.ok).toBe(true);
    const r2 = await c.reserve(
      [
        { key, limitUsd: 5, amountUsd: 0.06 },
        { key: team, limitUsd: 1, amountUsd: 0.06 },
      ],
      load,
    );
    expect(r2).toMatchObject({ ok: false, key: team, limitUsd: 1 });
    if (!r2.ok) expect(r2.spentUsd + r2.reservedUsd).toBeCloseTo(0.95, 12);
    // The refused reservation left nothing behind on the key budget.
    const r3 = await c.reserve([{ key, limitUsd: 0.05, amountUsd: 0 }], load);
    expect(r3.ok).toBe(true);
    expect(c.budget(key)?.reservedUsd).toBeCloseTo(0.05, 12);
    if (r1.ok) await c.settle(r1.reservation, 0.01);
    expect(c.budget(team)?.spentUsd).toBeCloseTo(0.91, 12);
    expect(c.budget(team)?.reservedUsd).toBe(0);
    expect(c.budget(key)?.spentUsd).toBeCloseTo(0.01, 12);
    // Recorded spend is loaded once per budget, not per call.
    expect(loaded.sort()).toEqual([key, team].sort());
  });

  it('three replicas: 150 concurrent reservations never overspend and exactly the fitting ones pass', async () => {
    const { list } = await replicas(3);
    const b = fresh('budget');
    const observed: number[] = [];
    const reserveAll = () =>
      Promise.all(
        Array.from({ length: 150 }, async (_, i) => {
          const c = list[i % 3]!;
          const r = await c.reserve([{ key: b, limitUsd: 1, amountUsd: 0.1 }], async () => 0);
          const seen = c.budget(b);
          if (seen) observed.push(seen.spentUsd + seen.reservedUsd);
          return { c, r };
        }),
      );
    const first = await reserveAll();
    const passed = first.filter((x) => x.r.ok);
    expect(passed).toHaveLength(10);
    // Every actual cost is below its reservation: room for 5 more calls opens up.
    await Promise.all(passed.map(({ c, r }) => (r.ok ? c.settle(r.reservation, 0.05) : undefined)));
    const second = await reserveAll();
    expect(second.filter((x) => x.r.ok)).toHaveLength(5);
    for (const v of observed) expect(v).toBeLessThanOrEqual(1 + 1e-9);
    // A fresh replica sees the same state: 0.5 spent, 0.5 reserved.
    const [late] = (await replicas(1)).list as [Counters];
    expect((await late.reserve([{ key: b, limitUsd: 1, amountUsd: 0 }], async () => 99)).ok).toBe(true);
    expect(late.budget(b)?.spentUsd).toBeCloseTo(0.5, 9);
    expect(late.budget(b)?.reservedUsd).toBeCloseTo(0.5, 9);
  });

  it('three replicas: a rate limit holds across them', async () => {
    const { list } = await replicas(3);
    const k = fresh('rpm');
    const results = await Promise.all(Array.from({ length: 90 }, (_, i) => list[i % 3]!.hit(k, 1, 20, MIN)));
    expect(results.filter((r) => r.ok)).toHaveLength(20);
    expect(results.filter((r) => !r.ok).every((r) => r.retryAfterMs > 0)).toBe(true);
  });

  it.runIf(target.shared)('a reservation whose owner vanished stops counting after its TTL', async () => {
    const { clock, list } = await replicas(2);
    const [gone, alive] = list as [Counters, Counters];
    const b = fresh('budget');
    const held = await gone.reserve([{ key: b, limitUsd: 1, amountUsd: 0.8 }], async () => 0.1);
    expect(held.ok).toBe(true);
    // `gone` never settles: its process was killed mid-call.
    clock.t += TTL - 1;
    expect(await alive.reserve([{ key: b, limitUsd: 1, amountUsd: 0.5 }], async () => 0.1)).toMatchObject({
      ok: false,
      key: b,
    });
    clock.t += 1;
    const after = await alive.reserve([{ key: b, limitUsd: 1, amountUsd: 0.5 }], async () => 0.1);
    expect(after.ok).toBe(true);
    expect(alive.budget(b)).toEqual({ spentUsd: 0.1, reservedUsd: 0.5 });
    // A call slower than the TTL still spent its money: settling it charges the actual cost.
    if (held.ok) await gone.settle(held.reservation, 0.3);
    expect(gone.budget(b)?.spentUsd).toBeCloseTo(0.4, 12);
  });

  it.runIf(target.shared)('replicas initialising a budget together agree on one recorded spend', async () => {
    const { list } = await replicas(3);
    const b = fresh('budget');
    const results = await Promise.all(
      list.map((c, i) => c.reserve([{ key: b, limitUsd: 10, amountUsd: 1 }], async () => 5 + i)),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    const spent = new Set(list.map((c) => c.budget(b)?.spentUsd));
    expect(spent.size).toBe(1);
  });
});
