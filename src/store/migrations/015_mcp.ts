import type { Kysely } from 'kysely';
import type { StoreDialect } from '../schema.js';

/**
 * The MCP gateway: each key's MCP scopes (JSON array text, like its other scopes; empty = none),
 * every tool call as a row (like usage_events for model calls: who, which tool, outcome, latency,
 * bytes), and calls held for an operator's approval. Approvals live in the shared store, not in a
 * replica's memory, so any replica's operator can decide a call another replica holds.
 */
export function mcpMigration(_dialect: StoreDialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('virtual_keys')
        .addColumn('mcp_servers', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
      await db.schema
        .alterTable('virtual_keys')
        .addColumn('mcp_tools', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();

      await db.schema
        .createTable('mcp_calls')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('key_id', 'text')
        .addColumn('use_case', 'text', (c) => c.notNull())
        .addColumn('team', 'text')
        .addColumn('server', 'text', (c) => c.notNull())
        .addColumn('tool', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .addColumn('latency_ms', 'integer', (c) => c.notNull())
        .addColumn('request_bytes', 'integer', (c) => c.notNull())
        .addColumn('response_bytes', 'integer', (c) => c.notNull())
        .addColumn('approval_id', 'text')
        .addColumn('findings', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('session_id', 'text')
        .execute();
      await db.schema.createIndex('mcp_calls_ts').on('mcp_calls').column('ts').execute();
      await db.schema.createIndex('mcp_calls_tool_ts').on('mcp_calls').columns(['tool', 'ts']).execute();
      await db.schema
        .createIndex('mcp_calls_use_case_ts')
        .on('mcp_calls')
        .columns(['use_case', 'ts'])
        .execute();

      await db.schema
        .createTable('mcp_approvals')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text')
        .addColumn('key_name', 'text')
        .addColumn('use_case', 'text', (c) => c.notNull())
        .addColumn('team', 'text')
        .addColumn('server', 'text', (c) => c.notNull())
        .addColumn('tool', 'text', (c) => c.notNull())
        .addColumn('arguments', 'text', (c) => c.notNull())
        .addColumn('decided_at', 'bigint')
        .addColumn('decided_by', 'text')
        .addColumn('reason', 'text')
        .execute();
      await db.schema
        .createIndex('mcp_approvals_status_created')
        .on('mcp_approvals')
        .columns(['status', 'created_at'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('mcp_approvals').execute();
      await db.schema.dropTable('mcp_calls').execute();
      await db.schema.alterTable('virtual_keys').dropColumn('mcp_tools').execute();
      await db.schema.alterTable('virtual_keys').dropColumn('mcp_servers').execute();
    },
  };
}
