import type { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import type { AdminRole } from '../../access/admin.js';
import { createKeyStore } from '../../access/key-store.js';
import { memoryAudit } from '../../access/memory-audit.js';
import { createAuditLog } from '../../audit/log.js';
import { allRows } from '../../audit/testkit.js';
import { verifyAudit } from '../../audit/verify.js';
import { parseConfig } from '../../config/load.js';
import { type Approval, createApprovals } from '../../mcp/approvals/index.js';
import { insertMcpCalls, mcpCallRow, mcpPolicy, toolCall } from '../../mcp/approvals/testkit.js';
import { type McpGatewayStatus, McpRefusal } from '../../mcp/types.js';
import { type Database, openDatabase } from '../../store/db.js';
import type { AppEnv } from '../types.js';
import { adminTestApp, fixedAdmin } from './testkit.js';

const NOW = Date.UTC(2026, 11, 6, 12);
const HOUR = 3_600_000;

const GATEWAY: McpGatewayStatus = {
  servers: () => [
    {
      id: 'crm',
      transport: 'http',
      state: 'up',
      sandboxed: false,
      restarts: 0,
      lastError: null,
      tools: 3,
      since: NOW - 2 * HOUR,
    },
    {
      id: 'files',
      transport: 'stdio',
      state: 'down',
      sandboxed: true,
      restarts: 4,
      lastError: 'exited with code 1',
      tools: 0,
      since: NOW - 60_000,
    },
  ],
  catalogue: () => [],
};

interface Harness {
  database: Database;
  app: Hono<AppEnv>;
  approvals: ReturnType<typeof createApprovals>;
  /** Hold a call to `tool`; resolves once it is held, with the call's own outcome to await. */
  hold(tool: string, args?: Record<string, unknown>): Promise<{ id: string; outcome: Promise<string> }>;
  request(path: string, init?: { method?: string; json?: unknown }): Promise<Response>;
}

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((close) => close()));
});

async function harness(
  role: AdminRole,
  opts: { gateway?: McpGatewayStatus; retention?: Record<string, unknown> } = {},
): Promise<Harness> {
  const database = await openDatabase('sqlite::memory:');
  const audit = createAuditLog(database, { checkpointEvery: 1000, flushIntervalMs: 600_000 });
  const config = parseConfig(
    { mcp: { tools: { crm__export: { approval: 'required' } } }, retention: opts.retention ?? {} },
    {},
  );
  const held: Array<(a: Approval) => void> = [];
  const approvals = createApprovals({
    database,
    audit,
    config: mcpPolicy({ crm__export: 'required' }),
    now: () => NOW,
    pollMs: 5,
    onHeld: (a) => held.shift()?.(a),
  });
  const app = adminTestApp(
    {
      config,
      audit,
      database,
      keys: createKeyStore(database, { audit }),
      mcpApprovals: approvals,
      ...(opts.gateway ? { mcpStatus: opts.gateway } : {}),
      now: () => NOW,
    },
    { authenticate: fixedAdmin(role) },
  );
  open.push(async () => {
    await audit.close();
    await database.close();
  });
  return {
    database,
    app,
    approvals,
    async hold(tool, args = {}) {
      const call = toolCall(tool, args);
      const isHeld = new Promise<Approval>((resolve) => held.push(resolve));
      const outcome = approvals.approve(call).then(
        () => 'ran',
        (e: unknown) => (e instanceof McpRefusal ? e.code : String(e)),
      );
      await isHeld;
      return { id: call.callId, outcome };
    },
    request: async (path, init = {}) =>
      app.request(path, {
        method: init.method ?? 'GET',
        ...(init.json !== undefined
          ? { body: JSON.stringify(init.json), headers: { 'content-type': 'application/json' } }
          : {}),
      }),
  };
}

async function json<T = Record<string, unknown>>(res: Response, status = 200): Promise<T> {
  expect(res.status).toBe(status);
  return (await res.json()) as T;
}

