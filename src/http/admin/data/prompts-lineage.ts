import { parseNode } from '../../../data/lineage/graph.js';
import { KeelError } from '../../../errors.js';
import { created } from '../api/declare.js';
import { onlyFields, readAdminBody } from '../body.js';
import { actorOf, type Ctx, type DataRoutesDeps, guarded, invalid, iso, pathParam, str } from './shared.js';

export function promptLineageHandlers(deps: DataRoutesDeps) {
  const { data } = deps;
  const edgeBody = async (c: Ctx) => {
    const body = await readAdminBody(c.req.raw);
    onlyFields(body, new Set(['from', 'to', 'relation']));
    const from = str(body.from, 'from', true) as string;
    const to = str(body.to, 'to', true) as string;
    const relation = str(body.relation, 'relation') ?? 'feeds';
    if (!parseNode(from)) throw invalid('from is not a lineage node id.', 'from');
    if (!parseNode(to)) throw invalid('to is not a lineage node id.', 'to');
    // The store refuses other relations with a plain Error, which would surface as a 500.
    if (!/^[a-z_]{1,40}$/.test(relation))
      throw invalid('relation: 1 to 40 lower-case letters and "_" only.', 'relation');
    return { from, to, relation };
  };

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

    registerPrompt: async (c: Ctx) => {
      const body = await readAdminBody(c.req.raw);
      onlyFields(
        body,
        new Set(['name', 'template', 'model', 'use_case', 'description', 'owner', 'datasets']),
      );
      if (
        body.datasets !== undefined &&
        !(Array.isArray(body.datasets) && body.datasets.every((d) => typeof d === 'string'))
      )
        throw invalid('datasets must be a list of dataset versions such as "faq@3".', 'datasets');
      const datasets: string[] = [];
      for (const d of (body.datasets as string[] | undefined) ?? []) {
        const v = await data.registry.resolve(d.replace(/^dataset:/, ''));
        if (!v) throw invalid(`No registered dataset version "${d}".`, 'datasets');
        datasets.push(`dataset:${v.datasetName}@${v.version}`);
      }
      const r = await guarded(() =>
        data.prompts.register(
          {
            name: str(body.name, 'name', true) as string,
            template: str(body.template, 'template', true) as string,
            ...(str(body.model, 'model') ? { model: body.model as string } : {}),
            ...(str(body.use_case, 'use_case') ? { useCase: body.use_case as string } : {}),
            ...(str(body.description, 'description') ? { description: body.description as string } : {}),
            ...(str(body.owner, 'owner') ? { owner: body.owner as string } : {}),
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

    lineage: async (c: Ctx) => {
      const node = c.req.query('node');
      if (node !== undefined && !parseNode(node))
        throw invalid(
          'node looks like dataset:name[@version], prompt:name[@version], model:name, use_case:id or output:id.',
          'node',
        );
      const depthText = c.req.query('depth');
      const depth = depthText === undefined ? 6 : Number(depthText);
      if (!Number.isInteger(depth) || depth < 1 || depth > 20)
        throw invalid('depth must be a whole number from 1 to 20.', 'depth');
      return data.lineage.graph({ ...(node ? { node } : {}), depth });
    },

    addEdge: async (c: Ctx) => {
      const e = await edgeBody(c);
      await guarded(() => data.lineage.addEdge(e.from, e.to, e.relation, actorOf(c)));
      return created(e);
    },

    removeEdge: async (c: Ctx) => {
      const e = await edgeBody(c);
      if (!(await data.lineage.removeEdge(e.from, e.to, e.relation, actorOf(c))))
        throw new KeelError('not_found', 'No such edge.');
      return { ...e, deleted: true };
    },
  };
}
