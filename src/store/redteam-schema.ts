import type { ColumnType } from 'kysely';

/** Row shape of stored red-team runs (migration 014_redteam_runs), plugged into KeelSchema. */
type Int8 = ColumnType<number | string | bigint, number, number>;

export interface RedteamRunsTable {
  id: string;
  /** Epoch ms when Keel stored the run. */
  created_at: Int8;
  /** Null when the run named no use case. */
  use_case: string | null;
  model: string;
  target_url: string;
  seed: Int8;
  samples: number;
  corpus_version: string;
  attacks: number;
  attack_success_rate: number;
  benign: number;
  false_positive_rate: number;
  score: number;
  /** `cli` (posted to the API) or `schedule`. */
  source: string;
  /** The report as JSON text, without `attempts`. */
  report: string;
}

export interface RedteamSchema {
  redteam_runs: RedteamRunsTable;
}
