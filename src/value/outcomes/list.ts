import type { Database } from '../../store/db.js';
import { exec } from '../../store/rollups/job.js';
import { outcomeFromRow, publicOutcome } from './service.js';

export interface OutcomeListQuery {
  useCase?: string;
  /** Epoch ms on occurred_at, inclusive / exclusive. */
  from?: number;
  to?: number;
  /** Default 100, at most 1000. */
  limit?: number;
}

/** An outcome as the admin API lists it: with the calls it is linked to and their cost. */
export type ListedOutcome = ReturnType<typeof publicOutcome> & {
  linked_calls: number;
  linked_cost_usd: number;
  linked_unpriced_calls: number;
};

/**
 * Outcomes, newest first, each with the cost of what it is linked to: every call of its trace (a
 * trace links all its calls' cost to its outcome), else its one request. Calls already purged by
 * retention are gone from the raw events, so old outcomes may show less linked cost than they had.
 */
export async function listOutcomes(database: Database, q: OutcomeListQuery = {}): Promise<ListedOutcome[]> {
  const limit = Math.min(Math.max(1, Math.floor(q.limit ?? 100)), 1000);
  let query = database.db.selectFrom('outcomes').selectAll();
  if (q.useCase !== undefined) query = query.where('use_case', '=', q.useCase);
  if (q.from !== undefined) query = query.where('occurred_at', '>=', q.from);
  if (q.to !== undefined) query = query.where('occurred_at', '<', q.to);
  const rows = await query.orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(limit).execute();

  const traces = [...new Set(rows.map((r) => r.trace_id).filter((t): t is string => t !== null))];
  const requests = [
    ...new Set(
      rows.filter((r) => r.trace_id === null && r.request_id !== null).map((r) => r.request_id as string),
    ),
  ];
  type Linked = { calls: number; cost: number; unpriced: number };
  const byTrace = new Map<string, Linked>();
  const byRequest = new Map<string, Linked>();
  const agg =
    'count(*) as calls, coalesce(sum(cost_usd), 0) as cost, sum(case when cost_usd is null then 1 else 0 end) as unpriced';
  if (traces.length > 0)
    for (const r of await exec(
      database.db,
      database.dialect,
      `select trace_id as k, ${agg} from usage_events where trace_id in (${traces.map(() => '?').join(',')}) group by trace_id`,
      traces,
    ))
      byTrace.set(String(r.k), {
        calls: Number(r.calls),
        cost: Number(r.cost),
        unpriced: Number(r.unpriced),
      });
  if (requests.length > 0)
    for (const r of await exec(
      database.db,
      database.dialect,
      `select request_id as k, ${agg} from usage_events where request_id in (${requests.map(() => '?').join(',')}) group by request_id`,
      requests,
    ))
      byRequest.set(String(r.k), {
        calls: Number(r.calls),
        cost: Number(r.cost),
        unpriced: Number(r.unpriced),
      });

  return rows.map((r) => {
    const linked =
      r.trace_id !== null
        ? byTrace.get(r.trace_id)
        : r.request_id !== null
          ? byRequest.get(r.request_id)
          : undefined;
    return {
      ...publicOutcome(outcomeFromRow(r)),
      linked_calls: linked?.calls ?? 0,
      linked_cost_usd: linked ? Number(linked.cost.toFixed(10)) : 0,
      linked_unpriced_calls: linked?.unpriced ?? 0,
    };
  });
}
