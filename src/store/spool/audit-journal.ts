/** An appended audit entry waiting for its seq and hash; details is masked canonical JSON already. */
export interface PendingEntry {
  ts: number;
  actor: string;
  action: string;
  target: string | null;
  details: string;
}

/**
 * A write-ahead journal for appended entries (store/spool/). write() runs synchronously inside
 * append(), with the entry already masked, and returns a token; committed(token) follows once the
 * entry is in the store. A negative token means "not journaled".
 */
export interface AuditJournal {
  write(entry: PendingEntry): number;
  committed(token: number): void;
}

/** What replay needs of the audit log: re-append a spooled entry under its segment, then write it. */
export interface JournaledAuditWriter {
  appendJournaled(entry: PendingEntry, token: number): void;
  flush(): Promise<void>;
}
