/** Messages between the gateway's main thread and the SQLite writer thread. */

export interface WriterThreadData {
  /** The store URL (sqlite:<file>); the thread opens its own connection to the same file. */
  url: string;
  /** Roll the usage ledger up on this thread every intervalMs (null: the main thread does it). */
  rollups: { intervalMs: number; chunk: number } | null;
}

/** The tables the thread inserts into (each with its own prepared statement). */
export type ThreadTable = 'usage_events' | 'security_events' | 'mcp_calls';

export type ToThread =
  | { type: 'insert'; id: number; table: ThreadTable; rows: unknown[][] }
  | { type: 'close' };

export type FromThread =
  | { type: 'ready' }
  | { type: 'done'; id: number; error?: ThreadError }
  | { type: 'error'; error: ThreadError }
  | { type: 'closed' };

/** An error as it crosses the thread boundary (Error objects lose their class on the way). */
export interface ThreadError {
  message: string;
  code?: string;
}

export function describeError(e: unknown): ThreadError {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' ? { message: e.message, code } : { message: e.message };
  }
  return { message: String(e) };
}

export function toError(e: ThreadError): Error {
  const err = new Error(e.message);
  if (e.code) (err as Error & { code?: string }).code = e.code;
  return err;
}
