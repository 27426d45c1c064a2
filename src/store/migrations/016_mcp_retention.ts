import type { Kysely } from 'kysely';
import type { StoreDialect } from '../schema.js';

/**
 * `retention.mcp_calls_days`: tool calls purged from `mcp_calls` are first added here, per UTC day
 * and use case, in the transaction that deletes them, so the value report's `tool_calls` and
 * `tool_refusals` over purged days stay what they were (a call is in exactly one of the two tables).
 */
export const mcpRetentionMigration = (_dialect: StoreDialect) => ({
  up: (db: Kysely<unknown>): Promise<void> =>
    db.schema
      .createTable('mcp_call_rollups')
      .addColumn('day', 'bigint', (c) => c.notNull())
      .addColumn('use_case', 'text', (c) => c.notNull())
      .addColumn('calls', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('refusals', 'bigint', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('mcp_call_rollups_pk', ['day', 'use_case'])
      .execute(),
  down: (db: Kysely<unknown>): Promise<void> => db.schema.dropTable('mcp_call_rollups').execute(),
});
