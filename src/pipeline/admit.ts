import type { BudgetPeriod } from '../access/model.js';
import type { FailureCheck } from '../config/failure-policy.js';
import type { KeelConfig } from '../config/schema.js';
import { KeelError } from '../errors.js';
import type { Router } from '../routing/types.js';
import type { BudgetItem, Counters, WindowResult } from '../store/counters/memory.js';
import type { KeelPriceBook } from '../value/pricing/price-book.js';
import { budgetExceeded, fittingOutput, type OutputFit } from './budget-fit.js';
import type { RequestContext } from './context.js';
import type { CallEstimate } from './estimate.js';
import { failureMode, storeUnavailable, withDeadline } from './failure-policy.js';

export interface AdmitDeps {
  config: KeelConfig;
  counters: Counters;
  prices: KeelPriceBook;
  router: Router;
  /** Spend already recorded for a budget subject since a moment (from the usage store). */
  loadSpend: (subject: BudgetSubject, from: number) => Promise<number>;
  /** Monthly budgets of registered use cases (held in memory by the value service). */
  registeredBudgets?: () => ReadonlyArray<{
    scope: 'use_case';
    id: string;
    usd: number;
    period: BudgetPeriod;
  }>;
  now: () => number;
  /**
   * A check the store could not answer: the call was `refused` (failure_policy closed) or `admitted`
   * unchecked (open: a security event, metric and log line record it), or an answered call's settle
   * was `lost` (its spend reaches the budget by reconciliation).
   */
  onStoreFailure?: (
    ctx: RequestContext,
    check: FailureCheck,
    outcome: StoreFailureOutcome,
    err: unknown,
  ) => void;
}

export type StoreFailureOutcome = 'refused' | 'admitted' | 'lost';

const UNANSWERED = Symbol('unanswered');

/**
 * One counter or ledger call under the failure policy: its answer, or UNANSWERED when the store
 * failed or timed out and the policy is open (the call proceeds without this check); when it is
 * closed, a 503 store_unavailable. Keel's own refusals pass through untouched.
 */
async function ask<T>(
  deps: AdmitDeps,
  ctx: RequestContext,
  check: FailureCheck,
  op: () => Promise<T>,
): Promise<T | typeof UNANSWERED> {
  try {
    return await withDeadline(op, deps.config.failure_policy?.timeout_ms ?? 2000);
  } catch (e) {
    if (e instanceof KeelError) throw e;
    if (failureMode(deps.config.failure_policy, ctx, check) === 'closed') {
      deps.onStoreFailure?.(ctx, check, 'refused', e);
      throw storeUnavailable(check, e);
    }
    deps.onStoreFailure?.(ctx, check, 'admitted', e);
    return UNANSWERED;
  }
}

export interface BudgetSubject {
  column: 'key_id' | 'team' | 'use_case';
  value: string;
}

const MINUTE = 60_000;

/** Start of the budget period containing `t` (UTC), and a label that names it. */
export function periodStart(period: BudgetPeriod, t: number): { from: number; label: string } {
  const d = new Date(t);
  if (period === 'day') {
    const from = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    return { from, label: new Date(from).toISOString().slice(0, 10) };
  }
  if (period === 'month') {
    const from = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    return { from, label: new Date(from).toISOString().slice(0, 7) };
  }
  return { from: 0, label: 'total' };
}

const SCOPE_COLUMN: Record<string, BudgetSubject['column']> = {
  key: 'key_id',
  team: 'team',
  use_case: 'use_case',
};

/**
 * The subject and period a budget key names (`<scope>:<id>:<label>`, as applicableBudgets makes
 * them): `until` is the end of the period (Infinity for a total budget). Undefined for anything else.
 */
