import { CompiledQuery } from 'kysely';
import { type Database, sqliteHandleOf } from './db.js';
import type { UsageEvent, UsageSink } from './types.js';
import { insertSql, prepareRowInsert, rowValues, toRow, USAGE_COLUMNS, type UsageRow } from './usage-rows.js';
import type { WriterThread } from './writer-thread/client.js';

export {
  listUsageEvents,
  type SummaryRow,
  summarizeUsage,
  sumSpend,
  type UsageListQuery,
  type UsageSummaryQuery,
} from './usage-queries.js';

export interface UsageWriterOptions {
  flushIntervalMs: number;
  /** Events written per transaction; reaching it also triggers an early flush. */
  batchSize: number;
  /** Most events held in memory while the store is failing; beyond it new events are dropped (and reported). */
  maxBuffered?: number;
  /** Write failures and dropped events. Called at most once per failure streak plus a reminder every 30 s. */
  onError?: (e: unknown) => void;
  /** SQLite: insert on this writer thread while it is alive (off the event loop). */
  thread?: WriterThread | null;
  /** Told, in record() order, how many events each successful batch committed (the spool settles them). */
  onCommitted?: (n: number) => void;
}

export type UsageWriter = Omit<UsageSink, 'record'> & {
  /** False when the event was dropped (writer closed, or the buffer is full). */
  record(event: UsageEvent): boolean;
  close(): Promise<void>;
  /** Events waiting to be written (for health checks and tests). */
  readonly pending: number;
  /** The last write attempt failed. */
  readonly failing: boolean;
};

/** Statement parameter limits: SQLite 32766, Postgres 65535. Stay comfortably below both. */
const MAX_PARAMS = { sqlite: 32_000, postgres: 65_000 } as const;
const ERROR_REPORT_INTERVAL_MS = 30_000;
/** After this many failed attempts at one batch, look for a row the database refuses. */
const ISOLATE_AFTER_FAILURES = 3;

/**
 * Buffers usage events in memory and writes them in batches, off the request path: record() is a
 * push; each batch is one transaction (Postgres: multi-row inserts chunked under the parameter
 * limit; SQLite: a prepared statement run per row, which is faster in-process). A failed
 * write keeps its events at the head of the buffer for the next attempt, so a store outage delays
 * events rather than losing them (until maxBuffered, which bounds memory).
 */
