import { z } from 'zod';
import { KeelError } from '../../errors.js';
import { APPROVAL_STATUSES, type Approval } from '../../mcp/approvals/index.js';
import { type CallTally, mcpOverview } from '../../mcp/approvals/overview.js';
import type { McpServerStatus } from '../../mcp/types.js';
import { defineGroup, route } from './api/declare.js';
import { oneOf, wholeNumber } from './api/inputs.js';

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
      ? { approvals: s.mcpApprovals, status: s.mcpStatus ?? null, db: s.database.db, now: s.now ?? Date.now }
      : undefined,
  handlers: ({ approvals, status, db, now }) => ({
    overview: async (_c, { query }) => {
      const period = query.period ?? '24h';
      const to = now();
      const o = await mcpOverview(db, { from: to - PERIODS[period], to }, status);
      const pending = await approvals.list({ status: 'pending', limit: 1000 });
      return {
        object: 'mcp.overview' as const,
        period,
        from: new Date(o.from).toISOString(),
        to: new Date(o.to).toISOString(),
        servers: o.servers.map(publicServer),
        pending_approvals: pending.length,
        total: { ...publicTally(o.total), p50_latency_ms: o.total.p50LatencyMs },
        tools: o.tools.map((t) => ({
          tool: t.tool,
          server: t.server,
          requires_approval: approvals.requiresApproval(t.tool),
          ...publicTally(t),
          p50_latency_ms: t.p50LatencyMs,
        })),
        by_key: o.byKey.map((k) => ({
          key_id: k.keyId,
          key_name: k.keyName,
          tool: k.tool,
          ...publicTally(k),
        })),
        by_use_case: o.byUseCase.map((u) => ({ use_case: u.useCase, tool: u.tool, ...publicTally(u) })),
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

function iso(t: number | null): string | null {
  return t === null ? null : new Date(t).toISOString();
}

/** A held call as the API shows it; its arguments were masked when it was held. */
function publicApproval(a: Approval) {
  return {
    id: a.id,
    object: 'mcp.approval' as const,
    status: a.status,
    created_at: new Date(a.createdAt).toISOString(),
    expires_at: new Date(a.expiresAt).toISOString(),
    key_id: a.keyId,
    key_name: a.keyName,
    use_case: a.useCase,
    team: a.team,
    server: a.server,
    tool: a.tool,
    arguments: a.arguments,
    decided_at: iso(a.decidedAt),
    decided_by: a.decidedBy,
    reason: a.reason,
  };
}

function publicServer(s: McpServerStatus) {
  return {
    id: s.id,
    transport: s.transport,
    state: s.state,
    sandboxed: s.sandboxed,
    restarts: s.restarts,
    last_error: s.lastError,
    tools: s.tools,
    since: new Date(s.since).toISOString(),
  };
}

function publicTally(t: CallTally) {
  return {
    calls: t.calls,
    ok: t.ok,
    tool_errors: t.toolErrors,
    failed: t.failed,
    refused: t.refused,
    refusals: t.refusals,
    approvals: t.approvals,
  };
}
