import type { Kysely } from 'kysely';
import { type Database, isSqliteBusy } from '../store/db.js';
import type { KeelSchema } from '../store/schema.js';
import type { AuditJournal } from '../store/spool/audit-journal.js';
import { writeTransaction } from '../store/write-transaction.js';
import { type Checkpoint, canonicalJson } from './chain.js';
import { appendCheckpointLines } from './checkpoint-file.js';
import { maskDetails, maskString } from './mask.js';
import {
  chainInTransaction,
  type Head,
  type PendingEntry,
  readHead,
  type WritePlan,
  writeEntries,
} from './store.js';
import type { AuditEntryInput, AuditedChange, AuditLog } from './types.js';

interface AuditLogOptions {
  /** HMAC-SHA256 key for checkpoints; without it checkpoints are written unsigned. */
  signingKey?: string;
  /** Checkpoint every N entries (and on close). */
  checkpointEvery: number;
  /** Also append each checkpoint as a JSON line to this file, outside the database. */
  checkpointFile?: string;
  now?: () => number;
  /** Write failures, retried in the background; reported once per failure streak plus every 30 s. */
  onError?: (e: unknown) => void;
  /** Background write interval in ms (default 50). */
  flushIntervalMs?: number;
  /** Entries per transaction (default 256, about 3 ms of event-loop time on SQLite); a full batch is written at once. */
  batchSize?: number;
  /** Entries held while the store is failing (default 1,000,000); beyond it entries are dropped and the drop is logged. */
  maxBuffered?: number;
  /** Keeps each appended entry durable (the write-ahead spool) until its batch is committed. */
  journal?: AuditJournal;
}

/** A buffered entry and its journal token. */
type Buffered = PendingEntry & { token: number };

export type AuditLogWriter = AuditLog & {
  /** The chain head in the store (after writes already in flight). */
  head(): Promise<Head | null>;
  /** Write what is buffered, then checkpoint the head now (null when the log is empty or the head is checkpointed). */
  checkpoint(): Promise<Checkpoint | null>;
  /** Entries appended but not yet durable. */
  readonly pending: number;
  /**
   * Queue an entry that was appended (masked, timestamped and journaled) by an earlier process and
   * replayed from the journal; `token` is handed back to the journal once it is committed.
   */
  appendJournaled(entry: PendingEntry, token: number): void;
};

const ERROR_REPORT_INTERVAL_MS = 30_000;
const MAX_BACKOFF_MS = 5_000;
const BUSY_RETRY_MS = 20;
const FLUSH_RETRY_DELAYS_MS = [50, 250];
const MAX_FIELD = 512;

/**
 * The audit log writer. append() only masks, snapshots and pushes (the request path never waits on
 * the store); one writer drains the buffer in order, batch by batch, each batch a transaction that
 * reads the head, chains, inserts and writes any due checkpoint. A failed batch stays at the front of
 * the buffer and is retried with backoff: entries are delayed by an outage, not lost.
 */
