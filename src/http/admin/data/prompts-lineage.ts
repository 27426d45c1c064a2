import { z } from 'zod';
import { parseNode } from '../../../data/lineage/graph.js';
import { KeelError } from '../../../errors.js';
import { created, type InputOf } from '../api/declare.js';
import { optionalText, textField, wholeNumber } from '../api/inputs.js';
import { actorOf, type Ctx, type DataRoutesDeps, guarded, invalid, iso, pathParam } from './shared.js';

const node = (field: string) =>
  textField(field).refine((v) => parseNode(v) !== null, `${field} is not a lineage node id.`);

/** The declared inputs of the prompt and lineage routes (data/index.ts). */
export const promptLineageInputs = {
  prompt: z.strictObject({
    name: textField('name'),
    template: textField('template'),
    model: optionalText('model'),
    use_case: optionalText('use_case'),
    description: optionalText('description'),
    owner: optionalText('owner'),
    datasets: z
      .array(z.string(), { error: 'datasets must be a list of dataset versions such as "faq@3".' })
      .default([]),
  }),
  lineage: z.object({
    node: z
      .string()
      .refine(
        (v) => parseNode(v) !== null,
        'node looks like dataset:name[@version], prompt:name[@version], model:name, use_case:id or output:id.',
      )
      .optional(),
    depth: wholeNumber('depth must be a whole number from 1 to 20.', 1, 20).default(6),
  }),
  edge: z.strictObject({
    from: node('from'),
    to: node('to'),
    // The store refuses other relations with a plain Error, which would surface as a 500.
    relation: optionalText('relation')
      .transform((v) => v ?? 'feeds')
      .refine((v) => /^[a-z_]{1,40}$/.test(v), 'relation: 1 to 40 lower-case letters and "_" only.'),
  }),
};
type Inputs = typeof promptLineageInputs;

export function promptLineageHandlers(deps: DataRoutesDeps) {
  const { data } = deps;

  return {
    listPrompts: async (_c: Ctx) => {
      const all = await data.prompts.list();
      return {
        object: 'list' as const,
        data: all.map((p) => ({
          id: p.id,
          name: p.name,
          description: p.description,
          owner: p.owner,
          use_case: p.useCase,
          latest_version: p.latestVersion,
          updated_at: iso(p.updatedAt),
        })),
      };
    },

    registerPrompt: async (c: Ctx, { body }: InputOf<{ body: Inputs['prompt'] }>) => {
      const datasets: string[] = [];
      for (const d of body.datasets) {
        const v = await data.registry.resolve(d.replace(/^dataset:/, ''));
        if (!v) throw invalid(`No registered dataset version "${d}".`, 'datasets');
        datasets.push(`dataset:${v.datasetName}@${v.version}`);
      }
      const r = await guarded(() =>
        data.prompts.register(
          {
            name: body.name,
            template: body.template,
            ...(body.model ? { model: body.model } : {}),
            ...(body.use_case ? { useCase: body.use_case } : {}),
            ...(body.description ? { description: body.description } : {}),
            ...(body.owner ? { owner: body.owner } : {}),
            datasets,
          },
          actorOf(c),
        ),
      );
      const out = {
        name: r.prompt.name,
        version: r.version.version,
        ref: `${r.prompt.name}@${r.version.version}`,
        sha256: r.version.sha256,
        model: r.version.model,
        variables: r.version.variables,
        created: r.created,
      };
      return r.created ? created(out) : out;
    },

    getPrompt: async (c: Ctx) => {
      const p = await data.prompts.get(pathParam(c, 'name'));
      if (!p) throw new KeelError('not_found', 'No prompt template with that name.', { param: 'name' });
      return {
        id: p.prompt.id,
        name: p.prompt.name,
        description: p.prompt.description,
        owner: p.prompt.owner,
        use_case: p.prompt.useCase,
        versions: p.versions.map((v) => ({
          version: v.version,
          sha256: v.sha256,
          model: v.model,
          variables: v.variables,
          template: v.template,
          created_at: iso(v.createdAt),
          created_by: v.createdBy,
        })),
      };
    },

    lineage: async (_c: Ctx, { query: { node, depth } }: InputOf<{ query: Inputs['lineage'] }>) =>
      data.lineage.graph({ ...(node ? { node } : {}), depth }),

    addEdge: async (c: Ctx, { body: e }: InputOf<{ body: Inputs['edge'] }>) => {
      await guarded(() => data.lineage.addEdge(e.from, e.to, e.relation, actorOf(c)));
      return created(e);
    },

    removeEdge: async (c: Ctx, { body: e }: InputOf<{ body: Inputs['edge'] }>) => {
      if (!(await data.lineage.removeEdge(e.from, e.to, e.relation, actorOf(c))))
        throw new KeelError('not_found', 'No such edge.');
      return { ...e, deleted: true };
    },
  };
}
