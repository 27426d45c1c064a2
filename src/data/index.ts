import { readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { AuditLog } from '../audit/types.js';
import type { Database } from '../store/db.js';
import type { LeaderLease } from '../store/lease.js';
import { createDatasetRegistry, type DatasetRegistry } from './datasets/registry.js';
import { createResultStore, type ResultStore } from './datasets/results.js';
import { createLineageEmitter, type LineageEmitter } from './lineage/emitter.js';
import { createLineageStore, type LineageStore } from './lineage/graph.js';
import { createPromptRegistry, type PromptRegistry } from './lineage/prompts.js';
import { type ClusterMonitors, createClusterMonitors } from './monitors/cluster.js';
import {
  createTrafficMonitors,
  type DriftAlert,
  type MonitorSnapshot,
  type TrafficMonitors,
} from './monitors/monitor.js';
import { type DataSettings, dataSettings } from './settings.js';

export { compileOutputValidator, validateOutput } from './contracts/output.js';
export { type ClusterMonitors, readDrifting } from './monitors/cluster.js';
export type { DriftAlert, TrafficMonitors } from './monitors/monitor.js';

const SYNC_MS = 60_000;

/** Everything the data foundation runs in a Keel process; built once in build.ts. */
export interface DataServices {
  settings: DataSettings;
  registry: DatasetRegistry;
  results: ResultStore;
  lineage: LineageStore;
  prompts: PromptRegistry;
  /** null without `lineage.endpoint`. */
  emitter: LineageEmitter | null;
  /** This replica's traffic monitors (what it observes). */
  monitors: TrafficMonitors;
  /** The monitors of the whole cluster, in the store: status, verdicts, reference settings. */
  cluster: ClusterMonitors;
  /**
   * Share this replica's windows every minute (or interval_minutes if shorter); while `lease` says
   * this replica leads (always without one), judge the cluster's merged windows every
   * `monitors.interval_minutes`. Returns a stop function.
   */
  startMonitors(lease?: Pick<LeaderLease, 'isLeader'>): Promise<() => void>;
}

interface DataServicesDeps {
  config: object;
  database: Database;
  /** Dataset, prompt, lineage and monitor-reference changes are committed with their audit entries. */
  audit: AuditLog;
  env?: Record<string, string | undefined>;
  /** Where monitor drift alerts go (the alert system's raise function). */
  onDrift?: (alert: DriftAlert) => void;
  onError?: (message: string, err?: unknown) => void;
  now?: () => number;
}

export function createDataServices(deps: DataServicesDeps): DataServices {
  const settings = dataSettings(deps.config, deps.env ?? {});
  const now = deps.now ?? Date.now;
  const { audit } = deps;
  const lineage = createLineageStore(deps.database, { audit, now });
  const onError = deps.onError ?? (() => {});
  // This replica's observations only: drift is judged on the cluster's merge (`cluster`).
  const monitors = createTrafficMonitors({ settings: settings.monitors, onDrift: () => {}, now });
  const syncMs = Math.min(settings.monitors.intervalMs, SYNC_MS);
  const cluster = createClusterMonitors({
    database: deps.database,
    audit,
    local: monitors,
    // Holds the merged windows of every replica while the leader evaluates them.
    evaluator: createTrafficMonitors({
      settings: settings.monitors,
      onDrift: deps.onDrift ?? (() => {}),
      now,
    }),
    staleMs: 10 * syncMs,
    windowMs: settings.monitors.windowMs,
  });
  // Before the store held them, reference windows were saved to this file: imported once.
  const snapshotFile = path.join(settings.dataDir, 'monitors.json');
  async function importSnapshotFile(): Promise<void> {
    try {
      monitors.restore(JSON.parse(await readFile(snapshotFile, 'utf8')) as MonitorSnapshot);
      await cluster.sync(now());
      await rename(snapshotFile, `${snapshotFile}.imported`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
        onError('monitor references could not be imported from monitors.json', e);
    }
  }
  const registry = createDatasetRegistry(deps.database, { dataDir: settings.dataDir, audit, now });
  return {
    settings,
    registry,
    results: createResultStore(deps.database, { now }),
    lineage,
    prompts: createPromptRegistry(deps.database, { audit, now }),
    emitter: settings.lineage.endpoint
      ? createLineageEmitter({
          endpoint: settings.lineage.endpoint,
          ...(settings.lineage.apiKey ? { apiKey: settings.lineage.apiKey } : {}),
          retries: settings.lineage.retries,
          timeoutMs: settings.lineage.timeoutMs,
          onError: (m) => onError(m),
        })
      : null,
    monitors,
    cluster,
    async startMonitors(lease) {
      await importSnapshotFile();
      // monitors.pinned: { use_case: "dataset@version" } compares those use cases with a dataset version
      // (audited as the system's change the first time, and whenever keel.yaml pins another version).
      for (const [useCase, ref] of Object.entries(settings.monitors.pinned)) {
        const v = await registry.resolve(ref).catch(() => null);
        if (v) await cluster.pinReference(useCase, v, now(), 'system');
        else onError(`monitors.pinned: no dataset version "${ref}" for use case "${useCase}"`);
      }
      // Every replica shares its windows often; the leader judges the merge every interval_minutes.
      let lastRun = 0;
      let busy = false;
      const timer = setInterval(() => {
        if (busy) return;
        busy = true;
        const at = now();
        cluster
          .sync(at)
          .then(async () => {
            if (!(lease?.isLeader() ?? true) || at - lastRun < settings.monitors.intervalMs) return;
            lastRun = at;
            await cluster.evaluate(at);
          })
          .catch((e) => onError('monitor run failed', e))
          .finally(() => {
            busy = false;
          });
      }, syncMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
