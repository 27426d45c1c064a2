import { sql } from 'kysely';
import type { Database } from './db.js';

/**
 * Read-only queries behind the Command Room's reports (src/http/admin/reports.ts) that the usage
 * rollups cannot answer: per-user and per-feature totals, a key's last call, the price-table
 * versions in use. Each is bounded by an index (use_case+ts, key_id+ts) or by a LIMIT.
 */

/** Every usage event with id ≤ this is in the rollups (0 when no rollup pass ever ran). */
export async function rollupWatermark(database: Database): Promise<number> {
  const row = await database.db
    .selectFrom('rollup_state')
    .select('last_id')
    .where('name', '=', 'usage')
    .executeTakeFirst();
  return Number(row?.last_id ?? 0);
}

export type TopDimension = 'user' | 'feature';

const TOP_COLUMN = { user: 'user_id', feature: 'feature' } as const;

export interface TopQuery {
  by: TopDimension;
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  useCase?: string;
  limit: number;
}

export interface TopRow {
  /** null: calls that named no user (or feature). */
  id: string | null;
  requests: number;
  cost_usd: number;
  unpriced: number;
  errors: number;
}

/** Heaviest users or features by cost (then requests) over raw usage events. */
export async function topUsage(database: Database, q: TopQuery): Promise<TopRow[]> {
  const col = TOP_COLUMN[q.by];
  let query = database.db
    .selectFrom('usage_events')
    .select((eb) => [
      sql<string | null>`${sql.ref(col)}`.as('id'),
      eb.fn.countAll<number | string>().as('requests'),
      sql<number | string>`coalesce(sum(${eb.ref('cost_usd')}), 0)`.as('cost_usd'),
      sql<number | string>`sum(case when ${eb.ref('cost_usd')} is null then 1 else 0 end)`.as('unpriced'),
      sql<number | string>`sum(case when ${eb.ref('status')} >= 400 then 1 else 0 end)`.as('errors'),
    ])
    .where('ts', '>=', q.from)
    .where('ts', '<', q.to);
  if (q.useCase !== undefined) query = query.where('use_case', '=', q.useCase);
  const rows = await query
    .groupBy(col)
    .orderBy('cost_usd', 'desc')
    .orderBy('requests', 'desc')
    .limit(q.limit)
    .execute();
  return rows.map((r) => ({
    id: r.id === null ? null : String(r.id),
    requests: Number(r.requests),
    cost_usd: Number(r.cost_usd),
    unpriced: Number(r.unpriced ?? 0),
    errors: Number(r.errors ?? 0),
  }));
}

export interface KeyBudgetRow {
  id: string;
  budgetUsd: number | null;
  budgetPeriod: string;
  revoked: boolean;
}

export async function keyBudgets(database: Database): Promise<KeyBudgetRow[]> {
  const rows = await database.db
    .selectFrom('virtual_keys')
    .select(['id', 'budget_usd', 'budget_period', 'revoked_at'])
    .execute();
  return rows.map((r) => ({
    id: r.id,
    budgetUsd: r.budget_usd === null ? null : Number(r.budget_usd),
    budgetPeriod: r.budget_period,
    revoked: r.revoked_at !== null,
  }));
}

/**
 * The newest call of each key, one index probe per key on (key_id, ts). Raw events only: after
 * retention purges a key's calls, it reads as never used.
 */
export async function keysLastUsed(
  database: Database,
  keyIds: readonly string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  await Promise.all(
    keyIds.map(async (id) => {
      const row = await database.db
        .selectFrom('usage_events')
        .select(sql<number | string | null>`max(ts)`.as('last'))
        .where('key_id', '=', id)
        .executeTakeFirst();
      if (row?.last != null) out.set(id, Number(row.last));
    }),
  );
  return out;
}

/** How many of the newest calls `priceVersionsInUse` looks at. */
export const PRICE_VERSION_SAMPLE = 10_000;

/** Price-table versions of the newest calls in [from, to) (up to PRICE_VERSION_SAMPLE of them). */
export async function priceVersionsInUse(
  database: Database,
  range: { from: number; to: number },
): Promise<Array<{ version: string | null; requests: number }>> {
  const recent = database.db
    .selectFrom('usage_events')
    .select('price_version')
    .where('ts', '>=', range.from)
    .where('ts', '<', range.to)
    .orderBy('id', 'desc')
    .limit(PRICE_VERSION_SAMPLE)
    .as('recent');
  const rows = await database.db
    .selectFrom(recent)
    .select((eb) => ['price_version', eb.fn.countAll<number | string>().as('requests')])
    .groupBy('price_version')
    .execute();
  return rows
    .map((r) => ({ version: r.price_version, requests: Number(r.requests) }))
    .sort((a, b) => b.requests - a.requests);
}

export interface RefusalRow {
  /** UTC day start, epoch ms. */
  day: number;
  code: string;
  requests: number;
}

/**
 * Calls Keel refused, per UTC day and error code (`codes`, plus every `guard_*` code), from raw
 * events: the rollups count refusals but not their reasons. Reads the range through the ts index.
 */
export async function refusalsByDay(
  database: Database,
  q: { from: number; to: number; codes: readonly string[] },
): Promise<RefusalRow[]> {
  const rows = await database.db
    .selectFrom('usage_events')
    .select((eb) => [
      sql<number | string>`(${eb.ref('ts')} - (${eb.ref('ts')} % 86400000))`.as('day'),
      sql<string>`${eb.ref('error_code')}`.as('code'),
      eb.fn.countAll<number | string>().as('requests'),
    ])
    .where('ts', '>=', q.from)
    .where('ts', '<', q.to)
    .where((eb) =>
      eb.or([
        eb('error_code', 'in', [...q.codes]),
        sql<boolean>`substr(${eb.ref('error_code')}, 1, 6) = 'guard_'`,
      ]),
    )
    .groupBy(['day', 'code'])
    .orderBy('day')
    .orderBy('code')
    .execute();
  return rows.map((r) => ({ day: Number(r.day), code: String(r.code), requests: Number(r.requests) }));
}
