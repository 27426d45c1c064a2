import { randomUUID } from 'node:crypto';
import { type AuditLogWriter, createAuditLog } from '../audit/log.js';
import type { KeelConfig } from '../config/schema.js';
import type { BatchWriter } from '../store/batch-writer.js';
import { type Database, sqliteHandleOf } from '../store/db.js';
import { createMcpCallWriter, type McpCallRow } from '../store/mcp-calls.js';
import { createSecurityEventWriter, type SecurityEvent } from '../store/security-events.js';
import { createDurableRecords } from '../store/spool/durable.js';
import { openSpool, type Spool, spoolEnabled } from '../store/spool/spool.js';
import type { UsageSink } from '../store/types.js';
import { createUsageWriter, type UsageWriter } from '../store/usage.js';
import { startWriterThread, type WriterThread } from '../store/writer-thread/client.js';
import type { Logger } from '../telemetry/logger.js';

/** The writers a request leaves its records with, and the spool in front of them. */
export interface Records {
  spool: Spool | null;
  writerThread: WriterThread | null;
  usage: UsageWriter;
  /** What the pipeline records usage into: the spool first when there is one, then `usage`. */
  usageSink: UsageSink;
  audit: AuditLogWriter;
  securityEvents: ReturnType<typeof createSecurityEventWriter>;
  /** Guard decisions and store failures: the spool first when there is one. */
  recordSecurity: (e: SecurityEvent) => void;
  mcpCalls: BatchWriter<McpCallRow>;
  /** One MCP tool call (`mcp_calls`): the spool first when there is one. */
  recordMcpCall: (r: McpCallRow) => void;
}

/**
 * Open the spool and the usage, audit and security-event writers behind it, then replay what a
 * previous process left in the spool: before anything reads the ledger (budgets seed from recorded
 * spend) and before serving. The caller closes them, in its shutdown order.
 */
export async function openRecords(config: KeelConfig, database: Database, logger: Logger): Promise<Records> {
  // The write-ahead spool: taken before anything can record.
  const spool = spoolEnabled(config.durability, config.database.url)
    ? openSpool({
        dir: config.durability.spool_dir,
        fsyncIntervalMs: config.durability.fsync_interval_ms,
        onError: (err: unknown) => logger.error({ err }, 'spool write failed'),
      })
    : null;
  const durable = spool ? createDurableRecords(spool, randomUUID) : null;
  // SQLite file stores: usage inserts and the periodic rollups run on a writer thread, off the event
  // loop (null for other stores, in-memory SQLite, or when running from sources).
  const sqlite = sqliteHandleOf(database);
  const writerThread: WriterThread | null = await startWriterThread({
    url: config.database.url,
    rollups: { intervalMs: config.value.rollup_interval_ms, chunk: config.value.rollup_chunk },
    onError: (err: unknown) => {
      logger.error({ err }, 'SQLite writer thread');
      // Writes are back on this connection: so are WAL checkpoints.
      if (sqlite && writerThread && !writerThread.alive) sqlite.pragma('wal_autocheckpoint = 1000');
    },
  });
  // WAL checkpoints (an fsync of the log and the database file) run on whichever connection's commit
  // crosses the threshold: let it be the writer thread's, never a commit on the event loop.
  if (sqlite && writerThread) sqlite.pragma('wal_autocheckpoint = 0');
  const usage = createUsageWriter(database, {
    flushIntervalMs: config.usage.flush_interval_ms,
    batchSize: config.usage.batch_size,
    onError: (err: unknown) => logger.error({ err }, 'usage write failed; will retry'),
    thread: writerThread,
    ...(durable ? { onCommitted: durable.usageCommitted } : {}),
  });
  const audit = createAuditLog(database, {
    checkpointEvery: config.audit.checkpoint_every,
    ...(config.audit.signing_key ? { signingKey: config.audit.signing_key } : {}),
    ...(config.audit.checkpoint_file ? { checkpointFile: config.audit.checkpoint_file } : {}),
    onError: (err: unknown) => logger.error({ err }, 'audit write failed; will retry'),
    ...(durable ? { journal: durable.auditJournal } : {}),
  });
  const securityEvents = createSecurityEventWriter(database, {
    flushIntervalMs: 500,
    thread: writerThread,
    onError: (err: unknown) => logger.error({ err }, 'security event write failed; will retry'),
    ...(durable ? { onCommitted: durable.securityCommitted } : {}),
  });
  const mcpCalls = createMcpCallWriter(database, {
    flushIntervalMs: config.usage.flush_interval_ms,
    thread: writerThread,
    onError: (err: unknown) => logger.error({ err }, 'MCP call write failed; will retry'),
    ...(durable ? { onCommitted: durable.mcpCommitted } : {}),
  });
  if (durable && spool && spool.orphans.length > 0) {
    const replayed = await durable
      .replay({ database, usage, security: securityEvents, audit, mcp: mcpCalls })
      .catch((err: unknown) => {
        throw new Error(
          `could not replay the spool ${spool.dir} into the store (its segments are kept for the next start)`,
          { cause: err },
        );
      });
    logger.info({ ...replayed, dir: spool.dir }, 'replayed the spool left by the previous process');
  }
  return {
    spool,
    writerThread,
    usage,
    usageSink: durable ? durable.usageSink(usage) : usage,
    audit,
    securityEvents,
    recordSecurity: durable
      ? durable.securityRecorder(securityEvents)
      : (e: SecurityEvent) => void securityEvents.record(e),
    mcpCalls,
    recordMcpCall: durable ? durable.mcpRecorder(mcpCalls) : (r: McpCallRow) => void mcpCalls.record(r),
  };
}
