import { defineGroup } from '../api/declare.js';
import { datasetHandlers } from './datasets.js';
import { healthMonitorHandlers } from './health-monitors.js';
import { promptLineageHandlers } from './prompts-lineage.js';

export type { DataRoutesDeps } from './shared.js';

/**
 * Data foundation admin API: the dataset registry, checks and drift runs, the prompt registry,
 * lineage, live-monitor health and structured-output validation.
 */
export const dataApi = defineGroup({
  title: 'data',
  routes: {
    listDatasets: { method: 'GET', path: '/datasets', role: 'viewer', summary: 'Registered datasets' },
    registerDataset: {
      method: 'POST',
      path: '/datasets',
      role: 'operator',
      summary: 'Register a dataset from a server-side file',
    },
    drift: {
      method: 'POST',
      path: '/datasets/drift',
      role: 'operator',
      summary: 'Drift between two versions or files',
    },
    getDataset: {
      method: 'GET',
      path: '/datasets/:name',
      role: 'viewer',
      summary: 'One dataset and its versions',
    },
    uploadVersion: {
      method: 'POST',
      path: '/datasets/:name/versions',
      role: 'operator',
      summary: 'Upload a new version (CSV, TSV or JSON lines) as the body',
    },
    getVersion: {
      method: 'GET',
      path: '/datasets/:name/versions/:version',
      role: 'viewer',
      summary: 'One version with its profile',
    },
    versionResults: {
      method: 'GET',
      path: '/datasets/:name/versions/:version/results',
      role: 'viewer',
      summary: "A version's check and drift results",
    },
    checkVersion: {
      method: 'POST',
      path: '/datasets/:name/check',
      role: 'operator',
      summary: 'Check a version against a data contract',
    },
    listPrompts: { method: 'GET', path: '/prompts', role: 'viewer', summary: 'Prompt templates' },
    registerPrompt: {
      method: 'POST',
      path: '/prompts',
      role: 'operator',
      summary: 'Register a prompt template version',
    },
    getPrompt: {
      method: 'GET',
      path: '/prompts/:name',
      role: 'viewer',
      summary: 'One prompt template and its versions',
    },
    lineage: {
      method: 'GET',
      path: '/lineage',
      role: 'viewer',
      summary: 'The lineage graph (`node`, `depth`)',
    },
    addEdge: { method: 'POST', path: '/lineage/edges', role: 'operator', summary: 'Add a lineage edge' },
    removeEdge: {
      method: 'DELETE',
      path: '/lineage/edges',
      role: 'operator',
      summary: 'Remove a lineage edge',
    },
    health: {
      method: 'GET',
      path: '/data/health',
      role: 'viewer',
      summary: 'Live-monitor health (`use_case`)',
    },
    runMonitors: {
      method: 'POST',
      path: '/data/monitors/run',
      role: 'operator',
      summary: 'Sync and evaluate the monitors now',
    },
    freezeReference: {
      method: 'POST',
      path: '/data/monitors/:useCase/freeze-reference',
      role: 'operator',
      summary: "Freeze a monitor's reference window",
    },
    pinReference: {
      method: 'POST',
      path: '/data/monitors/:useCase/pin',
      role: 'operator',
      summary: "Pin a dataset version as a monitor's reference",
    },
    validateOutput: {
      method: 'POST',
      path: '/data/validate-output',
      role: 'viewer',
      summary: 'Validate model output against a JSON Schema',
    },
  },
  needs: (s) =>
    s.data
      ? {
          data: s.data,
          ...(s.dataAllowedRoots ? { allowedRoots: s.dataAllowedRoots } : {}),
          ...(s.dataMaxUploadBytes ? { maxUploadBytes: s.dataMaxUploadBytes } : {}),
          ...(s.schemas ? { schemas: s.schemas } : {}),
          ...(s.now ? { now: s.now } : {}),
        }
      : undefined,
  handlers: (deps) => ({
    ...datasetHandlers(deps),
    ...promptLineageHandlers(deps),
    ...healthMonitorHandlers(deps),
  }),
});