export function parseBudgetKey(
  key: string,
): { subject: BudgetSubject; from: number; until: number } | undefined {
  const first = key.indexOf(':');
  const last = key.lastIndexOf(':');
  if (first <= 0 || last - first < 2) return undefined;
  const column = SCOPE_COLUMN[key.slice(0, first)];
  if (!column) return undefined;
  const subject = { column, value: key.slice(first + 1, last) };
  const label = key.slice(last + 1);
  if (label === 'total') return { subject, from: 0, until: Number.POSITIVE_INFINITY };
  const period: BudgetPeriod | undefined = /^\d{4}-\d{2}-\d{2}$/.test(label)
    ? 'day'
    : /^\d{4}-\d{2}$/.test(label)
      ? 'month'
      : undefined;
  if (!period) return undefined;
  const from = Date.parse(period === 'day' ? `${label}T00:00:00Z` : `${label}-01T00:00:00Z`);
  // Rejects dates that parse but are not a period's own label (2026-02-30).
  if (Number.isNaN(from) || periodStart(period, from).label !== label) return undefined;
  const d = new Date(from);
  const until =
    period === 'day'
      ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1)
      : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return { subject, from, until };
}

function setWindowHeaders(ctx: RequestContext, kind: 'requests' | 'tokens', w: WindowResult): void {
  ctx.responseHeaders[`x-ratelimit-limit-${kind}`] = String(w.limit);
  ctx.responseHeaders[`x-ratelimit-remaining-${kind}`] = String(Math.max(0, w.limit - w.used));
  ctx.responseHeaders[`x-ratelimit-reset-${kind}`] =
    `${Math.ceil((w.ok ? w.resetMs : w.retryAfterMs) / 1000)}s`;
}

function rateLimited(what: string, w: WindowResult): KeelError {
  return new KeelError('rate_limit_exceeded', `Rate limit reached: ${what} (limit ${w.limit} per minute).`, {
    retryAfter: Math.ceil(w.retryAfterMs / 1000),
  });
}

/**
 * Admission: rate limits, then budgets. The call's maximum cost (upper input estimate × the dearest
 * input rate + output tokens of every choice × the dearest output rate, at the dearest model it
 * could be routed to) is reserved against every budget that applies before any upstream spend;
 * settle() turns the reservation into the actual cost.
 */
export async function admit(
  deps: AdmitDeps,
  ctx: RequestContext,
  model: string,
  estimate: () => CallEstimate,
  fit?: OutputFit,
): Promise<void> {
  const p = ctx.principal;
  const s = p?.scopes;
  ctx.admission = { reservation: null, tpmCounted: 0, tpmKey: null };
  if (p && s?.rpm) {
    const rpm = s.rpm;
    const w = await ask(deps, ctx, 'rate_limits', () => deps.counters.hit(`rpm:${p.keyId}`, 1, rpm, MINUTE));
    if (w !== UNANSWERED) {
      setWindowHeaders(ctx, 'requests', w);
      if (!w.ok) throw rateLimited('requests per minute', w);
    }
  }
  const budgets = applicableBudgets(deps, ctx);
  if (!(p && s?.tpm) && budgets.length === 0) return;
  const est = estimate();
  if (p && s?.tpm) {
    const key = `tpm:${p.keyId}`;
    const tpm = s.tpm;
    const w = await ask(deps, ctx, 'rate_limits', () => deps.counters.hit(key, est.inputTokens, tpm, MINUTE));
    if (w !== UNANSWERED) {
      setWindowHeaders(ctx, 'tokens', w);
      if (!w.ok) throw rateLimited('tokens per minute', w);
      ctx.admission.tpmKey = key;
      ctx.admission.tpmCounted = est.inputTokens;
    }
  }
  if (budgets.length === 0) return;
  let current = est;
  let maxCost = maxCallCost(deps, model, current, ctx.receivedAt);
  const byKey = new Map(budgets.map((b) => [b.key, b]));
  // A refused reservation may be retried with less output (budget-fit.ts), once per budget at most.
  for (let attempt = 0; ; attempt++) {
    const amount = maxCost;
    const items: BudgetItem[] = budgets.map((b) => ({ key: b.key, limitUsd: b.limitUsd, amountUsd: amount }));
    // Admitted unchecked, the call's spend reaches its budgets through the ledger: shared counters
    // by the leader's reconciliation, in-process ones when they first load the budget.
    const r = await ask(deps, ctx, 'budgets', () =>
      deps.counters.reserve(items, (key) => {
        const b = byKey.get(key)!;
        return deps.loadSpend(b.subject, b.from);
      }),
    );
    if (r === UNANSWERED) return;
    if (r.ok) {
      ctx.admission.reservation = r.reservation;
      return;
    }
    const b = byKey.get(r.key)!;
    const room = r.limitUsd - r.spentUsd - r.reservedUsd;
    const costAt = (out: number) =>
      maxCallCost(deps, model, { ...current, maxOutputTokens: out }, ctx.receivedAt);
    const perChoice = fit && attempt < budgets.length ? fittingOutput(costAt, current, room, fit) : null;
    if (perChoice === null)
      throw budgetExceeded(b.describe, r, maxCost, parseBudgetKey(b.key)?.until ?? Infinity, ctx.receivedAt);
    current = fit!.apply(perChoice);
    maxCost = maxCallCost(deps, model, current, ctx.receivedAt);
  }
}