describe('admin API: MCP approvals', () => {
  it('lists held calls with masked arguments, and an operator’s approval lets the call run', async () => {
    const h = await harness('operator');
    const first = await h.hold('crm__export', { customer: 'acme', api_key: 'sk-live-0123456789abcdefghij' });
    const list = await json<{ data: Array<Record<string, unknown>> }>(
      await h.request('/api/mcp/approvals?status=pending'),
    );
    expect(list.data).toHaveLength(1);
    expect(list.data[0]).toMatchObject({
      id: first.id,
      object: 'mcp.approval',
      status: 'pending',
      key_id: 'key_ops',
      key_name: 'ops-agent',
      use_case: 'billing',
      server: 'crm',
      tool: 'crm__export',
      created_at: new Date(NOW).toISOString(),
      expires_at: new Date(NOW + 300_000).toISOString(),
      decided_by: null,
    });
    expect(JSON.stringify(list.data[0])).not.toContain('0123456789abcdefghij');
    expect(list.data[0]?.arguments).toMatchObject({ customer: 'acme' });

    const decided = await json(
      await h.request(`/api/mcp/approvals/${first.id}`, { method: 'POST', json: { decision: 'approve' } }),
    );
    expect(decided).toMatchObject({ status: 'approved', decided_by: 'admin:tester', reason: null });
    expect(await first.outcome).toBe('ran');
    expect(await json(await h.request(`/api/mcp/approvals/${first.id}`))).toMatchObject({
      status: 'approved',
    });
    expect(
      (await json<{ data: unknown[] }>(await h.request('/api/mcp/approvals?status=pending'))).data,
    ).toEqual([]);
  });

  it('denies with a reason; the call is refused and the decision is in a chain that verifies', async () => {
    const h = await harness('operator');
    const call = await h.hold('crm__export');
    const res = await h.request(`/api/mcp/approvals/${call.id}`, {
      method: 'POST',
      json: { decision: 'deny', reason: 'not this customer' },
    });
    expect(await json(res)).toMatchObject({ status: 'denied', reason: 'not this customer' });
    expect(await call.outcome).toBe('approval_denied');
    expect((await verifyAudit(h.database)).ok).toBe(true);
    const entries = (await allRows(h.database)).filter((r) => r.target === call.id);
    expect(entries.map((r) => [r.action, r.actor])).toEqual([
      ['mcp.approval.requested', 'key:key_ops'],
      ['mcp.approval.denied', 'admin:tester'],
    ]);
  });

  it('answers 409 for a call already decided, 404 for an unknown one, 400 for a bad decision', async () => {
    const h = await harness('operator');
    const call = await h.hold('crm__export');
    const post = (id: string, json: unknown) =>
      h.request(`/api/mcp/approvals/${id}`, { method: 'POST', json });
    await json(await post(call.id, { decision: 'approve' }));
    const again = await json<{ error: { code: string; message: string } }>(
      await post(call.id, { decision: 'deny' }),
      409,
    );
    expect(again.error).toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/already approved/),
    });
    expect(
      (await json<{ error: { code: string } }>(await post('call_nope', { decision: 'approve' }), 404)).error
        .code,
    ).toBe('not_found');
    expect(
      (await json<{ error: { param: string } }>(await post(call.id, { decision: 'maybe' }), 400)).error.param,
    ).toBe('decision');
    expect((await h.request('/api/mcp/approvals/call_nope')).status).toBe(404);
    expect((await h.request('/api/mcp/approvals?status=stuck')).status).toBe(400);
  });

  it('lets a viewer read but not decide', async () => {
    const h = await harness('viewer');
    const call = await h.hold('crm__export');
    expect((await h.request('/api/mcp/approvals')).status).toBe(200);
    const res = await h.request(`/api/mcp/approvals/${call.id}`, {
      method: 'POST',
      json: { decision: 'approve' },
    });
    expect(res.status).toBe(403);
    expect((await h.approvals.get(call.id))?.status).toBe('pending');
    await h.approvals.decide(call.id, 'deny', 'admin:cleanup');
    await call.outcome;
  });
});

