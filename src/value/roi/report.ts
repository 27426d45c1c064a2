import type { CostAllocationRule } from '../../config/value.js';
import type { Database } from '../../store/db.js';
import { mcpCallsByUseCaseDay } from '../../store/mcp-calls.js';
import type { RollupJob } from '../../store/rollups/job.js';
import { DAY_MS } from '../../store/rollups/sql.js';
import { readActiveUsers, readLedger, readUsage } from '../rollups/read.js';
import type { UseCase } from '../usecases/model.js';
import { allocate } from './allocate.js';
import {
  addSums,
  emptySums,
  figuresOf,
  money,
  totalCost,
  type ValueFigures,
  type ValueSums,
} from './figures.js';
import { type Granularity, type Period, periodsOf } from './periods.js';

interface ValueReportDeps {
  database: Database;
  rollups: RollupJob;
  /** Registered use cases (names, stages, value per outcome, baselines). */
  useCases: { cached(id: string): UseCase | undefined; cachedAll(): readonly UseCase[] };
  allocation: readonly CostAllocationRule[];
  now?: () => number;
}

export interface ValueQuery {
  /** Day-aligned epoch ms, inclusive. */
  from: number;
  /** Day-aligned epoch ms, exclusive. */
  to: number;
  granularity: Granularity;
  /** Only these use cases (allocation is still computed over all of them). */
  useCases?: readonly string[];
}

export type PeriodFigures = { period_start: string; period_end: string } & ValueFigures;

export interface UseCaseValue {
  use_case: string;
  name: string;
  stage: string | null;
  registered: boolean;
  target_roi: number | null;
  value_per_outcome_usd: number | null;
  total: ValueFigures;
  periods?: PeriodFigures[];
}

export interface ValueReport {
  object: 'value_report';
  from: string;
  to: string;
  granularity: Granularity;
  generated_at: string;
  use_cases: UseCaseValue[];
  /** The sum over the use cases listed (active users and ratios computed, not summed). */
  total: ValueFigures;
  total_periods?: PeriodFigures[];
  /** Shared cost moved by cost_allocation rules over the whole range. */
  allocations: Array<{ from: string; to: string; usd: number }>;
}

/**
 * The value report: per use case and period, every figure from one set of additive sums (usage
 * from rollups + the raw tail, outcomes and feedback from their daily rollup, shared cost moved by
 * the allocation rules), totals as sums of the rows shown. See docs/value.md for each definition.
 */
export async function buildValueReport(deps: ValueReportDeps, q: ValueQuery): Promise<ValueReport> {
  await deps.rollups.refresh();
  return readLedger(deps.database, (database, watermark) => reportOn(deps, database, watermark, q));
}

