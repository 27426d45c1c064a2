import type { Database } from './db.js';
import { DAY_MS } from './rollups/sql.js';

export interface McpPurgeOptions {
  /** `retention.mcp_calls_days`: rows older than this many whole UTC days go. */
  days: number;
  /** Rows per delete (default 2000: a few ms of synchronous SQLite work, then a yield). */
  chunk?: number;
  /** Yield to the event loop between chunks (SQLite steps are synchronous). Default setImmediate. */
  yieldFn?: () => Promise<void>;
}

export interface McpPurgeResult {
  /** `mcp_calls` rows deleted (and added to `mcp_call_rollups`). */
  calls: number;
  /** Decided or expired `mcp_approvals` rows deleted. */
  approvals: number;
}

/** Held calls that are over: a pending one is never purged, whatever its age. */
const SETTLED = ['approved', 'denied', 'expired'];

/** The first instant kept: midnight UTC `days` days before `at`, so a day is kept or gone whole. */
export function mcpRetentionCutoff(at: number, days: number): number {
  return Math.floor((at - days * DAY_MS) / DAY_MS) * DAY_MS;
}

/**
 * `retention.mcp_calls_days` (run hourly by the leader, value/service.ts): deletes tool calls and
 * settled approvals from before the cutoff, a chunk per transaction with a yield between chunks, like
 * the raw usage purge. Each chunk of calls is added to `mcp_call_rollups` in the transaction that
 * deletes it, counting only the rows this delete removed (`returning`), so a call is counted once even
 * if two replicas purge at a leadership hand-over: the value report reads both tables and stays exact.
 */
export async function purgeMcpRecords(
  database: Database,
  at: number,
  opts: McpPurgeOptions,
): Promise<McpPurgeResult> {
  const { db } = database;
  const chunk = Math.max(1, Math.floor(opts.chunk ?? 2000));
  const yieldFn = opts.yieldFn ?? (() => new Promise<void>((r) => setImmediate(r)));
  const cutoff = mcpRetentionCutoff(at, opts.days);

  let calls = 0;
  for (;;) {
    const n = await db.transaction().execute(async (trx) => {
      const gone = await trx
        .deleteFrom('mcp_calls')
        .where('id', 'in', (eb) =>
          eb.selectFrom('mcp_calls').select('id').where('ts', '<', cutoff).limit(chunk),
        )
        .returning(['ts', 'use_case', 'outcome'])
        .execute();
      const days = new Map<string, { day: number; use_case: string; calls: number; refusals: number }>();
      for (const r of gone) {
        const day = Math.floor(Number(r.ts) / DAY_MS) * DAY_MS;
        const key = `${day}\u0000${r.use_case}`;
        let d = days.get(key);
        if (!d) {
          d = { day, use_case: r.use_case, calls: 0, refusals: 0 };
          days.set(key, d);
        }
        d.calls++;
        if (r.outcome === 'refused') d.refusals++;
      }
      if (days.size > 0)
        await trx
          .insertInto('mcp_call_rollups')
          .values([...days.values()])
          .onConflict((oc) =>
            oc.columns(['day', 'use_case']).doUpdateSet((eb) => ({
              calls: eb('mcp_call_rollups.calls', '+', eb.ref('excluded.calls')),
              refusals: eb('mcp_call_rollups.refusals', '+', eb.ref('excluded.refusals')),
            })),
          )
          .execute();
      return gone.length;
    });
    calls += n;
    if (n < chunk) break;
    await yieldFn();
  }

  let approvals = 0;
  for (;;) {
    const r = await db
      .deleteFrom('mcp_approvals')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('mcp_approvals')
          .select('id')
          .where('status', 'in', SETTLED)
          .where('created_at', '<', cutoff)
          .limit(chunk),
      )
      .executeTakeFirst();
    const n = Number(r.numDeletedRows);
    approvals += n;
    if (n < chunk) break;
    await yieldFn();
  }
  return { calls, approvals };
}
