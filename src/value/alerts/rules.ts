import type { AlertsConfig } from '../../config/value.js';
import type { DriftingFeature } from '../../data/monitors/types.js';
import { DAY_MS, type Dimension, HOUR_MS } from '../../store/rollups/sql.js';
import type { ForecastScope, SpendForecast } from '../forecast/spend.js';
import { dayStart } from '../roi/periods.js';
import type { ValueReport } from '../roi/report.js';
import type { UsageGroup } from '../rollups/read.js';
import type { UseCase } from '../usecases/model.js';

export type Severity = 'info' | 'warning' | 'critical';
export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

export const RULES = [
  'budget_forecast',
  'roi_below_target',
  'spend_spike',
  'error_rate_spike',
  'unpriced_calls',
  'data_drift',
  'redteam_score',
] as const;
export type RuleName = (typeof RULES)[number];

/** A condition that holds now; the service turns it into an alert (or refreshes the open one). */
export interface Candidate {
  /** rule:scope:subject[:month] — one open alert per fingerprint. */
  fingerprint: string;
  rule: RuleName;
  scope: string;
  subject: string;
  severity: Severity;
  title: string;
  details: Record<string, unknown>;
}

export interface RuleContext {
  now: number;
  rules: AlertsConfig['rules'];
  useCases: readonly UseCase[];
  forecast(scope: ForecastScope): Promise<SpendForecast[]>;
  /** Value report with one period per day over [from, to). */
  dailyValue(from: number, to: number): Promise<ValueReport>;
  hourlyUsage(from: number, to: number, by: Dimension[]): Promise<UsageGroup[]>;
  /** Features the live traffic monitors currently judge as drifting; absent when there are no monitors. */
  drift?: () => readonly DriftState[] | Promise<readonly DriftState[]>;
  /** The newest stored red-team run of each use case with the score it must reach; absent without runs. */
  redteam?: () => Promise<readonly RedteamScore[]>;
}

/** The newest red-team run of a use case (null: runs that named none) and its threshold (keel.yaml `redteam:`). */
export interface RedteamScore {
  useCase: string | null;
  runId: string;
  score: number;
  minScore: number;
  /** Epoch ms the run was stored. */
  at: number;
}

/** One (use case, feature) a traffic monitor currently judges as drifting (src/data/monitors). */
export type DriftState = DriftingFeature;

/** Each rule on its own: a failing rule must not resolve the alerts of the others. */
export const RULE_EVALUATORS: Record<RuleName, (ctx: RuleContext) => Promise<Candidate[]>> = {
  budget_forecast: budgetForecast,
  roi_below_target: roiBelowTarget,
  spend_spike: spendSpike,
  error_rate_spike: errorRateSpike,
  unpriced_calls: unpricedCalls,
  data_drift: dataDrift,
  redteam_score: redteamScore,
};

const usd = (v: number) => `$${v.toFixed(2)}`;

/** Month-end forecast at or above threshold × budget (warning), or budget already spent (critical). */
async function budgetForecast(ctx: RuleContext): Promise<Candidate[]> {
  const threshold = ctx.rules.budget_forecast.threshold;
  const out: Candidate[] = [];
  for (const scope of ['use_case', 'team', 'key'] as const) {
    for (const f of await ctx.forecast(scope)) {
      if (f.budget_usd === null) continue;
      const over = f.mtd_usd >= f.budget_usd;
      if (!over && f.forecast_usd < threshold * f.budget_usd) continue;
      out.push({
        fingerprint: `budget_forecast:${scope}:${f.id}:${f.month}`,
        rule: 'budget_forecast',
        scope,
        subject: f.id,
        severity: over ? 'critical' : 'warning',
        title: over
          ? `${scope} ${f.id} has spent its ${f.month} budget (${usd(f.mtd_usd)} of ${usd(f.budget_usd)})`
          : `${scope} ${f.id} is forecast to spend ${usd(f.forecast_usd)} in ${f.month}, over its budget of ${usd(f.budget_usd)}`,
        details: { ...f },
      });
    }
  }
  return out;
}

