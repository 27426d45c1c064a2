import { describe, expect, it } from 'vitest';
import type { AuditLogWriter } from '../audit/log.js';
import { auditActions, auditedChangesSuite, breakAuditInserts } from '../audit/testkit.js';
import { verifyAudit } from '../audit/verify.js';
import { parseConfig } from '../config/load.js';
import type { Database } from '../store/db.js';
import { STORES } from '../store/testkit.js';
import { createAlertService } from './alerts/service.js';
import { createUseCaseRegistry } from './usecases/registry.js';

/** Use-case and alert changes made by an admin are stored with their audit entries or not at all. */
describe.each(STORES)('audited value changes on $name', (store) => {
  let database: Database;
  let audit: AuditLogWriter;

  auditedChangesSuite(store, ['use_case_stages', 'use_cases', 'alerts'], (d, a) => {
    database = d;
    audit = a;
  });

  const actions = () => auditActions(database);

  it('use case create, update and stage change: entries in the chain when the call returns', async () => {
    const registry = createUseCaseRegistry(database, { audit });
    await registry.create('triage', { name: 'Triage' }, 'admin:alice');
    await registry.update('triage', { stage: 'production' }, 'admin:alice', { reason: 'launch' });
    expect(audit.pending).toBe(0);
    expect(await actions()).toEqual([
      'use_case.create triage',
      'use_case.update triage',
      'use_case.stage triage',
    ]);
    const restore = await breakAuditInserts(database);
    try {
      await expect(registry.create('refunds', {}, 'admin:alice')).rejects.toThrow(/audit entry/);
      await expect(
        registry.update('triage', { stage: 'retired', name: 'Old' }, 'admin:alice', { reason: 'x' }),
      ).rejects.toThrow(/audit entry/);
    } finally {
      await restore();
    }
    expect((await registry.list()).map((u) => [u.id, u.name, u.stage])).toEqual([
      ['triage', 'Triage', 'production'],
    ]);
    expect((await registry.history('triage')).map((h) => h.to)).toEqual(['pilot', 'production']);
    // keel.yaml sync goes through the same path.
    await registry.syncFromConfig([{ id: 'refunds', name: 'Refunds' }]);
    expect((await actions()).slice(3)).toEqual(['use_case.create refunds']);
    await audit.close();
    expect((await verifyAudit(database)).problems).toEqual([]);
  });

  it('alert acknowledge and resolve by an admin: audited with the change, or not made', async () => {
    await database.db
      .insertInto('alerts')
      .values({
        id: 'alr_1',
        fingerprint: 'fp',
        rule: 'budget_forecast',
        scope: 'global',
        subject: '*',
        state: 'open',
        severity: 'warning',
        title: 'Budget',
        details: '{}',
        opened_at: 1,
        last_seen_at: 1,
        acknowledged_at: null,
        acknowledged_by: null,
        resolved_at: null,
        resolved_by: null,
        delivery: '[]',
      })
      .execute();
    const alerts = createAlertService({
      database,
      audit,
      config: parseConfig({}, {}).alerts,
      context: () => {
        throw new Error('no rule evaluation in this test');
      },
    });
    const restore = await breakAuditInserts(database);
    try {
      await expect(alerts.acknowledge('alr_1', 'admin:alice', 10)).rejects.toThrow(/audit entry/);
    } finally {
      await restore();
    }
    expect((await alerts.get('alr_1'))?.state).toBe('open');
    await alerts.acknowledge('alr_1', 'admin:alice', 10);
    await alerts.resolve('alr_1', 'admin:bob', 20);
    expect((await alerts.get('alr_1'))?.state).toBe('resolved');
    expect(await actions()).toEqual(['alert.acknowledge alr_1', 'alert.resolve alr_1']);
    await alerts.close();
    await audit.close();
    expect((await verifyAudit(database)).problems).toEqual([]);
  });
});
