import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mcpApprovalRow } from '../mcp/approvals/testkit.js';
import { mcpCallRow as row } from '../mcp/testkit.js';
import { type Database, openDatabase } from './db.js';
import { createMcpCallWriter, mcpCallsByUseCaseDay } from './mcp-calls.js';
import { mcpRetentionCutoff, purgeMcpRecords } from './mcp-retention.js';
import { DAY_MS } from './rollups/sql.js';
import { STORES } from './testkit.js';

const T0 = 1_800_000_000_000; // mcpCallRow's ts

// retention.mcp_calls_days
const D0 = Date.UTC(2027, 0, 1);
const NOW = D0 + 40 * DAY_MS + 5 * 3_600_000;
const DAYS = 30;
/** Midnight UTC ten days after D0: everything before it is older than 30 days at NOW. */
const CUTOFF = D0 + 10 * DAY_MS;

/** A held call settled a second after it was held (or still pending). */
function approval(id: string, created: number, status: string) {
  const settled = status === 'pending' ? {} : { decided_at: created + 1000, decided_by: 'admin:ana' };
  return mcpApprovalRow({ id, created_at: created, status, ...settled });
}

describe.each(STORES)('mcp_calls and their retention on $name', (backend) => {
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

  beforeEach(async () => {
    for (const t of ['mcp_calls', 'mcp_approvals', 'mcp_call_rollups'] as const)
      await database.db.deleteFrom(t).execute();
  });

  it('deletes old calls in chunks and keeps their counts for the value report', async () => {
    expect(mcpRetentionCutoff(NOW, DAYS)).toBe(CUTOFF);
    // 7 old calls over two days (two of them refused, one for another use case) — more than two
    // chunks of 3 — and 2 recent ones, one of them in the last instant before the cutoff's day.
    const old = [
      ...[0, 1, 2, 3].map((i) =>
        row(`old_a${i}`, {
          ts: D0 + 2 * DAY_MS + i,
          ...(i < 2 ? { outcome: 'refused', error_code: 'tool_not_allowed' } : {}),
        }),
      ),
      row('old_b0', { ts: D0 + 2 * DAY_MS + 9, use_case: 'triage' }),
      row('old_c0', { ts: CUTOFF - 1 }),
      row('old_c1', { ts: CUTOFF - 2 }),
    ];
    const recent = [row('new_0', { ts: CUTOFF }), row('new_1', { ts: NOW })];
    await database.db
      .insertInto('mcp_calls')
      .values([...old, ...recent])
      .execute();
    const before = await mcpCallsByUseCaseDay(database, D0, NOW + DAY_MS);

    let yields = 0;
    const purged = await purgeMcpRecords(database, NOW, {
      days: DAYS,
      chunk: 3,
      yieldFn: async () => {
        yields++;
      },
    });
    expect(purged).toEqual({ calls: 7, approvals: 0 });
    // 3 + 3 + 1 calls, then the (empty) approvals pass: a yield after each full chunk.
    expect(yields).toBe(2);
    const left = await database.db.selectFrom('mcp_calls').select('id').orderBy('id').execute();
    expect(left.map((r) => r.id)).toEqual(['new_0', 'new_1']);

    // The report reads the same before and after: purged days from the rollups, the rest raw.
    const after = await mcpCallsByUseCaseDay(database, D0, NOW + DAY_MS);
    expect(after).toEqual(before);
    expect(after).toEqual([
      { useCase: 'reports', day: D0 + 2 * DAY_MS, toolCalls: 4, toolRefusals: 2 },
      { useCase: 'reports', day: D0 + 9 * DAY_MS, toolCalls: 2, toolRefusals: 0 },
      { useCase: 'reports', day: CUTOFF, toolCalls: 1, toolRefusals: 0 },
      { useCase: 'reports', day: D0 + 40 * DAY_MS, toolCalls: 1, toolRefusals: 0 },
      { useCase: 'triage', day: D0 + 2 * DAY_MS, toolCalls: 1, toolRefusals: 0 },
    ]);

    // A late call for a purged day (a spool replay) is purged at the next pass and added, not lost.
    await database.db
      .insertInto('mcp_calls')
      .values(row('late', { ts: D0 + 2 * DAY_MS + 50, outcome: 'refused' }))
      .execute();
    expect(await purgeMcpRecords(database, NOW, { days: DAYS, chunk: 3 })).toEqual({
      calls: 1,
      approvals: 0,
    });
    expect((await mcpCallsByUseCaseDay(database, D0 + 2 * DAY_MS, D0 + 3 * DAY_MS))[0]).toEqual({
      useCase: 'reports',
      day: D0 + 2 * DAY_MS,
      toolCalls: 5,
      toolRefusals: 3,
    });
    // Nothing left to purge: a second pass changes nothing.
    expect(await purgeMcpRecords(database, NOW, { days: DAYS })).toEqual({ calls: 0, approvals: 0 });
    expect(await mcpCallsByUseCaseDay(database, D0, NOW + DAY_MS)).toHaveLength(5);
  });

  it('deletes settled approvals older than the cutoff, never a pending one', async () => {
    const old = CUTOFF - DAY_MS;
    await database.db
      .insertInto('mcp_approvals')
      .values([
        approval('a_approved', old, 'approved'),
        approval('a_denied', old + 1, 'denied'),
        approval('a_expired', old + 2, 'expired'),
        approval('a_expired2', CUTOFF - 1, 'expired'),
        approval('a_pending_old', old - DAY_MS, 'pending'),
        approval('b_denied_recent', CUTOFF, 'denied'),
        approval('b_pending_recent', NOW - 1000, 'pending'),
      ])
      .execute();
    const purged = await purgeMcpRecords(database, NOW, { days: DAYS, chunk: 2, yieldFn: async () => {} });
    expect(purged).toEqual({ calls: 0, approvals: 4 });
    const left = await database.db.selectFrom('mcp_approvals').select('id').orderBy('id').execute();
    expect(left.map((r) => r.id)).toEqual(['a_pending_old', 'b_denied_recent', 'b_pending_recent']);
  });

  // Two replicas purging at once (a leadership hand-over): each counts only the rows it deleted.
  // A server only: SQLite is one node with one writer, and PGlite one instance per open.
  it.skipIf(backend.name !== 'postgres')(
    'counts each purged call once when two connections purge together',
    async () => {
      const url = await backend.fresh();
      const [a, b] = [await openDatabase(url), await openDatabase(url)];
      try {
        const calls = Array.from({ length: 60 }, (_, i) =>
          row(`c${i}`, { ts: D0 + (i % 3) * DAY_MS + i, outcome: i % 4 === 0 ? 'refused' : 'ok' }),
        );
        await a.db.insertInto('mcp_calls').values(calls).execute();
        const before = await mcpCallsByUseCaseDay(a, D0, NOW);
        const [pa, pb] = await Promise.all([
          purgeMcpRecords(a, NOW, { days: DAYS, chunk: 7 }),
          purgeMcpRecords(b, NOW, { days: DAYS, chunk: 7 }),
        ]);
        expect(pa.calls + pb.calls).toBe(60);
        expect(await a.db.selectFrom('mcp_calls').select('id').execute()).toEqual([]);
        expect(await mcpCallsByUseCaseDay(b, D0, NOW)).toEqual(before);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    },
  );
});
