import { type Kysely, sql } from 'kysely';
import type { AuditEntryInput, AuditLog } from '../../audit/types.js';
import type { Database } from '../../store/db.js';
import type { KeelSchema } from '../../store/schema.js';
import { newId } from '../datasets/registry.js';

/**
 * The lineage graph: datasets (versions) → prompt templates (versions) → models → use cases →
 * outputs. Node ids are typed strings — `dataset:faq@3`, `prompt:triage@2`, `model:gpt-4o`,
 * `use_case:support`, `output:support` — so edges from any source fit one table. Recorded edges
 * (registrations, `POST /api/lineage/edges`) are joined with edges observed in traffic: every
 * (model, use case) pair in recent usage events is a `serves` edge, and every use case with traffic
 * `produces` its outputs.
 */

type NodeType = 'dataset' | 'prompt' | 'model' | 'use_case' | 'output';

export interface LineageNode {
  id: string;
  type: NodeType;
  name: string;
  version?: string;
  meta?: Record<string, unknown>;
}

interface LineageEdge {
  from: string;
  to: string;
  relation: string;
  /** `recorded` (stored) or `observed` (derived from usage events). */
  source: 'recorded' | 'observed';
}

export interface LineageGraph {
  root: string | null;
  nodes: LineageNode[];
  edges: LineageEdge[];
}

const NODE_RE = /^(dataset|prompt|model|use_case|output):([^@\s]{1,200})(?:@([^@\s]{1,80}))?$/;

export function parseNode(id: string): LineageNode | null {
  const m = NODE_RE.exec(id);
  if (!m) return null;
  const node: LineageNode = { id, type: m[1] as NodeType, name: m[2] as string };
  if (m[3] !== undefined) node.version = m[3];
  return node;
}

export interface LineageStore {
  /** Record an edge (audited as `lineage.edge.add`; an edge already recorded is left as it is, unaudited). */
  addEdge(from: string, to: string, relation: string, actor: string): Promise<void>;
  /** Delete a recorded edge (audited as `lineage.edge.remove`); false when there was none. */
  removeEdge(from: string, to: string, relation: string, actor: string): Promise<boolean>;
  /** The connected subgraph around `node` (both directions, up to `depth` hops), or everything. */
  graph(opts?: { node?: string; depth?: number; observedSinceMs?: number }): Promise<LineageGraph>;
}

const MAX_EDGES = 5000;
const OBSERVED_WINDOW_MS = 30 * 864e5;

/**
 * Insert a recorded edge inside the caller's transaction; returns its audit entry, or null when the
 * edge was recorded already (nothing changed).
 */
