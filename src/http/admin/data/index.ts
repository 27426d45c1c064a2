import { defineGroup, route } from '../api/declare.js';
import { datasetHandlers, datasetInputs } from './datasets.js';
import { healthMonitorHandlers, healthMonitorInputs } from './health-monitors.js';
import { promptLineageHandlers, promptLineageInputs } from './prompts-lineage.js';

export type { DataRoutesDeps } from './shared.js';

/**
 * Data foundation admin API: the dataset registry, checks and drift runs, the prompt registry,
 * lineage, live-monitor health and structured-output validation.
 */
export const dataApi = defineGroup({
  title: 'data',
  routes: {
    listDatasets: route('GET', '/datasets', 'viewer', 'Registered datasets'),
    registerDataset: route('POST', '/datasets', 'operator', 'Register a dataset from a server-side file', {
      body: datasetInputs.register,
    }),
    drift: route('POST', '/datasets/drift', 'operator', 'Drift between two versions or files', {
      body: datasetInputs.drift,
    }),
    getDataset: route('GET', '/datasets/:name', 'viewer', 'One dataset and its versions'),
    uploadVersion: route('POST', '/datasets/:name/versions', 'operator', 'Upload a version as the body', {
      query: datasetInputs.upload,
    }),
    getVersion: route('GET', '/datasets/:name/versions/:version', 'viewer', 'One version with its profile'),
    results: route('GET', '/datasets/:name/versions/:version/results', 'viewer', 'Its results'),
    checkVersion: route('POST', '/datasets/:name/check', 'operator', 'Check against a contract', {
      body: datasetInputs.check,
    }),
    listPrompts: route('GET', '/prompts', 'viewer', 'Prompt templates'),
    registerPrompt: route('POST', '/prompts', 'operator', 'Register a prompt template version', {
      body: promptLineageInputs.prompt,
    }),
    getPrompt: route('GET', '/prompts/:name', 'viewer', 'One prompt template and its versions'),
    lineage: route('GET', '/lineage', 'viewer', 'The lineage graph (`node`, `depth`)', {
      query: promptLineageInputs.lineage,
    }),
    addEdge: route('POST', '/lineage/edges', 'operator', 'Add a lineage edge', {
      body: promptLineageInputs.edge,
    }),
    removeEdge: route('DELETE', '/lineage/edges', 'operator', 'Remove a lineage edge', {
      body: promptLineageInputs.edge,
    }),
    health: route('GET', '/data/health', 'viewer', 'Live-monitor health (`use_case`)', {
      query: healthMonitorInputs.health,
    }),
    runMonitors: route('POST', '/data/monitors/run', 'operator', 'Sync and evaluate the monitors now'),
    freeze: route('POST', '/data/monitors/:useCase/freeze-reference', 'operator', 'Freeze'),
    pinReference: route('POST', '/data/monitors/:useCase/pin', 'operator', 'Pin a reference version', {
      body: healthMonitorInputs.pin,
    }),
    validateOutput: route('POST', '/data/validate-output', 'viewer', 'Validate output vs schema', {
      body: healthMonitorInputs.validateOutput,
    }),
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
