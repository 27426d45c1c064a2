import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../../audit/types.js';
import { minScore, type RedteamConfig } from '../../config/redteam.js';
import { KeelError } from '../../errors.js';
import type { Database } from '../../store/db.js';
import type { RedteamScore } from '../../value/alerts/rules.js';
import type { RedteamReport } from '../types.js';
import type { RunSource, RunStore, StoredReport, StoredRun } from './store.js';

/** A stored report (attempts dropped) may not be larger than this, in bytes of JSON. */
export const MAX_STORED_REPORT_BYTES = 1024 * 1024;

export interface RedteamRuns {
  /**
   * Store a run (its attempts dropped) with an audit entry, then evaluate the `redteam_score` alert
   * rule so a score under the use case's threshold opens its alert at once (and a run back at or above
   * it resolves it). The one way in for the API and the scheduler.
   */
  recordRun(report: RedteamReport, opts: { source: RunSource; actor?: string }): Promise<StoredRun>;
  list(q: { useCase?: string; limit?: number }): Promise<StoredRun[]>;
  get(id: string): Promise<StoredRun | null>;
}

interface RedteamRunsDeps {
  database: Database;
  audit: AuditLog;
  config: RedteamConfig;
  store: RunStore;
  /** Evaluates the redteam_score rule (the alert service's evaluate, limited to it). */
  evaluate?: (now: number) => Promise<unknown>;
  now?: () => number;
  /** A failed alert evaluation: the run is stored all the same; the periodic evaluation retries. */
  onError?: (e: unknown) => void;
}

/** The newest run of each use case with the score it must reach: what the redteam_score rule reads. */
export async function redteamScores(store: RunStore, config: RedteamConfig): Promise<RedteamScore[]> {
  return (await store.latest()).map((r) => ({
    useCase: r.useCase,
    runId: r.id,
    score: r.score,
    minScore: minScore(config, r.useCase),
    at: r.createdAt,
  }));
}

export function createRedteamRuns(deps: RedteamRunsDeps): RedteamRuns {
  const { database, store } = deps;
  const now = deps.now ?? Date.now;
  return {
    async recordRun(full, { source, actor = source === 'schedule' ? 'system' : 'cli' }) {
      const { attempts: _dropped, ...report } = full;
      const bytes = Buffer.byteLength(JSON.stringify(report satisfies StoredReport));
      if (bytes > MAX_STORED_REPORT_BYTES)
        throw new KeelError(
          'body_too_large',
          `The report is ${bytes} bytes without its attempts; at most ${MAX_STORED_REPORT_BYTES} are stored.`,
        );
      const run: StoredRun = {
        id: `rtr_${randomUUID().replaceAll('-', '')}`,
        createdAt: now(),
        useCase: report.target.use_case ?? null,
        source,
        report,
      };
      await deps.audit.commit(database, async (trx) => {
        await store.insert(trx, run, deps.config.keep_runs);
        // Who recorded what and how it scored; the report itself stays out of the chain.
        const entry = {
          actor,
          action: 'redteam.run_recorded',
          target: run.id,
          details: { use_case: run.useCase, score: report.summary.score, source },
        };
        return { result: undefined, entries: [entry] };
      });
      await deps.evaluate?.(run.createdAt).catch((e: unknown) => deps.onError?.(e));
      return run;
    },
    list: ({ useCase, limit = 100 }) => store.list({ ...(useCase !== undefined ? { useCase } : {}), limit }),
    get: (id) => store.get(id),
  };
}