async function reportOn(
  deps: ValueReportDeps,
  database: Database,
  watermark: number,
  q: ValueQuery,
): Promise<ValueReport> {
  const now = deps.now ?? Date.now;
  const periods = periodsOf(q.from, q.to, q.granularity);
  const days = (p: Period) => (p.end - p.start) / DAY_MS;
  const periodOfDay = new Map<number, number>();
  periods.forEach((p, i) => {
    for (let d = p.start; d < p.end; d += DAY_MS) periodOfDay.set(d, i);
  });

  const cells = new Map<string, ValueSums[]>();
  const cellsOf = (uc: string): ValueSums[] => {
    let c = cells.get(uc);
    if (!c) {
      c = periods.map((p) => emptySums(days(p)));
      cells.set(uc, c);
    }
    return c;
  };

  const [usage, outcomes, toolCalls] = await Promise.all([
    readUsage(database, watermark, { from: q.from, to: q.to, grain: 'day', by: ['use_case'] }),
    database.db
      .selectFrom('outcome_rollups')
      .selectAll()
      .where('day', '>=', q.from)
      .where('day', '<', q.to)
      .execute(),
    mcpCallsByUseCaseDay(database, q.from, q.to),
  ]);
  for (const g of usage) {
    const i = periodOfDay.get(g.t);
    if (i === undefined) continue;
    addSums(cellsOf(g.dims.use_case ?? 'unassigned')[i]!, { ...emptySums(0), usage: g.m });
  }
  for (const r of outcomes) {
    const i = periodOfDay.get(Number(r.day));
    if (i === undefined) continue;
    const cell = cellsOf(r.use_case)[i]!;
    const vpo = deps.useCases.cached(r.use_case)?.valuePerOutcomeUsd ?? 0;
    cell.outcomes += Number(r.outcomes);
    cell.successes += Number(r.successes);
    cell.valueUsd += Number(r.value_usd) + Number(r.successes_unvalued) * vpo;
    cell.feedbackCount += Number(r.feedback_count);
    cell.feedbackSum += Number(r.feedback_sum);
  }

  for (const t of toolCalls) {
    const i = periodOfDay.get(t.day);
    if (i === undefined) continue;
    const cell = cellsOf(t.useCase)[i]!;
    cell.toolCalls += t.toolCalls;
    cell.toolRefusals += t.toolRefusals;
  }

  // Registered use cases show up even when idle (a pilot with no traffic yet is still a line item).
  for (const u of deps.useCases.cachedAll()) if (u.stage !== 'retired') cellsOf(u.id);

  const moved = new Map<string, number>();
  periods.forEach((_, i) => {
    const moves = allocate(deps.allocation, (uc) => {
      const c = cells.get(uc)?.[i];
      return c && { costUsd: c.usage.costUsd, requests: c.usage.requests };
    });
    for (const m of moves) {
      cellsOf(m.from)[i]!.allocatedUsd -= m.usd;
      cellsOf(m.to)[i]!.allocatedUsd += m.usd;
      const k = `${m.from}\u0000${m.to}`;
      moved.set(k, (moved.get(k) ?? 0) + m.usd);
    }
  });

  const shown = [...cells.keys()].filter((uc) => !q.useCases || q.useCases.includes(uc)).sort();
  const granular = q.granularity !== 'total';
  const users = await readActiveUsers(database, watermark, {
    from: q.from,
    to: q.to,
    periodStarts: periods.map((p) => p.start),
    ...(q.useCases ? { useCases: shown } : {}),
  });

  const totalDays = (q.to - q.from) / DAY_MS;
  const grand = emptySums(totalDays);
  const grandPeriods = periods.map((p) => emptySums(days(p)));
  const rows: UseCaseValue[] = [];
  for (const uc of shown) {
    const u = deps.useCases.cached(uc);
    const list = cellsOf(uc);
    const sum = emptySums(totalDays);
    list.forEach((cell, i) => {
      const p = periods[i]!;
      cell.activeUsers = users.byUseCase.get(p.start)?.get(uc) ?? 0;
      finishCell(cell, u);
      addSums(sum, cell);
      addSums(grandPeriods[i]!, cell);
    });
    sum.activeUsers = users.rangeByUseCase.get(uc) ?? 0;
    sum.investmentUsd = u?.investmentUsd ?? null;
    addSums(grand, sum);
    grand.investmentUsd = addNullable(grand.investmentUsd, sum.investmentUsd);
    rows.push({
      use_case: uc,
      name: u?.name ?? uc,
      stage: u?.stage ?? null,
      registered: u !== undefined,
      target_roi: u?.targetRoi ?? null,
      value_per_outcome_usd: u?.valuePerOutcomeUsd ?? null,
      total: figuresOf(sum),
      ...(granular ? { periods: list.map((c, i) => withPeriod(periods[i]!, figuresOf(c))) } : {}),
    });
  }
  grand.activeUsers = users.rangeTotal;
  grandPeriods.forEach((g, i) => {
    g.activeUsers = users.total.get(periods[i]!.start) ?? 0;
    g.investmentUsd = grand.investmentUsd;
  });

  return {
    object: 'value_report',
    from: new Date(q.from).toISOString(),
    to: new Date(q.to).toISOString(),
    granularity: q.granularity,
    generated_at: new Date(now()).toISOString(),
    use_cases: rows,
    total: figuresOf(grand),
    ...(granular ? { total_periods: grandPeriods.map((g, i) => withPeriod(periods[i]!, figuresOf(g))) } : {}),
    allocations: [...moved.entries()].map(([k, usd]) => {
      const [from = '', to = ''] = k.split('\u0000');
      return { from, to, usd: money(usd) };
    }),
  };
}

/** Baseline savings and payback need the use case's declarations and the cost after allocation. */
function finishCell(cell: ValueSums, u: UseCase | undefined): void {
  const baseline = u?.humanBaselineCostUsd ?? null;
  cell.humanBaselineUsd = baseline === null ? null : cell.successes * baseline;
  cell.costWithBaselineUsd = baseline === null ? 0 : totalCost(cell);
  cell.investmentUsd = u?.investmentUsd ?? null;
}

function addNullable(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : a + b;
}

function withPeriod(p: Period, f: ValueFigures): PeriodFigures {
  return { period_start: new Date(p.start).toISOString(), period_end: new Date(p.end).toISOString(), ...f };
}
