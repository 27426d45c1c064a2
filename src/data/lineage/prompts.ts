import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuditEntryInput, AuditLog } from '../../audit/types.js';
import type { Database } from '../../store/db.js';
import type { KeelSchema } from '../../store/schema.js';
import { NAME_RE, newId } from '../datasets/registry.js';
import { insertEdge } from './graph.js';

/**
 * The prompt-template registry: named templates with immutable, numbered versions (a new version
 * only when the template text or its model changes). Registering a version records its lineage:
 * the dataset versions that ground it, the model it runs on, and the use case it serves.
 */

interface PromptTemplate {
  id: string;
  name: string;
  description: string | null;
  owner: string | null;
  useCase: string | null;
  createdAt: number;
  updatedAt: number;
  createdBy: string;
}

interface PromptVersion {
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

interface PromptInput {
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

function templateVariables(template: string): string[] {
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

/** What a template's audit entry says about it (the template text is in the version, by hash). */
const templateDetails = (p: PromptTemplate) => ({
  name: p.name,
  description: p.description,
  owner: p.owner,
  use_case: p.useCase,
});

/**
 * A registration is one audited change: the template, its new version and the lineage edges it
 * records commit together with their entries (`prompt.register`, `prompt.update`, `prompt.version`,
 * `lineage.edge.add`), or not at all.
 */
export function createPromptRegistry(
  database: Database,
  opts: { audit: AuditLog; now?: () => number },
): PromptRegistry {
  const { db } = database;
  const now = opts.now ?? Date.now;
  const audit = opts.audit;

  const getTemplate = async (name: string, q: Kysely<KeelSchema> = db): Promise<PromptTemplate | null> => {
    const r = await q
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

  const versions = async (p: PromptTemplate, q: Kysely<KeelSchema> = db): Promise<PromptVersion[]> => {
    const rows = await q
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
      const sha256 = createHash('sha256')
        .update(input.template)
        .update('\u0000')
        .update(input.model ?? '')
        .digest('hex');
      return audit.commit(database, async (trx) => {
        const entries: AuditEntryInput[] = [];
        let prompt = await getTemplate(input.name, trx);
        if (!prompt) {
          await trx
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
          prompt = (await getTemplate(input.name, trx)) as PromptTemplate;
          entries.push({
            actor,
            action: 'prompt.register',
            target: prompt.name,
            details: templateDetails(prompt),
          });
        } else {
          const changed = {
            ...(input.description !== undefined && input.description !== prompt.description
              ? { description: input.description }
              : {}),
            ...(input.owner !== undefined && input.owner !== prompt.owner ? { owner: input.owner } : {}),
            ...(input.useCase !== undefined && input.useCase !== prompt.useCase
              ? { use_case: input.useCase }
              : {}),
          };
          if (Object.keys(changed).length > 0) {
            const before = prompt;
            await trx
              .updateTable('data_prompt_templates')
              .set({ ...changed, updated_at: t })
              .where('id', '=', prompt.id)
              .execute();
            prompt = (await getTemplate(input.name, trx)) as PromptTemplate;
            entries.push({
              actor,
              action: 'prompt.update',
              target: prompt.name,
              details: { before: templateDetails(before), after: templateDetails(prompt) },
            });
          }
        }
        const all = await versions(prompt, trx);
        let version = all.find((v) => v.sha256 === sha256);
        const created = !version;
        if (!version) {
          const id = newId('pv');
          await trx
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
          version = (await versions(prompt, trx)).find((v) => v.id === id) as PromptVersion;
          entries.push({
            actor,
            action: 'prompt.version',
            target: `${prompt.name}@${version.version}`,
            details: {
              name: prompt.name,
              version: version.version,
              sha256,
              model: version.model,
              variables: version.variables.length,
              template_chars: input.template.length,
            },
          });
        }
        const node = `prompt:${prompt.name}@${version.version}`;
        const edges = (input.datasets ?? []).map((d) => ({
          from: d.startsWith('dataset:') ? d : `dataset:${d}`,
          to: node,
          relation: 'grounds',
        }));
        if (version.model) edges.push({ from: node, to: `model:${version.model}`, relation: 'runs_on' });
        if (prompt.useCase && version.model)
          edges.push({
            from: `model:${version.model}`,
            to: `use_case:${prompt.useCase}`,
            relation: 'serves',
          });
        for (const e of edges) {
          const entry = await insertEdge(trx, e, actor, t);
          if (entry) entries.push(entry);
        }
        return { result: { prompt, version, created }, entries };
      });
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