export function createUsageWriter(database: Database, opts: UsageWriterOptions): UsageWriter {
  const batchSize = Math.max(1, Math.floor(opts.batchSize));
  const maxBuffered = opts.maxBuffered ?? Math.max(100_000, batchSize * 20);
  const rowsPerStatement = Math.max(1, Math.floor(MAX_PARAMS[database.dialect] / USAGE_COLUMNS.length));
  const sqlite = sqliteHandleOf(database);
  let sqliteInsert: ((rows: readonly unknown[][]) => void) | null = null;
  const thread = opts.thread ?? null;
  let fullChunkSql: string | null = null;
  const onError = opts.onError ?? defaultOnError;

  let buffer: UsageEvent[] = [];
  let inflight: Promise<void> | null = null;
  let earlyFlushScheduled = false;
  let closed = false;
  let dropped = 0;
  let consecutiveFailures = 0;
  let lastReportAt = 0;

  const timer = setInterval(() => {
    if (buffer.length > 0 && inflight === null) void flush().catch(report);
  }, opts.flushIntervalMs);
  timer.unref();

  function report(e: unknown): void {
    const now = Date.now();
    if (consecutiveFailures > 1 && now - lastReportAt < ERROR_REPORT_INTERVAL_MS) return;
    lastReportAt = now;
    safeCall(onError, e);
  }

  function record(event: UsageEvent): boolean {
    if (closed) {
      safeCall(
        onError,
        new Error(`usage event ${event.requestId} recorded after the usage writer closed; dropped`),
      );
      return false;
    }
    if (buffer.length >= maxBuffered) {
      if (dropped++ === 0)
        safeCall(
          onError,
          new Error(
            `usage buffer is full (${maxBuffered} events waiting for the store); dropping new usage events`,
          ),
        );
      return false;
    }
    buffer.push(event);
    if (buffer.length >= batchSize && inflight === null && !earlyFlushScheduled) {
      earlyFlushScheduled = true;
      setImmediate(() => {
        earlyFlushScheduled = false;
        if (inflight === null) void flush().catch(report);
      });
    }
    return true;
  }

  async function insertRows(rows: UsageRow[]): Promise<void> {
    if (thread?.alive) return thread.insert(rows.map(rowValues));
    // SQLite on this thread: a prepared statement in one synchronous transaction (event-loop time).
    if (sqlite && !sqlite.inTransaction) {
      sqliteInsert ??= prepareRowInsert(sqlite);
      sqliteInsert(rows.map(rowValues));
      return;
    }
    const placeholder = database.dialect === 'postgres' ? 'dollar' : 'question';
    await database.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += rowsPerStatement) {
        const chunk = rows.length <= rowsPerStatement ? rows : rows.slice(i, i + rowsPerStatement);
        let text: string;
        if (chunk.length === rowsPerStatement)
          text = fullChunkSql ??= insertSql(rowsPerStatement, placeholder);
        else text = insertSql(chunk.length, placeholder);
        await trx.executeQuery(CompiledQuery.raw(text, chunk.flatMap(rowValues)));
      }
    });
  }

  /**
   * A batch that keeps failing while the database answers pings holds a row it refuses (a bug
   * elsewhere, but it must not wedge the ledger): write rows one by one and drop only the refusers.
   */
  async function isolateBadRows(rows: UsageRow[], cause: unknown): Promise<boolean> {
    try {
      await database.ping();
    } catch {
      return false;
    }
    let bad = 0;
    for (const row of rows) {
      try {
        await insertRows([row]);
      } catch (e) {
        // A locked, full or failing store answers pings but refuses every row: that is no reason to
        // drop them. Keep the batch (the rows written one by one are skipped on retry: the insert
        // is idempotent on request_id).
        if (!isRowFault(e)) return false;
        bad++;
      }
    }
    if (bad > 0)
      safeCall(onError, new Error(`dropped ${bad} usage event(s) the database refused`, { cause }));
    return true;
  }

  async function writeBatch(batch: UsageEvent[]): Promise<void> {
    const rows = batch.map(toRow);
    try {
      await insertRows(rows);
      consecutiveFailures = 0;
    } catch (e) {
      consecutiveFailures++;
      if (consecutiveFailures >= ISOLATE_AFTER_FAILURES && (await isolateBadRows(rows, e))) {
        consecutiveFailures = 0;
        return;
      }
      throw e;
    }
  }

  async function drain(): Promise<void> {
    // Only what is buffered now: under steady load the buffer never empties, and flush() must end.
    let remaining = buffer.length;
    while (remaining > 0 && buffer.length > 0) {
      const batch = buffer.length <= batchSize ? buffer : buffer.slice(0, batchSize);
      buffer = batch === buffer ? [] : buffer.slice(batch.length);
      try {
        await writeBatch(batch);
      } catch (e) {
        buffer = buffer.length === 0 ? batch : batch.concat(buffer);
        throw e;
      }
      remaining -= batch.length;
      if (opts.onCommitted) {
        try {
          opts.onCommitted(batch.length);
        } catch (e) {
          safeCall(onError, e);
        }
      }
      // SQLite writes are synchronous: yield between batches so a large flush never stalls the
      // requests in flight for more than one batch's worth of inserts.
      if (remaining > 0 && buffer.length > 0) await new Promise<void>((r) => setImmediate(r));
    }
    if (dropped > 0 && buffer.length < maxBuffered) {
      safeCall(
        onError,
        new Error(`store recovered; ${dropped} usage event(s) were dropped while the buffer was full`),
      );
      dropped = 0;
    }
  }

  function flush(): Promise<void> {
    // Single flight: each flush starts after the previous one settles, whatever its outcome.
    const run = (inflight ?? Promise.resolve()).catch(() => undefined).then(drain);
    inflight = run;
    run.then(
      () => {
        if (inflight === run) inflight = null;
      },
      () => {
        if (inflight === run) inflight = null;
      },
    );
    return run;
  }

  async function close(): Promise<void> {
    if (closed) return inflight?.catch(() => undefined);
    closed = true;
    clearInterval(timer);
    try {
      await flush();
    } catch (e) {
      throw new Error(`could not write ${buffer.length} usage event(s) before closing`, { cause: e });
    }
  }

  return {
    record,
    flush,
    close,
    get pending() {
      return buffer.length;
    },
    get failing() {
      return consecutiveFailures > 0;
    },
  };
}

/**
 * The database refused this row for what it holds (a constraint, a type, a size), not because the
 * store itself cannot write (SQLITE_BUSY, SQLITE_FULL, I/O errors, a lost PostgreSQL connection,
 * anything unknown): only such rows may be dropped.
 */
export function isRowFault(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  if (code.startsWith('SQLITE_')) return /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)/.test(code);
  // PostgreSQL SQLSTATE: class 22 data exception, 23 integrity constraint violation.
  return /^2[23][0-9A-Z]{3}$/.test(code);
}

function safeCall(fn: (e: unknown) => void, e: unknown): void {
  try {
    fn(e);
  } catch {
    // A throwing error reporter must not break recording.
  }
}

function defaultOnError(e: unknown): void {
  process.emitWarning(e instanceof Error ? e : new Error(String(e)), { code: 'KEEL_USAGE_WRITE' });
}
