/**
 * Rate-limit windows and budget reservations behind one interface. This is the in-process
 * implementation for a single node; the shared-store implementations (src/store/counters: PostgreSQL
 * and Redis, for several replicas) provide the same operations atomically, so nothing else changes
 * when replicas are added.
 */

export interface WindowResult {
  ok: boolean;
  /** Units used in the window, including this hit when ok. */
  used: number;
  limit: number;
  /** Ms until the window has room again (0 when ok). */
  retryAfterMs: number;
  /** Ms until the current window resets. */
  resetMs: number;
}

export interface BudgetItem {
  /** e.g. `key:key_ab12:month:2026-11` — period included, so a new period starts at zero. */
  key: string;
  limitUsd: number;
  amountUsd: number;
}

export type ReserveResult =
  | { ok: true; reservation: string }
  | { ok: false; key: string; spentUsd: number; reservedUsd: number; limitUsd: number };

export interface Counters {
  /**
   * Sliding-window counter: add `amount` to `key` if the weighted count over the last `windowMs`
   * stays within `limit`; otherwise add nothing.
   */
  hit(key: string, amount: number, limit: number, windowMs: number): Promise<WindowResult>;
  /** Add (or with a negative amount, take back) units without a check: post-hoc token accounting. */
  add(key: string, amount: number, windowMs: number): Promise<void>;
  /**
   * Reserve `amountUsd` against every item, all or nothing: spent + reserved + amount ≤ limit for each.
   * `load` supplies the spend already recorded for a budget key the counters have not seen yet.
   */
  reserve(items: BudgetItem[], load: (key: string) => Promise<number>): Promise<ReserveResult>;
  /** Turn a reservation into actual spend (split evenly is wrong: every item gets the full actual). */
  settle(reservation: string, actualUsd: number): Promise<void>;
  /**
   * Spend and reservations of a budget key as this instance last saw them (for headers and the
   * admin API). In process that is the truth; over a shared store it is the value returned by this
   * instance's last reserve or settle of the key, which other replicas may have moved since.
   */
  budget(key: string): { spentUsd: number; reservedUsd: number } | undefined;
  /**
   * Shared stores only: every budget key the store holds. In process there is nothing to repair:
   * a process never loses a settle it ran, and one that crashed starts over from the ledger.
   */
  activeBudgetKeys?(): Promise<string[]>;
  /**
   * Shared stores only, one atomic step: raise the key's spend to `ledgerUsd` when the ledger is
   * higher (a replica died between answering a call and settling it), never lower it (the ledger
   * lags the counters). A key the store no longer holds is left alone; returns its spend before and
   * after, or undefined then.
   */
  reconcile?(key: string, ledgerUsd: number): Promise<{ beforeUsd: number; afterUsd: number } | undefined>;
  /** Shared stores only: delete the given budget keys and every expired reservation. */
  sweep?(pastBudgetKeys: string[]): Promise<{ budgets: number; reservations: number }>;
}

/** The state of a window after one atomic hit, as every implementation computes it. */
export interface WindowState {
  ok: boolean;
  /** Weighted units in the sliding window before this hit. */
  used: number;
  /** Units of the previous fixed window. */
  previous: number;
  /** Start of the current fixed window (epoch ms). */
  start: number;
}

/** Headers-ready result of a hit: the same arithmetic for every implementation. */
export function windowResult(
  s: WindowState,
  amount: number,
  limit: number,
  windowMs: number,
  now: number,
): WindowResult {
  const resetMs = Math.min(windowMs, Math.max(0, s.start + windowMs - now));
  if (!s.ok) {
    // Time until enough of the previous window slides out to make room.
    const excess = s.used + amount - limit;
    const retryAfterMs = s.previous > 0 ? Math.min(resetMs, (excess / s.previous) * windowMs) : resetMs;
    return {
      ok: false,
      used: Math.ceil(s.used),
      limit,
      retryAfterMs: Math.max(1, Math.ceil(retryAfterMs)),
      resetMs,
    };
  }
  return { ok: true, used: Math.ceil(s.used + amount), limit, retryAfterMs: 0, resetMs };
}

interface Window {
  start: number;
  current: number;
  previous: number;
}

interface Budget {
  spent: number;
  reserved: number;
}

export function createMemoryCounters(now: () => number = Date.now): Counters {
  const windows = new Map<string, Window>();
  const budgets = new Map<string, Budget>();
  const loading = new Map<string, Promise<number>>();
  const reservations = new Map<string, BudgetItem[]>();
  let seq = 0;

  function roll(key: string, windowMs: number): Window {
    const t = now();
    const start = t - (t % windowMs);
    let w = windows.get(key);
    if (!w) {
      w = { start, current: 0, previous: 0 };
      windows.set(key, w);
    } else if (w.start !== start) {
      w.previous = start - w.start === windowMs ? w.current : 0;
      w.current = 0;
      w.start = start;
    }
    return w;
  }

  // The previous window counts in proportion to how much of it still overlaps the sliding window.
  function weighted(w: Window, windowMs: number): number {
    const elapsed = (now() - w.start) / windowMs;
    return w.previous * (1 - elapsed) + w.current;
  }

  return {
    async hit(key, amount, limit, windowMs) {
      const w = roll(key, windowMs);
      const used = weighted(w, windowMs);
      const ok = used + amount <= limit;
      if (ok) w.current += amount;
      return windowResult({ ok, used, previous: w.previous, start: w.start }, amount, limit, windowMs, now());
    },

    async add(key, amount, windowMs) {
      const w = roll(key, windowMs);
      w.current = Math.max(0, w.current + amount);
    },

    async reserve(items, load) {
      for (const it of items) {
        if (budgets.has(it.key)) continue;
        let p = loading.get(it.key);
        if (!p) {
          p = load(it.key);
          loading.set(it.key, p);
        }
        let spent: number;
        try {
          spent = await p;
        } catch (e) {
          // A load that failed (the store was locked or down) must not be remembered: the next
          // call tries again, or the budget would stay unavailable after the store is back.
          if (loading.get(it.key) === p) loading.delete(it.key);
          throw e;
        }
        if (!budgets.has(it.key)) budgets.set(it.key, { spent, reserved: 0 });
        loading.delete(it.key);
      }
      // From here on no await: the check and the reservation happen in one turn of the event loop,
      // so concurrent requests cannot both pass a check that only one of them fits.
      for (const it of items) {
        const b = budgets.get(it.key)!;
        if (b.spent + b.reserved + it.amountUsd > it.limitUsd + 1e-12)
          return {
            ok: false,
            key: it.key,
            spentUsd: b.spent,
            reservedUsd: b.reserved,
            limitUsd: it.limitUsd,
          };
      }
      for (const it of items) budgets.get(it.key)!.reserved += it.amountUsd;
      const id = `r${++seq}`;
      reservations.set(id, items);
      return { ok: true, reservation: id };
    },

    async settle(reservation, actualUsd) {
      const items = reservations.get(reservation);
      if (!items) return;
      reservations.delete(reservation);
      for (const it of items) {
        const b = budgets.get(it.key);
        if (!b) continue;
        b.reserved = Math.max(0, b.reserved - it.amountUsd);
        b.spent += actualUsd;
      }
    },

    budget(key) {
      const b = budgets.get(key);
      return b && { spentUsd: b.spent, reservedUsd: b.reserved };
    },
  };
}
