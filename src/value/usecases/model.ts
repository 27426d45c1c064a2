import { z } from 'zod';
import { USE_CASE_STAGES, type UseCaseStage, useCaseConfigSchema } from '../../config/value.js';
import { KeelError } from '../../errors.js';

export { USE_CASE_STAGES, type UseCaseStage } from '../../config/value.js';

/** A registered use case: what the AI feature is for, what an outcome is worth, what it may spend. */
export interface UseCase {
  id: string;
  name: string;
  description: string | null;
  owner: string | null;
  team: string | null;
  stage: UseCaseStage;
  businessMetric: string | null;
  valuePerOutcomeUsd: number | null;
  humanBaselineCostUsd: number | null;
  investmentUsd: number | null;
  monthlyBudgetUsd: number | null;
  targetRoi: number | null;
  guardPolicy: string | null;
  tags: string[];
  /** API field names keel.yaml declares for this use case; the API may not change them. */
  configFields: string[];
  createdAt: number;
  updatedAt: number;
  createdBy: string;
}

export interface StageChange {
  from: UseCaseStage | null;
  to: UseCaseStage;
  at: number;
  actor: string;
  reason: string | null;
}

/** API / config field name → UseCase property. The API, the CLI and keel.yaml share these names. */
export const FIELD_MAP = {
  name: 'name',
  description: 'description',
  owner: 'owner',
  team: 'team',
  stage: 'stage',
  business_metric: 'businessMetric',
  value_per_outcome_usd: 'valuePerOutcomeUsd',
  human_baseline_cost_usd: 'humanBaselineCostUsd',
  investment_usd: 'investmentUsd',
  monthly_budget_usd: 'monthlyBudgetUsd',
  target_roi: 'targetRoi',
  guard_policy: 'guardPolicy',
  tags: 'tags',
} as const satisfies Record<string, keyof UseCase>;

export type UseCaseField = keyof typeof FIELD_MAP;
export const USE_CASE_FIELDS = Object.keys(FIELD_MAP) as UseCaseField[];

/** Validated changes, by API field name; null clears an optional field. */
export type UseCasePatch = {
  [K in UseCaseField]?: K extends 'name' | 'stage' | 'tags'
    ? NonNullable<z.infer<typeof useCaseConfigSchema>[K]>
    : z.infer<typeof useCaseConfigSchema>[K] | null;
};

const base = useCaseConfigSchema.omit({ id: true });
/** PATCH: every field optional; optional fields may be cleared with null (name, stage, tags may not). */
const patchSchema = z
  .object(
    Object.fromEntries(
      Object.entries(base.shape).map(([k, s]) => [
        k,
        k === 'name' || k === 'stage' || k === 'tags' ? s : (s as z.ZodOptional<z.ZodType>).nullable(),
      ]),
    ),
  )
  .strict();

/** Validate a create body (snake_case); `id` is required. */
export function parseCreate(body: unknown): { id: string; patch: UseCasePatch } {
  const r = useCaseConfigSchema.safeParse(body);
  if (!r.success) throw zodToKeel(r.error);
  const { id, ...rest } = r.data;
  return { id, patch: rest as UseCasePatch };
}

/** Validate a patch body (snake_case, no id). */
export function parsePatch(body: unknown): UseCasePatch {
  const r = patchSchema.safeParse(body);
  if (!r.success) throw zodToKeel(r.error);
  return r.data as UseCasePatch;
}

export function isStage(v: unknown): v is UseCaseStage {
  return typeof v === 'string' && (USE_CASE_STAGES as readonly string[]).includes(v);
}

function zodToKeel(e: z.ZodError): KeelError {
  const issue = e.issues[0];
  if (!issue) return new KeelError('invalid_request', 'Invalid use case.');
  const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const param = unknownKey ?? issue.path.map(String).join('.');
  const message = unknownKey
    ? `Unknown field ${JSON.stringify(unknownKey)}.`
    : `${param || 'body'}: ${issue.message}`;
  return new KeelError('invalid_request', message, { param: param || null });
}

/** What the admin API and the CLI show for a use case. */
export function publicUseCase(u: UseCase) {
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
    tags: u.tags,
    managed_by_config: u.configFields,
    created_at: new Date(u.createdAt).toISOString(),
    updated_at: new Date(u.updatedAt).toISOString(),
    created_by: u.createdBy,
  };
}
