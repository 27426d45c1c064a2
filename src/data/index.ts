import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from '../store/db.js';
import { createDatasetRegistry, type DatasetRegistry } from './datasets/registry.js';
import { createResultStore, type ResultStore } from './datasets/results.js';
import { createLineageEmitter, type LineageEmitter } from './lineage/emitter.js';
import { createLineageStore, type LineageStore } from './lineage/graph.js';
import { createPromptRegistry, type PromptRegistry } from './lineage/prompts.js';
import { createTrafficMonitors, type DriftAlert, type TrafficMonitors } from './monitors/monitor.js';
import { type DataSettings, dataSettings } from './settings.js';

export { compileOutputValidator, validateOutput } from './contracts/output.js';
export type { DriftAlert, TrafficMonitors } from './monitors/monitor.js';

/** Everything the data foundation runs in a Keel process; built once in build.ts. */
export interface DataServices {
  settings: DataSettings;
  registry: DatasetRegistry;
  results: ResultStore;
  lineage: LineageStore;
  prompts: PromptRegistry;
  /** null without `lineage.endpoint`. */
  emitter: LineageEmitter | null;
  monitors: TrafficMonitors;
  /**
   * Restore the monitors' reference windows from `dataDir/monitors.json`, then run them every
   * `monitors.interval_minutes`, saving the references after each run. Returns a stop function.
   */
  startMonitors(): Promise<() => void>;
}

export interface DataServicesDeps {
  config: object;
  database: Database;
  env?: Record<string, string | undefined>;
  /** Where monitor drift alerts go (the alert system's raise function). */
  onDrift?: (alert: DriftAlert) => void;
  onError?: (message: string, err?: unknown) => void;
  now?: () => number;
}

export function createDataServices(deps: DataServicesDeps): DataServices {
  const settings = dataSettings(deps.config, deps.env ?? {});
  const now = deps.now ?? Date.now;
  const lineage = createLineageStore(deps.database, { now });
  const onError = deps.onError ?? (() => {});
  const monitors = createTrafficMonitors({
    settings: settings.monitors,
    onDrift: deps.onDrift ?? (() => {}),
    now,
  });
  const snapshotFile = path.join(settings.dataDir, 'monitors.json');
  const registry = createDatasetRegistry(deps.database, { dataDir: settings.dataDir, now });
  return {
    settings,
    registry,
    results: createResultStore(deps.database, { now }),
    lineage,
    prompts: createPromptRegistry(deps.database, lineage, { now }),
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
    async startMonitors() {
      try {
        monitors.restore(JSON.parse(await readFile(snapshotFile, 'utf8')));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
          onError('monitor references could not be restored; starting fresh', e);
      }
      // monitors.pinned: { use_case: "dataset@version" } compares those use cases with a dataset version.
      for (const [useCase, ref] of Object.entries(settings.monitors.pinned)) {
        const v = await registry.resolve(ref).catch(() => null);
        if (v) monitors.pinReference(useCase, v.profile);
        else onError(`monitors.pinned: no dataset version "${ref}" for use case "${useCase}"`);
      }
      let saving = false;
      const timer = setInterval(() => {
        try {
          monitors.runMonitors(now());
        } catch (e) {
          onError('monitor run failed', e);
        }
        if (saving) return;
        saving = true;
        const tmp = `${snapshotFile}.${process.pid}.tmp`;
        mkdir(path.dirname(snapshotFile), { recursive: true })
          .then(() => writeFile(tmp, JSON.stringify(monitors.snapshot())))
          .then(() => rename(tmp, snapshotFile))
          .catch((e) => onError('monitor references could not be saved', e))
          .finally(() => {
            saving = false;
          });
      }, settings.monitors.intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
