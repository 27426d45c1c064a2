import type { AuditEntryInput, AuditLog } from '../audit/types.js';
import { writeTransaction } from '../store/write-transaction.js';

export interface MemoryAudit extends AuditLog {
  readonly entries: AuditEntryInput[];
}

/** An AuditLog that keeps entries in an array: for tests and tools that run without a store. */
export function memoryAudit(): MemoryAudit {
  const entries: AuditEntryInput[] = [];
  // A deep copy, so a caller mutating its object afterwards cannot rewrite history.
  const keep = (entry: AuditEntryInput) => entries.push(structuredClone(entry));
  return {
    entries,
    append(entry) {
      keep(entry);
    },
    async commit(database, change) {
      // The change is transactional; the array is not, so entries are kept once it has committed.
      const { result, entries: made } = await writeTransaction(database, change);
      for (const e of made) keep(e);
      return result;
    },
    async flush() {},
    async close() {},
  };
}
