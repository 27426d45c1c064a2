import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpCallRow as row } from '../mcp/testkit.js';
import type { Database } from './db.js';
import { createMcpCallWriter, mcpCallsByUseCaseDay } from './mcp-calls.js';
import { STORES } from './testkit.js';

const T0 = 1_800_000_000_000; // mcpCallRow's ts

describe.each(STORES)('mcp_calls on $name', (backend) => {
  let database: Database;
  // Opening PGlite takes seconds on a busy machine: not part of the test's own time.
  beforeAll(async () => {
    database = await backend.open();
  }, 60_000);
  afterAll(() => database?.close());

  it('writes tool calls in batches, once per call id, and counts them per use case', async () => {
    const committed: number[] = [];
    const writer = createMcpCallWriter(database, {
      flushIntervalMs: 60_000,
      onError: (e) => {
        throw e;
      },
      onCommitted: (n) => committed.push(n),
    });
    const rows = [
      row('call_1'),
      row('call_2', { outcome: 'refused', error_code: 'tool_not_allowed', findings: '["x"]' }),
      row('call_3', { use_case: 'unassigned', key_id: null, ts: T0 + 5 }),
      row('call_4', { ts: T0 + 10_000 }),
    ];
    for (const r of rows) expect(writer.record(r)).toBe(true);
    expect(writer.pending).toBe(4);
    await writer.flush();
    // A replayed spool writes the same call again: it is stored once.
    writer.record(row('call_1', { latency_ms: 999 }));
    await writer.close();
    expect(committed).toEqual([4, 1]);

    const stored = await database.db.selectFrom('mcp_calls').selectAll().orderBy('id').execute();
    expect(stored.map((r) => ({ ...r, ts: Number(r.ts) }))).toEqual(rows);

    const DAY = 86_400_000;
    const day = T0 - (T0 % DAY);
    expect(await mcpCallsByUseCaseDay(database, day, day + 2 * DAY)).toEqual([
      { useCase: 'reports', day, toolCalls: 3, toolRefusals: 1 },
      { useCase: 'unassigned', day, toolCalls: 1, toolRefusals: 0 },
    ]);
    expect(await mcpCallsByUseCaseDay(database, T0 + 1, T0 + 10_000)).toEqual([
      { useCase: 'unassigned', day, toolCalls: 1, toolRefusals: 0 },
    ]);
  });
});
