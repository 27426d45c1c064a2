import type BetterSqlite3 from 'better-sqlite3';
import type { Insertable } from 'kysely';
import { type BatchWriter, type BatchWriterOptions, createBatchWriter, onThreadOr } from './batch-writer.js';
import type { Database } from './db.js';
import type { SecurityEventsTable } from './schema.js';
import type { WriterThread } from './writer-thread/client.js';

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

/** Column order of securityRowValues, shared by the Kysely insert and the writer thread's statement. */
export const SECURITY_EVENT_COLUMNS: ReadonlyArray<keyof Insertable<SecurityEventsTable>> = [
  'ts',
  'request_id',
  'use_case',
  'key_id',
  'model',
  'detector',
  'direction',
  'action',
  'score',
  'labels',
  'spans',
  'message_index',
  'event_key',
];

export function securityRow(e: SecurityEvent): Insertable<SecurityEventsTable> {
  return {
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
  };
}

export function securityRowValues(e: SecurityEvent): unknown[] {
  const row = securityRow(e);
  return SECURITY_EVENT_COLUMNS.map((c) => row[c]);
}

/** The writer thread's statement: one transaction per batch; a replayed event (same key) is skipped. */
export function prepareSecurityInsert(sqlite: BetterSqlite3.Database): (rows: readonly unknown[][]) => void {
  const cols = SECURITY_EVENT_COLUMNS.map((c) => `"${c}"`).join(', ');
  const stmt = sqlite.prepare(
    `insert into "security_events" (${cols}) values (${SECURITY_EVENT_COLUMNS.map(() => '?').join(', ')}) on conflict ("event_key") do nothing`,
  );
  return sqlite.transaction((rows: readonly unknown[][]) => {
    for (const values of rows) stmt.run(values);
  });
}

/**
 * Guard decisions, written in batches off the request path (like usage events). A failed write keeps
 * its events for the next attempt, up to a bound.
 */
export function createSecurityEventWriter(
  database: Database,
  opts: BatchWriterOptions & {
    /** SQLite: insert on this writer thread while it is alive (off the event loop). */
    thread?: WriterThread | null;
  },
): BatchWriter<SecurityEvent> {
  const insert = onThreadOr(opts.thread, 'security_events', securityRowValues, (batch: SecurityEvent[]) =>
    database.db
      .insertInto('security_events')
      .values(batch.map(securityRow))
      .onConflict((oc) => oc.column('event_key').doNothing())
      .execute(),
  );
  return createBatchWriter(insert, opts);
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
