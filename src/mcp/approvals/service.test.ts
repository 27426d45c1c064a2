import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../audit/log.js';
import { allRows, clearAudit } from '../../audit/testkit.js';
import type { AuditLog } from '../../audit/types.js';
import { verifyAudit } from '../../audit/verify.js';
import { KeelError } from '../../errors.js';
import { type Database, openDatabase } from '../../store/db.js';
import { connectTo, STORES } from '../../store/testkit.js';
import { createMetrics } from '../../telemetry/metrics.js';
import { McpRefusal, type ToolCall } from '../types.js';
import { type ApprovalOutcome, type Approvals, createApprovals } from './service.js';
import type { Approval } from './store.js';
import { mcpApprovalRow, mcpPolicy, toolCall } from './testkit.js';

const T0 = Date.UTC(2026, 11, 6, 12);
const POLICY = mcpPolicy({ crm__export: 'required', 'shell__*': 'required', shell__echo: 'none' }, '2m');

/** One replica: its own connection, audit log, clock and approval service. */
interface Replica {
  database: Database;
  audit: AuditLog;
  approvals: Approvals;
  clock: { t: number };
  counted: ApprovalOutcome[];
  /** Start `call` and resolve once it is held, with its own outcome. */
  hold(call: ToolCall): Promise<{ running: Promise<void> }>;
}

/** Store errors a waiting call swallowed: none are expected. */
const storeErrors: unknown[] = [];

async function replica(connect: () => Promise<Database>): Promise<Replica> {
  const database = await connect();
  const audit = createAuditLog(database, { checkpointEvery: 1000, flushIntervalMs: 600_000 });
  const clock = { t: T0 };
  const counted: ApprovalOutcome[] = [];
  let waiting: Array<(a: Approval) => void> = [];
  const approvals = createApprovals({
    database,
    audit,
    config: POLICY,
    now: () => clock.t,
    pollMs: 5,
    onError: (e) => storeErrors.push(e),
    metrics: { recordMcpApproval: (d) => counted.push(d) },
    onHeld: (a) => {
      const w = waiting;
      waiting = [];
      for (const f of w) f(a);
    },
  });
  return {
    database,
    audit,
    approvals,
    clock,
    counted,
    async hold(call) {
      const held = new Promise((resolve) => waiting.push(resolve));
      const running = approvals.approve(call);
      // A decision can settle the call while the test still awaits `decide` (on a real server the
      // notification may arrive first): mark the rejection handled; the test inspects it afterwards.
      running.catch(() => {});
      await held;
      return { running };
    },
  };
}

/** What `p` was rejected with, which must be a `type`. */
async function failure<E>(p: Promise<unknown>, type: abstract new (...args: never[]) => E): Promise<E> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(type);
  return e as E;
}
const refusalOf = (p: Promise<unknown>) => failure(p, McpRefusal);
const keelErrorOf = (p: Promise<unknown>) => failure(p, KeelError);

