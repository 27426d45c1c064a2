import { randomUUID } from 'node:crypto';
import { type Lockable, withKeyLocks } from './key-locks.js';
import type { BudgetItem, ReserveResult } from './memory.js';
import type { BackendLease, CounterBackend, LeaseItem, SharedCounters } from './shared.js';

/**
 * Leased budget allowances. Reserving and settling every call in the shared store locks the
 * budget's row twice per call, which serialises a cluster on one budget (bench/RESULTS.md). Here
 * each instance holds one lease per budget in the store — a reservation row covering its calls in
 * flight, the spend it settled but has not flushed, and an unused slice — and admits calls from the
 * slice in process. The store is asked again when the slice runs out, at every flush (settled spend
 * moves to the budget, the slice is resized to the rule of migration 011_budget_leases) and on close.
 *
 * Invariant, per budget: calls in flight here + spend settled here and not flushed ≤ this lease's
 * amount in the store. The store keeps spent + every lease and reservation ≤ limit at each step, so
 * a budget is never overspent by leasing; a killed instance's lease expires after `ttlMs`.
 */
export interface BudgetLeaseOptions {
  /** Share of a budget's free room one lease takes (0 < fraction ≤ 1). */
  fraction: number;
  /** A lease not renewed for this long stops counting in the store (its instance is gone). */
  ttlMs: number;
  /** Settled spend is flushed and every lease resized (or returned, when idle) this often. */
  flushMs: number;
  now?: () => number;
  onError?: (e: unknown) => void;
}

interface LeaseState extends Lockable {
  limitUsd: number;
  load: (key: string) => Promise<number>;
  /** This instance's lease amount in the store, as far as completed steps tell (never more). */
  granted: number;
  /** Maximum cost of calls admitted here and not settled. */
  inflight: number;
  /** Actual cost settled here and not yet flushed to the budget's spend. */
  pending: number;
  /** Largest call admitted since the last step, and the largest before that. */
  unit: number;
  lastUnit: number;
  admitted: number;
  /** Reservations of this instance that name this budget. */
  refs: number;
  /** The last step kept no slice: each settle flushes at once, as without leases. */
  exact: boolean;
  /** The slice the last step kept (0 when exact). */
  slice: number;
  /** No admission in process from this time on: the lease may have expired in the store. */
  validUntil: number;
  flushQueued: boolean;
  /** The budget's spend and other holders' reservations at the last step (for budget()). */
  spent: number;
  others: number;
}

type StepResults = Extract<BackendLease, { status: 'ok' }>['results'];

const EPS = 1e-12;
/** A unit no slice reaches: an idle budget's slice goes back to the store. */
const IDLE_UNIT = 1e300;

