import type { KeelConfig } from '../config/schema.js';
import { KeelError } from '../errors.js';
import type { Router } from '../routing/types.js';
import type { RequestContext } from './context.js';
import { boundTo } from './guard-hooks.js';

/** What the usage row, logs, audit and metrics record instead of a model name no config knows. */
export const UNKNOWN_MODEL = '(unknown)';

/**
 * A model name no configured model matches is refused before it is recorded anywhere: the request's
 * model is replaced by a placeholder (the request goes no further), so a pasted secret or a stream
 * of random names never reaches usage rows, logs, audit entries or metric labels. The refusal does
 * not repeat the name either.
 */
export function refuseUnknownModel(
  ctx: RequestContext,
  router: Pick<Router, 'resolve'>,
  model: string,
): void {
  if (router.resolve(model)) return;
  if (ctx.chat) ctx.chat.model = UNKNOWN_MODEL;
  if (ctx.embeddings) ctx.embeddings.model = UNKNOWN_MODEL;
  throw new KeelError(
    'model_not_found',
    'The requested model does not exist or you do not have access to it. GET /v1/models lists the models this key may use.',
    { param: 'model' },
  );
}

/**
 * Which attributions a caller may choose by header, compiled once from keel.yaml. Headers choose
 * where a call is booked, and booking has consequences (budgets, guard policies): a caller may name
 * anything that is open, never something that declared who may use it.
 */
export interface AttributionRules {
  /** Throws 403 `permission_denied` when the caller may not book to its attributed use case or team. */
  check(ctx: RequestContext): void;
}

interface Access {
  keys: ReadonlySet<string>;
  teams: ReadonlySet<string>;
}

export function createAttributionRules(config: Pick<KeelConfig, 'use_cases' | 'budgets'>): AttributionRules {
  const access = new Map<string, Access>();
  for (const u of config.use_cases)
    if (u.access) access.set(u.id, { keys: new Set(u.access.keys), teams: new Set(u.access.teams) });
  const budgetedTeams = new Set(config.budgets.filter((b) => b.scope === 'team').map((b) => b.id));

  return {
    check(ctx) {
      const p = ctx.principal;
      const useCase = ctx.attribution.useCase;
      const rule = access.get(useCase);
      if (
        rule &&
        !boundTo(p, useCase) &&
        !(p && (rule.keys.has(p.keyId) || rule.keys.has(p.name) || (p.team && rule.teams.has(p.team))))
      )
        throw new KeelError(
          'permission_denied',
          `This API key may not book calls to the use case \`${useCase}\` (scope: use case access).`,
        );
      // A key's own team always wins over the header (attribute.ts), so a team named here came
      // from the header: it may not reach a team whose spend is capped by a budget.
      const team = ctx.attribution.team;
      if (team !== null && !p?.team && budgetedTeams.has(team))
        throw new KeelError(
          'permission_denied',
          `Only keys of team \`${team}\` may book calls to it (scope: team budget).`,
        );
    },
  };
}
