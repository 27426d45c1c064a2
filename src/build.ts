import { performance } from 'node:perf_hooks';
import { createAdminStore } from './access/admin-store.js';
import { createKeyStore } from './access/key-store.js';
import { createSessionStore } from './access/session-store.js';
import type { KeyStore } from './access/store.js';
import { createApp } from './app.js';
import type { KeelApp } from './app.types.js';
import { buildMcp, type McpBuildOptions } from './build/mcp.js';
import { openRecords } from './build/records.js';
import type { KeelConfig } from './config/schema.js';
import { durationMs } from './data/contracts/schema.js';
import { createDataServices, readDrifting } from './data/index.js';
import { createAdminApi } from './http/admin/index.js';
import { ssoRoutes } from './http/sso/routes.js';
import { createAuthenticator } from './pipeline/authenticate.js';
import { createStoreFailureReporter } from './pipeline/failure-report.js';
import { createGuardHooks } from './pipeline/guard-hooks.js';
import { createPipeline } from './pipeline/index.js';
import { startBudgetReconciler } from './pipeline/reconcile.js';
import type { UsageObserver } from './pipeline/record.js';
import { createProviders } from './providers/registry.js';
import { buildProbes } from './redteam/corpus/index.js';
import { runRedteam } from './redteam/run.js';
import { createRedteamRuns, redteamScores } from './redteam/runs/service.js';
import { createRunStore } from './redteam/runs/store.js';
import { createRedteamScheduler } from './redteam/schedule.js';
import { CATEGORIES, STRATEGIES } from './redteam/types.js';
import { createRouter } from './routing/router.js';
import { createSchemaPool } from './schemas/index.js';
import { createChangeWatcher } from './store/changes.js';
import { createCounters } from './store/counters/index.js';
import { openDatabase, SERVING_BUSY_TIMEOUT_MS } from './store/db.js';
import { createLeaderLease } from './store/lease.js';
import { createResponseStore } from './store/responses.js';
import { spanExtra } from './telemetry/genai.js';
import { createLogger, type Logger } from './telemetry/logger.js';
import { createMetrics } from './telemetry/metrics.js';
import { createTracing } from './telemetry/tracing.js';
import { createPriceBook } from './value/pricing/price-book.js';
import { readSpend } from './value/rollups/spend.js';
import { createValueService } from './value/service.js';

/**
 * Build a complete Keel from a parsed config: open the store (running migrations), make providers,
 * router, price book, usage writer, key store and audit log, and compose the app. The one place real
 * dependencies are made.
 */
export interface BuildOptions {
  logger?: Logger;
  /** The MCP gateway's injected parts (tests; the sandbox and policy parts at merge). */
  mcp?: McpBuildOptions;
}

