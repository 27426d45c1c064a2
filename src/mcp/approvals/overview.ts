import type { Kysely } from 'kysely';
import type { KeelSchema } from '../../store/schema.js';
import type { McpGatewayStatus, McpServerStatus } from '../types.js';

/** How the calls of one tool (or one key's or use case's calls of it) ended. */
export interface CallTally {
  calls: number;
  ok: number;
  toolErrors: number;
  failed: number;
  refused: number;
  /** Refusals by Keel code (tool_not_allowed, approval_denied …). */
  refusals: Record<string, number>;
  /** Held calls created in the period, by status. */
  approvals: { pending: number; approved: number; denied: number; expired: number };
}

export interface ToolFigures extends CallTally {
  tool: string;
  server: string;
  /** Median latency of calls that reached the tool (ok, tool_error, failed); null without any. */
  p50LatencyMs: number | null;
}

export interface McpOverview {
  from: number;
  to: number;
  servers: McpServerStatus[];
  total: CallTally & { p50LatencyMs: number | null };
  tools: ToolFigures[];
  byKey: Array<CallTally & { keyId: string | null; keyName: string | null; tool: string }>;
  byUseCase: Array<CallTally & { useCase: string; tool: string }>;
}

/** Most tools a latency median is computed for (one small query each). */
const MAX_MEDIANS = 200;
const RAN = ['ok', 'tool_error', 'failed'];

function tally(): CallTally {
  return {
    calls: 0,
    ok: 0,
    toolErrors: 0,
    failed: 0,
    refused: 0,
    refusals: {},
    approvals: { pending: 0, approved: 0, denied: 0, expired: 0 },
  };
}

function addCalls(t: CallTally, outcome: string, code: string | null, n: number): void {
  t.calls += n;
  if (outcome === 'ok') t.ok += n;
  else if (outcome === 'tool_error') t.toolErrors += n;
  else if (outcome === 'failed') t.failed += n;
  else if (outcome === 'refused') {
    t.refused += n;
    const c = code ?? 'unknown';
    t.refusals[c] = (t.refusals[c] ?? 0) + n;
  }
}

function addApprovals(t: CallTally, status: string, n: number): void {
  if (status in t.approvals) t.approvals[status as keyof CallTally['approvals']] += n;
}

function bucket<T extends CallTally>(map: Map<string, T>, key: string, make: () => T): T {
  let t = map.get(key);
  if (!t) {
    t = make();
    map.set(key, t);
  }
  return t;
}

/**
 * The Tools view's figures for [from, to]: every tool's calls, how they ended (refusals by code),
 * its approvals and median latency, and the same per key and per use case, from `mcp_calls` (one row
 * per tools/call, written by accounting) and `mcp_approvals`; the servers from the gateway (none
 * when Keel fronts no MCP server).
 */
export async function mcpOverview(
  db: Kysely<KeelSchema>,
  range: { from: number; to: number },
  gateway: McpGatewayStatus | null,
): Promise<McpOverview> {
  const { from, to } = range;
  const calls = await db
    .selectFrom('mcp_calls')
    .select((eb) => [
      'key_id',
      'use_case',
      'server',
      'tool',
      'outcome',
      'error_code',
      eb.fn.countAll<number | string>().as('n'),
    ])
    .where('ts', '>=', from)
    .where('ts', '<=', to)
    .groupBy(['key_id', 'use_case', 'server', 'tool', 'outcome', 'error_code'])
    .execute();
  const held = await db
    .selectFrom('mcp_approvals')
    .select((eb) => [
      'key_id',
      'use_case',
      'server',
      'tool',
      'status',
      eb.fn.countAll<number | string>().as('n'),
    ])
    .where('created_at', '>=', from)
    .where('created_at', '<=', to)
    .groupBy(['key_id', 'use_case', 'server', 'tool', 'status'])
    .execute();

  const total = tally();
  const tools = new Map<string, ToolFigures>();
  const byKey = new Map<string, McpOverview['byKey'][number]>();
  const byUseCase = new Map<string, McpOverview['byUseCase'][number]>();
  const each = (r: { key_id: string | null; use_case: string; server: string; tool: string }) => [
    bucket(tools, r.tool, () => ({ ...tally(), tool: r.tool, server: r.server, p50LatencyMs: null })),
    bucket(byKey, `${r.key_id ?? ''}\u0000${r.tool}`, () => ({
      ...tally(),
      keyId: r.key_id,
      keyName: null,
      tool: r.tool,
    })),
    bucket(byUseCase, `${r.use_case}\u0000${r.tool}`, () => ({
      ...tally(),
      useCase: r.use_case,
      tool: r.tool,
    })),
    total,
  ];
  for (const r of calls) for (const t of each(r)) addCalls(t, r.outcome, r.error_code, Number(r.n));
  for (const r of held) for (const t of each(r)) addApprovals(t, r.status, Number(r.n));

  const ranked = [...tools.values()].sort((a, b) => b.calls - a.calls || a.tool.localeCompare(b.tool));
  for (const t of ranked.slice(0, MAX_MEDIANS)) t.p50LatencyMs = await median(db, range, t.tool);
  await nameKeys(db, [...byKey.values()]);
  return {
    from,
    to,
    servers: gateway ? gateway.servers() : [],
    total: { ...total, p50LatencyMs: await median(db, range, null) },
    tools: ranked,
    byKey: [...byKey.values()].sort(
      (a, b) =>
        b.calls - a.calls || a.tool.localeCompare(b.tool) || (a.keyId ?? '').localeCompare(b.keyId ?? ''),
    ),
    byUseCase: [...byUseCase.values()].sort(
      (a, b) => b.calls - a.calls || a.tool.localeCompare(b.tool) || a.useCase.localeCompare(b.useCase),
    ),
  };
}

/** The lower median of the latencies of calls that ran: one ordered read at the middle offset. */
async function median(
  db: Kysely<KeelSchema>,
  range: { from: number; to: number },
  tool: string | null,
): Promise<number | null> {
  let base = db
    .selectFrom('mcp_calls')
    .where('ts', '>=', range.from)
    .where('ts', '<=', range.to)
    .where('outcome', 'in', RAN);
  if (tool !== null) base = base.where('tool', '=', tool);
  const counted = await base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst();
  const n = Number(counted?.n ?? 0);
  if (n === 0) return null;
  const row = await base
    .select('latency_ms')
    .orderBy('latency_ms')
    .limit(1)
    .offset(Math.floor((n - 1) / 2))
    .executeTakeFirst();
  return row ? Number(row.latency_ms) : null;
}

async function nameKeys(
  db: Kysely<KeelSchema>,
  rows: Array<{ keyId: string | null; keyName: string | null }>,
) {
  const ids = [...new Set(rows.map((r) => r.keyId).filter((id): id is string => id !== null))];
  if (ids.length === 0) return;
  const names = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const found = await db
      .selectFrom('virtual_keys')
      .select(['id', 'name'])
      .where('id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const k of found) names.set(k.id, k.name);
  }
  for (const r of rows) r.keyName = r.keyId === null ? null : (names.get(r.keyId) ?? null);
}