export function createAuditLog(database: Database, opts: AuditLogOptions): AuditLogWriter {
  const now = opts.now ?? Date.now;
  const onError = opts.onError ?? defaultOnError;
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 256));
  const maxBuffered = Math.max(batchSize, opts.maxBuffered ?? 1_000_000);
  const plan: WritePlan = {
    every: Math.max(1, Math.floor(opts.checkpointEvery)),
    force: false,
    signingKey: opts.signingKey,
    now,
  };

  // buffer[start..] is pending; the prefix is dropped lazily so a long backlog drains in O(n).
  let buffer: Buffered[] = [];
  let start = 0;
  let fileBacklog: Checkpoint[] = [];
  let tail: Promise<unknown> = Promise.resolve();
  let queued = 0;
  let earlyFlushScheduled = false;
  let closed = false;
  let dropped = 0;
  let failures = 0;
  let nextAttemptAt = 0;
  let lastReportAt = 0;

  const pending = () => buffer.length - start;

  const timer = setInterval(() => {
    if (queued > 0 || (pending() === 0 && fileBacklog.length === 0) || Date.now() < nextAttemptAt) return;
    void enqueue(() => drainOnce()).catch(report);
  }, opts.flushIntervalMs ?? 50);
  timer.unref();

  function report(e: unknown): void {
    const t = Date.now();
    if (failures > 1 && t - lastReportAt < ERROR_REPORT_INTERVAL_MS) return;
    lastReportAt = t;
    safeCall(onError, e);
  }

  /** The single writer: jobs run one after another, whatever the previous one's outcome. */
  function enqueue<T>(job: () => Promise<T>): Promise<T> {
    queued++;
    const run = tail.then(job, job);
    tail = run.then(
      () => {
        queued--;
      },
      () => {
        queued--;
      },
    );
    return run;
  }

  function field(v: unknown): string {
    const s = maskString(typeof v === 'string' ? v : String(v));
    return s.length > MAX_FIELD ? `${s.slice(0, MAX_FIELD)}…` : s;
  }

  /** Masked and snapshotted now: a caller mutating its object afterwards cannot rewrite history. */
  function toPending(entry: AuditEntryInput): PendingEntry {
    let details: string;
    try {
      details = canonicalJson(maskDetails(entry.details));
    } catch (e) {
      // A cyclic or hostile details object must not cost the entry itself.
      details = canonicalJson({ unserializable_details: field(e instanceof Error ? e.message : e) });
    }
    return {
      ts: now(),
      actor: field(entry.actor),
      action: field(entry.action),
      target: entry.target === null || entry.target === undefined ? null : field(entry.target),
      details,
    };
  }

  function append(entry: AuditEntryInput): void {
    if (closed) {
      safeCall(
        onError,
        new Error(`audit entry "${field(entry.action)}" appended after the audit log closed; dropped`),
      );
      return;
    }
    if (pending() >= maxBuffered) {
      if (dropped++ === 0)
        safeCall(
          onError,
          new Error(`audit buffer is full (${maxBuffered} entries waiting for the store); dropping entries`),
        );
      return;
    }
    const pe: Buffered = { ...toPending(entry), token: -1 };
    if (opts.journal) pe.token = opts.journal.write(pe);
    push(pe);
  }

  function push(pe: Buffered): void {
    buffer.push(pe);
    if (pending() >= batchSize && queued === 0 && !earlyFlushScheduled) {
      earlyFlushScheduled = true;
      setImmediate(() => {
        earlyFlushScheduled = false;
        if (queued === 0) void enqueue(() => drainOnce()).catch(report);
      });
    }
  }

  async function writeFileBacklog(): Promise<void> {
    if (!opts.checkpointFile || fileBacklog.length === 0) {
      fileBacklog = [];
      return;
    }
    // Take the backlog before awaiting: commit() pushes checkpoints meanwhile, and they must stay
    // for the next write instead of being counted as written with this one.
    const lines = fileBacklog;
    fileBacklog = [];
    try {
      await appendCheckpointLines(opts.checkpointFile, lines);
    } catch (e) {
      fileBacklog = [...lines, ...fileBacklog];
      throw e;
    }
  }

  async function write(batch: Buffered[], force: boolean, wait = true): Promise<Checkpoint[]> {
    const result = await writeEntries(database, batch, force ? { ...plan, force } : plan, { wait });
    if (opts.journal) for (const e of batch) if (e.token >= 0) opts.journal.committed(e.token);
    if (result.checkpoints.length > 0) fileBacklog.push(...result.checkpoints);
    return result.checkpoints;
  }

  /** Write what is buffered now (not what arrives meanwhile: under load flush() must still end). */
  async function drain(wait: boolean): Promise<void> {
    let remaining = pending();
    while (remaining > 0 && pending() > 0) {
      const n = Math.min(batchSize, pending());
      await write(buffer.slice(start, start + n), false, wait);
      start += n;
      remaining -= n;
      if (start >= 4096 && start * 2 >= buffer.length) {
        buffer = buffer.slice(start);
        start = 0;
      }
    }
    if (pending() === 0 && start > 0) {
      buffer = [];
      start = 0;
    }
    if (dropped > 0 && pending() < maxBuffered) {
      const count = dropped;
      dropped = 0;
      // The gap goes on the record, chained like everything else.
      append({
        actor: 'system',
        action: 'audit.dropped',
        details: { count, reason: 'buffer full while the store was failing' },
      });
    }
    await writeFileBacklog();
  }

  /** Background drains (timer, full batch) never wait for a lock on the event loop; flush() and close() do. */
  async function drainOnce(wait = false): Promise<void> {
    try {
      await drain(wait);
      failures = 0;
      nextAttemptAt = 0;
    } catch (e) {
      // Another connection (the writer thread) held the lock for its few ms: not a failure, try again soon.
      if (!wait && isSqliteBusy(e)) {
        nextAttemptAt = Date.now() + BUSY_RETRY_MS;
        return;
      }
      failures++;
      nextAttemptAt = Date.now() + Math.min(MAX_BACKOFF_MS, 50 * 2 ** failures);
      throw e;
    }
  }

  async function drainWithRetry(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await drainOnce(true);
        return;
      } catch (e) {
        const delay = FLUSH_RETRY_DELAYS_MS[attempt];
        if (delay === undefined) throw e;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /**
   * The change and its entries in one transaction. The entries are chained under the same lock as the
   * buffered writer's batches (see chainInTransaction), so the two paths interleave into one chain;
   * entries still in the buffer are chained after this change's, in the order the locks were taken.
   */
  async function commit<T>(
    db: Database,
    change: (trx: Kysely<KeelSchema>) => Promise<AuditedChange<T>>,
  ): Promise<T> {
    if (db !== database) throw new Error("an audited change must use the audit log's own database");
    if (closed) throw new Error('the audit log is closed: the change was not made');
    const { result, checkpoints } = await writeTransaction(database, async (trx) => {
      const { result, entries } = await change(trx);
      if (entries.length === 0) return { result, checkpoints: [] };
      try {
        const written = await chainInTransaction(trx, database.dialect, entries.map(toPending), plan);
        return { result, checkpoints: written.checkpoints };
      } catch (e) {
        throw new Error('the audit entry could not be written, so the change was not made', { cause: e });
      }
    });
    // The background writer appends these to the checkpoint file on its next tick.
    if (checkpoints.length > 0) fileBacklog.push(...checkpoints);
    return result;
  }

  function flush(): Promise<void> {
    return enqueue(drainWithRetry);
  }

  function checkpoint(): Promise<Checkpoint | null> {
    return enqueue(async () => {
      await drainWithRetry();
      const created = await write([], true);
      await writeFileBacklog();
      return created[created.length - 1] ?? null;
    });
  }

  async function close(): Promise<void> {
    if (closed) {
      await tail;
      return;
    }
    closed = true;
    clearInterval(timer);
    try {
      await enqueue(async () => {
        await drainWithRetry();
        await write([], true);
        await writeFileBacklog();
      });
    } catch (e) {
      throw new Error(
        `could not write ${pending()} audit entr${pending() === 1 ? 'y' : 'ies'} before closing`,
        {
          cause: e,
        },
      );
    }
  }

  return {
    append,
    commit,
    flush,
    close,
    checkpoint,
    async head() {
      await tail;
      return readHead(database);
    },
    get pending() {
      return pending();
    },
    appendJournaled(entry, token) {
      push({
        ts: entry.ts,
        actor: entry.actor,
        action: entry.action,
        target: entry.target,
        details: entry.details,
        token,
      });
    },
  };
}

function safeCall(fn: (e: unknown) => void, e: unknown): void {
  try {
    fn(e);
  } catch {
    // A throwing error reporter must not break appending.
  }
}

function defaultOnError(e: unknown): void {
  process.emitWarning(e instanceof Error ? e : new Error(String(e)), { code: 'KEEL_AUDIT_WRITE' });
}
