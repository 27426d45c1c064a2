import type { Migration, MigrationProvider } from 'kysely';
import type { StoreDialect } from '../schema.js';
import { usageEventsMigration } from './001_usage_events.js';

/**
 * Migrations are code, listed here in order, so a bundled or compiled Keel never depends on reading
 * a migrations folder at run time. Names sort lexically; never rename or reorder a shipped one.
 */
export function migrationProvider(dialect: StoreDialect): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '001_usage_events': usageEventsMigration(dialect),
      };
    },
  };
}
