import { Hono } from 'hono';
import type { AppEnv } from '../../types.js';
import type { AdminRouteRule } from '../types.js';
import { registerDatasetRoutes } from './datasets.js';
import { registerHealthMonitorRoutes } from './health-monitors.js';
import { registerPromptLineageRoutes } from './prompts-lineage.js';
import type { DataRoutesDeps } from './shared.js';

export type { DataRoutesDeps } from './shared.js';

/**
 * Data foundation admin API, mounted under /api behind admin authentication and the role table:
 * the dataset registry, checks and drift runs, the prompt registry, lineage, live-monitor health
 * and structured-output validation. DATA_ROUTE_ROLES is the least role per route.
 */
export const DATA_ROUTE_ROLES: readonly AdminRouteRule[] = [
  { method: 'GET', path: '/datasets', role: 'viewer' },
  { method: 'POST', path: '/datasets', role: 'operator' },
  { method: 'POST', path: '/datasets/drift', role: 'operator' },
  { method: 'GET', path: '/datasets/:name', role: 'viewer' },
  { method: 'POST', path: '/datasets/:name/versions', role: 'operator' },
  { method: 'GET', path: '/datasets/:name/versions/:version', role: 'viewer' },
  { method: 'GET', path: '/datasets/:name/versions/:version/results', role: 'viewer' },
  { method: 'POST', path: '/datasets/:name/check', role: 'operator' },
  { method: 'GET', path: '/prompts', role: 'viewer' },
  { method: 'POST', path: '/prompts', role: 'operator' },
  { method: 'GET', path: '/prompts/:name', role: 'viewer' },
  { method: 'GET', path: '/lineage', role: 'viewer' },
  { method: 'POST', path: '/lineage/edges', role: 'operator' },
  { method: 'DELETE', path: '/lineage/edges', role: 'operator' },
  { method: 'GET', path: '/data/health', role: 'viewer' },
  { method: 'POST', path: '/data/monitors/run', role: 'operator' },
  { method: 'POST', path: '/data/monitors/:useCase/freeze-reference', role: 'operator' },
  { method: 'POST', path: '/data/monitors/:useCase/pin', role: 'operator' },
  { method: 'POST', path: '/data/validate-output', role: 'viewer' },
];

export function dataRoutes(deps: DataRoutesDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  registerDatasetRoutes(app, deps);
  registerPromptLineageRoutes(app, deps);
  registerHealthMonitorRoutes(app, deps);
  return app;
}
