import type { KeyStore } from '../../access/store.js';
import type { Database } from '../../store/db.js';
import type { RollupJob } from '../../store/rollups/job.js';
import { DAY_MS, type Dimension, HOUR_MS } from '../../store/rollups/sql.js';
import { dayStart, monthStart, nextMonthStart } from '../roi/periods.js';
import { readLedger, readUsage } from '../rollups/read.js';
import type { UseCase } from '../usecases/model.js';
import { forecastMonthEnd } from './ewma.js';

export type ForecastScope = 'use_case' | 'team' | 'key';

export interface SpendForecast {
  scope: ForecastScope;
  id: string;
  month: string;
  mtd_usd: number;
  forecast_usd: number;
  low_usd: number;
  high_usd: number;
  daily_rate_usd: number;
  /** Monthly budget that applies (the tightest when several do), or null. */
  budget_usd: number | null;
  budget_source: string | null;
  /** When month-to-date spend is projected to reach the budget at the daily rate, if this month. */
  projected_crossing_at: string | null;
  status: 'no_budget' | 'ok' | 'at_risk' | 'over';
}

interface ForecastDeps {
  database: Database;
  rollups: RollupJob;
  useCases: { cachedAll(): readonly UseCase[] };
  /** config.budgets (monthly ones are used). */
  budgets: ReadonlyArray<{ scope: 'team' | 'use_case'; id: string; usd: number; period: string }>;
  keys?: Pick<KeyStore, 'list'>;
  alpha: number;
  lookbackDays: number;
  /** Fraction of the budget at which a forecast is "at risk" (alerts.rules.budget_forecast.threshold). */
  threshold?: number;
}

const COLUMN: Record<ForecastScope, Dimension> = { use_case: 'use_case', team: 'team', key: 'key_id' };

/**
 * Month-to-date spend and the month-end forecast of every use case, team or key that spent in the
 * lookback window or has a monthly budget. Reads daily rollups for complete days and hourly ones
 * (plus the raw tail) for today.
 */
export async function forecastSpend(
  deps: ForecastDeps,
  scope: ForecastScope,
  now: number,
): Promise<SpendForecast[]> {
  await deps.rollups.refresh();
  const today = dayStart(now);
  const mStart = monthStart(now);
  const mEnd = nextMonthStart(now);
  const lookFrom = Math.min(today - deps.lookbackDays * DAY_MS, mStart);
  const col = COLUMN[scope];
  const hourEnd = Math.floor(now / HOUR_MS) * HOUR_MS + HOUR_MS;
  const [[days, todayRows], budgets] = await Promise.all([
    readLedger(deps.database, (ledger, wm) =>
      Promise.all([
        readUsage(ledger, wm, { from: lookFrom, to: today, grain: 'day', by: [col] }),
        readUsage(ledger, wm, { from: today, to: hourEnd, grain: 'hour', by: [col] }),
      ]),
    ),
    budgetsOf(deps, scope),
  ]);

  const series = new Map<string, { daily: Map<number, number>; today: number }>();
  const of = (id: string) => {
    let s = series.get(id);
    if (!s) {
      s = { daily: new Map(), today: 0 };
      series.set(id, s);
    }
    return s;
  };
  for (const g of days) {
    const id = g.dims[col] ?? '';
    if (id !== '') of(id).daily.set(g.t, (of(id).daily.get(g.t) ?? 0) + g.m.costUsd);
  }
  for (const g of todayRows) {
    const id = g.dims[col] ?? '';
    if (id !== '') of(id).today += g.m.costUsd;
  }
  for (const id of budgets.keys()) of(id);

  const lookbackStart = today - deps.lookbackDays * DAY_MS;
  const threshold = deps.threshold ?? 1;
  const out: SpendForecast[] = [];
  for (const [id, s] of [...series.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const daily: number[] = [];
    for (let d = lookbackStart; d < today; d += DAY_MS) daily.push(s.daily.get(d) ?? 0);
    let mtd = s.today;
    for (const [d, usd] of s.daily) if (d >= mStart) mtd += usd;
    const f = forecastMonthEnd({
      daily,
      todayUsd: s.today,
      mtdUsd: mtd,
      now,
      monthEnd: mEnd,
      alpha: deps.alpha,
    });
    const b = budgets.get(id) ?? null;
    let crossing: string | null = null;
    if (b && mtd < b.usd && f.dailyRateUsd > 0) {
      const at = now + ((b.usd - mtd) / f.dailyRateUsd) * DAY_MS;
      if (at < mEnd) crossing = new Date(Math.round(at)).toISOString();
    }
    out.push({
      scope,
      id,
      month: new Date(mStart).toISOString().slice(0, 7),
      mtd_usd: round(f.mtdUsd),
      forecast_usd: round(f.forecastUsd),
      low_usd: round(f.lowUsd),
      high_usd: round(f.highUsd),
      daily_rate_usd: round(f.dailyRateUsd),
      budget_usd: b?.usd ?? null,
      budget_source: b?.source ?? null,
      projected_crossing_at: crossing,
      status: !b
        ? 'no_budget'
        : mtd >= b.usd
          ? 'over'
          : f.forecastUsd >= threshold * b.usd
            ? 'at_risk'
            : 'ok',
    });
  }
  return out;
}

async function budgetsOf(
  deps: ForecastDeps,
  scope: ForecastScope,
): Promise<Map<string, { usd: number; source: string }>> {
  const out = new Map<string, { usd: number; source: string }>();
  const tighter = (id: string, usd: number, source: string) => {
    const cur = out.get(id);
    if (!cur || usd < cur.usd) out.set(id, { usd, source });
  };
  if (scope === 'use_case')
    for (const u of deps.useCases.cachedAll())
      if (u.monthlyBudgetUsd !== null) tighter(u.id, u.monthlyBudgetUsd, 'use_case.monthly_budget_usd');
  if (scope !== 'key')
    for (const b of deps.budgets)
      if (b.scope === scope && b.period === 'month') tighter(b.id, b.usd, 'config.budgets');
  if (scope === 'key' && deps.keys)
    for (const k of await deps.keys.list())
      if (k.budgetUsd !== null && k.budgetPeriod === 'month') tighter(k.id, k.budgetUsd, 'key.budget_usd');
  return out;
}

function round(v: number): number {
  return Number(v.toFixed(10));
}
