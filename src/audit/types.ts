import type { Kysely } from 'kysely';
import type { Database } from '../store/db.js';
import type { KeelSchema } from '../store/schema.js';

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

/** What an audited change returns: its result, and the entries that record it (none if it changed nothing). */
export interface AuditedChange<T> {
  result: T;
  entries: AuditEntryInput[];
}

export interface AuditLog {
  /**
   * Queue an entry; entries are chained and written in the order append() was called. Durable later
   * (after the next background write): for events such as refusals, not for changes to state.
   */
  append(entry: AuditEntryInput): void;
  /**
   * Make an audited change: run `change` in one write transaction of `database` and chain the entries
   * it returns into the audit log inside that same transaction. Both commit together or not at all:
   * if the entries cannot be written the change is rolled back and the error is thrown. The entries
   * are readable as soon as the promise resolves (no flush). `change` must use only `trx`.
   */
  commit<T>(database: Database, change: (trx: Kysely<KeelSchema>) => Promise<AuditedChange<T>>): Promise<T>;
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
