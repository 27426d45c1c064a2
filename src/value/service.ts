import type { KeyStore } from '../access/store.js';
import type { AuditLog } from '../audit/types.js';
import type { KeelConfig } from '../config/schema.js';
import type { Database } from '../store/db.js';
import type { LeaderLease } from '../store/lease.js';
import { purgeMcpRecords } from '../store/mcp-retention.js';
import { createRollupJob, type RollupJob } from '../store/rollups/job.js';
import type { UsageSink } from '../store/types.js';
import type { DriftState, RedteamScore } from './alerts/rules.js';
import { type AlertService, createAlertService, type EvaluationResult } from './alerts/service.js';
import type { WebhookDeps } from './alerts/webhook.js';
import { type ForecastScope, forecastSpend, type SpendForecast } from './forecast/spend.js';
import { type ListedOutcome, listOutcomes, type OutcomeListQuery } from './outcomes/list.js';
import { createOutcomeService, type OutcomeService } from './outcomes/service.js';
import { buildValueReport, type ValueQuery, type ValueReport } from './roi/report.js';
import { readLedger, readUsage } from './rollups/read.js';
import { createUseCaseRegistry, type UseCaseBudget, type UseCaseRegistry } from './usecases/registry.js';

interface ValueServiceDeps {
  config: KeelConfig;
  database: Database;
  audit: AuditLog;
  /** The gateway's usage writer: flushed when an outcome's call is not in the store yet. */
  usage?: Pick<UsageSink, 'flush'>;
  /** For per-key monthly budgets in forecasts. */
  keys?: Pick<KeyStore, 'list'>;
  now?: () => number;
  webhook?: WebhookDeps;
  /** Live traffic monitors' drifting features, for the data_drift alert rule. */
  drift?: () => readonly DriftState[] | Promise<readonly DriftState[]>;
  /** The newest red-team run per use case with its threshold, for the redteam_score alert rule. */
  redteam?: () => Promise<readonly RedteamScore[]>;
  onError?: (e: unknown) => void;
}

export interface ValueService {
  useCases: UseCaseRegistry;
  outcomes: OutcomeService;
  rollups: RollupJob;
  alerts: AlertService;
  report(q: ValueQuery): Promise<ValueReport>;
  /** Outcomes with the cost of their linked call or trace. */
  listOutcomes(q: OutcomeListQuery): Promise<ListedOutcome[]>;
  forecast(scope: ForecastScope, now?: number): Promise<SpendForecast[]>;
  /** What the lead's timer calls (every alerts.evaluate_every_s), or start() does. */
  evaluateAlerts(now?: number): Promise<EvaluationResult>;
  /** Registered use cases' monthly budgets, for admission (merge with config.budgets). */
  registeredBudgets(): readonly UseCaseBudget[];
  /**
   * Starts the periodic jobs (all unref'd): registry reload everywhere; rollups, alert evaluation,
   * the retention purges (raw usage events; MCP tool calls and approvals) and the resumption of
   * cut-short webhooks only while `lease` says this replica leads (always without one).
   * `rollups: false` when another thread rolls the ledger up.
   */
  start(opts?: { rollups?: boolean; lease?: Pick<LeaderLease, 'isLeader' | 'on'> }): void;
  /** Stop timers and wait for running work and webhook deliveries. */
  close(): Promise<void>;
}

const REGISTRY_RELOAD_MS = 60_000;
const PURGE_EVERY_MS = 3_600_000;

/**
 * Business value over the usage ledger: the use-case registry (synced from keel.yaml here), outcomes
 * and feedback, rollups, the value report, forecasts and alerts. Nothing here runs on the request
 * path; the gateway only reads `registeredBudgets()` (an array held in memory).
 */
export async function createValueService(deps: ValueServiceDeps): Promise<ValueService> {
  const { config, database } = deps;
  const now = deps.now ?? Date.now;
  const onError = deps.onError ?? (() => {});
  const useCases = createUseCaseRegistry(database, { audit: deps.audit, now });
  await useCases.syncFromConfig(config.use_cases);
  const rollups = createRollupJob(database, {
    chunk: config.value.rollup_chunk,
    ...(config.retention.raw_days ? { rawDays: config.retention.raw_days } : {}),
    now,
  });
  const outcomes = createOutcomeService({
    database,
    now,
    ...(deps.usage ? { flushUsage: () => deps.usage!.flush() } : {}),
  });

  const report = (q: ValueQuery) =>
    buildValueReport({ database, rollups, useCases, allocation: config.cost_allocation, now }, q);
  const forecast = (scope: ForecastScope, at = now()) =>
    forecastSpend(
      {
        database,
        rollups,
        useCases,
        budgets: config.budgets,
        ...(deps.keys ? { keys: deps.keys } : {}),
        alpha: config.value.forecast_alpha,
        lookbackDays: config.value.forecast_lookback_days,
        threshold: config.alerts.rules.budget_forecast.threshold,
      },
      scope,
      at,
    );

  const alerts = createAlertService({
    database,
    audit: deps.audit,
    config: config.alerts,
    ...(deps.webhook ? { webhook: deps.webhook } : {}),
    onError,
    context: (at) => ({
      useCases: useCases.cachedAll(),
      forecast: (scope) => forecast(scope, at),
      dailyValue: (from, to) => report({ from, to, granularity: 'day' }),
      hourlyUsage: async (from, to, by) => {
        await rollups.refresh();
        return readLedger(database, (ledger, wm) => readUsage(ledger, wm, { from, to, grain: 'hour', by }));
      },
      ...(deps.drift ? { drift: deps.drift } : {}),
      ...(deps.redteam ? { redteam: deps.redteam } : {}),
    }),
  });

  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    running.add(p);
    void p.finally(() => running.delete(p));
  };
  let leads = () => true;
  const every = (ms: number, fn: () => Promise<unknown>, leaderOnly = true) => {
    const t = setInterval(() => {
      if (leaderOnly && !leads()) return;
      track(fn().catch(onError));
    }, ms);
    t.unref();
    timers.push(t);
  };

  return {
    useCases,
    outcomes,
    rollups,
    alerts,
    report,
    listOutcomes: (q) => listOutcomes(database, q),
    forecast,
    evaluateAlerts: async (at = now()) => {
      await useCases.refresh();
      return alerts.evaluate(at);
    },
    registeredBudgets: () => useCases.registeredBudgets(),
    start(opts = {}) {
      if (timers.length > 0) return;
      const lease = opts.lease;
      if (lease) leads = () => lease.isLeader();
      if (opts.rollups !== false) every(config.value.rollup_interval_ms, () => rollups.refresh());
      every(REGISTRY_RELOAD_MS, () => useCases.refresh(), false);
      every(config.alerts.evaluate_every_s * 1000, async () => {
        await useCases.refresh();
        return alerts.evaluate(now());
      });
      if (config.retention.raw_days) every(PURGE_EVERY_MS, () => rollups.purge(now()));
      const mcpDays = config.retention.mcp_calls_days;
      if (mcpDays) every(PURGE_EVERY_MS, () => purgeMcpRecords(database, now(), { days: mcpDays }));
      // Webhook deliveries the last shutdown cut short: sent by whoever leads, once it leads.
      if (leads()) track(alerts.resumeInterrupted().catch(onError));
      lease?.on('change', (leader) => {
        if (leader && timers.length > 0) track(alerts.resumeInterrupted().catch(onError));
      });
    },
    async close() {
      for (const t of timers) clearInterval(t);
      timers.length = 0;
      await Promise.allSettled([...running]);
      await alerts.close();
    },
  };
}
