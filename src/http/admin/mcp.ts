import { z } from 'zod';
import { KeelError } from '../../errors.js';
import { APPROVAL_STATUSES, type Approval } from '../../mcp/approvals/index.js';
import { mcpOverview } from '../../mcp/approvals/overview.js';
import { mcpRetentionCutoff } from '../../store/mcp-retention.js';
import { defineGroup, route } from './api/declare.js';
import { oneOf, wholeNumber } from './api/inputs.js';
import { snakeKeys } from './api/wire.js';

const PERIODS = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;
const PERIOD_NAMES = ['1h', '24h', '7d', '30d'] as const;

/**
 * The MCP gateway for operators: calls held for approval (list and read: viewer; approve or deny:
 * operator, audited) and the Tools view's overview — servers, and every tool's calls, refusals and
 * approvals per key and use case.
 */
export const mcpApi = defineGroup({
  title: 'mcp',
  routes: {
    overview: route(
      'GET',
      '/mcp/overview',
      'viewer',
      'MCP servers and tool calls (`period` 1h, 24h, 7d, 30d)',
      {
        query: z.strictObject({
          period: oneOf(PERIOD_NAMES, 'period must be one of 1h, 24h, 7d, 30d.').optional(),
        }),
      },
    ),
    approvals: route('GET', '/mcp/approvals', 'viewer', 'Held tool calls, newest first (`status`, `limit`)', {
      query: z.strictObject({
        status: oneOf(
          APPROVAL_STATUSES,
          'status must be one of pending, approved, denied, expired.',
        ).optional(),
        limit: wholeNumber('limit must be a whole number from 1 to 1000.', 1, 1000).optional(),
      }),
    }),
    approval: route('GET', '/mcp/approvals/:id', 'viewer', 'One held tool call'),
    decide: route('POST', '/mcp/approvals/:id', 'operator', 'Approve or deny a held tool call', {
      body: z.strictObject({
        decision: oneOf(['approve', 'deny'], 'decision must be approve or deny.'),
        reason: z
          .string({ error: 'reason must be a string of at most 1000 characters.' })
          .max(1000, 'reason must be a string of at most 1000 characters.')
          .nullish(),
      }),
    }),
  },
  needs: (s) =>
    s.mcpApprovals
      ? {
          approvals: s.mcpApprovals,
          status: s.mcpStatus ?? null,
          db: s.database.db,
          now: s.now ?? Date.now,
          retentionDays: s.config.retention.mcp_calls_days ?? null,
        }
      : undefined,
  handlers: ({ approvals, status, db, now, retentionDays }) => ({
    overview: async (_c, { query }) => {
      const period = query.period ?? '24h';
      const to = now();
      const o = await mcpOverview(db, { from: to - PERIODS[period], to }, status);
      const pending = await approvals.list({ status: 'pending', limit: 1000 });
      // retention.mcp_calls_days purges older calls and approvals: say where the figures start.
      const kept = retentionDays === null ? null : mcpRetentionCutoff(to, retentionDays);
      return {
        object: 'mcp.overview' as const,
        period,
        from: iso(o.from),
        to: iso(o.to),
        retained_from: kept !== null && kept > o.from ? iso(kept) : null,
        servers: o.servers.map((s) => ({ ...snakeKeys(s), since: iso(s.since) })),
        pending_approvals: pending.length,
        total: snakeKeys(o.total),
        tools: o.tools.map((t) => ({
          ...snakeKeys(t),
          requires_approval: approvals.requiresApproval(t.tool),
        })),
        by_key: o.byKey.map(snakeKeys),
        by_use_case: o.byUseCase.map(snakeKeys),
      };
    },
    approvals: async (_c, { query }) => {
      const list = await approvals.list({
        ...(query.status ? { status: query.status } : {}),
        ...(query.limit !== undefined ? { limit: query.limit } : {}),
      });
      return { object: 'list' as const, data: list.map(publicApproval) };
    },
    approval: async (_c, { params }) => {
      const a = await approvals.get(params.id);
      if (!a) throw new KeelError('not_found', 'No held tool call with that id.', { param: 'id' });
      return publicApproval(a);
    },
    decide: async (_c, { params, body, admin }) =>
      publicApproval(await approvals.decide(params.id, body.decision, admin.actor, body.reason ?? undefined)),
  }),
});

const iso = (t: number) => new Date(t).toISOString();

/** A held call as the API shows it; its arguments were masked when it was held. */
function publicApproval(a: Approval) {
  return {
    ...snakeKeys(a),
    object: 'mcp.approval' as const,
    created_at: iso(a.createdAt),
    expires_at: iso(a.expiresAt),
    decided_at: a.decidedAt === null ? null : iso(a.decidedAt),
  };
}