/** Daily ROI below the use case's target on each of the last N complete days (each with cost). */
async function roiBelowTarget(ctx: RuleContext): Promise<Candidate[]> {
  const n = ctx.rules.roi_below_target.days;
  const targets = ctx.useCases.filter((u) => u.targetRoi !== null && u.stage !== 'retired');
  if (targets.length === 0) return [];
  const to = dayStart(ctx.now);
  const from = to - n * DAY_MS;
  const report = await ctx.dailyValue(from, to);
  const out: Candidate[] = [];
  for (const u of targets) {
    const row = report.use_cases.find((r) => r.use_case === u.id);
    const days = row?.periods ?? [];
    if (days.length < n) continue;
    const below = days.every((d) => d.roi !== null && d.roi < (u.targetRoi as number));
    if (!below) continue;
    out.push({
      fingerprint: `roi_below_target:use_case:${u.id}`,
      rule: 'roi_below_target',
      scope: 'use_case',
      subject: u.id,
      severity: 'warning',
      title: `use case ${u.id} has had ROI below its target of ${u.targetRoi} for ${n} days (ROI ${row?.total.roi ?? 'n/a'} over the window)`,
      details: {
        target_roi: u.targetRoi,
        days: n,
        window_roi: row?.total.roi ?? null,
        daily_roi: days.map((d) => ({
          day: d.period_start.slice(0, 10),
          roi: d.roi,
          cost_usd: d.cost_usd,
          value_usd: d.value_usd,
        })),
      },
    });
  }
  return out;
}

/** The last complete hour against the hourly average of the window before it. */
function hourWindows(now: number, baselineHours: number) {
  const lastEnd = Math.floor(now / HOUR_MS) * HOUR_MS;
  const lastStart = lastEnd - HOUR_MS;
  return { lastStart, lastEnd, baseStart: lastStart - baselineHours * HOUR_MS };
}

async function spendSpike(ctx: RuleContext): Promise<Candidate[]> {
  const r = ctx.rules.spend_spike;
  const w = hourWindows(ctx.now, r.baseline_hours);
  const rows = await ctx.hourlyUsage(w.baseStart, w.lastEnd, ['use_case']);
  const last = new Map<string, number>();
  const base = new Map<string, number>();
  for (const g of rows) {
    const m = g.t >= w.lastStart ? last : base;
    const uc = g.dims.use_case ?? '';
    m.set(uc, (m.get(uc) ?? 0) + g.m.costUsd);
  }
  const out: Candidate[] = [];
  for (const [uc, spent] of last) {
    const avg = (base.get(uc) ?? 0) / r.baseline_hours;
    if (spent < r.min_usd || spent < r.factor * avg) continue;
    out.push({
      fingerprint: `spend_spike:use_case:${uc}`,
      rule: 'spend_spike',
      scope: 'use_case',
      subject: uc,
      severity: 'warning',
      title: `use case ${uc} spent ${usd(spent)} in the last hour, ${avg > 0 ? `${(spent / avg).toFixed(1)}× its hourly average of ${usd(avg)}` : 'with no spend before'}`,
      details: {
        hour_start: new Date(w.lastStart).toISOString(),
        spent_usd: spent,
        baseline_hourly_usd: avg,
        factor: r.factor,
      },
    });
  }
  return out;
}

async function errorRateSpike(ctx: RuleContext): Promise<Candidate[]> {
  const r = ctx.rules.error_rate_spike;
  const w = hourWindows(ctx.now, r.baseline_hours);
  const rows = await ctx.hourlyUsage(w.baseStart, w.lastEnd, ['use_case']);
  type Acc = { requests: number; errors: number };
  const last = new Map<string, Acc>();
  const base = new Map<string, Acc>();
  for (const g of rows) {
    const m = g.t >= w.lastStart ? last : base;
    const uc = g.dims.use_case ?? '';
    const a = m.get(uc) ?? { requests: 0, errors: 0 };
    a.requests += g.m.requests;
    a.errors += g.m.errors;
    m.set(uc, a);
  }
  const out: Candidate[] = [];
  for (const [uc, a] of last) {
    if (a.requests < r.min_requests) continue;
    const rate = a.errors / a.requests;
    const b = base.get(uc);
    const baseRate = b && b.requests > 0 ? b.errors / b.requests : 0;
    if (rate < Math.max(r.min_rate, r.factor * baseRate)) continue;
    out.push({
      fingerprint: `error_rate_spike:use_case:${uc}`,
      rule: 'error_rate_spike',
      scope: 'use_case',
      subject: uc,
      severity: rate >= 0.5 ? 'critical' : 'warning',
      title: `use case ${uc}: ${(rate * 100).toFixed(1)}% of calls failed in the last hour (baseline ${(baseRate * 100).toFixed(1)}%)`,
      details: {
        hour_start: new Date(w.lastStart).toISOString(),
        requests: a.requests,
        errors: a.errors,
        error_rate: rate,
        baseline_error_rate: baseRate,
      },
    });
  }
  return out;
}

