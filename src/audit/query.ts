import type { Database } from '../store/db.js';
import { toNumber } from './store.js';
import type { AuditEntry } from './types.js';

interface AuditQuery {
  actor?: string;
  /** Exact action, or a prefix ending in `.*` (`key.*`). */
  action?: string;
  target?: string;
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
  /** Cursor: only entries with a smaller seq (the previous page's next_cursor). */
  before_seq?: number;
  /** Default 50, at most 500. */
  limit?: number;
}

export interface AuditPage {
  /** Newest first. */
  entries: AuditEntry[];
  /** Pass as before_seq for the next page; null on the last page. */
  next_cursor: number | null;
}

const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

/** Entries newest first, filtered, paged by seq (stable while new entries arrive). */
export async function queryAudit(database: Database, q: AuditQuery = {}): Promise<AuditPage> {
  const limit = Math.min(Math.max(1, Math.floor(q.limit ?? DEFAULT_LIMIT)), MAX_LIMIT);
  let query = database.db.selectFrom('audit_log').selectAll();
  if (q.actor !== undefined) query = query.where('actor', '=', q.actor);
  if (q.action !== undefined) {
    if (q.action.endsWith('.*')) {
      // substr, not LIKE: no wildcard escaping to get wrong, and the same on SQLite and Postgres.
      const prefix = q.action.slice(0, -1);
      query = query.where((eb) =>
        eb(eb.fn<string>('substr', ['action', eb.val(1), eb.val(prefix.length)]), '=', prefix),
      );
    } else query = query.where('action', '=', q.action);
  }
  if (q.target !== undefined) query = query.where('target', '=', q.target);
  if (q.from !== undefined) query = query.where('ts', '>=', q.from);
  if (q.to !== undefined) query = query.where('ts', '<', q.to);
  if (q.before_seq !== undefined) query = query.where('seq', '<', q.before_seq);
  const rows = await query
    .orderBy('seq', 'desc')
    .limit(limit + 1)
    .execute();
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const entries = page.map((r) => ({
    seq: toNumber(r.seq),
    ts: toNumber(r.ts),
    actor: r.actor,
    action: r.action,
    target: r.target,
    details: parseDetails(r.details),
    prevHash: r.prev_hash,
    hash: r.hash,
  }));
  return { entries, next_cursor: more ? (entries[entries.length - 1]?.seq ?? null) : null };
}

function parseDetails(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through: a tampered row still lists; verify names it
  }
  return { unparseable: text.slice(0, 200) };
}
