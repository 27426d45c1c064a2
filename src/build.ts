import { performance } from 'node:perf_hooks';
import { createApp } from './app.js';
import type { KeelApp } from './app.types.js';
import type { KeelConfig } from './config/schema.js';
import { createAuthenticator } from './pipeline/authenticate.js';
import { createPipeline } from './pipeline/index.js';
import { createProviders } from './providers/registry.js';
import { createRouter } from './routing/router.js';
import { openDatabase } from './store/db.js';
import { createUsageWriter } from './store/usage.js';
import { createLogger, type Logger } from './telemetry/logger.js';
import { createPriceBook } from './value/pricing/price-book.js';

/**
 * Build a complete Keel from a parsed config: open the store (running migrations), make providers,
 * router, price book and usage writer, and compose the app. The one place real dependencies are made.
 */
export async function buildKeel(config: KeelConfig, opts: { logger?: Logger } = {}): Promise<KeelApp> {
  const logger = opts.logger ?? createLogger(config);
  const database = await openDatabase(config.database.url);
  const usage = createUsageWriter(database, {
    flushIntervalMs: config.usage.flush_interval_ms,
    batchSize: config.usage.batch_size,
    onError: (err) => logger.error({ err }, 'usage write failed; will retry'),
  });
  const providers = createProviders(config, { now: Date.now });
  const router = createRouter({ config, providers });
  const prices = createPriceBook({ overrides: config.pricing.overrides });
  const pipeline = createPipeline({
    authenticate: createAuthenticator(config),
    router,
    prices,
    usage,
    now: Date.now,
    perfNow: () => performance.now(),
  });
  return createApp({
    config,
    pipeline,
    router,
    services: { database, usage },
    logger,
    onClose: async () => {
      await usage.close();
      await Promise.all([...providers.values()].map((p) => p.close?.()));
      await database.close();
    },
  });
}
