import type { Insertable, Selectable } from 'kysely';
import type { AuditEntryInput, AuditLog } from '../../audit/types.js';
import type { UseCaseConfig } from '../../config/value.js';
import { KeelError } from '../../errors.js';
import type { Database } from '../../store/db.js';
import type { UseCasesTable } from '../../store/rollups-schema.js';
import {
  FIELD_MAP,
  isStage,
  publicUseCase,
  type StageChange,
  type UseCase,
  type UseCaseField,
  type UseCasePatch,
  type UseCaseStage,
} from './model.js';

export interface UseCaseBudget {
  scope: 'use_case';
  id: string;
  usd: number;
  period: 'month';
}

export interface UseCaseRegistry {
  create(id: string, patch: UseCasePatch, actor: string): Promise<UseCase>;
  /** `reason` is kept with a stage change. Fields keel.yaml declares are refused unless `fromConfig`. */
  update(
    id: string,
    patch: UseCasePatch,
    actor: string,
    opts?: { reason?: string | null; fromConfig?: boolean },
  ): Promise<UseCase>;
  get(id: string): Promise<UseCase | undefined>;
  list(opts?: { stage?: UseCaseStage }): Promise<UseCase[]>;
  /** Stage changes, oldest first (the first is the creation). */
  history(id: string): Promise<StageChange[]>;
  /** Make the store match keel.yaml's `use_cases:` (config wins for the fields it declares). */
  syncFromConfig(list: readonly UseCaseConfig[], actor?: string): Promise<void>;
  /** Reload the in-memory copy (other processes may have changed the registry). */
  refresh(): Promise<void>;
  /** From memory, no I/O: the registered use case, for the request path and value queries. */
  cached(id: string): UseCase | undefined;
  cachedAll(): readonly UseCase[];
  /**
   * Monthly budgets of registered use cases, for admission (merged with config.budgets). The same
   * array is returned until the registry changes, so calling it per request allocates nothing.
   */
  registeredBudgets(): readonly UseCaseBudget[];
}

interface UseCaseRegistryOptions {
  audit: AuditLog;
  now?: () => number;
}

type Row = Selectable<UseCasesTable>;

/**
 * The use-case registry in the SQL store, with a write-through in-memory copy: admission needs
 * budgets synchronously, and value queries need names and values per outcome without a round trip.
 * Every change is audited in its own transaction (`use_case.create`, `use_case.update`, and
 * `use_case.stage` for a stage change, which is also kept in use_case_stages as the use case's history).
 */
