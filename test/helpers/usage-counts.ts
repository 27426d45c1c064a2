import { openDatabase } from '../../src/store/db.js';

/**
 * How many usage rows each request id has in the store at `dbUrl` (opened read-only: no migration),
 * for the crash and storage-fault suites' "exactly once" checks.
 */
export async function usageCounts(dbUrl: string, ids: readonly string[]): Promise<Map<string, number>> {
  const database = await openDatabase(dbUrl, { migrate: false });
  try {
    const rows = await database.db
      .selectFrom('usage_events')
      .select(['request_id'])
      .where('request_id', 'in', ids.length > 0 ? [...ids] : [''])
      .execute();
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r.request_id, (counts.get(r.request_id) ?? 0) + 1);
    return counts;
  } finally {
    await database.close();
  }
}
