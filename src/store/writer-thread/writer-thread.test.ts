import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mcpCallRow } from '../../mcp/testkit.js';
import { usageEvent } from '../../telemetry/testkit.js';
import { type Database, openDatabase } from '../db.js';
import { createMcpCallWriter } from '../mcp-calls.js';
import { createSecurityEventWriter, querySecurityEvents } from '../security-events.js';
import type { UsageEvent } from '../types.js';
import { createUsageWriter } from '../usage.js';
import { rowValues, toRow } from '../usage-rows.js';
import { startWriterThread, type WriterThread } from './client.js';
import { WRITER_NICE } from './priority.js';

// Worker threads run compiled JavaScript: this suite drives the worker that `npm install` (prepare)
// and `npm run build` compile into dist/, against a SQLite file shared with this (main) thread.
const WORKER = new URL('../../../dist/store/writer-thread/worker.js', import.meta.url);
if (!existsSync(fileURLToPath(WORKER)))
  throw new Error('dist/store/writer-thread/worker.js is missing: run `npm run build` first');

const tmp = mkdtempSync(path.join(tmpdir(), 'keel-writer-thread-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
/** A distinct usage event per call (its own request id and hour). */
const event = (over: Partial<UsageEvent> = {}): UsageEvent => {
  n++;
  return usageEvent({
    requestId: `req_t${n}`,
    ts: 1_790_000_000_000 + n * 1000,
    userId: `u${n % 3}`,
    ...over,
  });
};

const open: Array<{ database: Database; thread: WriterThread | null }> = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.thread?.close();
    await o.database.close();
  }
});

async function setup(name: string, rollups: { intervalMs: number; chunk: number } | null = null) {
  const url = `sqlite:${path.join(tmp, `${name}.db`)}`;
  const database = await openDatabase(url);
  const errors: unknown[] = [];
  const thread = await startWriterThread({
    url,
    rollups,
    workerUrl: WORKER,
    onError: (e) => errors.push(e),
  });
  open.push({ database, thread });
  return { database, thread, errors };
}

const rows = async (database: Database) =>
  Number((await sql<{ n: number }>`select count(*) as n from usage_events`.execute(database.db)).rows[0]?.n);

