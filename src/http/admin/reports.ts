import { z } from 'zod';
import { KeelError } from '../../errors.js';
import type { Database } from '../../store/db.js';
import {
  keyBudgets,
  keysLastUsed,
  PRICE_VERSION_SAMPLE,
  priceVersionsInUse,
  refusalsByDay,
  topUsage,
} from '../../store/report-queries.js';
import { histogramQuantile } from '../../store/rollups/buckets.js';
import { BLOCKED_CODES, DAY_MS, DIMENSION_NAMES, type Dimension } from '../../store/rollups/sql.js';
import { dayStart, monthStart } from '../../value/roi/periods.js';
import {
  addMeasures,
  emptyMeasures,
  readLedger,
  readUsage,
  type UsageMeasures,
} from '../../value/rollups/read.js';
import { defineGroup, route } from './api/declare.js';
import { day, oneOf, text, wholeNumber } from './api/inputs.js';

interface ReportDeps {
  database: Database;
  /** The value service's rollup job: refreshed before a read so the raw tail stays short. */
  rollups?: { refresh(): Promise<unknown> };
  /** Price-table versions Keel ships, newest first (the price book's `versions`). */
  priceTableVersions?: readonly string[];
  now?: () => number;
}

const DEFAULT_DAYS = 30;
const MAX_DAYS = 3660;
function bad(param: string, message: string): never {
  throw new KeelError('invalid_request', message, { param });
}

const period = { from: day('from'), to: day('to') };
const useCase = text('use_case must be 1 to 200 characters.', 200).optional();
const DIMENSIONS_MESSAGE = `by must be a comma-separated list of ${DIMENSION_NAMES.join(', ')}.`;

