import type { Migration, MigrationProvider } from 'kysely';
import type { StoreDialect } from '../schema.js';
import { usageEventsMigration } from './001_usage_events.js';
import { accessMigration } from './002_access.js';
import { auditMigration } from './003_audit.js';
import { valueMigration } from './004_value.js';
import { dataMigration } from './005_data.js';
import { securityEventsMigration } from './006_security_events.js';
import { countersMigration } from './007_counters.js';
import { durableRecordsMigration } from './008_durable_records.js';
import { clusterMigration } from './009_cluster.js';
import { changeVersionsMigration } from './010_change_versions.js';
import { budgetLeasesMigration } from './011_budget_leases.js';
import { responsesMigration } from './012_responses.js';
import { sessionsMigration } from './013_sessions.js';
import { redteamRunsMigration } from './014_redteam_runs.js';
import { mcpMigration } from './015_mcp.js';
import { mcpRetentionMigration } from './016_mcp_retention.js';

/**
 * Migrations are code, listed here in order, so a bundled or compiled Keel never depends on reading
 * a migrations folder at run time. Names sort lexically; never rename or reorder a shipped one.
 */
export function migrationProvider(dialect: StoreDialect): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '001_usage_events': usageEventsMigration(dialect),
        '002_access': accessMigration(dialect),
        '003_audit': auditMigration(dialect),
        '004_value': valueMigration(dialect),
        '005_data': dataMigration(dialect),
        '006_security_events': securityEventsMigration(dialect),
        '007_counters': countersMigration(dialect),
        '008_durable_records': durableRecordsMigration(dialect),
        '009_cluster': clusterMigration(dialect),
        '010_change_versions': changeVersionsMigration(dialect),
        '011_budget_leases': budgetLeasesMigration(dialect),
        '012_responses': responsesMigration(dialect),
        '013_sessions': sessionsMigration(dialect),
        '014_redteam_runs': redteamRunsMigration(dialect),
        '015_mcp': mcpMigration(dialect),
        '016_mcp_retention': mcpRetentionMigration(dialect),
      };
    },
  };
}
