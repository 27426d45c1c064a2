/**
 * The audit log's contract. Entries are appended in order and chained: each stores the hash of the
 * previous one over a canonical serialisation, so altering, deleting, reordering or inserting an
 * entry breaks the chain at a point `verify` can name.
 */
export interface AuditEntryInput {
  /** Who: `admin:<name>`, `key:<key id>`, `cli`, `system`, or `anonymous` for unauthenticated calls. */
  actor: string;
  /** What, dotted: `key.create`, `key.revoke`, `request.refused`, `guard.block` … */
  action: string;
  /** The object acted on (key id, use case id, request id), when there is one. */
  target?: string | null;
  /** Structured details; secrets must already be masked by the caller (the log masks known fields again). */
  details?: Record<string, unknown>;
}

export interface AuditEntry extends Required<Omit<AuditEntryInput, 'details'>> {
  seq: number;
  /** Epoch ms. */
  ts: number;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface AuditLog {
  /** Queue an entry; entries are chained and written in the order append() was called. */
  append(entry: AuditEntryInput): void;
  /** Resolves when every appended entry is durable. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** What verify found wrong, first damage first. `truncated`: entries a checkpoint vouches for are gone. */
export type ProblemKind = 'altered' | 'deleted' | 'reordered' | 'inserted' | 'bad_checkpoint' | 'truncated';

export interface AuditProblem {
  /** The entry the problem is about (its original position in the chain), or null when none applies. */
  seq: number | null;
  kind: ProblemKind;
  /** A short reason ("hash mismatch"); never contains entry contents. */
  message: string;
}
