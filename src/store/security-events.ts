import type { Database } from './db.js';

export interface SecurityEvent {
  ts: number;
  requestId: string;
  useCase: string;
  keyId: string | null;
  model: string | null;
  detector: string;
  direction: 'input' | 'output';
  action: string;
  score: number;
  labels: string[];
  spans: Array<{ start: number; end: number; label: string }>;
  index: number;
  /**
   * Idempotency key (unique in the store): set when the event is spooled, so that replaying the spool
   * after a crash does not write an event twice. Events without one are never de-duplicated.
   */
  key?: string;
}

/**
 * Guard decisions, written in batches off the request path (like usage events). A failed write keeps
 * its events for the next attempt, up to a bound.
 */
export function createSecurityEventWriter(
  database: Database,
  opts: {
    flushIntervalMs: number;
    onError: (e: unknown) => void;
    maxBuffered?: number;
    /** Told, in record() order, how many events each successful batch committed (the spool settles them). */
    onCommitted?: (n: number) => void;
  },
): {
  /** False when the event was dropped (the buffer is full). */
  record(e: SecurityEvent): boolean;
  flush(): Promise<void>;
  close(): Promise<void>;
} {
  let buffer: SecurityEvent[] = [];
  let inflight: Promise<void> | null = null;
  let failures = 0;
  let nextAttemptAt = 0;
  const max = opts.maxBuffered ?? 50_000;
  const write = async () => {
    while (buffer.length > 0) {
      const batch = buffer.slice(0, 500);
      try {
        await database.db
          .insertInto('security_events')
          .values(
            batch.map((e) => ({
              ts: e.ts,
              request_id: e.requestId,
              use_case: e.useCase,
              key_id: e.keyId,
              model: e.model,
              detector: e.detector,
              direction: e.direction,
              action: e.action,
              score: e.score,
              labels: JSON.stringify(e.labels),
              spans: JSON.stringify(e.spans),
              message_index: e.index,
              event_key: e.key ?? null,
            })),
          )
          .onConflict((oc) => oc.column('event_key').doNothing())
          .execute();
        buffer = buffer.slice(batch.length);
        try {
          opts.onCommitted?.(batch.length);
        } catch (err) {
          opts.onError(err);
        }
      } catch (e) {
        // Back off while the store fails (locked, full, gone): on SQLite every attempt may hold the
        // event loop for the connection's busy_timeout.
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
  };
}

export interface SecurityEventQuery {
  from?: number;
  to?: number;
  detector?: string;
  action?: string;
  useCase?: string;
  keyId?: string;
  /** Newest first; default 100, at most 1000. */
  limit?: number;
}

export async function querySecurityEvents(
  database: Database,
  q: SecurityEventQuery,
): Promise<SecurityEvent[]> {
  let query = database.db.selectFrom('security_events').selectAll();
  if (q.from !== undefined) query = query.where('ts', '>=', q.from);
  if (q.to !== undefined) query = query.where('ts', '<', q.to);
  if (q.detector) query = query.where('detector', '=', q.detector);
  if (q.action) query = query.where('action', '=', q.action);
  if (q.useCase) query = query.where('use_case', '=', q.useCase);
  if (q.keyId) query = query.where('key_id', '=', q.keyId);
  const limit = Math.min(Math.max(1, Math.floor(q.limit ?? 100)), 1000);
  const rows = await query.orderBy('ts', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    ts: Number(r.ts),
    requestId: r.request_id,
    useCase: r.use_case,
    keyId: r.key_id,
    model: r.model,
    detector: r.detector,
    direction: r.direction as 'input' | 'output',
    action: r.action,
    score: r.score,
    labels: JSON.parse(r.labels) as string[],
    spans: JSON.parse(r.spans) as SecurityEvent['spans'],
    index: r.message_index,
  }));
}
