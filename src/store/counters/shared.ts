import { randomUUID } from 'node:crypto';
import { type BudgetLeaseOptions, withBudgetLeases } from './leases.js';
import {
  type BudgetItem,
  type Counters,
  type ReserveResult,
  type WindowState,
  windowResult,
} from './memory.js';

/** Default lifetime of a budget reservation: far above any request timeout (routing.timeout_ms). */
export const DEFAULT_RESERVATION_TTL_MS = 15 * 60_000;

export type BackendReserve =
  | { status: 'ok'; spent: number[]; reserved: number[] }
  | { status: 'missing'; keys: string[] }
  | { status: 'refused'; index: number; spent: number; reserved: number };

/** One budget of a lease step (see migration 011_budget_leases for the rule). */
export interface LeaseItem {
  key: string;
  limitUsd: number;
  /** Settled here since the last step: moves to the budget's spend. */
  pendingUsd: number;
  /** Maximum cost of this instance's calls in flight: stays held by the lease. */
  inflightUsd: number;
  /** The call asking for room (0 for a flush). */
  needUsd: number;
  /** This instance's recent largest call: a slice smaller than it is not worth holding. */
  unitUsd: number;
}

export type BackendLease =
  | { status: 'missing'; keys: string[] }
  | {
      status: 'ok';
      results: Array<{ kind: 'slice' | 'exact' | 'refused'; spent: number; others: number; keep: number }>;
    };

/**
 * What a shared store does in one atomic step each. Times are the caller's clock (epoch ms), so
 * every implementation, in-process included, computes the same windows.
 */
export interface CounterBackend {
  /** Roll the window, and when `check` is false or the amount fits, add it (never below zero). */
  window(
    key: string,
    amount: number,
    limit: number,
    windowMs: number,
    now: number,
    check: boolean,
  ): Promise<WindowState>;
  /** All or nothing: spent + live reservations + amount ≤ limit for every item, then hold each amount. */
  reserve(id: string, items: BudgetItem[], now: number, expiresAt: number): Promise<BackendReserve>;
  /**
   * Replace lease `id` on each budget: pending spend moves to spent, the lease becomes in flight +
   * what the rule keeps. Each budget independently, atomically; nothing changes if one is missing.
   */
  lease?(
    id: string,
    items: LeaseItem[],
    fraction: number,
    now: number,
    expiresAt: number,
  ): Promise<BackendLease>;
  /** Initialise a budget's spend unless another instance already has (the first value wins). */
  init(key: string, spentUsd: number, now: number): Promise<void>;
  /** Drop the reservation and add the actual cost to each key; returns each key's state after. */
  settle(
    id: string,
    keys: string[],
    actualUsd: number,
    now: number,
  ): Promise<Array<{ key: string; spent: number; reserved: number }>>;
  /** Every budget key held. */
  budgetKeys(): Promise<string[]>;
  /** spent = max(spent, ledgerUsd) on an existing budget (never creates one). */
  raise(key: string, ledgerUsd: number): Promise<{ before: number; after: number } | undefined>;
  /** Delete these budgets (their reservations with them) and every reservation expired at `now`. */
  sweep(keys: string[], now: number): Promise<{ budgets: number; reservations: number }>;
  close(): Promise<void>;
}

export interface SharedCounters extends Counters {
  /** Leasing only: flush settled spend and resize every lease now, as the flush timer does. */
  flush?(): Promise<void>;
  close(): Promise<void>;
}

export interface SharedCountersOptions {
  /** Reservations not settled within this time stop counting (their owner is presumed gone). */
  reservationTtlMs?: number;
  now?: () => number;
  /** Lease budget allowances (fraction > 0) instead of reserving each call in the store. */
  leases?: Omit<BudgetLeaseOptions, 'now'>;
}

/**
 * Counters over a shared store: the store makes each operation atomic across replicas; this layer
 * loads a budget's recorded spend once per key, remembers which keys a reservation holds (so its
 * settle charges them even if the reservation expired meanwhile) and caches the last state seen.
 */