describe('SQLite writer thread', () => {
  it('inserts usage batches on its own connection; the main thread reads them once flushed', async () => {
    const { database, thread, errors } = await setup('insert');
    expect(thread?.alive).toBe(true);
    const writer = createUsageWriter(database, { flushIntervalMs: 60_000, batchSize: 40, thread });
    for (let i = 0; i < 100; i++) writer.record(event());
    await writer.flush();
    expect(await rows(database)).toBe(100);
    expect(writer.pending).toBe(0);
    // Idempotent on request id, as on the main thread: a retried batch is not counted twice.
    const again = (
      await sql<{ request_id: string }>`select request_id from usage_events limit 1`.execute(database.db)
    ).rows[0]!.request_id;
    writer.record(event({ requestId: again }));
    await writer.close();
    expect(await rows(database)).toBe(100);
    expect(errors).toEqual([]);
  });

  it('inserts security events and MCP tool calls on the thread, idempotent on their keys like the main-thread inserts', async () => {
    const { database, thread, errors } = await setup('security');
    const writer = createSecurityEventWriter(database, {
      flushIntervalMs: 60_000,
      onError: (e) => errors.push(e),
      thread,
    });
    const base = {
      requestId: 'req_s1',
      useCase: 'support',
      keyId: null,
      model: 'gpt-4o-mini',
      detector: 'injection',
      direction: 'input' as const,
      action: 'block',
      score: 0.97,
      labels: ['injection'],
      spans: [{ start: 0, end: 6, label: 'injection' }],
      index: 0,
    };
    writer.record({ ...base, ts: 1_790_000_000_000, key: 'evt-1' });
    writer.record({ ...base, ts: 1_790_000_000_001, key: 'evt-2' });
    await writer.flush();
    // A replayed spool entry carries the same key: skipped, not written twice.
    writer.record({ ...base, ts: 1_790_000_000_000, key: 'evt-1' });
    await writer.close();
    const keys = await sql<{
      event_key: string;
    }>`select event_key from security_events order by event_key`.execute(database.db);
    expect(keys.rows.map((r) => r.event_key)).toEqual(['evt-1', 'evt-2']);
    const stored = await querySecurityEvents(database, {});
    expect(stored[0]).toMatchObject({ detector: 'injection', labels: ['injection'], spans: base.spans });

    const calls = createMcpCallWriter(database, {
      flushIntervalMs: 60_000,
      onError: (e) => errors.push(e),
      thread,
    });
    calls.record(mcpCallRow('call_t1'));
    calls.record(mcpCallRow('call_t2', { outcome: 'refused', error_code: 'tool_not_allowed' }));
    await calls.flush();
    calls.record(mcpCallRow('call_t1', { latency_ms: 999 })); // replayed: skipped
    await calls.close();
    const callRows = await database.db
      .selectFrom('mcp_calls')
      .select(['id', 'latency_ms'])
      .orderBy('id')
      .execute();
    expect(callRows).toEqual([
      { id: 'call_t1', latency_ms: 12 },
      { id: 'call_t2', latency_ms: 12 },
    ]);
    expect(errors).toEqual([]);
  });

  it('reports a batch the database refuses back to the caller, and keeps serving', async () => {
    const { database, thread } = await setup('refused');
    const bad = rowValues(toRow(event()));
    bad[0] = null; // request_id is NOT NULL
    await expect(thread!.insert([bad])).rejects.toThrow(/NOT NULL/i);
    await thread!.insert([rowValues(toRow(event()))]);
    expect(await rows(database)).toBe(1);
  });

  it('rolls the ledger up on its own timer', async () => {
    const { database, thread } = await setup('rollups', { intervalMs: 30, chunk: 7 });
    const writer = createUsageWriter(database, { flushIntervalMs: 60_000, batchSize: 50, thread });
    for (let i = 0; i < 25; i++) writer.record(event());
    await writer.flush();
    const maxId = Number(
      (await sql<{ m: number }>`select max(id) as m from usage_events`.execute(database.db)).rows[0]?.m,
    );
    const deadline = Date.now() + 5000;
    let watermark = 0;
    while (Date.now() < deadline) {
      watermark = Number(
        (await sql<{ last_id: number }>`select last_id from rollup_state`.execute(database.db)).rows[0]
          ?.last_id ?? 0,
      );
      if (watermark >= maxId) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(watermark).toBe(maxId);
    const hourly = await sql<{
      requests: number;
    }>`select sum(requests) as requests from usage_rollups_hourly`.execute(database.db);
    expect(Number(hourly.rows[0]?.requests)).toBe(25);
    await writer.close();
  });

  it('writes on the main thread once the thread has closed', async () => {
    const { database, thread } = await setup('after-close');
    const writer = createUsageWriter(database, { flushIntervalMs: 60_000, batchSize: 10, thread });
    await thread!.close();
    expect(thread!.alive).toBe(false);
    writer.record(event());
    await writer.flush();
    expect(await rows(database)).toBe(1);
    await writer.close();
  });

  it.runIf(process.platform === 'linux')(
    'runs at a lower scheduling priority than the event loop',
    async () => {
      const threads = () => new Map(readdirSync('/proc/self/task').map((t) => [t, getPriority(Number(t))]));
      const before = threads();
      const mainNice = getPriority(process.pid);
      await setup('priority');
      const started = [...threads()].filter(([t]) => !before.has(t));
      // The writer thread lowered its own priority; the event loop's thread kept the process's.
      expect(started.filter(([, nice]) => nice === Math.max(WRITER_NICE, mainNice))).toHaveLength(1);
      expect(getPriority(process.pid)).toBe(mainNice);
    },
  );

  it.runIf(process.platform === 'linux')(
    'close() settles only once the thread has ended, not when it says it has closed',
    async () => {
      // A process that exits while a worker isolate is still being torn down can abort on Node 20.
      const before = new Set(readdirSync('/proc/self/task'));
      const { database, thread } = await setup('ends');
      const writer = createUsageWriter(database, { flushIntervalMs: 60_000, batchSize: 10, thread });
      for (let i = 0; i < 25; i++) writer.record(event());
      await writer.flush();
      const started = readdirSync('/proc/self/task').filter(
        (t) => !before.has(t) && getPriority(Number(t)) === Math.max(WRITER_NICE, getPriority(process.pid)),
      );
      expect(started).toHaveLength(1);
      await thread!.close();
      expect(readdirSync('/proc/self/task')).not.toContain(started[0]);
      expect(await rows(database)).toBe(25);
      await writer.close();
    },
  );

  it('is not started for an in-memory store or without a compiled worker', async () => {
    const onError = () => {};
    expect(
      await startWriterThread({ url: 'sqlite::memory:', rollups: null, workerUrl: WORKER, onError }),
    ).toBe(null);
    expect(await startWriterThread({ url: 'pglite:', rollups: null, workerUrl: WORKER, onError })).toBe(null);
    const missing = new URL('./no-such-worker.js', WORKER);
    expect(
      await startWriterThread({
        url: `sqlite:${path.join(tmp, 'x.db')}`,
        rollups: null,
        workerUrl: missing,
        onError,
      }),
    ).toBe(null);
  });
});