describe.each(STORES)('MCP approvals on $name', (store) => {
  let a: Replica;
  let b: Replica;

  beforeAll(async () => {
    // Two replicas in one process: a SQLite busy wait would block the event loop the other replica
    // needs to finish its transaction, so each connection waits for the lock asynchronously instead.
    const url = store.shared ? await store.fresh() : null;
    const connect =
      url === null ? await connectTo(store) : () => openDatabase(url, { sqliteBusyTimeoutMs: 0 });
    a = await replica(connect);
    b = await replica(connect);
  });
  afterAll(async () => {
    await a.audit.close();
    await b.audit.close();
    await b.database.close();
    await a.database.close();
  });
  beforeEach(async () => {
    await a.database.db.deleteFrom('mcp_approvals').execute();
    await clearAudit(a.database);
    a.clock.t = T0;
    b.clock.t = T0;
    a.counted.length = 0;
    b.counted.length = 0;
  });
  afterEach(() => {
    expect(storeErrors.splice(0)).toEqual([]);
  });

  const actions = async (id: string) =>
    (await allRows(a.database)).filter((r) => r.target === id).map((r) => `${r.action} ${r.actor}`);

  it('lets calls to tools without approval: required through without holding them', async () => {
    await a.approvals.approve(toolCall('crm__lookup'));
    await a.approvals.approve(toolCall('git__status'));
    // Any matching entry that says required holds the call, whatever a narrower entry says.
    expect(a.approvals.requiresApproval('shell__echo')).toBe(true);
    expect(a.approvals.requiresApproval('crm__lookup')).toBe(false);
    expect(await a.approvals.list()).toEqual([]);
  });

  it('holds a call until an operator approves it; the row, metric and audit say who and when', async () => {
    const call = toolCall('crm__export', { customer: 'acme', api_key: 'sk-live-0123456789abcdefghij' });
    const { running } = await a.hold(call);
    expect(await a.approvals.get(call.callId)).toMatchObject({
      status: 'pending',
      expiresAt: T0 + 120_000,
      keyId: 'key_ops',
      keyName: 'ops-agent',
      useCase: 'billing',
      team: 'finance',
      server: 'crm',
      tool: 'crm__export',
    });
    a.clock.t = T0 + 4000;
    const decided = await a.approvals.decide(call.callId, 'approve', 'admin:ann', 'checked the ticket');
    await running;
    expect(decided).toMatchObject({
      status: 'approved',
      decidedBy: 'admin:ann',
      decidedAt: T0 + 4000,
      reason: 'checked the ticket',
    });
    expect(a.counted).toEqual(['approved']);
    expect(await actions(call.callId)).toEqual([
      'mcp.approval.requested key:key_ops',
      'mcp.approval.approved admin:ann',
    ]);
  });

  it('wakes a waiting call at once when the decision is made on its own replica', async () => {
    // Polling once a minute: only the in-process wake-up can let this call through within the test.
    let held: (a: Approval) => void = () => {};
    const heldNow = new Promise<Approval>((resolve) => {
      held = resolve;
    });
    const slow = createApprovals({
      database: a.database,
      audit: a.audit,
      config: POLICY,
      pollMs: 60_000,
      onHeld: (x) => held(x),
    });
    const call = toolCall('crm__export');
    const running = slow.approve(call);
    await heldNow;
    await slow.decide(call.callId, 'approve', 'admin:ann');
    await running;
  });

  it('masks secrets in the held arguments, in the row and in the audit chain', async () => {
    const jwt =
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
    const call = toolCall('crm__export', {
      api_key: 'sk-live-0123456789abcdefghij',
      note: `use token ${jwt} please`,
      where: 'postgres://app:hunter2secret@db.internal/crm',
      limit: 10,
    });
    const { running } = await a.hold(call);
    const row = await a.approvals.get(call.callId);
    const text = JSON.stringify(row?.arguments);
    for (const secret of ['0123456789abcdefghij', jwt, 'hunter2secret']) expect(text).not.toContain(secret);
    expect(row?.arguments).toMatchObject({ limit: 10 });
    expect(String(row?.arguments.note)).toMatch(/^use token .*… please$/);
    const audited = JSON.stringify(await allRows(a.database));
    for (const secret of ['0123456789abcdefghij', jwt, 'hunter2secret'])
      expect(audited).not.toContain(secret);
    await a.approvals.decide(call.callId, 'deny', 'admin:ann');
    await refusalOf(running);
  });

  it('refuses a denied call with approval_denied and the operator’s reason', async () => {
    const call = toolCall('shell__exec', { cmd: 'rm -rf /srv' });
    const { running } = await a.hold(call);
    await a.approvals.decide(call.callId, 'deny', 'admin:ann', 'not on a Sunday');
    const refusal = await refusalOf(running);
    expect(refusal.code).toBe('approval_denied');
    expect(refusal.data).toMatchObject({
      approval_id: call.callId,
      decided_by: 'admin:ann',
      reason: 'not on a Sunday',
    });
    expect(a.counted).toEqual(['denied']);
    expect(await actions(call.callId)).toEqual([
      'mcp.approval.requested key:key_ops',
      'mcp.approval.denied admin:ann',
    ]);
  });

  it('expires a call nobody decides: approval_expired, the row expired by system, and a late decision is a conflict', async () => {
    const call = toolCall('crm__export', {}, { keyId: null });
    const { running } = await a.hold(call);
    a.clock.t = T0 + 120_000;
    const refusal = await refusalOf(running);
    expect(refusal.code).toBe('approval_expired');
    expect(await a.approvals.get(call.callId)).toMatchObject({
      status: 'expired',
      decidedBy: 'system',
      reason: 'timeout',
    });
    const late = await keelErrorOf(b.approvals.decide(call.callId, 'approve', 'admin:bob'));
    expect([late.code, late.status]).toEqual(['conflict', 409]);
    expect(late.message).toMatch(/expired/);
    expect(a.counted).toEqual(['expired']);
    expect(b.counted).toEqual([]);
    expect(await actions(call.callId)).toEqual([
      'mcp.approval.requested anonymous',
      'mcp.approval.expired system',
    ]);
  });

  it('lets another replica decide: the holder sees the decision through the store', async () => {
    const first = toolCall('crm__export', { n: 1 });
    const second = toolCall('crm__export', { n: 2 });
    const { running: runFirst } = await a.hold(first);
    const { running: runSecond } = await a.hold(second);
    expect((await b.approvals.list({ status: 'pending' })).map((x) => x.id)).toEqual([
      second.callId,
      first.callId,
    ]);
    await b.approvals.decide(first.callId, 'approve', 'admin:bob');
    await b.approvals.decide(second.callId, 'deny', 'admin:bob');
    await runFirst;
    expect((await refusalOf(runSecond)).code).toBe('approval_denied');
    expect(b.counted).toEqual(['approved', 'denied']);
    expect(a.counted).toEqual([]);
  });

  it('settles a race between an operator and the timeout exactly once', async () => {
    const rounds = 6;
    for (let i = 0; i < rounds; i++) {
      const call = toolCall('crm__export', { i });
      a.clock.t = T0;
      const running = (await a.hold(call)).running.then(
        () => 'ran' as const,
        (e: unknown) => (e instanceof McpRefusal ? e.code : 'error'),
      );
      // The holder's clock is past the deadline, the operator's is not: both try to settle the row at once.
      a.clock.t = T0 + 120_000;
      const [ran, decided] = await Promise.all([
        running,
        b.approvals.decide(call.callId, 'approve', 'admin:bob').then(
          () => 'approved' as const,
          (e: unknown) => (e instanceof KeelError ? e.code : 'error'),
        ),
      ]);
      const row = await a.approvals.get(call.callId);
      const settled = (await actions(call.callId)).filter((x) => !x.startsWith('mcp.approval.requested'));
      if (decided === 'approved') {
        expect([ran, row?.status, settled]).toEqual(['ran', 'approved', ['mcp.approval.approved admin:bob']]);
      } else {
        expect([decided, ran, row?.status, settled]).toEqual([
          'conflict',
          'approval_expired',
          'expired',
          ['mcp.approval.expired system'],
        ]);
      }
    }
    expect(a.counted.length + b.counted.length).toBe(rounds);
  });

  it('stops waiting when the caller cancels; the row is expired as cancelled', async () => {
    const abort = new AbortController();
    const call = toolCall('shell__exec', { cmd: 'ls' }, { signal: abort.signal });
    const { running } = await a.hold(call);
    abort.abort();
    const refusal = await refusalOf(running);
    expect(refusal.code).toBe('approval_expired');
    expect(refusal.data).toMatchObject({ cancelled: true });
    expect(await a.approvals.get(call.callId)).toMatchObject({
      status: 'expired',
      decidedBy: 'system',
      reason: 'cancelled',
    });
    const late = await keelErrorOf(a.approvals.decide(call.callId, 'approve', 'admin:ann'));
    expect(late.message).toMatch(/cancelled/);
  });

  it('answers not_found for an unknown id and conflict for a second decision', async () => {
    expect((await keelErrorOf(a.approvals.decide('call_nope', 'approve', 'admin:ann'))).code).toBe(
      'not_found',
    );
    const call = toolCall('crm__export');
    const { running } = await a.hold(call);
    await a.approvals.decide(call.callId, 'approve', 'admin:ann');
    await running;
    const again = await keelErrorOf(b.approvals.decide(call.callId, 'deny', 'admin:bob'));
    expect(again.code).toBe('conflict');
    expect(again.message).toMatch(/already approved by admin:ann/);
    expect((await a.approvals.get(call.callId))?.status).toBe('approved');
  });

  it('expires overdue rows whose holder is gone when they are decided or listed', async () => {
    // A replica that held this call stopped: nobody polls the row any more.
    await a.database.db
      .insertInto('mcp_approvals')
      .values(mcpApprovalRow({ id: 'call_orphan', created_at: T0 - 300_000, expires_at: T0 - 180_000 }))
      .execute();
    // An operator's approval past the deadline does not let it run: it expires the row instead.
    const late = await keelErrorOf(b.approvals.decide('call_orphan', 'approve', 'admin:bob'));
    expect([late.code, late.message]).toEqual([
      'conflict',
      expect.stringMatching(/expired before it was decided/),
    ]);
    expect(await b.approvals.list({ status: 'pending' })).toEqual([]);
    expect(await b.approvals.list()).toMatchObject([
      { id: 'call_orphan', status: 'expired', decidedBy: 'system' },
    ]);
  });

  it('keeps every decision in a chain that verifies', async () => {
    const ids: string[] = [];
    for (const decision of ['approve', 'deny'] as const) {
      const call = toolCall('crm__export');
      const { running } = await a.hold(call);
      await b.approvals.decide(call.callId, decision, 'admin:bob');
      await running.catch(() => {});
      ids.push(call.callId);
    }
    const verified = await verifyAudit(a.database);
    expect(verified.ok).toBe(true);
    expect((await allRows(a.database)).map((r) => `${r.action} ${r.target}`)).toEqual([
      `mcp.approval.requested ${ids[0]}`,
      `mcp.approval.approved ${ids[0]}`,
      `mcp.approval.requested ${ids[1]}`,
      `mcp.approval.denied ${ids[1]}`,
    ]);
  });
});

describe('keel_mcp_approvals_total', () => {
  it('counts held calls by how they ended', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.recordMcpApproval('denied');
    metrics.recordMcpApproval('expired');
    metrics.recordMcpApproval('expired');
    const { body } = await metrics.render();
    expect(body).toContain('keel_mcp_approvals_total{decision="denied"} 1');
    expect(body).toContain('keel_mcp_approvals_total{decision="expired"} 2');
  });
});
