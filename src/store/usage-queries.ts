import { sql } from 'kysely';
import type { Database } from './db.js';
import type { UsageEvent } from './types.js';
import { fromRow } from './usage-rows.js';

export interface UsageListQuery {
  /** Default 100, at most 10,000. */
  limit?: number;
  /** Epoch ms, inclusive. */
  since?: number;
  useCase?: string;
}

/** Newest first (ties broken by insertion order). */
export async function listUsageEvents(database: Database, q: UsageListQuery = {}): Promise<UsageEvent[]> {
  const limit = Math.min(Math.max(1, Math.floor(q.limit ?? 100)), 10_000);
  let query = database.db.selectFrom('usage_events').selectAll();
  if (q.since !== undefined) query = query.where('ts', '>=', q.since);
  if (q.useCase !== undefined) query = query.where('use_case', '=', q.useCase);
  const rows = await query.orderBy('ts', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(fromRow);
}

export type SummaryDimension = 'model' | 'use_case' | 'provider';

export interface UsageSummaryQuery {
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
  groupBy: SummaryDimension[];
}

export interface SummaryRow {
  /** The model name clients asked for (Keel's alias), not the upstream model. */
  model?: string;
  use_case?: string;
  /** Provider id; "(none)" stands for calls that reached no upstream. */
  provider?: string;
  requests: number;
  /** Requests answered with HTTP status >= 400. */
  errors: number;
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  /** Sum over priced requests only. */
  cost_usd: number;
  /** Requests with no known price (cost_usd null): their cost is missing from cost_usd, not zero. */
  unpriced: number;
}

const DIMENSION_COLUMN = {
  model: 'model_requested',
  use_case: 'use_case',
  provider: 'provider',
} as const;

/** Totals per group, most expensive first. */
export async function summarizeUsage(database: Database, q: UsageSummaryQuery): Promise<SummaryRow[]> {
  const dims = [...new Set(q.groupBy)];
  let query = database.db
    .selectFrom('usage_events')
    .select((eb) => [
      eb.fn.countAll<number | string>().as('requests'),
      sql<number | string>`sum(case when ${eb.ref('status')} >= 400 then 1 else 0 end)`.as('errors'),
      sql<number | string>`coalesce(sum(${eb.ref('input_tokens')}), 0)`.as('input_tokens'),
      sql<number | string>`coalesce(sum(${eb.ref('cached_input_tokens')}), 0)`.as('cached_input_tokens'),
      sql<number | string>`coalesce(sum(${eb.ref('output_tokens')}), 0)`.as('output_tokens'),
      sql<number | string>`coalesce(sum(${eb.ref('cost_usd')}), 0)`.as('cost_usd'),
      sql<number | string>`sum(case when ${eb.ref('cost_usd')} is null then 1 else 0 end)`.as('unpriced'),
    ]);
  for (const d of dims) {
    const col = DIMENSION_COLUMN[d];
    query = query.select(sql<string | null>`${sql.ref(col)}`.as(d)).groupBy(col);
  }
  if (q.from !== undefined) query = query.where('ts', '>=', q.from);
  if (q.to !== undefined) query = query.where('ts', '<', q.to);
  const rows = (await query.execute()) as Array<Record<string, number | string | bigint | null>>;

  const out = rows.map((r) => {
    const row: SummaryRow = {
      requests: Number(r.requests),
      errors: Number(r.errors ?? 0),
      input_tokens: Number(r.input_tokens),
      cached_input_tokens: Number(r.cached_input_tokens),
      output_tokens: Number(r.output_tokens),
      cost_usd: Number(r.cost_usd),
      unpriced: Number(r.unpriced ?? 0),
    };
    for (const d of dims) row[d] = r[d] == null ? '(none)' : String(r[d]);
    return row;
  });
  out.sort(
    (a, b) =>
      b.cost_usd - a.cost_usd || b.requests - a.requests || keyOf(a, dims).localeCompare(keyOf(b, dims)),
  );
  return out;
}

function keyOf(r: SummaryRow, dims: SummaryDimension[]): string {
  return dims.map((d) => r[d] ?? '').join('\u0000');
}

/**
 * Spend recorded for one budget subject since `from` (epoch ms): what a budget counter starts from
 * when it first sees a key, team or use case. Unpriced calls (NULL cost) add nothing.
 */
export async function sumSpend(
  database: Database,
  subject: { column: 'key_id' | 'team' | 'use_case'; value: string },
  from: number,
): Promise<number> {
  const row = await database.db
    .selectFrom('usage_events')
    .select(sql<number | string | null>`sum(cost_usd)`.as('spent'))
    .where(subject.column, '=', subject.value)
    .where('ts', '>=', from)
    .executeTakeFirst();
  return Number(row?.spent ?? 0);
}