export async function buildKeel(config: KeelConfig, opts: BuildOptions = {}): Promise<KeelApp> {
  const logger = opts.logger ?? createLogger(config);
  const database = await openDatabase(config.database.url, {
    migrate: config.database.migrate === 'auto' ? true : 'require',
    waitMs: config.database.connect_wait_s * 1000,
    sqliteBusyTimeoutMs: SERVING_BUSY_TIMEOUT_MS,
    onWaiting: (attempt, err) =>
      logger.warn({ attempt, err }, 'database not reachable yet; waiting (database.connect_wait_s)'),
  });
  // Rate limits and budgets: in process, or shared by every replica (PostgreSQL or Redis).
  const limits = await createCounters(config, database).catch(async (err: unknown) => {
    await database.close();
    throw err;
  });
  // Started before any cache loads, so a change made while they load is still seen as one.
  const changes = createChangeWatcher(database, {
    pollMs: config.cluster.poll_ms,
    onError: (err: unknown) => logger.warn({ err }, 'change poll failed'),
  });
  await changes.start();
  // Background work that must run once per cluster runs on the lease holder only.
  const lease = createLeaderLease({
    url: config.database.url,
    database,
    pollMs: config.cluster.lease_poll_ms,
    onError: (err: unknown) => logger.warn({ err }, 'leader lease'),
  });
  const records = await openRecords(config, database, logger);
  const { usage, audit, writerThread } = records;
  // Built in dependency order, no late-bound references: the authenticator reads the key store,
  // and the store handed to everyone else makes its changes take effect on the very next request.
  const keyStore = createKeyStore(database, { audit });
  const authenticate = createAuthenticator(config, keyStore);
  const keys = invalidating(keyStore, () => authenticate.invalidate());
  const redteamStore = createRunStore(database);
  const value = await createValueService({
    config,
    database,
    audit,
    usage,
    keys,
    // The data_drift rule reads the verdicts the monitors' leader stored.
    drift: () => readDrifting(database),
    redteam: () => redteamScores(redteamStore, config.redteam),
    onError: (err: unknown) => logger.error({ err }, 'value job failed'),
  });
  // A stored red-team run is judged against its threshold at once, on whichever replica stored it.
  const redteam = createRedteamRuns({
    database,
    audit,
    config: config.redteam,
    store: redteamStore,
    evaluate: (now) => value.alerts.evaluate(now, ['redteam_score']),
    onError: (err: unknown) => logger.error({ err }, 'red-team alert evaluation failed'),
  });
  // Scheduled suites attack their use case through this gateway's own /v1, on the leader only.
  const schedules = createRedteamScheduler({
    suites: config.redteam.schedules.map((s) => ({
      useCase: s.use_case,
      model: s.model,
      everyMs: durationMs(s.every),
      samples: s.samples,
      seed: s.seed,
      categories: s.categories ?? [...CATEGORIES],
      strategies: s.strategies ?? [...STRATEGIES],
      maxRequestsPerMinute: s.max_requests_per_minute,
      ...(s.key ? { key: s.key } : {}),
    })),
    buildProbes,
    runRedteam,
    recordRun: (report) => redteam.recordRun(report, { source: 'schedule' }),
    lastRunAt: async (useCase) =>
      (await redteam.list({ useCase, limit: 50 })).find((r) => r.source === 'schedule')?.createdAt ?? null,
    lease,
    onError: (err: unknown, useCase) => logger.warn({ err, useCase }, 'scheduled red-team suite failed'),
  });
  // A monitor run fires its alerts together: one alert evaluation shortly after, not one per feature.
  let driftEvaluation: NodeJS.Timeout | undefined;
  let driftEvaluating: Promise<unknown> = Promise.resolve();
  const data = createDataServices({
    config,
    database,
    audit,
    env: process.env,
    // Drift on live traffic is logged and audited, and opens/resolves a data_drift alert right away.
    onDrift: (alert) => {
      logger.warn({ alert }, 'traffic drift');
      audit.append({
        actor: 'system',
        action: `monitor.drift.${alert.status}`,
        target: alert.useCase,
        details: { ...alert },
      });
      if (!lease.isLeader()) return;
      driftEvaluation ??= setTimeout(() => {
        driftEvaluation = undefined;
        driftEvaluating = value
          .evaluateAlerts(Date.now())
          .catch((err: unknown) => logger.error({ err }, 'value job failed'));
      }, 1000);
      driftEvaluation.unref();
    },
    onError: (message, err) => logger.warn({ err }, message),
  });
  const configuredModels = new Set(config.models.map((m) => m.name));
  const declaredUseCases = new Set([
    'unassigned',
    ...config.use_cases.map((u) => u.id),
    ...Object.keys(config.guards.use_cases),
    ...config.budgets.filter((b) => b.scope === 'use_case').map((b) => b.id),
    ...config.auth.keys.flatMap((k) => (k.use_case ? [k.use_case] : [])),
  ]);
  const metrics = createMetrics({
    maxLabelValues: config.telemetry.metrics_max_label_values,
    processMetrics: config.telemetry.process_metrics,
    usageBuffered: () => usage.pending,
    knownModel: (name) => configuredModels.has(name),
    knownUseCase: (id) => declaredUseCases.has(id) || value.useCases.cached(id) !== undefined,
  });
  const tracing = await createTracing(config.telemetry, {
    providers: config.providers,
    onExportError: (err: unknown) => logger.warn({ err }, 'OTLP trace export failed'),
  });
  const observers: UsageObserver[] = [
    (event) => metrics.observe(event),
    // Live traffic monitors see every finished call (no prompt text unless monitors.capture_text).
    (event, ctx) =>
      data.monitors.observe({
        event,
        refusal: ctx.response?.finishReasons.includes('content_filter') ?? false,
        guardFlagged: ctx.guardEvents.length > 0,
      }),
  ];
  if (tracing.enabled)
    observers.push((event, ctx) => tracing.recordSpan(event, spanExtra(ctx, ctx.response)));
  if (config.logging.requests) observers.push(requestLogger(logger));
  const providers = createProviders(config, { now: Date.now });
  const router = createRouter({ config, providers });
  const prices = createPriceBook({ overrides: config.pricing.overrides });
  // Writes by other processes (replicas, the CLI, `keel demo`) reach this one's caches within a poll.
  changes.subscribe('keys', () => authenticate.invalidate());
  changes.subscribe('use_cases', () => value.useCases.refresh());
  const guards = createGuardHooks({
    config,
    policyOfUseCase: (id) => value.useCases.cached(id)?.guardPolicy,
    record: records.recordSecurity,
    metric: (detector, direction, action) => metrics.recordGuardDecision(detector, direction, action),
    audit,
  });
  // Caller-supplied JSON Schemas: checked at admission, compiled for guards and output checks, in
  // worker threads started on the first schema.
  const schemas = createSchemaPool(config.json_schema);
  const pipeline = createPipeline({
    onStoreFailure: createStoreFailureReporter({
      logger,
      metric: (check, outcome) => metrics.recordStoreFailure(check, outcome),
      recordSecurity: records.recordSecurity,
    }),
    guards,
    onExternalClassifier: (outcome, seconds) => metrics.recordGuardExternal(outcome, seconds),
    schemas,
    config,
    authenticate,
    router,
    prices,
    usage: records.usageSink,
    audit,
    counters: limits.counters,
    loadSpend: async (subject, from) => {
      // Events still in the write buffer belong to this process's counters already.
      await usage.flush();
      // Rollups + raw tail: retention.raw_days purging rolled-up events never lowers a budget's spend.
      return readSpend(database, subject, from);
    },
    observers,
    onImplausibleUsage: (ctx, reason) =>
      logger.warn(
        {
          request_id: ctx.requestId,
          provider: ctx.dispatch.provider,
          model: ctx.dispatch.modelUpstream,
          reason,
        },
        "upstream reported usage that cannot be billed; recorded Keel's estimate instead",
      ),
    registeredBudgets: () => value.registeredBudgets(),
    now: Date.now,
    perfNow: () => performance.now(),
  });
  // Command Room sessions live in the store, so any replica honours a sign-in made on another.
  const oidc = config.auth.oidc;
  const sessions = oidc ? createSessionStore(database, { audit }) : undefined;
  const mcp = await buildMcp({
    config,
    database,
    audit,
    metrics,
    logger,
    authenticate,
    policy: {
      counters: limits.counters,
      recordCall: records.recordMcpCall,
      recordSecurity: records.recordSecurity,
      tracing,
    },
    ...(opts.mcp ? { opts: opts.mcp } : {}),
  });
  const adminApi = createAdminApi({
    config,
    keys,
    admins: createAdminStore(database, { audit }),
    ...(sessions ? { sessions } : {}),
    audit,
    database,
    value,
    data,
    schemas,
    redteam,
    mcpApprovals: mcp.approvals,
    ...(mcp.gateway ? { mcpStatus: mcp.gateway } : {}),
    priceTableVersions: prices.versions,
  }).app;
  value.start({ rollups: writerThread === null, lease });
  // Shared budgets: the leader adds back the cost of calls whose replica died before settling.
  const reconciler = startBudgetReconciler({
    counters: limits.counters,
    lease,
    ledgerSpend: (subject, from) => readSpend(database, subject, from),
    intervalMs: config.limits.reconcile_every_s * 1000,
    graceMs: config.limits.reservation_ttl_s * 1000,
    onError: (err: unknown) => logger.warn({ err }, 'budget reconciliation failed'),
    onRaised: (key, beforeUsd, afterUsd) =>
      logger.warn({ key, beforeUsd, afterUsd }, 'budget spend raised to the ledger (a settle was lost)'),
  });
  const stopMonitors = await data.startMonitors(lease);
  const keel = createApp({
    config,
    pipeline,
    router,
    adminApi,
    sso: ssoRoutes(
      oidc && sessions
        ? {
            oidc,
            sessions,
            audit,
            trustProxy: config.server.trust_proxy,
            onError: (message, facts) => logger.warn({ idp: facts }, message),
          }
        : undefined,
    ),
    metrics,
    outcomes: value.outcomes,
    responses:
      config.responses.retention_days > 0
        ? { store: createResponseStore(database), retentionDays: config.responses.retention_days }
        : null,
    ...(mcp.routes ? { mcp: mcp.routes } : {}),
    services: {
      database,
      usage,
      audit,
      keys,
      value,
      redteamSchedules: schedules,
      ...(mcp.gateway ? { mcp: mcp.gateway } : {}),
    },
    logger,
    onClose: async () => {
      await mcp.gateway?.close();
      await schedules.close();
      await changes.close();
      stopMonitors();
      clearTimeout(driftEvaluation);
      await driftEvaluating;
      try {
        // Usage first: nothing after it may delay the flush of the events buffered in memory.
        await usage.close();
        await value.close();
        await reconciler.close();
        await writerThread?.close();
        await lease.close();
        await records.securityEvents.close();
        await records.mcpCalls.close();
        await audit.close();
      } finally {
        // After the writers: deletes the segments whose records all reached the store, keeps the rest.
        records.spool?.close();
      }
      await tracing.shutdown();
      await Promise.all([...providers.values()].map((p) => p.close?.()));
      await schemas.close();
      await limits.close();
      await database.close();
    },
  });
  schedules.start(async (input, init) => keel.fetch(new Request(input, init)));
  return keel;
}

/** One log line per finished request: ids, model, outcome, cost. Never headers or bodies. */
function requestLogger(logger: Logger): UsageObserver {
  return (e) =>
    logger.info(
      {
        requestId: e.requestId,
        endpoint: e.endpoint,
        model: e.modelRequested,
        provider: e.provider,
        status: e.status,
        errorCode: e.errorCode,
        latencyMs: e.latencyMs,
        costUsd: e.costUsd,
        useCase: e.useCase,
        keyId: e.keyId,
      },
      'request',
    );
}

/** Key changes made through this process take effect on the very next request. */
function invalidating(store: KeyStore, invalidate: () => void): KeyStore {
  const after =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      try {
        return await fn(...a);
      } finally {
        invalidate();
      }
    };
  return {
    ...store,
    create: after(store.create.bind(store)),
    update: after(store.update.bind(store)),
    rotate: after(store.rotate.bind(store)),
    revoke: after(store.revoke.bind(store)),
  };
}
