import { compileGlobs } from '../../access/glob.js';
import type { AuditEntryInput, AuditLog } from '../../audit/types.js';
import { durationMs, type McpConfig } from '../../config/mcp.js';
import { KeelError } from '../../errors.js';
import type { Database } from '../../store/db.js';
import { McpRefusal, type ToolCall } from '../types.js';
import { maskArguments } from './mask.js';
import {
  type Approval,
  type ApprovalStatus,
  insertApproval,
  listApprovals,
  overdueIds,
  readApproval,
  settle,
} from './store.js';

export type Decision = 'approve' | 'deny';
/** The label of `keel_mcp_approvals_total{decision}`. */
export type ApprovalOutcome = Exclude<ApprovalStatus, 'pending'>;

export interface ApprovalsDeps {
  database: Database;
  audit: AuditLog;
  /** keel.yaml `mcp:` — which tools need approval (`tools.<name or glob>.approval`) and the timeout. */
  config: Pick<McpConfig, 'tools' | 'approvals'>;
  metrics?: { recordMcpApproval(decision: ApprovalOutcome): void };
  now?: () => number;
  /** How often a waiting call reads its row (a decision on another replica is seen within this). */
  pollMs?: number;
  /** A call was held: its row and audit entry are committed (notifications; tests wait on it). */
  onHeld?: (a: Approval) => void;
  /** Store errors: holding a call (refused), or reading its row while it waits (it keeps waiting, then expires). */
  onError?: (e: unknown) => void;
}

export interface ApprovalFilter {
  status?: ApprovalStatus;
  /** Default 100. */
  limit?: number;
}

export interface Approvals {
  /** The `approve` stage of ToolCallStages. */
  approve(call: ToolCall): Promise<void>;
  /** Whether a call to this catalogue tool is held (any matching `mcp.tools` entry says `approval: required`). */
  requiresApproval(tool: string): boolean;
  /** Newest first. */
  list(filter?: ApprovalFilter): Promise<Approval[]>;
  get(id: string): Promise<Approval | null>;
  /**
   * An operator's decision on a pending call. Throws `not_found` for an unknown id and `conflict`
   * when the call was already decided or has expired (the row shows by whom).
   */
  decide(id: string, decision: Decision, actor: string, reason?: string): Promise<Approval>;
}

const DEFAULT_POLL_MS = 250;

/**
 * Calls held for an operator, cluster-safe: the held call is a row in the shared store, and the
 * replica holding the call polls that row, so an operator's decision on any replica reaches it
 * within `pollMs` (on the same replica at once: decide() wakes the waiter). Every change of a row
 * is a conditional update from `pending`, committed with its audit entry, so exactly one of
 * approve, deny, timeout and cancel wins.
 */