export function createSharedCounters(
  backend: CounterBackend,
  opts: SharedCountersOptions = {},
): SharedCounters {
  const base = perCallCounters(backend, opts);
  if (!opts.leases || opts.leases.fraction <= 0) return base;
  return withBudgetLeases(base, backend, { ...opts.leases, ...(opts.now ? { now: opts.now } : {}) });
}

function perCallCounters(backend: CounterBackend, opts: SharedCountersOptions): SharedCounters {
  const ttl = opts.reservationTtlMs ?? DEFAULT_RESERVATION_TTL_MS;
  const now = opts.now ?? Date.now;
  const seen = new Map<string, { spentUsd: number; reservedUsd: number }>();
  const held = new Map<string, string[]>();
  const loading = new Map<string, Promise<void>>();

  /** One load per key at a time in this instance; across instances the store keeps the first value. */
  function initialise(key: string, load: (key: string) => Promise<number>): Promise<void> {
    let p = loading.get(key);
    if (!p) {
      p = (async () => backend.init(key, await load(key), now()))().finally(() => loading.delete(key));
      loading.set(key, p);
    }
    return p;
  }

  return {
    async hit(key, amount, limit, windowMs) {
      const t = now();
      return windowResult(
        await backend.window(key, amount, limit, windowMs, t, true),
        amount,
        limit,
        windowMs,
        t,
      );
    },

    async add(key, amount, windowMs) {
      await backend.window(key, amount, 0, windowMs, now(), false);
    },

    async reserve(items, load): Promise<ReserveResult> {
      if (new Set(items.map((i) => i.key)).size !== items.length)
        throw new Error('reserve: budget keys must be distinct');
      const id = randomUUID();
      // A missing budget is loaded and inserted, then the reservation is tried again; a key only
      // goes missing again if someone deletes budget rows, so a few rounds always suffice.
      for (let round = 0; round < 3; round++) {
        const t = now();
        const r = await backend.reserve(id, items, t, t + ttl);
        if (r.status === 'missing') {
          await Promise.all(r.keys.map((k) => initialise(k, load)));
          continue;
        }
        if (r.status === 'refused') {
          const it = items[r.index]!;
          seen.set(it.key, { spentUsd: r.spent, reservedUsd: r.reserved });
          return {
            ok: false,
            key: it.key,
            spentUsd: r.spent,
            reservedUsd: r.reserved,
            limitUsd: it.limitUsd,
          };
        }
        items.forEach((it, i) => {
          seen.set(it.key, { spentUsd: r.spent[i] ?? 0, reservedUsd: r.reserved[i] ?? 0 });
        });
        held.set(
          id,
          items.map((i) => i.key),
        );
        return { ok: true, reservation: id };
      }
      throw new Error('reserve: budget rows keep disappearing from the shared store');
    },

    async settle(reservation, actualUsd) {
      const keys = held.get(reservation);
      if (!keys) return;
      held.delete(reservation);
      for (const s of await backend.settle(reservation, keys, actualUsd, now()))
        seen.set(s.key, { spentUsd: s.spent, reservedUsd: s.reserved });
    },

    budget(key) {
      const b = seen.get(key);
      return b && { ...b };
    },

    activeBudgetKeys: () => backend.budgetKeys(),

    async reconcile(key, ledgerUsd) {
      if (!Number.isFinite(ledgerUsd) || ledgerUsd < 0)
        throw new Error(`reconcile: bad ledger spend ${ledgerUsd}`);
      const r = await backend.raise(key, ledgerUsd);
      if (!r) return undefined;
      const b = seen.get(key);
      if (b) b.spentUsd = Math.max(b.spentUsd, r.after);
      return { beforeUsd: r.before, afterUsd: r.after };
    },

    async sweep(pastBudgetKeys) {
      const r = await backend.sweep(pastBudgetKeys, now());
      for (const k of pastBudgetKeys) seen.delete(k);
      return r;
    },

    close: () => backend.close(),
  };
}
