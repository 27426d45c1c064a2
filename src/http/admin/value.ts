import { KeelError } from '../../errors.js';
import { DAY_MS } from '../../store/rollups/sql.js';
import type { ForecastScope } from '../../value/forecast/spend.js';
import { dayStart, monthStart, parseDay, parseGranularity, periodsOf } from '../../value/roi/periods.js';
import { defineGroup, route } from './api/declare.js';

/** Longest range a day-granular report may cover (keeps one response bounded). */
const MAX_PERIODS = 1000;
const FORECAST_SCOPES = new Set(['use_case', 'team', 'key']);

/** Business value: the ROI report, spend forecasts, reported outcomes. */
export const valueApi = defineGroup({
  title: 'value',
  routes: {
    report: route('GET', '/value', 'viewer', 'Cost and value per use case'),
    forecasts: route('GET', '/forecasts', 'viewer', 'Spend forecasts (`scope`)'),
    outcomes: route('GET', '/outcomes', 'viewer', 'Reported outcomes (`use_case`, `from`, `to`, `limit`)'),
  },
  needs: (s) => (s.value ? { value: s.value, now: s.now ?? Date.now } : undefined),
  handlers: ({ value, now }) => ({
    report: async (c) => value.report(valueQuery(c.req.query(), now())),
    forecasts: async (c) => {
      const scope = c.req.query('scope') ?? 'use_case';
      if (!FORECAST_SCOPES.has(scope))
        throw new KeelError('invalid_request', 'scope must be one of use_case, team, key.', {
          param: 'scope',
        });
      const data = await value.forecast(scope as ForecastScope, now());
      return { object: 'list' as const, data };
    },
    outcomes: async (c) => {
      const qs = c.req.query();
      const limit = qs.limit === undefined ? undefined : Number(qs.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1000))
        throw new KeelError('invalid_request', 'limit must be a whole number from 1 to 1000.', {
          param: 'limit',
        });
      const data = await value.listOutcomes({
        ...(qs.use_case ? { useCase: qs.use_case } : {}),
        ...(qs.from ? { from: parseDay(qs.from, 'from', 'from') } : {}),
        ...(qs.to ? { to: parseDay(qs.to, 'to', 'to') } : {}),
        ...(limit !== undefined ? { limit } : {}),
      });
      return { object: 'list' as const, data };
    },
  }),
});

/**
 * `use_case` (comma-separated), `from` / `to` (YYYY-MM-DD or ISO; whole UTC days, `to` exclusive;
 * default: this month so far, through today), `granularity` day|week|month|total (default total).
 */
export function valueQuery(qs: Record<string, string>, at: number) {
  const from = qs.from ? parseDay(qs.from, 'from', 'from') : monthStart(at);
  const to = qs.to ? parseDay(qs.to, 'to', 'to') : dayStart(at) + DAY_MS;
  if (to <= from) throw new KeelError('invalid_request', 'to must be after from.', { param: 'to' });
  const granularity = parseGranularity(qs.granularity);
  if (periodsOf(from, Math.min(to, from + (MAX_PERIODS + 1) * DAY_MS), granularity).length > MAX_PERIODS)
    throw new KeelError(
      'invalid_request',
      `That range holds more than ${MAX_PERIODS} periods; use a coarser granularity.`,
      {
        param: 'granularity',
      },
    );
  const useCases = qs.use_case
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return { from, to, granularity, ...(useCases && useCases.length > 0 ? { useCases } : {}) };
}
