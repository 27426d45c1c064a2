import type { WriterThread } from './writer-thread/client.js';
import type { ThreadTable } from './writer-thread/protocol.js';

/**
 * Records written in batches off the request path: record() only buffers; a timer (and flush())
 * inserts up to 500 at a time. A failed insert keeps its records for the next attempt and backs off
 * while the store fails (locked, full, gone): on SQLite every attempt may hold the event loop for the
 * connection's busy_timeout. The buffer is bounded; past it record() drops and says so.
 */
export interface BatchWriter<T> {
  /** False when the record was dropped (the buffer is full). */
  record(e: T): boolean;
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Records waiting to be written. */
  readonly pending: number;
}

export interface BatchWriterOptions {
  flushIntervalMs: number;
  onError: (e: unknown) => void;
  maxBuffered?: number;
  /** Told, in record() order, how many records each successful batch committed (the spool settles them). */
  onCommitted?: (n: number) => void;
}

export function createBatchWriter<T>(
  insert: (batch: T[]) => Promise<void>,
  opts: BatchWriterOptions,
): BatchWriter<T> {
  let buffer: T[] = [];
  let inflight: Promise<void> | null = null;
  let failures = 0;
  let nextAttemptAt = 0;
  const max = opts.maxBuffered ?? 50_000;
  const write = async () => {
    while (buffer.length > 0) {
      const batch = buffer.slice(0, 500);
      try {
        await insert(batch);
        buffer = buffer.slice(batch.length);
        try {
          opts.onCommitted?.(batch.length);
        } catch (err) {
          opts.onError(err);
        }
      } catch (e) {
        failures++;
        nextAttemptAt = Date.now() + Math.min(10_000, opts.flushIntervalMs * 2 ** failures);
        opts.onError(e);
        return;
      }
      failures = 0;
    }
  };
  const flush = () => {
    inflight = (inflight ?? Promise.resolve()).then(write);
    return inflight;
  };
  const timer = setInterval(() => {
    if (buffer.length > 0 && Date.now() >= nextAttemptAt) void flush();
  }, opts.flushIntervalMs);
  timer.unref();
  return {
    record(e) {
      if (buffer.length >= max) return false;
      buffer.push(e);
      return true;
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
    get pending() {
      return buffer.length;
    },
  };
}

/**
 * A batch insert that runs on the SQLite writer thread while it is alive (off the event loop), and
 * through `direct` on this process's connection otherwise (other stores, or the thread stopped). On
 * the event loop a write that meets the writer thread's lock sleeps in SQLite's busy handler (1, 2,
 * 5, 10, 15, 20 ms…): measured 50–75 ms stalls of every request under a flood of guard events.
 */
export function onThreadOr<T>(
  thread: WriterThread | null | undefined,
  table: ThreadTable,
  values: (r: T) => unknown[],
  direct: (batch: T[]) => Promise<unknown>,
): (batch: T[]) => Promise<void> {
  return async (batch) => {
    if (thread?.alive) return thread.insert(batch.map(values), table);
    await direct(batch);
  };
}
