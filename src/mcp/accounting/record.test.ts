import { describe, expect, it } from 'vitest';
import type { AuditEntryInput } from '../../audit/types.js';
import type { McpCallRow } from '../../store/mcp-calls.js';
import { caller, toolCall } from '../testkit.js';
import { McpRefusal } from '../types.js';
import { createRecorder } from './record.js';

function recorder(over: { recordCall?: (r: McpCallRow) => void } = {}) {
  const rows: McpCallRow[] = [];
  const entries: AuditEntryInput[] = [];
  const metrics: unknown[][] = [];
  const errors: unknown[] = [];
  const record = createRecorder({
    recordCall: over.recordCall ?? ((r) => rows.push(r)),
    audit: { append: (e) => entries.push(e) },
    metrics: { recordMcpCall: (...a) => metrics.push(a) },
    knownServer: (id) => id === 'pay',
    needsApproval: (tool) => tool === 'pay__transfer',
    onError: (e) => errors.push(e),
    now: () => 1_800_000_000_250,
  });
  return { record, rows, entries, metrics, errors };
}

describe('MCP call accounting', () => {
  it('records anonymous calls, links held approvals and keeps unknown servers out of metric labels', () => {
    const r = recorder();
    const held = toolCall(caller(null, null), 'pay__transfer', { amount: 5 });
    r.record(held, { kind: 'refused', refusal: new McpRefusal('approval_denied', 'denied by alice') });
    const early = toolCall(caller(null, null), 'pay__transfer', { amount: 5 });
    r.record(early, { kind: 'refused', refusal: new McpRefusal('rate_limit_exceeded', 'slow down') });
    const other = toolCall(caller(null), 'ghost__x');
    r.record(other, { kind: 'ok', result: { content: [] }, resultBytes: 14 });

    expect(r.rows.map((x) => [x.use_case, x.approval_id, x.latency_ms, x.request_bytes])).toEqual([
      ['unassigned', held.callId, 250, 12],
      ['unassigned', null, 250, 12],
      ['reports', null, 250, 2],
    ]);
    expect(r.entries.map((e) => [e.actor, e.action, e.target])).toEqual([
      ['anonymous', 'mcp.refused', held.callId],
      ['anonymous', 'mcp.refused', early.callId],
      ['anonymous', 'mcp.call', other.callId],
    ]);
    expect(r.metrics).toEqual([
      ['pay', 'pay__transfer', 'refused', null, 'approval_denied'],
      ['pay', 'pay__transfer', 'refused', null, 'rate_limit_exceeded'],
      ['other', 'other', 'ok', 0.25, null],
    ]);
  });

  it('never throws: a failing sink is reported and the audit entry still goes out', () => {
    const r = recorder({
      recordCall: () => {
        throw new Error('spool full');
      },
    });
    expect(() =>
      r.record(toolCall(caller(null), 'pay__transfer'), {
        kind: 'ok',
        result: { content: [] },
        resultBytes: 1,
      }),
    ).not.toThrow();
    expect(r.errors).toHaveLength(1);
    expect(r.entries).toHaveLength(1);
  });
});
