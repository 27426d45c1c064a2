import type { Database } from '../db.js';
import type { McpCallRow } from '../mcp-calls.js';
import type { SecurityEvent } from '../security-events.js';
import type { UsageEvent, UsageSink } from '../types.js';
import type { UsageWriter } from '../usage.js';
import type { AuditJournal, JournaledAuditWriter, PendingEntry } from './audit-journal.js';
import { readSegment, type Spool } from './spool.js';

/**
 * Puts the spool in front of the three request-path writers. Usage and security events are written
 * in record() order and their writers report commits as counts, so a FIFO of segment ids (run-length
 * encoded: consecutive records share a segment) says which segments those commits settle. Audit
 * entries carry their segment as a token, because the audit log also holds entries nobody spooled.
 */
export interface DurableRecords {
  /** The usage writer's onCommitted. */
  usageCommitted(n: number): void;
  /** The security event writer's onCommitted. */
  securityCommitted(n: number): void;
  /** The audit log's journal. */
  readonly auditJournal: AuditJournal;
  /** The sink the pipeline records into: spool first, then the writer's buffer. */
  usageSink(writer: UsageWriter): UsageSink;
  /** Records a guard decision: spool first (with an idempotency key), then the writer's buffer. */
  securityRecorder(writer: SecurityWriter): (e: SecurityEvent) => void;
  /** The MCP call writer's onCommitted. */
  mcpCommitted(n: number): void;
  /** Records a tool call: spool first (its id is the idempotency key), then the writer's buffer. */
  mcpRecorder(writer: RecordWriter<McpCallRow>): (r: McpCallRow) => void;
  /** Writes the segments a previous process left into the store, idempotently; call before serving. */
  replay(deps: ReplayDeps): Promise<ReplayReport>;
}

export interface RecordWriter<T> {
  record(e: T): boolean;
  flush(): Promise<void>;
}
export type SecurityWriter = RecordWriter<SecurityEvent>;

export interface ReplayDeps {
  database: Database;
  usage: UsageWriter;
  security: SecurityWriter;
  audit: JournaledAuditWriter;
  /** Tool calls; without it, spooled calls are kept on disk for a start that has the writer. */
  mcp?: RecordWriter<McpCallRow>;
}

export interface ReplayReport {
  segments: number;
  usage: number;
  security: number;
  mcp: number;
  audit: number;
  /** Audit entries already in the store (committed before the process died). */
  auditAlreadyStored: number;
  /** Lines that did not parse: a torn last line, normally. */
  skipped: number;
}

/** Segment ids in record order, run-length encoded. */
class SettleQueue {
  private segs: number[] = [];
  private counts: number[] = [];
  private head = 0;

  constructor(private readonly spool: Spool) {}

  push(seg: number): void {
    const last = this.segs.length - 1;
    if (last >= this.head && this.segs[last] === seg) this.counts[last]!++;
    else {
      this.segs.push(seg);
      this.counts.push(1);
    }
  }

  settle(n: number): void {
    while (n > 0 && this.head < this.segs.length) {
      const c = this.counts[this.head]!;
      const k = Math.min(c, n);
      this.spool.settle(this.segs[this.head]!, k);
      n -= k;
      if (k === c) this.head++;
      else this.counts[this.head] = c - k;
    }
    if (this.head > 1024 && this.head * 2 > this.segs.length) {
      this.segs = this.segs.slice(this.head);
      this.counts = this.counts.slice(this.head);
      this.head = 0;
    }
  }
}

export function createDurableRecords(spool: Spool, newKey: () => string): DurableRecords {
  const usageQueue = new SettleQueue(spool);
  const securityQueue = new SettleQueue(spool);
  const mcpQueue = new SettleQueue(spool);
  return {
    mcpCommitted: (n) => mcpQueue.settle(n),
    mcpRecorder(writer) {
      return (r) => {
        const seg = spool.append('m', r);
        if (writer.record(r)) mcpQueue.push(seg);
      };
    },
    usageCommitted: (n) => usageQueue.settle(n),
    securityCommitted: (n) => securityQueue.settle(n),
    auditJournal: {
      write: (e) =>
        spool.append('a', {
          ts: e.ts,
          actor: e.actor,
          action: e.action,
          target: e.target,
          details: e.details,
        }),
      committed: (seg) => spool.settle(seg),
    },
    usageSink(writer) {
      return {
        record(event) {
          const seg = spool.append('u', event);
          // A dropped event leaves its segment unsettled: it stays on disk for the next start.
          if (writer.record(event)) usageQueue.push(seg);
        },
        flush: () => writer.flush(),
      };
    },
    securityRecorder(writer) {
      return (e) => {
        const keyed: SecurityEvent = { ...e, key: e.key ?? newKey() };
        const seg = spool.append('s', keyed);
        if (writer.record(keyed)) securityQueue.push(seg);
      };
    },
    async replay(deps) {
      const report: ReplayReport = {
        segments: 0,
        usage: 0,
        security: 0,
        mcp: 0,
        audit: 0,
        auditAlreadyStored: 0,
        skipped: 0,
      };
      for (const seg of spool.orphans) {
        const { records, skipped } = readSegment(seg.path);
        report.segments++;
        report.skipped += skipped;
        const keep: typeof records = [];
        for (const r of records) {
          if (r.t === 'a' && (await auditEntryStored(deps.database, r.v as PendingEntry))) {
            report.auditAlreadyStored++;
            continue;
          }
          keep.push(r);
        }
        // Adopt before handing records to the writers: a commit may settle them at any await.
        spool.adopt(seg.id, keep.length);
        for (const r of keep) {
          if (r.t === 'u') {
            report.usage++;
            if (deps.usage.record(r.v as UsageEvent)) usageQueue.push(seg.id);
          } else if (r.t === 's') {
            report.security++;
            if (deps.security.record(r.v as SecurityEvent)) securityQueue.push(seg.id);
          } else if (r.t === 'm') {
            report.mcp++;
            if (deps.mcp?.record(r.v as McpCallRow)) mcpQueue.push(seg.id);
          } else {
            report.audit++;
            deps.audit.appendJournaled(r.v as PendingEntry, seg.id);
          }
        }
        // Segment by segment, so a long backlog never outgrows the writers' buffers.
        await deps.usage.flush();
        await deps.security.flush();
        await deps.mcp?.flush();
        await deps.audit.flush();
      }
      return report;
    },
  };
}

/** An audit entry is matched on its whole content: the same append cannot differ in any field. */
async function auditEntryStored(database: Database, e: PendingEntry): Promise<boolean> {
  let q = database.db
    .selectFrom('audit_log')
    .select('seq')
    .where('ts', '=', e.ts)
    .where('action', '=', e.action)
    .where('actor', '=', e.actor)
    .where('details', '=', e.details);
  q = e.target === null ? q.where('target', 'is', null) : q.where('target', '=', e.target);
  return (await q.limit(1).executeTakeFirst()) !== undefined;
}
