import type { Kysely } from 'kysely';
import type { StoreDialect } from '../schema.js';

/**
 * Data foundation: dataset registry (datasets and their content-addressed versions with profiles),
 * stored data-check and drift results per version, the prompt-template registry, and lineage edges.
 * JSON payloads are text: they are read whole and never queried by field.
 */
export function dataMigration(_dialect: StoreDialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('data_datasets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('owner', 'text')
        .addColumn('description', 'text')
        .addColumn('source', 'text')
        .addColumn('format', 'text')
        .addColumn('schema_json', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('data_dataset_versions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('dataset_id', 'text', (c) =>
          c.notNull().references('data_datasets.id').onDelete('cascade'),
        )
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('source', 'text')
        .addColumn('rows', 'integer', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addColumn('columns_json', 'text', (c) => c.notNull())
        .addColumn('profile_json', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addUniqueConstraint('data_dataset_versions_seq', ['dataset_id', 'version'])
        .addUniqueConstraint('data_dataset_versions_sha', ['dataset_id', 'sha256'])
        .execute();
      await db.schema
        .createIndex('data_dataset_versions_sha256')
        .on('data_dataset_versions')
        .column('sha256')
        .execute();

      await db.schema
        .createTable('data_check_results')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('dataset_version_id', 'text', (c) =>
          c.references('data_dataset_versions.id').onDelete('cascade'),
        )
        .addColumn('file_sha256', 'text', (c) => c.notNull())
        .addColumn('contract_name', 'text', (c) => c.notNull())
        .addColumn('passed', 'integer', (c) => c.notNull())
        .addColumn('failed_rules', 'integer', (c) => c.notNull())
        .addColumn('report_json', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('data_check_results_version')
        .on('data_check_results')
        .columns(['dataset_version_id', 'created_at'])
        .execute();

      await db.schema
        .createTable('data_drift_runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('reference_version_id', 'text', (c) =>
          c.references('data_dataset_versions.id').onDelete('set null'),
        )
        .addColumn('current_version_id', 'text', (c) =>
          c.references('data_dataset_versions.id').onDelete('set null'),
        )
        .addColumn('reference_sha256', 'text', (c) => c.notNull())
        .addColumn('current_sha256', 'text', (c) => c.notNull())
        .addColumn('dataset_drift', 'integer', (c) => c.notNull())
        .addColumn('share', 'double precision', (c) => c.notNull())
        .addColumn('drifted_columns', 'integer', (c) => c.notNull())
        .addColumn('report_json', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('data_drift_runs_current')
        .on('data_drift_runs')
        .column('current_version_id')
        .execute();
      await db.schema
        .createIndex('data_drift_runs_reference')
        .on('data_drift_runs')
        .column('reference_version_id')
        .execute();

      await db.schema
        .createTable('data_prompt_templates')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('description', 'text')
        .addColumn('owner', 'text')
        .addColumn('use_case', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('data_prompt_versions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('prompt_id', 'text', (c) =>
          c.notNull().references('data_prompt_templates.id').onDelete('cascade'),
        )
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('template', 'text', (c) => c.notNull())
        .addColumn('model', 'text')
        .addColumn('variables_json', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addUniqueConstraint('data_prompt_versions_seq', ['prompt_id', 'version'])
        .addUniqueConstraint('data_prompt_versions_sha', ['prompt_id', 'sha256'])
        .execute();

      await db.schema
        .createTable('data_lineage_edges')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('from_node', 'text', (c) => c.notNull())
        .addColumn('to_node', 'text', (c) => c.notNull())
        .addColumn('relation', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addUniqueConstraint('data_lineage_edges_unique', ['from_node', 'to_node', 'relation'])
        .execute();
      await db.schema
        .createIndex('data_lineage_edges_to')
        .on('data_lineage_edges')
        .column('to_node')
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const t of [
        'data_lineage_edges',
        'data_prompt_versions',
        'data_prompt_templates',
        'data_drift_runs',
        'data_check_results',
        'data_dataset_versions',
        'data_datasets',
      ])
        await db.schema.dropTable(t).execute();
    },
  };
}
