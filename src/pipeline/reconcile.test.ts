import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Counters, createMemoryCounters } from '../store/counters/memory.js';
import { parseBudgetKey, periodStart } from './admit.js';
import { startBudgetReconciler } from './reconcile.js';

const NOW = Date.UTC(2026, 4, 20, 9);
const INTERVAL = 60_000;

function fakeLease(leader: boolean) {
  const fns = new Set<(l: boolean) => void>();
  return {
    isLeader: () => leader,
    on: (_e: 'change', fn: (l: boolean) => void) => void fns.add(fn),
    off: (_e: 'change', fn: (l: boolean) => void) => void fns.delete(fn),
    set(v: boolean) {
      leader = v;
      for (const fn of fns) fn(v);
    },
    listeners: () => fns.size,
  };
}

/** Shared-store counters reduced to what reconciliation calls, counting passes. */
function fakeShared() {
  const spent = new Map<string, number>([['team:t1:2026-05', 1]]);
  const calls = { passes: 0, reconciled: [] as Array<[string, number]> };
  const counters: Counters = {
    ...createMemoryCounters(),
    async activeBudgetKeys() {
      calls.passes++;
      return [...spent.keys()];
    },
    async reconcile(key, ledgerUsd) {
      calls.reconciled.push([key, ledgerUsd]);
      const before = spent.get(key) ?? 0;
      spent.set(key, Math.max(before, ledgerUsd));
      return { beforeUsd: before, afterUsd: spent.get(key)! };
    },
    sweep: async () => ({ budgets: 0, reservations: 0 }),
  };
  return { counters, calls };
}

describe('budget reconciler', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs only while this replica leads: at once on taking the lease, then every interval', async () => {
    const lease = fakeLease(false);
    const { counters, calls } = fakeShared();
    const raised: string[] = [];
    const r = startBudgetReconciler({
      counters,
      lease,
      ledgerSpend: async () => 1.5,
      intervalMs: INTERVAL,
      graceMs: 0,
      now: () => NOW,
      onRaised: (key) => raised.push(key),
    });
    await vi.advanceTimersByTimeAsync(3 * INTERVAL);
    expect(calls.passes).toBe(0);

    lease.set(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.passes).toBe(1);
    expect(calls.reconciled).toEqual([['team:t1:2026-05', 1.5]]);
    expect(raised).toEqual(['team:t1:2026-05']);
    await vi.advanceTimersByTimeAsync(2 * INTERVAL);
    expect(calls.passes).toBe(3);

    lease.set(false);
    await vi.advanceTimersByTimeAsync(3 * INTERVAL);
    expect(calls.passes).toBe(3);
    await r.close();
    expect(lease.listeners()).toBe(0);
  });

  it('a leader at start runs a pass right away; a pass still running is joined, not doubled', async () => {
    const lease = fakeLease(true);
    const { counters, calls } = fakeShared();
    let release: () => void = () => {};
    const gate = new Promise<void>((res) => {
      release = res;
    });
    const r = startBudgetReconciler({
      counters,
      lease,
      ledgerSpend: async () => {
        await gate;
        return 0;
      },
      intervalMs: INTERVAL,
      graceMs: 0,
      now: () => NOW,
    });
    await vi.advanceTimersByTimeAsync(2 * INTERVAL);
    const joined = r.run();
    release();
    expect((await joined).checked).toBe(1);
    expect(calls.passes).toBe(1);
    await r.close();
  });

  it('does nothing over in-process counters', async () => {
    const r = startBudgetReconciler({
      counters: createMemoryCounters(),
      lease: fakeLease(true),
      ledgerSpend: async () => {
        throw new Error('not called');
      },
      intervalMs: INTERVAL,
      graceMs: 0,
    });
    expect(await r.run()).toEqual({ checked: 0, raised: 0, deletedBudgets: 0, deletedReservations: 0 });
    await r.close();
  });
});

describe('parseBudgetKey', () => {
  it('reads back the subject and period of every key admission makes', () => {
    const day = periodStart('day', NOW);
    const month = periodStart('month', NOW);
    expect(parseBudgetKey(`key:key_ab12:${day.label}`)).toEqual({
      subject: { column: 'key_id', value: 'key_ab12' },
      from: day.from,
      until: day.from + 86_400_000,
    });
    expect(parseBudgetKey(`team:a:b:${month.label}`)).toEqual({
      subject: { column: 'team', value: 'a:b' },
      from: month.from,
      until: Date.UTC(2026, 5, 1),
    });
    expect(parseBudgetKey('use_case:support:total')).toEqual({
      subject: { column: 'use_case', value: 'support' },
      from: 0,
      until: Number.POSITIVE_INFINITY,
    });
    expect(parseBudgetKey('team:x:2026-12')?.until).toBe(Date.UTC(2027, 0, 1));
  });

  it('rejects anything else: rate-limit keys, unknown scopes, labels that are not a period', () => {
    for (const k of ['rpm:key_ab12', 'org:x:total', 'team::total', 'team:x:2026-02-30', 'team:x:2026-5', 'x'])
      expect(parseBudgetKey(k)).toBeUndefined();
  });
});
