import type { Kysely, Selectable } from 'kysely';
import type { McpApprovalsTable } from '../../store/mcp-schema.js';
import type { KeelSchema } from '../../store/schema.js';

export const APPROVAL_STATUSES = ['pending', 'approved', 'denied', 'expired'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** A held call as Keel keeps it (one `mcp_approvals` row). */
export interface Approval {
  /** The held call's id. */
  id: string;
  createdAt: number;
  expiresAt: number;
  status: ApprovalStatus;
  keyId: string | null;
  keyName: string | null;
  useCase: string;
  team: string | null;
  server: string;
  tool: string;
  /** Masked when held (see mask.ts). */
  arguments: Record<string, unknown>;
  decidedAt: number | null;
  /** `admin:<name>` (or `sso:<name>`), or `system` for a timeout or a cancelled call. */
  decidedBy: string | null;
  reason: string | null;
}

type Row = Selectable<McpApprovalsTable>;

function status(s: string): ApprovalStatus {
  return (APPROVAL_STATUSES as readonly string[]).includes(s) ? (s as ApprovalStatus) : 'expired';
}

function parseArguments(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function fromRow(r: Row): Approval {
  return {
    id: r.id,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    status: status(r.status),
    keyId: r.key_id,
    keyName: r.key_name,
    useCase: r.use_case,
    team: r.team,
    server: r.server,
    tool: r.tool,
    arguments: parseArguments(r.arguments),
    decidedAt: r.decided_at === null ? null : Number(r.decided_at),
    decidedBy: r.decided_by,
    reason: r.reason,
  };
}

export async function insertApproval(db: Kysely<KeelSchema>, a: Approval): Promise<void> {
  await db
    .insertInto('mcp_approvals')
    .values({
      id: a.id,
      created_at: a.createdAt,
      expires_at: a.expiresAt,
      status: a.status,
      key_id: a.keyId,
      key_name: a.keyName,
      use_case: a.useCase,
      team: a.team,
      server: a.server,
      tool: a.tool,
      arguments: JSON.stringify(a.arguments),
      decided_at: null,
      decided_by: null,
      reason: null,
    })
    .execute();
}

export async function readApproval(db: Kysely<KeelSchema>, id: string): Promise<Approval | null> {
  const row = await db.selectFrom('mcp_approvals').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? fromRow(row) : null;
}

/**
 * Settle a pending row. Conditional on `status = 'pending'`, so of an operator's decision, another
 * replica's and the timeout only the first to commit changes the row; the others change nothing
 * and learn the outcome by reading it. Returns whether this call settled it.
 */
export async function settle(
  trx: Kysely<KeelSchema>,
  id: string,
  to: Exclude<ApprovalStatus, 'pending'>,
  at: number,
  by: string,
  reason: string | null,
): Promise<boolean> {
  const r = await trx
    .updateTable('mcp_approvals')
    .set({ status: to, decided_at: at, decided_by: by, reason })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function listApprovals(
  db: Kysely<KeelSchema>,
  filter: { status?: ApprovalStatus; limit: number },
): Promise<Approval[]> {
  let q = db.selectFrom('mcp_approvals').selectAll();
  if (filter.status) q = q.where('status', '=', filter.status);
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  return rows.map(fromRow);
}

/** Pending rows past their expiry: their holder is gone (a replica stopped) or has not polled yet. */
export async function overdueIds(db: Kysely<KeelSchema>, at: number): Promise<string[]> {
  const rows = await db
    .selectFrom('mcp_approvals')
    .select('id')
    .where('status', '=', 'pending')
    .where('expires_at', '<=', at)
    .limit(100)
    .execute();
  return rows.map((r) => r.id);
}
