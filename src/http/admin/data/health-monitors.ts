import { validateOutput } from '../../../data/contracts/output.js';
import { KeelError } from '../../../errors.js';
import { SchemaPool } from '../../../schemas/index.js';
import { onlyFields, readAdminBody } from '../body.js';
import { actorOf, type Ctx, type DataRoutesDeps, invalid, pathParam, str } from './shared.js';

export function healthMonitorHandlers(deps: DataRoutesDeps) {
  // Without the app's pool (route tests), in-process: nothing would end a thread started here.
  const schemas = deps.schemas ?? new SchemaPool({ workerUrl: null });
  const { data } = deps;
  return {
    health: async (c: Ctx) => {
      const useCase = c.req.query('use_case');
      return {
        monitors: await data.cluster.status(useCase),
        capture_text: data.settings.monitors.captureText,
        lineage_endpoint: data.settings.lineage.endpoint !== null,
      };
    },

    runMonitors: async (_c: Ctx) => {
      // On demand, from any replica: this one's windows first, then the cluster's merge.
      const at = (deps.now ?? Date.now)();
      await data.cluster.sync(at);
      const alerts = await data.cluster.evaluate(at);
      return { alerts };
    },

    freeze: async (c: Ctx) => {
      await data.cluster.freezeReference(pathParam(c, 'useCase'), (deps.now ?? Date.now)(), actorOf(c));
      return { use_case: pathParam(c, 'useCase'), frozen: true };
    },

    pinReference: async (c: Ctx) => {
      const body = await readAdminBody(c.req.raw);
      onlyFields(body, new Set(['dataset']));
      const v = await data.registry.resolve(str(body.dataset, 'dataset', true) as string);
      if (!v) throw new KeelError('not_found', 'No such dataset version.', { param: 'dataset' });
      await data.cluster.pinReference(pathParam(c, 'useCase'), v, (deps.now ?? Date.now)(), actorOf(c));
      return { use_case: pathParam(c, 'useCase'), pinned: `${v.datasetName}@${v.version}` };
    },

    validateOutput: async (c: Ctx) => {
      const body = await readAdminBody(c.req.raw);
      onlyFields(body, new Set(['schema', 'output']));
      if (!body.schema || (typeof body.schema !== 'object' && typeof body.schema !== 'string'))
        throw invalid('schema (a JSON Schema) is required.', 'schema');
      if (typeof body.output !== 'string')
        throw invalid('output (the model output text) is required.', 'output');
      return validateOutput(schemas, body.schema as object, body.output);
    },
  };
}
