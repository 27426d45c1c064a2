import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../store/db.js';
import { STORES } from '../../store/testkit.js';
import { mcpOverview } from './overview.js';
import { insertMcpCalls, mcpCallRow } from './testkit.js';

describe.each(STORES)('MCP overview queries on $name', (store) => {
  let database: Database;
  beforeAll(async () => {
    database = await store.open();
    await insertMcpCalls(database, [
      ...[40, 10, 30, 20].map((latency_ms, i) => mcpCallRow({ id: `a${i}`, ts: 1000 + i, latency_ms })),
      mcpCallRow({ id: 'r1', ts: 1000, outcome: 'refused', error_code: 'tool_not_allowed', key_id: null }),
      mcpCallRow({
        id: 'f1',
        ts: 1000,
        tool: 'files__read',
        server: 'files',
        outcome: 'failed',
        latency_ms: 7,
      }),
      mcpCallRow({ id: 'late', ts: 5000 }),
    ]);
  });
  afterAll(async () => {
    await database.close();
  });

  it('reads counts and medians as numbers, whatever the dialect returns', async () => {
    const o = await mcpOverview(database.db, { from: 1000, to: 2000 }, null);
    expect(o.total).toMatchObject({ calls: 6, ok: 4, failed: 1, refused: 1, p50LatencyMs: 20 });
    expect(o.tools.map((t) => [t.tool, t.calls, t.p50LatencyMs])).toEqual([
      ['crm__lookup', 5, 20],
      ['files__read', 1, 7],
    ]);
    expect(o.byKey.map((k) => [k.keyId, k.tool, k.calls])).toEqual([
      ['key_ops', 'crm__lookup', 4],
      [null, 'crm__lookup', 1],
      ['key_ops', 'files__read', 1],
    ]);
    expect(o.byUseCase).toEqual([
      expect.objectContaining({
        useCase: 'billing',
        tool: 'crm__lookup',
        calls: 5,
        refusals: { tool_not_allowed: 1 },
      }),
      expect.objectContaining({ useCase: 'billing', tool: 'files__read', calls: 1 }),
    ]);
  });
});
