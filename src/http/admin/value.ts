import { z } from 'zod';
import { KeelError } from '../../errors.js';
import { DAY_MS } from '../../store/rollups/sql.js';
import type { ForecastScope } from '../../value/forecast/spend.js';
import { dayStart, monthStart, parseGranularity, periodsOf } from '../../value/roi/periods.js';
import { defineGroup, route } from './api/declare.js';
import { day, oneOf, parsedBy, parseInput, wholeNumber } from './api/inputs.js';

/** Longest range a day-granular report may cover (keeps one response bounded). */
const MAX_PERIODS = 1000;
const FORECAST_SCOPES = ['use_case', 'team', 'key'] as const satisfies readonly ForecastScope[];

/** The value report's query; valueRange gives its defaults (the CLI's `keel report` reads it too). */
const valueFields = z.object({
  from: day('from'),
  to: day('to'),
  granularity: parsedBy(parseGranularity).optional(),
  use_case: z.string().optional(),
});

/** Business value: the ROI report, spend forecasts, reported outcomes. */
export const valueApi = defineGroup({
  title: 'value',
  routes: {
    report: route('GET', '/value', 'viewer', 'Cost and value per use case', { query: valueFields }),
    forecasts: route('GET', '/forecasts', 'viewer', 'Spend forecasts (`scope`)', {
      query: z.object({
        scope: oneOf(FORECAST_SCOPES, 'scope must be one of use_case, team, key.').default('use_case'),
      }),
    }),
    outcomes: route('GET', '/outcomes', 'viewer', 'Reported outcomes (`use_case`, `from`, `to`, `limit`)', {
      query: z.object({
        use_case: z.string().optional(),
        from: day('from'),
        to: day('to'),
        limit: wholeNumber('limit must be a whole number from 1 to 1000.', 1, 1000).optional(),
      }),
    }),
  },
  needs: (s) => (s.value ? { value: s.value, now: s.now ?? Date.now } : undefined),
  handlers: ({ value, now }) => ({
    report: async (_c, { query }) => value.report(valueRange(query, now())),
    forecasts: async (_c, { query: { scope } }) => {
      const data = await value.forecast(scope, now());
      return { object: 'list' as const, data };
    },
    outcomes: async (_c, { query: { use_case: useCase, from, to, limit } }) => {
      const data = await value.listOutcomes({
        ...(useCase ? { useCase } : {}),
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
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
  return valueRange(parseInput(valueFields, qs, 'query'), at);
}

function valueRange(qs: z.output<typeof valueFields>, at: number) {
  const from = qs.from ?? monthStart(at);
  const to = qs.to ?? dayStart(at) + DAY_MS;
  if (to <= from) throw new KeelError('invalid_request', 'to must be after from.', { param: 'to' });
  const granularity = qs.granularity ?? 'total';
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
