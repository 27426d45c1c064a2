import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../audit/log.js';
import { verifyAudit } from '../../audit/verify.js';
import { mcpCallRow } from '../../mcp/testkit.js';
import { usageEvent } from '../../value/testkit.js';
import type { Database } from '../db.js';
import { createMcpCallWriter } from '../mcp-calls.js';
import { createSecurityEventWriter, type SecurityEvent } from '../security-events.js';
import { STORES } from '../testkit.js';
import { createUsageWriter } from '../usage.js';
import { createDurableRecords } from './durable.js';
import { listSegments, openSpool } from './spool.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'keel-durable-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const HOUR = 3_600_000;
let keys = 0;

/** One process's worth of writers behind a spool (background flushes effectively off). */
function processOn(database: Database, dir: string) {
  const spool = openSpool({ dir, fsyncIntervalMs: 10, onError: (e) => expect.fail(String(e)) });
  const durable = createDurableRecords(spool, () => `key-${++keys}`);
  const usage = createUsageWriter(database, {
    flushIntervalMs: HOUR,
    batchSize: 1000,
    onCommitted: durable.usageCommitted,
  });
  const security = createSecurityEventWriter(database, {
    flushIntervalMs: HOUR,
    onError: (e) => expect.fail(String(e)),
    onCommitted: durable.securityCommitted,
  });
  const mcp = createMcpCallWriter(database, {
    flushIntervalMs: HOUR,
    onError: (e) => expect.fail(String(e)),
    onCommitted: durable.mcpCommitted,
  });
  const audit = createAuditLog(database, {
    checkpointEvery: 1000,
    flushIntervalMs: HOUR,
    journal: durable.auditJournal,
  });
  return {
    spool,
    durable,
    usage,
    security,
    audit,
    mcp,
    sink: durable.usageSink(usage),
    recordSecurity: durable.securityRecorder(security),
    recordMcp: durable.mcpRecorder(mcp),
  };
}

function guardEvent(requestId: string): SecurityEvent {
  return {
    ts: Date.now(),
    requestId,
    useCase: 'support',
    keyId: null,
    model: 'gpt-test',
    detector: 'injection',
    direction: 'input',
    action: 'block',
    score: 0.9,
    labels: ['injection'],
    spans: [{ start: 0, end: 4, label: 'injection' }],
    index: 0,
  };
}

describe.each(STORES)('spool replay on $name', (store) => {
  it('writes what a killed process had not committed, and duplicates nothing it had', async () => {
    const database = await store.open();
    try {
      await database.db.deleteFrom('usage_events').execute();
      await database.db.deleteFrom('security_events').execute();
      await database.db.deleteFrom('mcp_calls').execute();
      await database.db.deleteFrom('audit_log').execute();
      await database.db.deleteFrom('audit_checkpoints').execute();
      const dir = path.join(tmp, `a-${keys}-${Date.now()}`);
      const a = processOn(database, dir);
      const now = Date.now();
      const committed = [usageEvent({ ts: now }), usageEvent({ ts: now })];
      for (const e of committed) a.sink.record(e);
      a.recordSecurity(guardEvent(committed[0]!.requestId));
      a.recordMcp(mcpCallRow(`call_${committed[0]!.requestId}`));
      a.audit.append({ actor: 'anonymous', action: 'request.refused', target: committed[1]!.requestId });
      await a.usage.flush();
      await a.security.flush();
      await a.mcp.flush();
      await a.audit.flush();
      // Committed, but the segment is still the active one: a kill now leaves them on disk too.
      expect(a.spool.outstanding).toBe(0);

      const lost = usageEvent({ ts: now });
      a.sink.record(lost);
      a.recordSecurity(guardEvent(lost.requestId));
      a.recordMcp(mcpCallRow(`call_${lost.requestId}`));
      a.audit.append({ actor: 'key:k1', action: 'guard.block', target: lost.requestId, details: { n: 1 } });
      a.audit.append({ actor: 'key:k1', action: 'guard.block', target: lost.requestId, details: { n: 2 } });
      expect(a.spool.outstanding).toBe(5);

      // kill -9: whatever is in the directory now is all the next process gets.
      const after = path.join(tmp, `b-${keys}-${Date.now()}`);
      cpSync(dir, after, { recursive: true });
      a.spool.close();

      const b = processOn(database, after);
      expect(b.spool.orphans).toHaveLength(1);
      const report = await b.durable.replay({
        database,
        usage: b.usage,
        security: b.security,
        audit: b.audit,
        mcp: b.mcp,
      });
      expect(report).toMatchObject({
        segments: 1,
        usage: 3,
        security: 2,
        mcp: 2,
        audit: 2,
        auditAlreadyStored: 1,
      });
      const mcpRows = await database.db.selectFrom('mcp_calls').select('id').execute();
      expect(mcpRows.map((r) => r.id).sort()).toEqual(
        [`call_${committed[0]!.requestId}`, `call_${lost.requestId}`].sort(),
      );

      const usageRows = await database.db.selectFrom('usage_events').select('request_id').execute();
      expect(usageRows.map((r) => r.request_id).sort()).toEqual(
        [...committed.map((e) => e.requestId), lost.requestId].sort(),
      );
      const securityRows = await database.db.selectFrom('security_events').select('request_id').execute();
      expect(securityRows.map((r) => r.request_id).sort()).toEqual(
        [committed[0]!.requestId, lost.requestId].sort(),
      );
      const auditRows = await database.db
        .selectFrom('audit_log')
        .select(['action', 'target', 'details'])
        .orderBy('seq')
        .execute();
      expect(auditRows).toEqual([
        { action: 'request.refused', target: committed[1]!.requestId, details: '{}' },
        { action: 'guard.block', target: lost.requestId, details: '{"n":1}' },
        { action: 'guard.block', target: lost.requestId, details: '{"n":2}' },
      ]);
      expect((await verifyAudit(database)).ok).toBe(true);

      // Replayed and committed: the orphan segment is gone; only b's own active segment is left.
      expect(b.spool.outstanding).toBe(0);
      expect(listSegments(after).map((s) => s.id)).toEqual([b.spool.orphans[0]!.id + 1]);

      // A second replay of the same records (a crash during replay) changes nothing.
      const c = processOn(database, dir);
      const again = await c.durable.replay({
        database,
        usage: c.usage,
        security: c.security,
        audit: c.audit,
        mcp: c.mcp,
      });
      expect(again.auditAlreadyStored).toBe(3);
      expect(await database.db.selectFrom('usage_events').select('id').execute()).toHaveLength(3);
      expect(await database.db.selectFrom('security_events').select('id').execute()).toHaveLength(2);
      expect(await database.db.selectFrom('mcp_calls').select('id').execute()).toHaveLength(2);
      expect(await database.db.selectFrom('audit_log').select('seq').execute()).toHaveLength(3);
      for (const p of [b, c]) {
        await p.usage.close();
        await p.security.close();
        await p.mcp.close();
        await p.audit.close();
        p.spool.close();
      }
      expect(listSegments(after)).toEqual([]);
    } finally {
      await database.close();
    }
  });
});
