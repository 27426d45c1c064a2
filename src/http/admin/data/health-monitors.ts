import { z } from 'zod';
import { validateOutput } from '../../../data/contracts/output.js';
import { KeelError } from '../../../errors.js';
import { SchemaPool } from '../../../schemas/index.js';
import type { InputOf } from '../api/declare.js';
import { textField } from '../api/inputs.js';
import { actorOf, type Ctx, type DataRoutesDeps, pathParam } from './shared.js';

/** The declared inputs of the health and monitor routes (data/index.ts). */
export const healthMonitorInputs = {
  health: z.object({ use_case: z.string().optional() }),
  pin: z.strictObject({ dataset: textField('dataset') }),
  validateOutput: z.strictObject({
    schema: z.custom<object | string>(
      (v) => Boolean(v) && (typeof v === 'object' || typeof v === 'string'),
      'schema (a JSON Schema) is required.',
    ),
    output: z.string({ error: 'output (the model output text) is required.' }),
  }),
};
type Inputs = typeof healthMonitorInputs;

export function healthMonitorHandlers(deps: DataRoutesDeps) {
  // Without the app's pool (route tests), in-process: nothing would end a thread started here.
  const schemas = deps.schemas ?? new SchemaPool({ workerUrl: null });
  const { data } = deps;
  return {
    health: async (_c: Ctx, { query }: InputOf<{ query: Inputs['health'] }>) => {
      return {
        monitors: await data.cluster.status(query.use_case),
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

    pinReference: async (c: Ctx, { body }: InputOf<{ body: Inputs['pin'] }>) => {
      const v = await data.registry.resolve(body.dataset);
      if (!v) throw new KeelError('not_found', 'No such dataset version.', { param: 'dataset' });
      await data.cluster.pinReference(pathParam(c, 'useCase'), v, (deps.now ?? Date.now)(), actorOf(c));
      return { use_case: pathParam(c, 'useCase'), pinned: `${v.datasetName}@${v.version}` };
    },

    validateOutput: async (_c: Ctx, { body }: InputOf<{ body: Inputs['validateOutput'] }>) =>
      validateOutput(schemas, body.schema, body.output),
  };
}
