import type BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { type BatchWriter, type BatchWriterOptions, createBatchWriter, onThreadOr } from './batch-writer.js';
import type { Database } from './db.js';
import type { McpCallsTable } from './mcp-schema.js';
import { DAY_MS, floorTs } from './rollups/sql.js';
import type { WriterThread } from './writer-thread/client.js';

/** One tools/call as stored in `mcp_calls` (plain JSON, so it can go through the spool as it is). */
export type McpCallRow = { [K in keyof McpCallsTable]: K extends 'ts' ? number : McpCallsTable[K] };

const COLUMNS: ReadonlyArray<keyof McpCallRow> = [
  'id',
  'ts',
  'key_id',
  'use_case',
  'team',
  'server',
  'tool',
  'outcome',
  'error_code',
  'latency_ms',
  'request_bytes',
  'response_bytes',
  'approval_id',
  'findings',
  'session_id',
];

export function mcpCallValues(r: McpCallRow): unknown[] {
  return COLUMNS.map((c) => r[c]);
}

/** The writer thread's statement: one transaction per batch; a replayed call (same id) is skipped. */
export function prepareMcpCallInsert(sqlite: BetterSqlite3.Database): (rows: readonly unknown[][]) => void {
  const stmt = sqlite.prepare(
    `insert into "mcp_calls" (${COLUMNS.map((c) => `"${c}"`).join(', ')}) values (${COLUMNS.map(() => '?').join(', ')}) on conflict ("id") do nothing`,
  );
  return sqlite.transaction((rows: readonly unknown[][]) => {
    for (const values of rows) stmt.run(values);
  });
}

/**
 * Tool calls, written like guard decisions and usage events: buffered, in batches off the request
 * path, on the SQLite writer thread while it lives. Idempotent on the call id, so a spool replay after
 * a crash never writes a call twice.
 */
export function createMcpCallWriter(
  database: Database,
  opts: BatchWriterOptions & { thread?: WriterThread | null },
): BatchWriter<McpCallRow> {
  const insert = onThreadOr(opts.thread, 'mcp_calls', mcpCallValues, (batch: McpCallRow[]) =>
    database.db
      .insertInto('mcp_calls')
      .values(batch)
      .onConflict((oc) => oc.column('id').doNothing())
      .execute(),
  );
  return createBatchWriter(insert, opts);
}

/**
 * Tool calls and refusals per use case and UTC day (day-aligned epoch ms), for reports: the calls in
 * `mcp_calls` with ts in [from, to), plus the days in [from, to) of `mcp_call_rollups`, where
 * `retention.mcp_calls_days` moved purged calls. One statement, so a purge committing meanwhile is
 * seen whole or not at all and no call is counted twice or missed.
 */
export async function mcpCallsByUseCaseDay(
  database: Database,
  from: number,
  to: number,
): Promise<Array<{ useCase: string; day: number; toolCalls: number; toolRefusals: number }>> {
  const { db } = database;
  const day = sql<number | string>`${sql.raw(floorTs(DAY_MS))}`;
  const raw = db
    .selectFrom('mcp_calls')
    .select((eb) => [
      'use_case',
      day.as('day'),
      eb.fn.countAll<number | string>().as('calls'),
      eb.fn.count<number | string>(eb.case().when('outcome', '=', 'refused').then(1).end()).as('refusals'),
    ])
    .where('ts', '>=', from)
    .where('ts', '<', to)
    .groupBy(['use_case', day]);
  const purged = db
    .selectFrom('mcp_call_rollups')
    .select([
      'use_case',
      sql<number | string>`day`.as('day'),
      sql<number | string>`calls`.as('calls'),
      sql<number | string>`refusals`.as('refusals'),
    ])
    .where('day', '>=', from)
    .where('day', '<', to);
  const rows = await db
    .selectFrom(raw.unionAll(purged).as('t'))
    .select((eb) => [
      't.use_case',
      't.day',
      eb.fn.sum<number | string>('t.calls').as('calls'),
      eb.fn.sum<number | string>('t.refusals').as('refusals'),
    ])
    .groupBy(['t.use_case', 't.day'])
    .orderBy('t.use_case')
    .orderBy('t.day')
    .execute();
  return rows.map((r) => ({
    useCase: r.use_case,
    day: Number(r.day),
    toolCalls: Number(r.calls),
    toolRefusals: Number(r.refusals),
  }));
}