describe('admin API: MCP overview', () => {
  it('counts calls, refusals by code, approvals and median latency per tool, key and use case', async () => {
    const h = await harness('viewer', { gateway: GATEWAY });
    const { key } = await createKeyStore(h.database, { audit: memoryAudit() }).create(
      { name: 'support-bot' },
      'admin:test',
    );
    const at = NOW - HOUR;
    await insertMcpCalls(h.database, [
      mcpCallRow({ id: 'c1', ts: at, latency_ms: 10 }),
      mcpCallRow({ id: 'c2', ts: at, latency_ms: 30 }),
      mcpCallRow({ id: 'c3', ts: at, latency_ms: 20, outcome: 'tool_error' }),
      mcpCallRow({
        id: 'c4',
        ts: at,
        latency_ms: 0,
        outcome: 'refused',
        error_code: 'tool_not_allowed',
        key_id: key.id,
        use_case: 'support',
      }),
      mcpCallRow({ id: 'c5', ts: at, latency_ms: 0, outcome: 'refused', error_code: 'rate_limit_exceeded' }),
      mcpCallRow({ id: 'c6', ts: at, tool: 'crm__export', latency_ms: 900, outcome: 'ok' }),
      mcpCallRow({
        id: 'c7',
        ts: at,
        tool: 'crm__export',
        outcome: 'refused',
        error_code: 'approval_denied',
      }),
      // Outside the last 24 hours: not counted.
      mcpCallRow({ id: 'old', ts: NOW - 30 * HOUR }),
    ]);
    const pending = await h.hold('crm__export');

    const o = await json<Record<string, unknown> & { tools: Array<Record<string, unknown>> }>(
      await h.request('/api/mcp/overview'),
    );
    expect(o).toMatchObject({ object: 'mcp.overview', period: '24h', pending_approvals: 1 });
    expect(o.servers).toEqual([
      expect.objectContaining({
        id: 'crm',
        state: 'up',
        transport: 'http',
        sandboxed: false,
        last_error: null,
      }),
      expect.objectContaining({
        id: 'files',
        state: 'down',
        restarts: 4,
        sandboxed: true,
        last_error: 'exited with code 1',
      }),
    ]);
    expect(o.total).toMatchObject({ calls: 7, ok: 3, tool_errors: 1, refused: 3, p50_latency_ms: 20 });
    expect(o.tools).toEqual([
      expect.objectContaining({
        tool: 'crm__lookup',
        server: 'crm',
        requires_approval: false,
        calls: 5,
        ok: 2,
        tool_errors: 1,
        refused: 2,
        refusals: { tool_not_allowed: 1, rate_limit_exceeded: 1 },
        p50_latency_ms: 20,
      }),
      expect.objectContaining({
        tool: 'crm__export',
        requires_approval: true,
        calls: 2,
        refusals: { approval_denied: 1 },
        approvals: { pending: 1, approved: 0, denied: 0, expired: 0 },
        p50_latency_ms: 900,
      }),
    ]);
    const byKey = o.by_key as Array<Record<string, unknown>>;
    expect(byKey.find((k) => k.key_id === key.id)).toMatchObject({
      key_name: 'support-bot',
      tool: 'crm__lookup',
      calls: 1,
      refused: 1,
    });
    expect(byKey.find((k) => k.key_id === 'key_ops' && k.tool === 'crm__lookup')).toMatchObject({
      calls: 4,
      key_name: null,
    });
    const byUseCase = o.by_use_case as Array<Record<string, unknown>>;
    expect(byUseCase.find((u) => u.use_case === 'support')).toMatchObject({
      calls: 1,
      refusals: { tool_not_allowed: 1 },
    });

    const week = await json<{ total: { calls: number } }>(await h.request('/api/mcp/overview?period=7d'));
    expect(week.total.calls).toBe(8);
    expect((await h.request('/api/mcp/overview?period=1y')).status).toBe(400);
    await h.approvals.decide(pending.id, 'deny', 'admin:cleanup');
    await pending.outcome;
  });

  it('says where its figures start when retention.mcp_calls_days purged part of the period', async () => {
    const period = async (h: Harness, p: string) =>
      (await json<{ retained_from: string | null }>(await h.request(`/api/mcp/overview?period=${p}`)))
        .retained_from;
    const kept = await harness('viewer', { retention: { mcp_calls_days: 3 } });
    // NOW is noon: three days back, rounded down to midnight UTC.
    expect(await period(kept, '7d')).toBe('2026-12-03T00:00:00.000Z');
    expect(await period(kept, '24h')).toBeNull();
    expect(await period(await harness('viewer'), '30d')).toBeNull();
  });

  it('answers an empty overview when Keel fronts no MCP server and nothing was called', async () => {
    const h = await harness('viewer');
    const o = await json(await h.request('/api/mcp/overview?period=1h'));
    expect(o).toMatchObject({
      servers: [],
      tools: [],
      by_key: [],
      by_use_case: [],
      pending_approvals: 0,
      total: { calls: 0, p50_latency_ms: null },
    });
  });
});
