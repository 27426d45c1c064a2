import type { Counters } from '../store/counters/memory.js';
import type { LeaderLease } from '../store/lease.js';
import { type BudgetSubject, parseBudgetKey } from './admit.js';

/**
 * Budget reconciliation against the durable ledger, run by the leader only. A replica killed after
 * a call was answered and before its settle reached the shared counters leaves that call's cost out
 * of the budget's spend; its usage event still reaches the ledger (the write-ahead spool). Each run
 * raises every live budget's spend to the ledger's when the ledger is higher, and never lowers it:
 * the ledger lags the counters (events still buffered in a replica are settled but not yet written),
 * so only under-counting is repaired and no over-spend is created. The same run deletes budgets of
 * past periods and expired reservations, which nothing else removes from a shared store.
 */
export interface BudgetReconcilerDeps {
  counters: Counters;
  lease: Pick<LeaderLease, 'isLeader' | 'on' | 'off'>;
  /** Ledger spend of a budget subject since a period start (readSpend). */
  ledgerSpend: (subject: BudgetSubject, from: number) => Promise<number>;
  intervalMs: number;
  /**
   * How long a budget outlives its period: a call admitted just before the period ended settles (or
   * its reservation expires) within the reservation TTL.
   */
  graceMs: number;
  now?: () => number;
  onError?: (e: unknown) => void;
  /** A budget whose spend the ledger raised: a replica lost a settle. */
  onRaised?: (key: string, beforeUsd: number, afterUsd: number) => void;
}

export interface ReconcileReport {
  /** Budgets compared with the ledger. */
  checked: number;
  /** Budgets whose spend the ledger raised. */
  raised: number;
  deletedBudgets: number;
  deletedReservations: number;
}

export interface BudgetReconciler {
  /** One pass now, leader or not (a pass already running is joined, not doubled). */
  run(): Promise<ReconcileReport>;
  /** Stop the timer and wait for a running pass. */
  close(): Promise<void>;
}

const NOTHING: ReconcileReport = { checked: 0, raised: 0, deletedBudgets: 0, deletedReservations: 0 };

export function startBudgetReconciler(deps: BudgetReconcilerDeps): BudgetReconciler {
  const { counters, lease } = deps;
  const now = deps.now ?? Date.now;
  const onError = deps.onError ?? (() => {});
  // In-process counters have nothing to repair (see Counters.reconcile).
  if (!counters.activeBudgetKeys || !counters.reconcile || !counters.sweep)
    return { run: async () => ({ ...NOTHING }), close: async () => {} };
  const activeBudgetKeys = counters.activeBudgetKeys.bind(counters);
  const reconcile = counters.reconcile.bind(counters);
  const sweep = counters.sweep.bind(counters);

  let running: Promise<ReconcileReport> | null = null;

  async function pass(): Promise<ReconcileReport> {
    const report = { ...NOTHING };
    const t = now();
    const past: string[] = [];
    for (const key of await activeBudgetKeys()) {
      const parsed = parseBudgetKey(key);
      if (!parsed) continue;
      if (parsed.until + deps.graceMs <= t) {
        past.push(key);
        continue;
      }
      try {
        const ledger = await deps.ledgerSpend(parsed.subject, parsed.from);
        const r = await reconcile(key, ledger);
        if (!r) continue;
        report.checked++;
        if (r.afterUsd > r.beforeUsd) {
          report.raised++;
          deps.onRaised?.(key, r.beforeUsd, r.afterUsd);
        }
      } catch (e) {
        // One budget's failure does not keep the others unrepaired.
        onError(e);
      }
    }
    const swept = await sweep(past);
    report.deletedBudgets = swept.budgets;
    report.deletedReservations = swept.reservations;
    return report;
  }

  const run = (): Promise<ReconcileReport> => {
    running ??= pass().finally(() => {
      running = null;
    });
    return running;
  };
  const background = () => {
    if (lease.isLeader()) void run().catch(onError);
  };
  const onChange = (leader: boolean) => {
    // A new leader repairs at once what the previous one may have left for its next interval.
    if (leader) background();
  };

  const timer = setInterval(background, deps.intervalMs);
  timer.unref();
  lease.on('change', onChange);
  background();

  return {
    run,
    async close() {
      clearInterval(timer);
      lease.off('change', onChange);
      await running?.catch(() => undefined);
    },
  };
}