/** Reports refuse a query parameter they do not know (a typo would silently widen the report). */
const usageQuery = z.strictObject({
  ...period,
  by: z
    .string()
    .transform((v) => [
      ...new Set(
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ])
    .pipe(z.array(z.enum(DIMENSION_NAMES as [Dimension, ...Dimension[]], { error: DIMENSIONS_MESSAGE })))
    .optional()
    .transform((v) => v ?? []),
  use_case: useCase,
  granularity: oneOf(['total', 'day'], 'granularity must be total or day.').default('total'),
});

const topQuery = z.strictObject({
  ...period,
  by: oneOf(['user', 'feature'], 'by must be user or feature.').default('user'),
  use_case: useCase,
  limit: wholeNumber('limit must be a whole number from 1 to 100.', 1, 100).default(10),
});

/** Whole UTC days; default the last 30 days through today. */
function range(qs: { from?: number | undefined; to?: number | undefined }, now: number) {
  const to = qs.to ?? dayStart(now) + DAY_MS;
  const from = qs.from ?? to - DEFAULT_DAYS * DAY_MS;
  if (to <= from) bad('to', 'to must be after from.');
  if (to - from > MAX_DAYS * DAY_MS) bad('from', `A report covers at most ${MAX_DAYS} days.`);
  return { from, to };
}

/** Measures as the API shows them: USD rounded past float noise, latency percentiles, rates. */
function measuresJson(m: UsageMeasures) {
  const q = (p: number) => {
    const v = histogramQuantile(m.hist, p);
    return v === null ? null : Math.round(v * 1000) / 1000;
  };
  return {
    requests: m.requests,
    errors: m.errors,
    blocked: m.blocked,
    unpriced: m.unpriced,
    cost_usd: Number(m.costUsd.toFixed(10)),
    input_tokens: m.inputTokens,
    cached_input_tokens: m.cachedInputTokens,
    output_tokens: m.outputTokens,
    latency_p50_ms: q(0.5),
    latency_p95_ms: q(0.95),
    error_rate: m.requests === 0 ? null : m.errors / m.requests,
    blocked_rate: m.requests === 0 ? null : m.blocked / m.requests,
  };
}

/** '' stands for NULL in rollups (no team, no key, no provider reached). */
function dimJson(v: string | undefined): string | null {
  return v === undefined || v === '' ? null : v;
}

/**
 * Aggregates the Command Room reads that the value report does not give, all from the usage
 * rollups plus the raw tail (so they stay fast on a large store). Every report is read-only:
 * viewers may read them all.
 */
export const reportsApi = defineGroup({
  title: 'reports',
  routes: {
    usage: route('GET', '/reports/usage', 'viewer', 'Requests, cost, tokens, latency per group', {
      query: usageQuery,
    }),
    top: route('GET', '/reports/top', 'viewer', 'Heaviest users or features', { query: topQuery }),
    refusals: route('GET', '/reports/refusals', 'viewer', 'Refused calls per day and reason (`from`, `to`)', {
      query: z.strictObject(period),
    }),
    keys: route('GET', '/reports/keys', 'viewer', 'Per key: last use, budget spend', {
      query: z.strictObject({}),
    }),
  },
  needs: (s) => ({
    database: s.database,
    ...(s.value ? { rollups: s.value.rollups } : {}),
    ...(s.priceTableVersions ? { priceTableVersions: s.priceTableVersions } : {}),
    ...(s.now ? { now: s.now } : {}),
  }),
  handlers: (deps: ReportDeps) => {
    const { database } = deps;
    const now = deps.now ?? Date.now;

    /** Bring the rollups up to date before a report reads them (readLedger gives the snapshot). */
    async function refresh(): Promise<void> {
      if (deps.rollups) await deps.rollups.refresh();
    }

    return {
      usage: async (_c, { query: qs }) => {
        const { from, to } = range(qs, now());
        const { by: dims, granularity, use_case: useCase } = qs;

        await refresh();
        const [groups, versions] = await Promise.all([
          readLedger(database, (ledger, wm) =>
            readUsage(ledger, wm, {
              from,
              to,
              grain: 'day',
              by: dims,
              ...(useCase !== undefined ? { where: { use_case: useCase } } : {}),
            }),
          ),
          priceVersionsInUse(database, { from, to }),
        ]);

        const rows = new Map<
          string,
          { dims: Partial<Record<Dimension, string>>; t: number | null; m: UsageMeasures }
        >();
        const total = emptyMeasures();
        for (const g of groups) {
          const t = granularity === 'day' ? g.t : null;
          const key = `${t ?? ''}\u0000${dims.map((d) => g.dims[d] ?? '').join('\u0000')}`;
          const row = rows.get(key) ?? { dims: g.dims, t, m: emptyMeasures() };
          rows.set(key, row);
          addMeasures(row.m, g.m);
          addMeasures(total, g.m);
        }
        const data = [...rows.values()]
          .sort(
            (a, b) =>
              (a.t ?? 0) - (b.t ?? 0) ||
              b.m.costUsd - a.m.costUsd ||
              b.m.requests - a.m.requests ||
              dims
                .map((d) => a.dims[d] ?? '')
                .join()
                .localeCompare(dims.map((d) => b.dims[d] ?? '').join()),
          )
          .map((r) => ({
            ...(r.t !== null ? { period_start: new Date(r.t).toISOString() } : {}),
            ...(Object.fromEntries(dims.map((d) => [d, dimJson(r.dims[d])])) as Partial<
              Record<Dimension, string | null>
            >),
            ...measuresJson(r.m),
          }));

        return {
          object: 'usage_report' as const,
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          by: dims,
          granularity,
          use_case: useCase ?? null,
          data,
          total: measuresJson(total),
          price_versions: {
            sample: PRICE_VERSION_SAMPLE,
            in_use: versions,
            shipped: deps.priceTableVersions ?? [],
          },
        };
      },

      top: async (_c, { query: qs }) => {
        const { by, limit, use_case: useCase } = qs;
        const { from, to } = range(qs, now());
        const rows = await topUsage(database, {
          by,
          from,
          to,
          limit,
          ...(useCase !== undefined ? { useCase } : {}),
        });
        return {
          object: 'list' as const,
          by,
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          data: rows.map((r) => ({
            ...(by === 'user' ? { user: r.id } : { feature: r.id }),
            requests: r.requests,
            cost_usd: r.cost_usd,
            unpriced: r.unpriced,
            errors: r.errors,
          })),
        };
      },

      refusals: async (_c, { query }) => {
        const { from, to } = range(query, now());
        const rows = await refusalsByDay(database, { from, to, codes: BLOCKED_CODES });
        const byCode = new Map<string, number>();
        for (const r of rows) byCode.set(r.code, (byCode.get(r.code) ?? 0) + r.requests);
        return {
          object: 'refusal_report' as const,
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          data: rows.map((r) => ({ day: new Date(r.day).toISOString(), code: r.code, requests: r.requests })),
          by_code: [...byCode.entries()]
            .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
            .map(([code, requests]) => ({ code, requests })),
        };
      },

      keys: async () => {
        const at = now();
        const today = dayStart(at);
        const tomorrow = today + DAY_MS;
        const keys = await keyBudgets(database);
        await refresh();
        const spend = async (ledger: Database, wm: number, from: number) => {
          const groups = await readUsage(ledger, wm, { from, to: tomorrow, grain: 'day', by: ['key_id'] });
          const out = new Map<string, UsageMeasures>();
          for (const g of groups) {
            const id = g.dims.key_id ?? '';
            if (id === '') continue;
            const m = out.get(id) ?? emptyMeasures();
            out.set(id, m);
            addMeasures(m, g.m);
          }
          return out;
        };
        const periods = new Set(keys.map((k) => k.budgetPeriod));
        const none = new Map<string, UsageMeasures>();
        const [lastUsed, [last30, day, month, total]] = await Promise.all([
          keysLastUsed(
            database,
            keys.map((k) => k.id),
          ),
          readLedger(database, (ledger, wm) =>
            Promise.all([
              spend(ledger, wm, tomorrow - DEFAULT_DAYS * DAY_MS),
              periods.has('day') ? spend(ledger, wm, today) : none,
              periods.has('month') ? spend(ledger, wm, monthStart(at)) : none,
              periods.has('total') ? spend(ledger, wm, 0) : none,
            ]),
          ),
        ]);
        const byPeriod: Record<string, Map<string, UsageMeasures>> = { day, month, total };
        const usd = (m: UsageMeasures | undefined) => Number((m?.costUsd ?? 0).toFixed(10));
        return {
          object: 'list' as const,
          generated_at: new Date(at).toISOString(),
          data: keys.map((k) => {
            const last = lastUsed.get(k.id);
            const spent = usd(byPeriod[k.budgetPeriod]?.get(k.id));
            return {
              key_id: k.id,
              last_used_at: last === undefined ? null : new Date(last).toISOString(),
              budget_usd: k.budgetUsd,
              budget_period: k.budgetPeriod,
              budget_spent_usd: spent,
              budget_used: k.budgetUsd ? spent / k.budgetUsd : null,
              requests_30d: last30.get(k.id)?.requests ?? 0,
              cost_30d_usd: usd(last30.get(k.id)),
            };
          }),
        };
      },
    };
  },
});