export function withBudgetLeases(
  base: SharedCounters,
  backend: CounterBackend,
  opts: BudgetLeaseOptions,
): SharedCounters {
  if (!backend.lease) throw new Error('this counter store cannot lease budget allowances');
  const lease = backend.lease.bind(backend);
  if (!(opts.fraction > 0 && opts.fraction <= 1)) throw new Error('budget lease fraction must be in (0, 1]');
  const now = opts.now ?? Date.now;
  const onError = opts.onError ?? (() => {});
  const id = `lease:${randomUUID()}`;
  const states = new Map<string, LeaseState>();
  const held = new Map<string, Array<{ st: LeaseState; amount: number }>>();
  const loading = new Map<string, Promise<void>>();
  let closed = false;

  function state(key: string, limitUsd: number, load: (key: string) => Promise<number>): LeaseState {
    let st = states.get(key);
    if (!st) {
      st = {
        key,
        limitUsd,
        load,
        granted: 0,
        inflight: 0,
        pending: 0,
        unit: 0,
        lastUnit: 0,
        admitted: 0,
        refs: 0,
        exact: true,
        slice: 0,
        validUntil: 0,
        tail: Promise.resolve(),
        busy: 0,
        flushQueued: false,
        spent: 0,
        others: 0,
      };
      states.set(key, st);
    }
    st.limitUsd = limitUsd;
    st.load = load;
    return st;
  }

  const room = (st: LeaseState, t: number) => (t < st.validUntil ? st.granted - st.inflight - st.pending : 0);
  const fits = (items: BudgetItem[], sts: LeaseState[], t: number) =>
    items.every((it, i) => room(sts[i]!, t) + EPS >= it.amountUsd);

  function admit(items: BudgetItem[], sts: LeaseState[]): string {
    const r = randomUUID();
    held.set(
      r,
      items.map((it, i) => {
        const st = sts[i]!;
        st.inflight += it.amountUsd;
        st.unit = Math.max(st.unit, it.amountUsd);
        st.admitted++;
        st.refs++;
        return { st, amount: it.amountUsd };
      }),
    );
    return r;
  }

  function initialise(st: LeaseState): Promise<void> {
    let p = loading.get(st.key);
    if (!p) {
      p = (async () => backend.init(st.key, await st.load(st.key), now()))().finally(() =>
        loading.delete(st.key),
      );
      loading.set(st.key, p);
    }
    return p;
  }

  /**
   * One lease step over `sts`: flush their settled spend and replace each lease by calls in flight +
   * what the rule keeps for `needs`. `then` runs in the same turn as the results are applied, so
   * room granted for a call cannot be taken by another call of this instance first.
   */
  function step<T>(
    sts: LeaseState[],
    needs: number[],
    fraction: number,
    then: (results: StepResults) => T,
    before?: () => T | undefined,
  ): Promise<T> {
    return withKeyLocks(sts, async () => {
      // The step this one waited for may have made it unnecessary.
      const early = before?.();
      if (early !== undefined) return early;
      for (let round = 0; round < 3; round++) {
        for (const st of sts) st.flushQueued = false;
        const t = now();
        // A flush of a slice in use keeps up to half the last slice usable while the store answers
        // (it is sent as held, like calls in flight), so calls do not wait for every flush.
        const snap = sts.map((st, i) => {
          const inUse = needs[i] === 0 && st.admitted > 0 && !st.exact && t < st.validUntil;
          const floor = inUse
            ? Math.min(Math.max(0, st.granted - st.inflight - st.pending), st.slice / 2)
            : 0;
          return { inflight: st.inflight + floor, pending: st.pending };
        });
        const items: LeaseItem[] = sts.map((st, i) => ({
          key: st.key,
          limitUsd: st.limitUsd,
          pendingUsd: snap[i]!.pending,
          inflightUsd: snap[i]!.inflight,
          needUsd: needs[i]!,
          unitUsd: needs[i]! > 0 || st.admitted > 0 ? Math.max(needs[i]!, st.unit, st.lastUnit) : IDLE_UNIT,
        }));
        // Until the store answers, only what both the old and the new lease cover may be used:
        // the calls in flight now. The settled spend leaves with this step.
        sts.forEach((st, i) => {
          st.pending -= snap[i]!.pending;
          st.granted = snap[i]!.inflight;
        });
        let r: BackendLease;
        try {
          r = await lease(id, items, fraction, t, t + opts.ttlMs);
        } catch (e) {
          // Unknown whether it committed: count the spend again rather than lose it.
          sts.forEach((st, i) => {
            st.pending += snap[i]!.pending;
          });
          throw e;
        }
        if (r.status === 'missing') {
          sts.forEach((st, i) => {
            st.pending += snap[i]!.pending;
          });
          const missing = new Set(r.keys);
          await Promise.all(sts.filter((st) => missing.has(st.key)).map(initialise));
          continue;
        }
        const results = r.results;
        sts.forEach((st, i) => {
          const x = results[i]!;
          st.granted = snap[i]!.inflight + x.keep;
          st.exact = x.kind !== 'slice';
          st.slice = x.kind === 'slice' ? x.keep : 0;
          st.spent = x.spent;
          st.others = x.others;
          // Half the TTL: room for clock skew between this instance and the one that expires it.
          st.validUntil = t + opts.ttlMs / 2;
          if (st.admitted > 0) st.lastUnit = st.unit;
          st.unit = 0;
          st.admitted = 0;
        });
        return then(results);
      }
      throw new Error('lease: budget rows keep disappearing from the shared store');
    });
  }

  /** Flush each budget once (a flush already queued carries this spend too) and wait for it. */
  function flush(sts: LeaseState[], fraction = opts.fraction): Promise<unknown> {
    return Promise.all(
      sts.map((st) => {
        if (st.flushQueued) return st.tail;
        st.flushQueued = true;
        return step([st], [0], fraction, () => undefined);
      }),
    );
  }

  const timer = setInterval(() => {
    for (const st of states.values()) {
      if (st.busy > 0 || st.flushQueued) continue;
      if (st.refs === 0 && st.granted === 0 && st.pending === 0) {
        states.delete(st.key);
        continue;
      }
      flush([st]).catch(onError);
    }
  }, opts.flushMs);
  timer.unref();

  function refusal(it: BudgetItem, st: LeaseState): ReserveResult {
    return {
      ok: false,
      key: it.key,
      spentUsd: st.spent + st.pending,
      reservedUsd: st.others + st.inflight,
      limitUsd: it.limitUsd,
    };
  }

  return {
    ...base,

    async reserve(items, load): Promise<ReserveResult> {
      if (new Set(items.map((i) => i.key)).size !== items.length)
        throw new Error('reserve: budget keys must be distinct');
      if (closed) throw new Error('reserve: counters are closed');
      let sts = items.map((it) => state(it.key, it.limitUsd, load));
      if (fits(items, sts, now())) return { ok: true, reservation: admit(items, sts) };
      // Another call of this instance is already drawing a slice: its slice likely fits this call.
      const lacking = sts.filter((st, i) => room(st, now()) + EPS < items[i]!.amountUsd);
      if (lacking.every((st) => st.busy > 0 && !st.exact)) {
        await Promise.all(lacking.map((st) => st.tail));
        // Looked up again: the flush timer drops states nothing holds, and two states of one
        // budget would overwrite each other's lease.
        sts = items.map((it) => state(it.key, it.limitUsd, load));
        if (fits(items, sts, now())) return { ok: true, reservation: admit(items, sts) };
      }
      // Every budget of the call in one step: each gets room for this call or reports why not.
      return step(
        sts,
        items.map((it) => it.amountUsd),
        opts.fraction,
        (results): ReserveResult => {
          const refused = results.findIndex((x) => x.kind === 'refused');
          if (refused >= 0) {
            // Room kept on the other budgets for this call goes back now, not at the next flush.
            const kept = sts.filter((_st, i) => results[i]!.kind === 'exact' && items[i]!.amountUsd > 0);
            if (kept.length) void flush(kept).catch(onError);
            return refusal(items[refused]!, sts[refused]!);
          }
          return { ok: true, reservation: admit(items, sts) };
        },
        () => (fits(items, sts, now()) ? { ok: true, reservation: admit(items, sts) } : undefined),
      );
    },

    async settle(reservation, actualUsd) {
      const h = held.get(reservation);
      if (!h) return;
      held.delete(reservation);
      const exact: LeaseState[] = [];
      for (const { st, amount } of h) {
        st.refs--;
        // Exactly zero when nothing is in flight: rounding must not leave a lease row of 1e-17.
        st.inflight = st.refs === 0 ? 0 : Math.max(0, st.inflight - amount);
        st.pending += actualUsd;
        // Near the limit the unused part of the reservation goes back at once, as without leases.
        if (st.exact) exact.push(st);
      }
      if (exact.length) await flush(exact);
    },

    budget(key) {
      const st = states.get(key);
      if (!st) return base.budget(key);
      return { spentUsd: st.spent + st.pending, reservedUsd: st.others + st.inflight };
    },

    async reconcile(key, ledgerUsd) {
      const r = await base.reconcile?.(key, ledgerUsd);
      const st = states.get(key);
      if (r && st) st.spent = Math.max(st.spent, r.afterUsd);
      return r;
    },

    async flush() {
      await Promise.all([...states.values()].map((st) => flush([st])));
    },

    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      // Graceful return: settled spend flushed, every unused slice back to the budget.
      // A flush already queued keeps a slice: wait for it, then return everything.
      const results = await Promise.allSettled(
        [...states.values()].map(async (st) => {
          await st.tail;
          await step([st], [0], 0, () => undefined);
        }),
      );
      await base.close();
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
