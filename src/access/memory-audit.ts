import type { AuditEntryInput, AuditLog } from '../audit/types.js';

export interface MemoryAudit extends AuditLog {
  readonly entries: AuditEntryInput[];
}

/** An AuditLog that keeps entries in an array: for tests and tools that run without a store. */
export function memoryAudit(): MemoryAudit {
  const entries: AuditEntryInput[] = [];
  return {
    entries,
    append(entry) {
      // A deep copy, so a caller mutating its object afterwards cannot rewrite history.
      entries.push(structuredClone(entry));
    },
    async flush() {},
    async close() {},
  };
}