/** Calls with no known price: their cost is missing from every figure until a price is added. */
async function unpricedCalls(ctx: RuleContext): Promise<Candidate[]> {
  const hours = ctx.rules.unpriced_calls.window_hours;
  const end = Math.floor(ctx.now / HOUR_MS) * HOUR_MS + HOUR_MS;
  const rows = await ctx.hourlyUsage(end - hours * HOUR_MS, end, ['model', 'provider']);
  const acc = new Map<string, { model: string; provider: string; unpriced: number; requests: number }>();
  for (const g of rows) {
    if (g.m.unpriced === 0) continue;
    const model = g.dims.model ?? '';
    const provider = g.dims.provider ?? '';
    const k = `${provider}/${model}`;
    const a = acc.get(k) ?? { model, provider, unpriced: 0, requests: 0 };
    a.unpriced += g.m.unpriced;
    a.requests += g.m.requests;
    acc.set(k, a);
  }
  return [...acc.entries()].map(([k, a]) => ({
    fingerprint: `unpriced_calls:model:${k}`,
    rule: 'unpriced_calls' as const,
    scope: 'model',
    subject: k,
    severity: 'warning' as const,
    title: `${a.unpriced} call(s) to ${a.model} via ${a.provider || '(no provider)'} in the last ${hours} h have no price; add one under pricing.overrides`,
    details: {
      model: a.model,
      provider: a.provider,
      unpriced_requests: a.unpriced,
      requests: a.requests,
      window_hours: hours,
    },
  }));
}

/** Live traffic drift: one alert per (use case, feature) while the monitors judge it drifting. */
async function dataDrift(ctx: RuleContext): Promise<Candidate[]> {
  return ((await ctx.drift?.()) ?? []).map((d) => ({
    fingerprint: `data_drift:use_case:${d.useCase}:${d.feature}`,
    rule: 'data_drift' as const,
    scope: 'use_case',
    subject: d.useCase,
    severity: 'warning' as const,
    title: `use case ${d.useCase}: ${d.feature} has drifted from its reference window (${d.method} ${fmtStat(d.statistic)}${d.pValue === null ? '' : `, p = ${d.pValue.toExponential(2)}`})`,
    details: {
      feature: d.feature,
      method: d.method,
      statistic: Number.isFinite(d.statistic) ? d.statistic : null,
      p_value: d.pValue,
      threshold: d.threshold,
      window: { from: new Date(d.window.from).toISOString(), until: new Date(d.window.until).toISOString() },
      reference: d.reference,
      current: d.current,
    },
  }));
}

const fmtStat = (x: number) => (Number.isFinite(x) ? x.toPrecision(3) : String(x));

/**
 * The newest red-team run of a use case scored under its threshold: one alert per use case until a
 * newer run reaches the threshold again (that evaluation resolves it).
 */
async function redteamScore(ctx: RuleContext): Promise<Candidate[]> {
  return ((await ctx.redteam?.()) ?? [])
    .filter((r) => r.score < r.minScore)
    .map((r) => {
      const subject = r.useCase ?? '';
      return {
        fingerprint: `redteam_score:use_case:${subject}`,
        rule: 'redteam_score' as const,
        scope: 'use_case',
        subject,
        severity: 'critical' as const,
        title: `${r.useCase === null ? 'red-team runs without a use case' : `use case ${r.useCase}`}: the latest red-team run scored ${r.score}, under the threshold of ${r.minScore}`,
        details: {
          run_id: r.runId,
          score: r.score,
          min_score: r.minScore,
          run_at: new Date(r.at).toISOString(),
        },
      };
    });
}