/** Release what admission held: actual cost replaces the reservation; actual tokens the estimate. */
export async function release(
  deps: AdmitDeps,
  ctx: RequestContext,
  costUsd: number | null,
  tokens: number,
): Promise<void> {
  const a = ctx.admission;
  if (!a) return;
  ctx.admission = null;
  // The call was answered: a settle the store cannot take is not the caller's failure. Its
  // reservation expires (limits.reservation_ttl_s) and the leader's reconciliation raises the
  // budget to the ledger once the usage event is written.
  if (a.reservation)
    await deps.counters
      .settle(a.reservation, costUsd ?? 0)
      .catch((e: unknown) => deps.onStoreFailure?.(ctx, 'budgets', 'lost', e));
  if (a.tpmKey) await deps.counters.add(a.tpmKey, tokens - a.tpmCounted, MINUTE).catch(() => undefined);
}

interface ApplicableBudget {
  key: string;
  limitUsd: number;
  subject: BudgetSubject;
  from: number;
  describe: string;
}

function applicableBudgets(deps: AdmitDeps, ctx: RequestContext): ApplicableBudget[] {
  const out: ApplicableBudget[] = [];
  const t = ctx.receivedAt;
  const s = ctx.principal?.scopes;
  if (ctx.principal && s?.budgetUsd) {
    const { from, label } = periodStart(s.budgetPeriod, t);
    out.push({
      key: `key:${ctx.principal.keyId}:${label}`,
      limitUsd: s.budgetUsd,
      subject: { column: 'key_id', value: ctx.principal.keyId },
      from,
      describe: `the ${s.budgetPeriod === 'total' ? 'total' : `${s.budgetPeriod}ly`} budget of this API key`,
    });
  }
  const registered = deps.registeredBudgets?.();
  const declared = registered?.length ? [...deps.config.budgets, ...registered] : deps.config.budgets;
  for (const b of declared) {
    const value = b.scope === 'team' ? ctx.attribution.team : ctx.attribution.useCase;
    if (value !== b.id) continue;
    const { from, label } = periodStart(b.period, t);
    out.push({
      key: `${b.scope}:${b.id}:${label}`,
      limitUsd: b.usd,
      subject: { column: b.scope === 'team' ? 'team' : 'use_case', value: b.id },
      from,
      describe: `the ${b.period === 'total' ? 'total' : `${b.period}ly`} budget of ${b.scope === 'team' ? 'team' : 'use case'} \`${b.id}\``,
    });
  }
  return out;
}

/**
 * The dearest this call could be: any target of the model or of its fallbacks may answer. A model
 * with no price anywhere reserves nothing (its calls are recorded as unpriced and reported).
 */
function maxCallCost(deps: AdmitDeps, model: string, est: CallEstimate, at: number): number {
  let max = 0;
  for (const c of deps.router.candidates(model)) {
    const q = deps.prices.quoteMax(c.provider, c.model, est.maxInputTokens, est.maxOutputTokens, at);
    if (q.costUsd !== null && q.costUsd > max) max = q.costUsd;
  }
  return max;
}
