import type { ColumnType } from 'kysely';

/** Epoch-ms columns: numbers from SQLite, strings from node-postgres int8. */
type Int8 = ColumnType<number | string | bigint, number, number>;

/** Dataset registry: one row per named dataset (005_data). */
interface DataDatasetsTable {
  id: string;
  name: string;
  owner: string | null;
  description: string | null;
  /** Where the data lives (path or URI), as given at registration. */
  source: string | null;
  format: string | null;
  /** Declared schema, JSON text ({columns:[{name,type,description}]}), when given. */
  schema_json: string | null;
  created_at: Int8;
  updated_at: Int8;
  created_by: string;
}

/** Immutable dataset versions, addressed by the SHA-256 of their bytes. */
interface DataDatasetVersionsTable {
  id: string;
  dataset_id: string;
  version: number;
  sha256: string;
  source: string | null;
  rows: number;
  bytes: Int8;
  /** Inferred column kinds, JSON text. */
  columns_json: string;
  /** Column profile (counts, nulls, distinct, min/max/mean/std, quantiles, top values), JSON text. */
  profile_json: string;
  created_at: Int8;
  created_by: string;
}

interface DataCheckResultsTable {
  id: string;
  dataset_version_id: string | null;
  file_sha256: string;
  contract_name: string;
  passed: number;
  failed_rules: number;
  report_json: string;
  created_at: Int8;
  created_by: string;
}

interface DataDriftRunsTable {
  id: string;
  reference_version_id: string | null;
  current_version_id: string | null;
  reference_sha256: string;
  current_sha256: string;
  dataset_drift: number;
  share: number;
  drifted_columns: number;
  report_json: string;
  created_at: Int8;
  created_by: string;
}

interface DataPromptTemplatesTable {
  id: string;
  name: string;
  description: string | null;
  owner: string | null;
  use_case: string | null;
  created_at: Int8;
  updated_at: Int8;
  created_by: string;
}

interface DataPromptVersionsTable {
  id: string;
  prompt_id: string;
  version: number;
  sha256: string;
  template: string;
  model: string | null;
  /** JSON array of variable names found in the template. */
  variables_json: string;
  created_at: Int8;
  created_by: string;
}

/** Lineage edges between typed node ids such as `dataset:wine@2` or `prompt:triage@3`. */
interface DataLineageEdgesTable {
  id: string;
  from_node: string;
  to_node: string;
  relation: string;
  created_at: Int8;
  created_by: string;
}

export interface DataSchema {
  data_datasets: DataDatasetsTable;
  data_dataset_versions: DataDatasetVersionsTable;
  data_check_results: DataCheckResultsTable;
  data_drift_runs: DataDriftRunsTable;
  data_prompt_templates: DataPromptTemplatesTable;
  data_prompt_versions: DataPromptVersionsTable;
  data_lineage_edges: DataLineageEdgesTable;
}
