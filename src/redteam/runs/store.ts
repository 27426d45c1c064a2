import { type Kysely, type Selectable, sql } from 'kysely';
import type { Database } from '../../store/db.js';
import type { RedteamRunsTable } from '../../store/redteam-schema.js';
import type { KeelSchema } from '../../store/schema.js';
import type { RedteamReport, RedteamSummary } from '../types.js';

export const RUN_SOURCES = ['cli', 'schedule'] as const;
export type RunSource = (typeof RUN_SOURCES)[number];

/** A report as stored: everything but the attempts. */
export type StoredReport = Omit<RedteamReport, 'attempts'>;

export interface StoredRun {
  id: string;
  /** Epoch ms when Keel stored it. */
  createdAt: number;
  useCase: string | null;
  source: RunSource;
  report: StoredReport;
}

/** The newest run of one use case (null: runs that named none), for the `redteam_score` rule. */
export interface LatestRun {
  id: string;
  useCase: string | null;
  score: number;
  createdAt: number;
}

export interface RunStore {
  /** Inserts inside the caller's transaction, then keeps only the newest `keep` of its use case. */
  insert(trx: Kysely<KeelSchema>, run: StoredRun, keep: number): Promise<void>;
  /** Newest first. `useCase: null` lists the runs that named no use case. */
  list(q: { useCase?: string | null; limit: number }): Promise<StoredRun[]>;
  get(id: string): Promise<StoredRun | null>;
  latest(): Promise<LatestRun[]>;
}

export function createRunStore(database: Database): RunStore {
  const { db } = database;
  return {
    async insert(trx, run, keep) {
      const r = run.report;
      await trx
        .insertInto('redteam_runs')
        .values({
          id: run.id,
          created_at: run.createdAt,
          use_case: run.useCase,
          model: r.target.model,
          target_url: r.target.url,
          seed: r.seed,
          samples: r.samples,
          corpus_version: r.corpus_version,
          ...summaryColumns(r.summary),
          source: run.source,
          report: JSON.stringify(r),
        })
        .execute();
      const newest = trx
        .selectFrom('redteam_runs')
        .select('id')
        .where((eb) => (run.useCase === null ? eb('use_case', 'is', null) : eb('use_case', '=', run.useCase)))
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(keep);
      await trx
        .deleteFrom('redteam_runs')
        .where((eb) => (run.useCase === null ? eb('use_case', 'is', null) : eb('use_case', '=', run.useCase)))
        .where('id', 'not in', newest)
        .execute();
    },
    async list({ useCase, limit }) {
      let q = db.selectFrom('redteam_runs').selectAll();
      if (useCase !== undefined)
        q = q.where((eb) => (useCase === null ? eb('use_case', 'is', null) : eb('use_case', '=', useCase)));
      const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
      return rows.map(rowToRun);
    },
    async get(id) {
      const row = await db.selectFrom('redteam_runs').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? rowToRun(row) : null;
    },
    async latest() {
      // One row per use case (nulls partition together on both dialects).
      const { rows } = await sql<{ id: string; use_case: string | null; score: number; created_at: unknown }>`
        select id, use_case, score, created_at from (
          select id, use_case, score, created_at,
            row_number() over (partition by use_case order by created_at desc, id desc) as n
          from redteam_runs
        ) ranked where n = 1`.execute(db);
      return rows.map((r) => ({
        id: r.id,
        useCase: r.use_case,
        score: Number(r.score),
        createdAt: Number(r.created_at),
      }));
    },
  };
}

function summaryColumns(s: RedteamSummary) {
  return {
    attacks: s.attacks,
    attack_success_rate: s.attack_success_rate,
    benign: s.benign,
    false_positive_rate: s.false_positive_rate,
    score: s.score,
  };
}

function rowToRun(row: Selectable<RedteamRunsTable>): StoredRun {
  return {
    id: row.id,
    createdAt: Number(row.created_at),
    useCase: row.use_case,
    source: row.source === 'schedule' ? 'schedule' : 'cli',
    report: JSON.parse(row.report) as StoredReport,
  };
}
