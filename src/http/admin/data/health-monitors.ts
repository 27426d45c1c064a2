import type { Hono } from 'hono';
import { validateOutput } from '../../../data/contracts/output.js';
import { KeelError } from '../../../errors.js';
import { SchemaPool } from '../../../schemas/index.js';
import type { AppEnv } from '../../types.js';
import { onlyFields, readAdminBody } from '../body.js';
import { actorOf, type DataRoutesDeps, invalid, str } from './shared.js';

export function registerHealthMonitorRoutes(app: Hono<AppEnv>, deps: DataRoutesDeps): void {
  // Without the app's pool (route tests), in-process: nothing would end a thread started here.
  const schemas = deps.schemas ?? new SchemaPool({ workerUrl: null });
  const { data } = deps;
  app.get('/data/health', async (c) => {
    const useCase = c.req.query('use_case');
    return c.json({
      monitors: await data.cluster.status(useCase),
      capture_text: data.settings.monitors.captureText,
      lineage_endpoint: data.settings.lineage.endpoint !== null,
    });
  });

  app.post('/data/monitors/run', async (c) => {
    // On demand, from any replica: this one's windows first, then the cluster's merge.
    const at = (deps.now ?? Date.now)();
    await data.cluster.sync(at);
    const alerts = await data.cluster.evaluate(at);
    return c.json({ alerts });
  });

  app.post('/data/monitors/:useCase/freeze-reference', async (c) => {
    await data.cluster.freezeReference(c.req.param('useCase'), (deps.now ?? Date.now)(), actorOf(c));
    return c.json({ use_case: c.req.param('useCase'), frozen: true });
  });

  app.post('/data/monitors/:useCase/pin', async (c) => {
    const body = await readAdminBody(c.req.raw);
    onlyFields(body, new Set(['dataset']));
    const v = await data.registry.resolve(str(body.dataset, 'dataset', true) as string);
    if (!v) throw new KeelError('not_found', 'No such dataset version.', { param: 'dataset' });
    await data.cluster.pinReference(c.req.param('useCase'), v, (deps.now ?? Date.now)(), actorOf(c));
    return c.json({ use_case: c.req.param('useCase'), pinned: `${v.datasetName}@${v.version}` });
  });

  app.post('/data/validate-output', async (c) => {
    const body = await readAdminBody(c.req.raw);
    onlyFields(body, new Set(['schema', 'output']));
    if (!body.schema || (typeof body.schema !== 'object' && typeof body.schema !== 'string'))
      throw invalid('schema (a JSON Schema) is required.', 'schema');
    if (typeof body.output !== 'string')
      throw invalid('output (the model output text) is required.', 'output');
    return c.json(await validateOutput(schemas, body.schema as object, body.output));
  });
}