export function createApprovals(deps: ApprovalsDeps): Approvals {
  const { database, audit } = deps;
  const db = database.db;
  const now = deps.now ?? Date.now;
  const pollMs = Math.max(1, deps.pollMs ?? DEFAULT_POLL_MS);
  const timeoutMs = durationMs(deps.config.approvals.timeout);
  const onError = deps.onError ?? (() => {});
  const requiresApproval = compileGlobs(
    Object.entries(deps.config.tools)
      .filter(([, policy]) => policy.approval === 'required')
      .map(([pattern]) => pattern),
  );
  /** Waiters on this replica, woken when a decision is made here. */
  const waiters = new Map<string, Set<() => void>>();

  function wake(id: string): void {
    for (const w of waiters.get(id) ?? []) w();
  }

  function count(outcome: ApprovalOutcome): void {
    try {
      deps.metrics?.recordMcpApproval(outcome);
    } catch {
      // A metric is never worth failing a decision over.
    }
  }

  /** Move a pending row to `expired` (timeout or cancelled call); true when this call did it. */
  async function expire(a: Approval, why: 'timeout' | 'cancelled'): Promise<boolean> {
    const at = now();
    const done = await audit.commit(database, async (trx) => {
      const won = await settle(trx, a.id, 'expired', at, 'system', why);
      return {
        result: won,
        entries: won
          ? [entry(a, 'system', 'mcp.approval.expired', { reason: why, waited_ms: at - a.createdAt })]
          : [],
      };
    });
    if (done) {
      count('expired');
      wake(a.id);
    }
    return done;
  }

  /** Expire what is overdue, so lists never show a call as pending that can no longer run. */
  async function sweep(): Promise<void> {
    for (const id of await overdueIds(db, now())) {
      const a = await readApproval(db, id);
      if (a?.status === 'pending') await expire(a, 'timeout');
    }
  }

  /** Until a wake-up, the abort signal, or `ms`. */
  function pause(id: string, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const own = waiters.get(id) ?? new Set<() => void>();
      waiters.set(id, own);
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        own.delete(done);
        if (own.size === 0 && waiters.get(id) === own) waiters.delete(id);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      own.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  function refusalFor(a: Approval): McpRefusal {
    const data = { approval_id: a.id, decided_by: a.decidedBy, ...(a.reason ? { reason: a.reason } : {}) };
    return a.status === 'denied'
      ? new McpRefusal('approval_denied', 'An operator denied this tool call.', data)
      : new McpRefusal('approval_expired', 'No operator approved this tool call in time.', data);
  }

  async function waitForDecision(held: Approval, signal: AbortSignal): Promise<void> {
    for (;;) {
      if (signal.aborted) {
        await expire(held, 'cancelled').catch(onError);
        throw new McpRefusal('approval_expired', 'The call was cancelled while it waited for approval.', {
          approval_id: held.id,
          cancelled: true,
        });
      }
      let row: Approval | null = null;
      try {
        row = await readApproval(db, held.id);
      } catch (e) {
        onError(e);
      }
      if (row?.status === 'approved') return;
      if (row && row.status !== 'pending') throw refusalFor(row);
      const left = held.expiresAt - now();
      if (left <= 0) {
        let won: boolean | null = null;
        try {
          won = await expire(held, 'timeout');
        } catch (e) {
          onError(e);
        }
        // Lost the race: the row now holds the operator's decision, read on the next turn.
        if (won === false) continue;
        if (won === null) {
          // The store failed: a decision that did commit still counts; otherwise the call does not run.
          const last = await readApproval(db, held.id).catch(() => null);
          if (last?.status === 'approved') return;
          if (last && last.status !== 'pending') throw refusalFor(last);
        }
        throw refusalFor({ ...held, status: 'expired', decidedBy: 'system', reason: 'timeout' });
      }
      await pause(held.id, Math.min(pollMs, left), signal);
    }
  }

  async function approve(call: ToolCall): Promise<void> {
    if (!requiresApproval(call.tool.name)) return;
    const principal = call.caller.principal;
    const at = now();
    const a: Approval = {
      id: call.callId,
      createdAt: at,
      expiresAt: at + timeoutMs,
      status: 'pending',
      keyId: principal?.keyId ?? null,
      keyName: principal?.name ?? null,
      useCase: call.caller.useCase ?? 'unassigned',
      team: call.caller.team,
      server: call.tool.server,
      tool: call.tool.name,
      arguments: maskArguments(call.arguments),
      decidedAt: null,
      decidedBy: null,
      reason: null,
    };
    const actor = principal ? `key:${principal.keyId}` : 'anonymous';
    try {
      await audit.commit(database, async (trx) => {
        await insertApproval(trx, a);
        return {
          result: undefined,
          entries: [
            entry(a, actor, 'mcp.approval.requested', {
              arguments: a.arguments,
              expires_at: new Date(a.expiresAt).toISOString(),
              session_id: call.caller.sessionId,
            }),
          ],
        };
      });
    } catch (e) {
      onError(e);
      throw new McpRefusal('store_unavailable', 'The call needs approval, but Keel could not hold it.');
    }
    deps.onHeld?.(a);
    await waitForDecision(a, call.signal);
  }

  /** The row, expired first when it is pending past its deadline (its holder may be gone). */
  async function get(id: string): Promise<Approval | null> {
    const a = await readApproval(db, id);
    if (a?.status !== 'pending' || a.expiresAt > now()) return a;
    await expire(a, 'timeout');
    return readApproval(db, id);
  }

  async function decide(id: string, decision: Decision, actor: string, reason?: string): Promise<Approval> {
    const at = now();
    const to: ApprovalOutcome = decision === 'approve' ? 'approved' : 'denied';
    const why = reason?.trim() ? reason.trim() : null;
    const settled = await audit.commit(database, async (trx) => {
      const a = await readApproval(trx, id);
      // Past its deadline a call counts as denied, whether or not its holder has noticed yet.
      if (a?.status !== 'pending' || a.expiresAt <= at) return { result: false, entries: [] };
      const won = await settle(trx, id, to, at, actor, why);
      const action = to === 'approved' ? 'mcp.approval.approved' : 'mcp.approval.denied';
      const details = { ...(why ? { reason: why } : {}), waited_ms: at - a.createdAt };
      return { result: won, entries: won ? [entry(a, actor, action, details)] : [] };
    });
    if (settled) {
      count(to);
      wake(id);
    }
    const a = await get(id);
    if (!a) throw new KeelError('not_found', 'No held tool call with that id.', { param: 'id' });
    if (!settled)
      throw new KeelError(
        'conflict',
        a.status === 'expired'
          ? `This call expired ${a.reason === 'cancelled' ? '(its caller cancelled it)' : 'before it was decided'}; it did not run.`
          : `This call was already ${a.status} by ${a.decidedBy ?? 'someone else'}.`,
        { param: 'id' },
      );
    return a;
  }

  return {
    approve,
    requiresApproval,
    async list(filter = {}) {
      await sweep();
      return listApprovals(db, {
        ...(filter.status ? { status: filter.status } : {}),
        limit: filter.limit ?? 100,
      });
    },
    get,
    decide,
  };
}

/** One audit entry about a held call: target = the call id, details without secrets (masked arguments). */
function entry(a: Approval, actor: string, action: string, extra: Record<string, unknown>): AuditEntryInput {
  return {
    actor,
    action,
    target: a.id,
    details: {
      server: a.server,
      tool: a.tool,
      key_id: a.keyId,
      use_case: a.useCase,
      ...extra,
    },
  };
}