export async function insertEdge(
  trx: Kysely<KeelSchema>,
  e: { from: string; to: string; relation: string },
  actor: string,
  at: number,
): Promise<AuditEntryInput | null> {
  if (!parseNode(e.from) || !parseNode(e.to))
    throw new Error(
      `lineage nodes look like dataset:name@version, prompt:name@version, model:name, use_case:id or output:id`,
    );
  if (!/^[a-z_]{1,40}$/.test(e.relation)) throw new Error('relation: lower-case letters and "_" only');
  const r = await trx
    .insertInto('data_lineage_edges')
    .values({
      id: newId('le'),
      from_node: e.from,
      to_node: e.to,
      relation: e.relation,
      created_at: at,
      created_by: actor,
    })
    .onConflict((oc) => oc.columns(['from_node', 'to_node', 'relation']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!r) return null;
  return { actor, action: 'lineage.edge.add', target: `${e.from}>${e.to}`, details: { ...e } };
}

export function createLineageStore(
  database: Database,
  opts: { audit: AuditLog; now?: () => number },
): LineageStore {
  const { db } = database;
  const now = opts.now ?? Date.now;
  const audit = opts.audit;

  async function observed(since: number): Promise<LineageEdge[]> {
    const rows = await db
      .selectFrom('usage_events')
      .select(['model_requested', 'use_case', sql<number>`count(*)`.as('n')])
      .where('ts', '>=', since)
      .groupBy(['model_requested', 'use_case'])
      .limit(MAX_EDGES)
      .execute();
    const edges: LineageEdge[] = [];
    const useCases = new Set<string>();
    for (const r of rows) {
      edges.push({
        from: `model:${r.model_requested}`,
        to: `use_case:${r.use_case}`,
        relation: 'serves',
        source: 'observed',
      });
      useCases.add(r.use_case);
    }
    for (const u of useCases)
      edges.push({ from: `use_case:${u}`, to: `output:${u}`, relation: 'produces', source: 'observed' });
    return edges;
  }

  async function nodeMeta(nodes: Map<string, LineageNode>): Promise<void> {
    const datasets = [...nodes.values()].filter((n) => n.type === 'dataset');
    for (const n of datasets) {
      const q = db
        .selectFrom('data_dataset_versions as v')
        .innerJoin('data_datasets as d', 'd.id', 'v.dataset_id')
        .select(['v.version', 'v.sha256', 'v.rows', 'd.owner'])
        .where('d.name', '=', n.name);
      const r = await (n.version && /^\d+$/.test(n.version)
        ? q.where('v.version', '=', Number(n.version))
        : q.orderBy('v.version', 'desc')
      ).executeTakeFirst();
      if (r) n.meta = { version: Number(r.version), sha256: r.sha256, rows: Number(r.rows), owner: r.owner };
    }
    for (const n of [...nodes.values()].filter((x) => x.type === 'prompt' && x.version)) {
      const r = await db
        .selectFrom('data_prompt_versions as v')
        .innerJoin('data_prompt_templates as t', 't.id', 'v.prompt_id')
        .select(['v.model', 'v.variables_json', 'v.sha256'])
        .where('t.name', '=', n.name)
        .where('v.version', '=', Number(n.version))
        .executeTakeFirst();
      if (r) n.meta = { model: r.model, variables: JSON.parse(r.variables_json), sha256: r.sha256 };
    }
  }

  return {
    async addEdge(from, to, relation, actor) {
      await audit.commit(database, async (trx) => {
        const entry = await insertEdge(trx, { from, to, relation }, actor, now());
        return { result: undefined, entries: entry ? [entry] : [] };
      });
    },

    async removeEdge(from, to, relation, actor) {
      return audit.commit(database, async (trx) => {
        const r = await trx
          .deleteFrom('data_lineage_edges')
          .where('from_node', '=', from)
          .where('to_node', '=', to)
          .where('relation', '=', relation)
          .executeTakeFirst();
        if (Number(r.numDeletedRows) === 0) return { result: false, entries: [] };
        const entry = {
          actor,
          action: 'lineage.edge.remove',
          target: `${from}>${to}`,
          details: { from, to, relation },
        };
        return { result: true, entries: [entry] };
      });
    },

    async graph(o = {}) {
      const recorded = await db
        .selectFrom('data_lineage_edges')
        .select(['from_node', 'to_node', 'relation'])
        .limit(MAX_EDGES)
        .execute();
      const all: LineageEdge[] = [
        ...recorded.map((r) => ({
          from: r.from_node,
          to: r.to_node,
          relation: r.relation,
          source: 'recorded' as const,
        })),
        ...(await observed(o.observedSinceMs ?? now() - OBSERVED_WINDOW_MS)),
      ];
      // A versioned node also stands for its unversioned name: `dataset:faq` reaches `dataset:faq@3`.
      let edges = all;
      const root = o.node ?? null;
      if (root) {
        const depth = o.depth ?? 6;
        const matches = (id: string, target: string) => id === target || id.startsWith(`${target}@`);
        const out = new Map<string, LineageEdge[]>();
        const inc = new Map<string, LineageEdge[]>();
        for (const e of all) {
          out.set(e.from, [...(out.get(e.from) ?? []), e]);
          inc.set(e.to, [...(inc.get(e.to) ?? []), e]);
        }
        const seeds = new Set<string>([root]);
        for (const e of all) for (const id of [e.from, e.to]) if (matches(id, root)) seeds.add(id);
        const keep = new Set<LineageEdge>();
        // Walk downstream along out-edges and upstream along in-edges, separately, so a sibling's
        // inputs are not pulled in through a shared model.
        for (const dir of ['down', 'up'] as const) {
          let frontier = [...seeds];
          const seen = new Set(frontier);
          for (let d = 0; d < depth && frontier.length; d++) {
            const next: string[] = [];
            for (const id of frontier)
              for (const e of (dir === 'down' ? out : inc).get(id) ?? []) {
                keep.add(e);
                const other = dir === 'down' ? e.to : e.from;
                if (!seen.has(other)) {
                  seen.add(other);
                  next.push(other);
                }
              }
            frontier = next;
          }
        }
        edges = all.filter((e) => keep.has(e));
      }
      const nodes = new Map<string, LineageNode>();
      for (const id of [...(root ? [root] : []), ...edges.flatMap((e) => [e.from, e.to])]) {
        if (nodes.has(id)) continue;
        const n = parseNode(id);
        if (n) nodes.set(id, n);
      }
      await nodeMeta(nodes);
      return { root, nodes: [...nodes.values()], edges };
    },
  };
}
