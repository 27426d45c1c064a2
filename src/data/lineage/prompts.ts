import { createHash } from 'node:crypto';
import type { Database } from '../../store/db.js';
import { NAME_RE, newId } from '../datasets/registry.js';
import type { LineageStore } from './graph.js';

/**
 * The prompt-template registry: named templates with immutable, numbered versions (a new version
 * only when the template text or its model changes). Registering a version records its lineage:
 * the dataset versions that ground it, the model it runs on, and the use case it serves.
 */

export interface PromptTemplate {
  id: string;
  name: string;
  description: string | null;
  owner: string | null;
  useCase: string | null;
  createdAt: number;
  updatedAt: number;
  createdBy: string;
}

export interface PromptVersion {
  id: string;
  promptId: string;
  name: string;
  version: number;
  sha256: string;
  template: string;
  model: string | null;
  variables: string[];
  createdAt: number;
  createdBy: string;
}

export interface PromptInput {
  name: string;
  template: string;
  model?: string;
  useCase?: string;
  description?: string;
  owner?: string;
  /** Dataset versions (lineage node ids such as `dataset:faq@3`) this prompt is built from. */
  datasets?: string[];
}

const VARIABLE = /\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}/g;

export function templateVariables(template: string): string[] {
  return [...new Set([...template.matchAll(VARIABLE)].map((m) => m[1] as string))];
}

export interface PromptRegistry {
  register(
    input: PromptInput,
    actor: string,
  ): Promise<{ prompt: PromptTemplate; version: PromptVersion; created: boolean }>;
  list(): Promise<(PromptTemplate & { latestVersion: number | null })[]>;
  get(name: string): Promise<{ prompt: PromptTemplate; versions: PromptVersion[] } | null>;
}

export function createPromptRegistry(
  database: Database,
  lineage: LineageStore,
  opts: { now?: () => number } = {},
): PromptRegistry {
  const { db } = database;
  const now = opts.now ?? Date.now;

  const getTemplate = async (name: string): Promise<PromptTemplate | null> => {
    const r = await db
      .selectFrom('data_prompt_templates')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return r
      ? {
          id: r.id,
          name: r.name,
          description: r.description,
          owner: r.owner,
          useCase: r.use_case,
          createdAt: Number(r.created_at),
          updatedAt: Number(r.updated_at),
          createdBy: r.created_by,
        }
      : null;
  };

  const versions = async (p: PromptTemplate): Promise<PromptVersion[]> => {
    const rows = await db
      .selectFrom('data_prompt_versions')
      .selectAll()
      .where('prompt_id', '=', p.id)
      .orderBy('version', 'desc')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      promptId: r.prompt_id,
      name: p.name,
      version: Number(r.version),
      sha256: r.sha256,
      template: r.template,
      model: r.model,
      variables: JSON.parse(r.variables_json) as string[],
      createdAt: Number(r.created_at),
      createdBy: r.created_by,
    }));
  };

  return {
    async register(input, actor) {
      if (!NAME_RE.test(input.name))
        throw new Error('prompt name: use letters, digits, ".", "_" or "-" (max 128)');
      if (!input.template) throw new Error('template is required');
      const t = now();
      let prompt = await getTemplate(input.name);
      if (!prompt) {
        await db
          .insertInto('data_prompt_templates')
          .values({
            id: newId('pt'),
            name: input.name,
            description: input.description ?? null,
            owner: input.owner ?? null,
            use_case: input.useCase ?? null,
            created_at: t,
            updated_at: t,
            created_by: actor,
          })
          .execute();
      } else
        await db
          .updateTable('data_prompt_templates')
          .set({
            updated_at: t,
            ...(input.description !== undefined ? { description: input.description } : {}),
            ...(input.owner !== undefined ? { owner: input.owner } : {}),
            ...(input.useCase !== undefined ? { use_case: input.useCase } : {}),
          })
          .where('id', '=', prompt.id)
          .execute();
      prompt = (await getTemplate(input.name)) as PromptTemplate;
      const sha256 = createHash('sha256')
        .update(input.template)
        .update('\u0000')
        .update(input.model ?? '')
        .digest('hex');
      const all = await versions(prompt);
      let version = all.find((v) => v.sha256 === sha256);
      const created = !version;
      if (!version) {
        const id = newId('pv');
        await db
          .insertInto('data_prompt_versions')
          .values({
            id,
            prompt_id: prompt.id,
            version: (all[0]?.version ?? 0) + 1,
            sha256,
            template: input.template,
            model: input.model ?? null,
            variables_json: JSON.stringify(templateVariables(input.template)),
            created_at: t,
            created_by: actor,
          })
          .execute();
        version = (await versions(prompt)).find((v) => v.id === id) as PromptVersion;
      }
      const node = `prompt:${prompt.name}@${version.version}`;
      for (const d of input.datasets ?? [])
        await lineage.addEdge(d.startsWith('dataset:') ? d : `dataset:${d}`, node, 'grounds', actor);
      if (version.model) await lineage.addEdge(node, `model:${version.model}`, 'runs_on', actor);
      if (prompt.useCase && version.model)
        await lineage.addEdge(`model:${version.model}`, `use_case:${prompt.useCase}`, 'serves', actor);
      return { prompt, version, created };
    },

    async list() {
      const rows = await db.selectFrom('data_prompt_templates').select('name').orderBy('name').execute();
      const out = [];
      for (const r of rows) {
        const p = (await getTemplate(r.name)) as PromptTemplate;
        const vs = await versions(p);
        out.push({ ...p, latestVersion: vs[0]?.version ?? null });
      }
      return out;
    },

    async get(name) {
      const prompt = await getTemplate(name);
      return prompt ? { prompt, versions: await versions(prompt) } : null;
    },
  };
}
