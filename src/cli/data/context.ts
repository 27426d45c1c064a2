import type { AuditLogWriter } from '../../audit/log.js';
import { loadConfig } from '../../config/load.js';
import { createDatasetRegistry, type DatasetRegistry } from '../../data/datasets/registry.js';
import { createResultStore, type ResultStore } from '../../data/datasets/results.js';
import type { JobDeps } from '../../data/jobs.js';
import { createLineageEmitter } from '../../data/lineage/emitter.js';
import { dataSettings } from '../../data/settings.js';
import { type Database, openDatabase } from '../../store/db.js';
import type { Io } from '../main.js';
import { openAudit } from '../usecases.js';

/** What every `keel data` command shares: options, output mode, and the services it opens. */
export interface Ctx {
  io: Io;
  json: boolean;
  configPath: string | undefined;
  dataDir: string | undefined;
  lineageEndpoint: string | undefined;
}

export const COMMON = {
  json: { type: 'boolean' },
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  'lineage-endpoint': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Open what a command needs; the store only when asked (drift of two files needs none). */
export async function services(ctx: Ctx, needStore: boolean) {
  const { config } = loadConfig({ path: ctx.configPath, env: ctx.io.env });
  const settings = dataSettings(config, {
    ...ctx.io.env,
    ...(ctx.dataDir ? { KEEL_DATA_DIR: ctx.dataDir } : {}),
  });
  const endpoint = ctx.lineageEndpoint ?? settings.lineage.endpoint;
  let database: Database | null = null;
  let registry: DatasetRegistry | null = null;
  let results: ResultStore | null = null;
  let audit: AuditLogWriter | null = null;
  if (needStore) {
    database = await openDatabase(config.database.url);
    // Registrations (`keel data register`, a check that names its dataset) are audited as `cli`.
    audit = openAudit(config, database);
    registry = createDatasetRegistry(database, { dataDir: settings.dataDir, audit });
    results = createResultStore(database);
  }
  const emitter = endpoint
    ? createLineageEmitter({
        endpoint,
        ...(settings.lineage.apiKey ? { apiKey: settings.lineage.apiKey } : {}),
        retries: settings.lineage.retries,
        timeoutMs: settings.lineage.timeoutMs,
        onError: (m) => ctx.io.err(`keel data: ${m}\n`),
      })
    : null;
  const deps: JobDeps = { registry, results, emitter, namespace: settings.lineage.namespace, actor: 'cli' };
  return {
    deps,
    registry,
    results,
    close: async () => {
      try {
        await audit?.close();
      } finally {
        await database?.close();
      }
    },
  };
}

export function ctxOf(
  io: Io,
  values: { json?: boolean; config?: string; 'data-dir'?: string; 'lineage-endpoint'?: string },
): Ctx {
  return {
    io,
    json: values.json ?? false,
    configPath: values.config,
    dataDir: values['data-dir'],
    lineageEndpoint: values['lineage-endpoint'],
  };
}
