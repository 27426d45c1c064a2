import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../config/load.js';
import { mcpCallRow } from '../mcp/testkit.js';
import { type Database, openDatabase } from '../store/db.js';
import { DAY_MS } from '../store/rollups/sql.js';
import { STORES } from '../store/testkit.js';
import { createValueService, type ValueService } from './service.js';
import { memoryAuditLog } from './testkit.js';

const NOW = Date.UTC(2027, 2, 1, 12);
const sqlite = STORES.find((s) => s.name === 'sqlite')!;

/**
 * The purge rides on the value service's timers: start() with setInterval observed, then every
 * periodic job run once by hand (no waiting for an hour), then close() awaits what they started.
 */
describe('retention.mcp_calls_days schedule', () => {
  let database: Database | undefined;
  let value: ValueService | undefined;
  afterEach(async () => {
    await value?.close();
    await database?.close();
  });

  async function runJobs(retention: Record<string, unknown>, leader: boolean): Promise<string[]> {
    const url = await sqlite.fresh();
    database = await openDatabase(url);
    await database.db
      .insertInto('mcp_calls')
      .values([mcpCallRow('old', { ts: NOW - 40 * DAY_MS }), mcpCallRow('recent', { ts: NOW - DAY_MS })])
      .execute();
    const config = parseConfig({ database: { url }, retention }, {});
    value = await createValueService({ config, database, audit: memoryAuditLog(), now: () => NOW });
    const interval = vi.spyOn(globalThis, 'setInterval');
    value.start({ lease: { isLeader: () => leader, on: () => {} } });
    const jobs = interval.mock.calls.map(([fn]) => fn as () => void);
    interval.mockRestore();
    for (const job of jobs) job();
    await value.close();
    const rows = await database.db.selectFrom('mcp_calls').select('id').orderBy('id').execute();
    return rows.map((r) => r.id);
  }

  it('purges old tool calls on the leader when the key is set', async () => {
    expect(await runJobs({ mcp_calls_days: 30 }, true)).toEqual(['recent']);
  });

  it('purges nothing without the key, or on a replica that does not lead', async () => {
    expect(await runJobs({ raw_days: 30 }, true)).toEqual(['old', 'recent']);
    await database?.close();
    expect(await runJobs({ mcp_calls_days: 30 }, false)).toEqual(['old', 'recent']);
  });
});