export function createUseCaseRegistry(database: Database, opts: UseCaseRegistryOptions): UseCaseRegistry {
  const { db } = database;
  const now = opts.now ?? Date.now;
  const audit = opts.audit;
  let cache = new Map<string, UseCase>();
  let budgets: readonly UseCaseBudget[] = [];

  function setCached(list: Iterable<UseCase>): void {
    cache = new Map([...list].map((u) => [u.id, u]));
    rebuildBudgets();
  }

  function rebuildBudgets(): void {
    const out: UseCaseBudget[] = [];
    for (const u of cache.values())
      if (u.monthlyBudgetUsd !== null && u.monthlyBudgetUsd > 0)
        out.push({ scope: 'use_case', id: u.id, usd: u.monthlyBudgetUsd, period: 'month' });
    budgets = Object.freeze(out);
  }

  async function load(id: string): Promise<UseCase | undefined> {
    const row = await db.selectFrom('use_cases').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? rowToUseCase(row) : undefined;
  }

  async function create(id: string, patch: UseCasePatch, actor: string, configFields: string[] = []) {
    if (id === 'unassigned')
      throw new KeelError('invalid_request', '"unassigned" is reserved.', { param: 'id' });
    const t = now();
    const u: UseCase = {
      id,
      name: id,
      description: null,
      owner: null,
      team: null,
      stage: 'pilot',
      businessMetric: null,
      valuePerOutcomeUsd: null,
      humanBaselineCostUsd: null,
      investmentUsd: null,
      monthlyBudgetUsd: null,
      targetRoi: null,
      guardPolicy: null,
      tags: [],
      configFields,
      createdAt: t,
      updatedAt: t,
      createdBy: actor,
    };
    apply(u, patch);
    const inserted = await audit.commit(database, async (trx) => {
      const r = await trx
        .insertInto('use_cases')
        .values(toRow(u))
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (Number(r.numInsertedOrUpdatedRows ?? 0) === 0) return { result: false, entries: [] };
      await trx
        .insertInto('use_case_stages')
        .values({ use_case_id: id, from_stage: null, to_stage: u.stage, at: t, actor, reason: 'created' })
        .execute();
      const entry = { actor, action: 'use_case.create', target: id, details: { after: publicUseCase(u) } };
      return { result: true, entries: [entry] };
    });
    if (!inserted)
      throw new KeelError('invalid_request', `A use case with id "${id}" already exists.`, { param: 'id' });
    cache.set(id, u);
    rebuildBudgets();
    return u;
  }

  async function update(
    id: string,
    patch: UseCasePatch,
    actor: string,
    o: { reason?: string | null; fromConfig?: boolean; configFields?: string[] } = {},
  ): Promise<UseCase> {
    const before = await load(id);
    if (!before) throw new KeelError('not_found', `No use case with id "${id}".`, { param: 'id' });
    if (!o.fromConfig)
      for (const k of Object.keys(patch) as UseCaseField[])
        if (before.configFields.includes(k) && patch[k] !== undefined)
          throw new KeelError(
            'invalid_request',
            `${k} of use case "${id}" is declared in keel.yaml; change it there (config wins at start-up).`,
            { param: k },
          );
    const after: UseCase = { ...before, tags: [...before.tags] };
    apply(after, patch);
    if (o.configFields) after.configFields = o.configFields;
    const changed = USE_CASE_KEYS.some((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
    if (!changed) return before;
    const t = now();
    after.updatedAt = t;
    const stageChanged = before.stage !== after.stage;
    await audit.commit(database, async (trx) => {
      await trx.updateTable('use_cases').set(toRow(after)).where('id', '=', id).execute();
      const entries: AuditEntryInput[] = [
        {
          actor,
          action: 'use_case.update',
          target: id,
          details: { before: publicUseCase(before), after: publicUseCase(after) },
        },
      ];
      if (stageChanged) {
        await trx
          .insertInto('use_case_stages')
          .values({
            use_case_id: id,
            from_stage: before.stage,
            to_stage: after.stage,
            at: t,
            actor,
            reason: o.reason ?? null,
          })
          .execute();
        entries.push({
          actor,
          action: 'use_case.stage',
          target: id,
          details: { from: before.stage, to: after.stage, reason: o.reason ?? null },
        });
      }
      return { result: undefined, entries };
    });
    cache.set(id, after);
    rebuildBudgets();
    return after;
  }

  return {
    create: (id, patch, actor) => create(id, patch, actor),
    update: (id, patch, actor, o = {}) => update(id, patch, actor, o),
    get: load,

    async list(o = {}) {
      let q = db.selectFrom('use_cases').selectAll();
      if (o.stage) q = q.where('stage', '=', o.stage);
      const rows = await q.orderBy('id').execute();
      return rows.map(rowToUseCase);
    },

    async history(id) {
      const rows = await db
        .selectFrom('use_case_stages')
        .selectAll()
        .where('use_case_id', '=', id)
        .orderBy('at')
        .orderBy('id')
        .execute();
      return rows.map((r) => ({
        from: isStage(r.from_stage) ? r.from_stage : null,
        to: (isStage(r.to_stage) ? r.to_stage : 'pilot') as UseCaseStage,
        at: Number(r.at),
        actor: r.actor,
        reason: r.reason,
      }));
    },

    async syncFromConfig(list, actor = 'config') {
      const declared = new Set(list.map((u) => u.id));
      for (const entry of list) {
        // `access` is keel.yaml's alone (the request path reads it from config), not a registry field.
        const { id, access: _access, ...fields } = entry as UseCaseConfig & { access?: unknown };
        const patch = fields as UseCasePatch;
        const configFields = Object.keys(fields)
          .filter((k) => (fields as Record<string, unknown>)[k] !== undefined)
          .sort();
        const existing = await load(id);
        const sync = () => update(id, patch, actor, { fromConfig: true, configFields, reason: 'keel.yaml' });
        if (existing) await sync();
        else
          await create(id, patch, actor, configFields).catch(async (e: unknown) => {
            // Another Keel process starting at the same time created it first.
            if (!(e instanceof KeelError && e.param === 'id' && (await load(id)))) throw e;
            await sync();
          });
      }
      // A use case removed from keel.yaml stays registered; the API owns all of its fields again.
      for (const u of await this.list())
        if (!declared.has(u.id) && u.configFields.length > 0)
          await update(u.id, {}, actor, { fromConfig: true, configFields: [] });
      await this.refresh();
    },

    async refresh() {
      setCached(await this.list());
    },

    cached: (id) => cache.get(id),
    cachedAll: () => [...cache.values()],
    registeredBudgets: () => budgets,
  };
}

const USE_CASE_KEYS: (keyof UseCase)[] = [...Object.values(FIELD_MAP), 'configFields'];

function apply(u: UseCase, patch: UseCasePatch): void {
  const target = u as unknown as Record<string, unknown>;
  for (const [k, prop] of Object.entries(FIELD_MAP)) {
    const v = (patch as Record<string, unknown>)[k];
    if (v === undefined) continue;
    target[prop] = k === 'tags' ? [...new Set(v as string[])] : v;
  }
}

function toRow(u: UseCase): Insertable<UseCasesTable> {
  return {
    id: u.id,
    name: u.name,
    description: u.description,
    owner: u.owner,
    team: u.team,
    stage: u.stage,
    business_metric: u.businessMetric,
    value_per_outcome_usd: u.valuePerOutcomeUsd,
    human_baseline_cost_usd: u.humanBaselineCostUsd,
    investment_usd: u.investmentUsd,
    monthly_budget_usd: u.monthlyBudgetUsd,
    target_roi: u.targetRoi,
    guard_policy: u.guardPolicy,
    tags: JSON.stringify(u.tags),
    config_fields: JSON.stringify(u.configFields),
    created_at: u.createdAt,
    updated_at: u.updatedAt,
    created_by: u.createdBy,
  };
}

function rowToUseCase(r: Row): UseCase {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    owner: r.owner,
    team: r.team,
    stage: isStage(r.stage) ? r.stage : 'pilot',
    businessMetric: r.business_metric,
    valuePerOutcomeUsd: num(r.value_per_outcome_usd),
    humanBaselineCostUsd: num(r.human_baseline_cost_usd),
    investmentUsd: num(r.investment_usd),
    monthlyBudgetUsd: num(r.monthly_budget_usd),
    targetRoi: num(r.target_roi),
    guardPolicy: r.guard_policy,
    tags: strings(r.tags),
    configFields: strings(r.config_fields),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    createdBy: r.created_by,
  };
}

function num(v: number | string | null): number | null {
  return v === null ? null : Number(v);
}

function strings(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
}
